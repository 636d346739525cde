"""What keeps the visualiser safe to leave running: trusted Host headers, security headers, JSON errors.

- Host: a web page on another site can make a browser send requests to 127.0.0.1 under its own
  name (DNS rebinding); accepting only loopback names (plus `serve --allow-host`) stops that.
- Headers: the page loads only its own script and style, cannot be framed, sends no referrer.
- Errors: every error body is JSON (`{"detail": ...}`), also the ones Starlette writes as plain
  text (a rejected Host, an unhandled exception).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spacetraders.errors import ConfigError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

# The map needs nothing but its own files and API; the interactive API docs (/docs) load
# Swagger UI from its CDN with an inline bootstrap script, so they get a policy of their own.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def allowed_hosts(extra: Iterable[str] = (), *, bind_host: str | None = None) -> list[str]:
    """Loopback names, the address the server is bound to when it is a specific one, and `extra`."""
    hosts = list(LOOPBACK_HOSTS)
    if bind_host and bind_host not in ("0.0.0.0", "::", ""):
        hosts.append(f"[{bind_host}]" if ":" in bind_host and not bind_host.startswith("[") else bind_host)
    for host in extra:
        name = check_allowed_host(host)
        if ":" in name and not name.startswith("["):  # an IPv6 literal, as a Host header writes it
            name = f"[{name}]"
        if name not in hosts:
            hosts.append(name)
    return hosts


def check_allowed_host(host: str) -> str:
    """A valid `--allow-host` value: a host name, an IP address, or `*.domain` (no port, no scheme)."""
    name = host.strip().lower()
    bare = name[2:] if name.startswith("*.") else name
    if not bare or "*" in bare or "/" in bare or any(c.isspace() for c in bare) or bare.count(":") == 1:
        raise ConfigError(f"invalid --allow-host {host!r}: give a host name or address without port, e.g. fleet.lan")
    return name


def install(app: FastAPI, hosts: Sequence[str]) -> None:
    """Put `app` behind the Host check, with security headers and JSON error bodies."""
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts), www_redirect=False)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(JsonErrors)  # added last: the outermost, so it sees the Host check's answer

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the traceback; the client gets no detail of the failure.
        return JSONResponse({"detail": "internal server error (see the server's log)"}, status_code=500)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in DOCS_PATHS else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                message = {**message, "headers": [*headers, (b"content-security-policy", csp.encode()),
                                                  *COMMON_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class JsonErrors:
    """Rewrites a non-JSON error response (status >= 400) into `{"detail": <its text>}`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pending: dict[str, Any] = {}

        async def send_json_errors(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] >= 400 and not _is_json(message.get("headers", [])):
                    pending.update(start=message, body=b"")
                    return
            elif message["type"] == "http.response.body" and pending:
                pending["body"] += message.get("body", b"")
                if message.get("more_body", False):
                    return
                start = pending.pop("start")
                text = pending.pop("body").decode("utf-8", "replace").strip() or "error"
                await _send_json(send, start["status"], {"detail": text}, start.get("headers", []))
                return
            await send(message)

        await self.app(scope, receive, send_json_errors)


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and b"json" in v.lower() for k, v in headers)


async def _send_json(send: Send, status: int, data: dict[str, Any], headers: Iterable[tuple[bytes, bytes]]) -> None:
    body = json.dumps(data).encode()
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-type", b"content-length")]
    await send({"type": "http.response.start", "status": status,
                "headers": [*kept, (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
