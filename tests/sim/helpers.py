"""A simulator on a fake clock, driven in-process through httpx.ASGITransport.

Requests are synchronous for readable tests: each runs on a fresh event loop.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from spacetraders.clock import FakeClock
from spacetraders.sim.app import create_app
from spacetraders.sim.config import FaultConfig, SimConfig
from spacetraders.sim.simulator import Simulator

_names = itertools.count(1)


class SyncClient:
    """The few httpx.Client methods tests need, over the app's ASGI interface."""

    def __init__(self, app: FastAPI, ip: str = "127.0.0.1") -> None:
        self.app = app
        self.transport = httpx.ASGITransport(app=app, client=(ip, 50000))

    def from_ip(self, ip: str) -> None:
        """Send the next requests from another client address."""
        self.transport = httpx.ASGITransport(app=self.app, client=(ip, 50000))

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://sim") as client:
                return await client.request(method, url, **kw)

        return asyncio.run(send())

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def patch(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", url, **kw)


@dataclass
class Harness:
    client: SyncClient
    clock: FakeClock
    sim: Simulator
    token: str = field(default="", repr=False)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(f"/v2{path}", headers=kw.pop("headers", self.auth), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(f"/v2{path}", json=json, headers=kw.pop("headers", self.auth), **kw)

    def patch(self, path: str, json: Any = None) -> Any:
        return self.client.patch(f"/v2{path}", json=json, headers=self.auth)

    def register(self, symbol: str | None = None, faction: str = "COSMIC", account: str = "account-token") -> dict[str, Any]:
        symbol = symbol or f"AGENT{next(_names)}"
        r = self.client.post(
            "/v2/register", json={"symbol": symbol, "faction": faction}, headers={"Authorization": f"Bearer {account}"}
        )
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()["data"]
        self.token = data["token"]
        return data


def harness(
    seed: int = 1,
    *,
    rate_limit: bool = False,
    time_scale: float = 1.0,
    probes: int = 3,
    faults: FaultConfig | None = None,
    systems: int = 3,
) -> Harness:
    clock = FakeClock()
    config = SimConfig(
        seed=seed, time_scale=time_scale, probes_per_agent=probes, enforce_rate_limit=rate_limit,
        faults=faults or FaultConfig(), clock=clock, systems=systems,
    )
    app = create_app(config)
    return Harness(SyncClient(app), clock, app.state.sim)


def error(response: Any) -> dict[str, Any]:
    """The error object of an error envelope (asserting the envelope's shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    err: dict[str, Any] = body["error"]
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["code"], int)
    return err
