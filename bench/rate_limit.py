"""How close does the shared client-side limiter get to the server's budget, without 429s?

Starts the simulator (rate limiting enforced) on a free loopback port, registers an agent,
then runs several asyncio workers, each with its own client but the same token (so they
share one process-wide limiter), hammering GET /my/agent for --seconds.

Prints: requests/s achieved, the number the server's pool model allows in that window, the
ratio (target >= 0.95) and the 429s received (target 0).

    python bench/rate_limit.py --seconds 60 --workers 4
    python bench/rate_limit.py --base-url http://127.0.0.1:8000/v2   # an already running sim
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from spacetraders.api import SpaceTradersClient


def allowed_requests(seconds: float, static: int = 2, static_window: float = 1.0,
                     burst: int = 30, burst_window: float = 60.0) -> int:
    """Most requests the server's pools (NOTES.md §7) accept in [0, seconds) from a client
    that always has one waiting: a fresh static window opens every second and a fresh
    burst window every minute, each refilling its whole pool."""
    return static * math.ceil(seconds / static_window) + burst * math.ceil(seconds / burst_window)


@dataclass
class CountingTransport(httpx.AsyncBaseTransport):
    """Records each request's send time and response status."""

    inner: httpx.AsyncBaseTransport = field(default_factory=httpx.AsyncHTTPTransport)
    sends: list[tuple[float, int]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = time.monotonic()
        response = await self.inner.handle_async_request(request)
        self.sends.append((sent, response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(port: int) -> None:
    """Run the simulator with rate limiting on, in a daemon thread; return once it listens."""
    import uvicorn

    from spacetraders.sim.app import create_app
    from spacetraders.sim.config import SimConfig

    app = create_app(SimConfig(seed=1, time_scale=1.0, enforce_rate_limit=True))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, name="simulator", daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("simulator did not start within 20 s")
        time.sleep(0.05)


async def run(base_url: str, seconds: float, workers: int, symbol: str) -> int:
    async with SpaceTradersClient(base_url) as anonymous:
        registered = await anonymous.register(symbol, "COSMIC", "bench-account-token")
    # register drew on the per-IP static pool; let it refill so the token's limiter
    # (which did not see that request) starts in step with the server.
    await asyncio.sleep(1.2)

    transport = CountingTransport()
    clients = [SpaceTradersClient(base_url, registered.token, transport=transport) for _ in range(workers)]

    async def hammer(client: SpaceTradersClient) -> None:
        while True:
            await client.get_agent()

    start = time.monotonic()
    tasks = [asyncio.create_task(hammer(c)) for c in clients]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    await transport.aclose()

    in_window = [status for sent, status in transport.sends if start <= sent < start + seconds]
    statuses = Counter(in_window)
    ok, limited = statuses.get(200, 0), statuses.get(429, 0)
    allowed = allowed_requests(seconds)
    ratio = ok / allowed
    print(f"window               {seconds:.0f} s, {workers} workers sharing one token")
    print(f"successful requests  {ok}  ({ok / seconds:.2f} req/s)")
    print(f"allowed by the pools {allowed}  ({allowed / seconds:.2f} req/s: 2 per 1 s + 30 per 60 s)")
    print(f"achieved / allowed   {ratio:.3f}  (target >= 0.95)")
    print(f"429 responses        {limited}  (target 0)")
    other = {s: n for s, n in statuses.items() if s not in (200, 429)}
    if other:
        print(f"other statuses       {other}")
    return 0 if ratio >= 0.95 and limited == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--base-url", help="use a running simulator instead of starting one")
    parser.add_argument("--symbol", default=f"BENCH{int(time.time()) % 100000}")
    args = parser.parse_args(argv)
    base_url = args.base_url
    if base_url is None:
        port = free_port()
        start_simulator(port)
        base_url = f"http://127.0.0.1:{port}/v2"
    return asyncio.run(run(base_url, args.seconds, args.workers, args.symbol))


if __name__ == "__main__":
    sys.exit(main())
