"""Throughput of the simulator over a loopback port.

Starts `spacetraders sim serve` (rate limit off, time scale 1000) in a subprocess,
registers agents whose ships total ~1,000, then drives it for --duration seconds with
--concurrency async httpx workers on a mix of GET /my/ships/{s} (60 %), GET market
(25 %) and orbit+navigate (15 %). Prints requests/s and p50/p99 latency, then the same
load in-process over httpx.ASGITransport (no sockets, no uvicorn) for comparison: the
ratio shows how much of the cost is HTTP transport rather than the simulator itself.

    python bench/sim_throughput.py [--duration 10] [--concurrency 50] [--ships 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter

import httpx

SERVE = "from spacetraders.cli.sim import app; app()"
PROBES_PER_AGENT = 49


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(base: str, proc: subprocess.Popen[str]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if proc.poll() is not None:
                raise SystemExit(f"simulator exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                await client.get(f"{base}/_sim/health", timeout=1)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise SystemExit("simulator did not start")


async def setup_fleet(client: httpx.AsyncClient, ships_wanted: int) -> list[tuple[str, str, str, list[str]]]:
    """(token, ship, system, market waypoints) for every ship."""
    fleet = []
    for n in range(max(1, ships_wanted // (PROBES_PER_AGENT + 1))):
        r = await client.post("/register", json={"symbol": f"BENCH{n}", "faction": "COSMIC"},
                              headers={"Authorization": "Bearer bench-account"})
        r.raise_for_status()
        data = r.json()["data"]
        hq = data["agent"]["headquarters"]
        system = hq.rsplit("-", 1)[0]
        if n == 0:
            r = await client.get(f"/systems/{system}/waypoints", params={"traits": "MARKETPLACE", "limit": 20})
            markets = [w["symbol"] for w in r.json()["data"]]
        fleet += [(data["token"], s["symbol"], system, markets) for s in data["ships"]]
    return fleet


async def worker(client: httpx.AsyncClient, fleet, stop_at: float, rng: random.Random,
                 latencies: list[float], statuses: Counter[int]) -> None:
    while time.perf_counter() < stop_at:
        token, ship, system, markets = rng.choice(fleet)
        headers = {"Authorization": f"Bearer {token}"}
        roll = rng.random()
        if roll < 0.60:
            calls = [("GET", f"/my/ships/{ship}", None)]
        elif roll < 0.85:
            calls = [("GET", f"/systems/{system}/waypoints/{rng.choice(markets)}/market", None)]
        else:
            calls = [("POST", f"/my/ships/{ship}/orbit", None),
                     ("POST", f"/my/ships/{ship}/navigate", {"waypointSymbol": rng.choice(markets)})]
        for method, url, body in calls:
            start = time.perf_counter()
            r = await client.request(method, url, json=body, headers=headers)
            latencies.append(time.perf_counter() - start)
            statuses[r.status_code] += 1


async def drive(client: httpx.AsyncClient, fleet, duration: float, concurrency: int) -> tuple[list[float], Counter[int], float]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    rng = random.Random(1)
    started = time.perf_counter()
    await asyncio.gather(*(
        worker(client, fleet, started + duration, random.Random(rng.random()), latencies, statuses)
        for _ in range(concurrency)
    ))
    return latencies, statuses, time.perf_counter() - started


def report(label: str, latencies: list[float], statuses: Counter[int], elapsed: float) -> float:
    q = statistics.quantiles(sorted(latencies), n=100)
    rate = len(latencies) / elapsed
    print(f"{label}: {len(latencies)} requests in {elapsed:.1f} s = {rate:.0f} requests/s, "
          f"p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms; "
          + "statuses " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    return rate


async def in_process(duration: float, concurrency: int, ships: int) -> float:
    from spacetraders.sim.app import create_app
    from spacetraders.sim.config import SimConfig

    app = create_app(SimConfig(enforce_rate_limit=False, time_scale=1000, probes_per_agent=PROBES_PER_AGENT))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim/v2") as client:
        fleet = await setup_fleet(client, ships)
        return report("in-process (ASGITransport)", *await drive(client, fleet, duration, concurrency))


async def run(duration: float, concurrency: int, ships: int) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", str(port), "--no-rate-limit", "--time-scale", "1000",
         "--probes", str(PROBES_PER_AGENT)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        await wait_ready(base, proc)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=f"{base}/v2", limits=limits, timeout=30) as client:
            fleet = await setup_fleet(client, ships)
            print(f"ships: {len(fleet)}  concurrency: {concurrency}")
            loopback = report(f"loopback uvicorn :{port}", *await drive(client, fleet, duration, concurrency))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    local = await in_process(duration, concurrency, ships)
    print(f"in-process / loopback throughput ratio: {local / loopback:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--ships", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.duration, args.concurrency, args.ships))


if __name__ == "__main__":
    main()
