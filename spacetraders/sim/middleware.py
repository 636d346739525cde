"""Cross-cutting behaviour of every /v2 request, as a plain ASGI middleware (cheap):
the server's Date header and CORS exposure of the rate-limit headers, the per-IP and
per-account rate limiter, random faults, scripted per-ship failures. Control routes
(/_sim/...) pass straight through.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spacetraders.sim.errors import error_envelope
from spacetraders.sim.faults import Fault
from spacetraders.sim.ratelimit import BURST_LIMIT, STATIC_LIMIT, Decision
from spacetraders.sim.simulator import Simulator
from spacetraders.sim.timefmt import http_date

SHIP_ROUTE_PREFIX = "/v2/my/ships/"
# Like the real server (NOTES.md §7): browsers may read the rate-limit headers.
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (
        b"access-control-expose-headers",
        b"Retry-After, x-ratelimit-type, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, "
        b"x-ratelimit-limit-burst, x-ratelimit-limit-per-second",
    ),
]


class SimMiddleware:
    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/v2" or path.startswith("/v2/")):
            await self.app(scope, receive, send)
            return
        sim = self.sim
        now = sim.now()
        headers: list[tuple[bytes, bytes]] = [(b"date", http_date(now).encode()), *CORS_HEADERS]
        if sim.config.enforce_rate_limit:
            decision = sim.limiter.acquire(_client_ip(scope), _account(sim, scope), sim.clock.monotonic())
            limit_headers = decision.headers(now)
            if not decision.allowed:
                body = error_envelope(429, "You have reached your API limit.", _limit_data(decision, limit_headers))
                await _send_json(send, 429, body, headers + _encode(limit_headers))
                return
            headers += _encode(limit_headers)
        fault = sim.faults.roll()
        if fault is Fault.SERVER_ERROR:
            body = error_envelope(500, "Something unexpected went wrong! (injected fault)")
            body["error"]["requestId"] = secrets.token_hex(8)
            await _send_json(send, 500, body, headers[:3])
            return
        if fault is Fault.RATE_LIMIT:
            await _send_json(send, 429, error_envelope(429, "Too many requests (injected upstream limit)."), headers[:3])
            return
        if fault is Fault.SLOW:
            await sim.clock.sleep(sim.config.faults.slow_seconds)
        hold: float | None = None
        if path.startswith(SHIP_ROUTE_PREFIX):
            ship_symbol, _, action = path[len(SHIP_ROUTE_PREFIX) :].partition("/")
            ship_symbol = ship_symbol.upper()
            scripted = sim.faults.take_scripted(ship_symbol)
            if scripted is not None:
                body = error_envelope(scripted.code, scripted.message, {"shipSymbol": ship_symbol})
                await _send_json(send, scripted.status, body, headers)
                return
            hold = sim.faults.take_hold(ship_symbol, scope.get("method", ""), action)
            if hold is not None:
                await self._held(scope, receive, send, headers, ship_symbol, hold)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _held(self, scope: Scope, receive: Receive, send: Send, headers: list[tuple[bytes, bytes]],
                    ship_symbol: str, seconds: float) -> None:
        """Run the request, count it as executed, and only then (maybe never) answer."""
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            messages.append(message)

        await self.app(scope, receive, keep)
        self.sim.faults.held[ship_symbol] = self.sim.faults.held.get(ship_symbol, 0) + 1
        await asyncio.sleep(seconds)
        try:
            for message in messages:
                await send(message)
        except OSError:
            pass  # the client is gone: that was the point


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _account(sim: Simulator, scope: Scope) -> str | None:
    """The account a request's bearer token belongs to; an unknown token counts as its own."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            authorization = value.decode("latin-1")
            agent = sim.optional_agent(authorization)
            return agent.account_token_digest if agent is not None else "token:" + authorization
    return None


def _limit_data(decision: Decision, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": headers["x-ratelimit-type"],
        "retryAfter": round(decision.retry_after, 3),
        "limitBurst": BURST_LIMIT,
        "limitPerSecond": STATIC_LIMIT,
        "remaining": 0,
        "reset": headers["x-ratelimit-reset"],
    }


def _encode(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in headers.items()]


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})



