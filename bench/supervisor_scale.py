"""How does one daemon process scale with the number of concurrent containers?

For each N (default 10, 100, 1000): a fresh SQLite database, the simulator on a loopback
port (rate limit off), N/10 agents with 10 probes each, and N SleepCommand containers
(one per ship: `get_ship` then sleep --sleep seconds; iteration 2 raises, so every
container fails once and is replaced under the restart policy). One real daemon process
(`python -m spacetraders.supervisor`, default heartbeat/lease/poll) runs them all.

Prints per N:
  ramp        seconds from daemon start until all N are RUNNING
  rss_peak    peak resident memory of the daemon process (VmHWM; target <= 500 MB at 1,000)
  cpu_wait    daemon CPU time / wall time while every container sleeps (heartbeats, polls)
  fail p50/p99  failure -> replacement RUNNING (assignment moved), measured from
              max(old stopped_at, new not_before) so the policy's backoff is excluded
              (target p99 <= 1 s)
  stop        seconds for a graceful stop (SIGTERM -> exit) with N running

    python bench/supervisor_scale.py                 # 10, 100, 1000
    python bench/supervisor_scale.py --sizes 10 100 --sleep 20
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from spacetraders.application import containers as lifecycle
from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import upgrade
from spacetraders.persistence.models import Container, Player, ShipAssignment
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig

SHIPS_PER_AGENT = 10
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Row:
    n: int
    ramp_s: float
    rss_peak_mb: float
    cpu_wait: float
    fail_p50_ms: float
    fail_p99_ms: float
    moved: int
    stop_s: float


def serve_sim(seed: int) -> tuple[str, uvicorn.Server, threading.Thread]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(SimConfig(seed=seed, time_scale=50, enforce_rate_limit=False,
                               probes_per_agent=SHIPS_PER_AGENT))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}/v2", server, thread


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def count(db: Database, *where: object) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Container).where(*where)) or 0)


def wait_for(check, timeout: float, what: str, proc: subprocess.Popen[bytes]) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not check():
        if proc.poll() is not None:
            raise SystemExit(f"daemon exited with {proc.returncode} while waiting for {what}")
        if time.monotonic() - start > timeout:
            raise SystemExit(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)
    return time.monotonic() - start


def setup(db: Database, api_url: str, n: int, sleep_s: float) -> None:
    agents = (n + SHIPS_PER_AGENT - 1) // SHIPS_PER_AGENT
    remaining = n
    with httpx.Client(timeout=30) as http:
        for a in range(agents):
            data = http.post(f"{api_url}/register", json={"symbol": f"BENCH{n}X{a}", "faction": "COSMIC"},
                             headers={"Authorization": "Bearer bench-account"}).json()["data"]
            ships = [s["symbol"] for s in data["ships"] if s["registration"]["role"] != "COMMAND"]
            with db.transaction() as uow:
                player = uow.players.add(Player(agent_symbol=f"BENCH{n}X{a}", token=data["token"],
                                                faction="COSMIC", created_at=utcnow()))
                for ship in ships[: min(SHIPS_PER_AGENT, remaining)]:
                    lifecycle.create_container(
                        uow, player_id=player.player_id, command_type="SleepCommand",
                        params={"ship_symbol": ship, "seconds": sleep_s, "iterations": 0, "fail_at_iteration": 2},
                        id_prefix=f"bench-{ship.lower()}", now=utcnow())
                    remaining -= 1


def failure_latencies(db: Database) -> tuple[list[float], int]:
    """Seconds from max(old stopped_at, new not_before) to new started_at, and how many replacements
    hold their ship's active assignment."""
    old = aliased(Container)
    with db.read() as s:
        rows = s.execute(
            select(old.stopped_at, Container.not_before, Container.started_at)
            .join(old, Container.restarted_from == old.container_id)
            .where(Container.started_at.is_not(None))
        ).all()
        moved = s.scalar(
            select(func.count()).select_from(ShipAssignment)
            .join(Container, Container.container_id == ShipAssignment.container_id)
            .where(ShipAssignment.status == "active", Container.restarted_from.is_not(None))
        )
    return [(started - max(stopped, not_before)).total_seconds() for stopped, not_before, started in rows], int(moved or 0)


def run_one(n: int, sleep_s: float, seed: int) -> Row:
    api_url, server, thread = serve_sim(seed)
    try:
        with tempfile.TemporaryDirectory(prefix="st-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            db = Database(url)
            upgrade(db)
            setup(db, api_url, n, sleep_s)
            env = {**os.environ, "SPACETRADERS_DATABASE_URL": url, "SPACETRADERS_API_URL": api_url,
                   "SPACETRADERS_DATA_DIR": tmp}
            with open(f"{tmp}/daemon.log", "wb") as log:
                proc = subprocess.Popen([sys.executable, "-m", "spacetraders.supervisor"], env=env,
                                        stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            try:
                ramp = wait_for(lambda: count(db, Container.status == "RUNNING") >= n, 120, "all running", proc)
                with db.read() as s:
                    first_start = s.scalar(select(func.min(Container.started_at)))
                # Every container now sleeps until its second iteration: measure the idle cost.
                time.sleep(1.0)
                window_end = first_start.timestamp() + sleep_s - 1.0
                c0, w0 = cpu_seconds(proc.pid), time.monotonic()
                time.sleep(max(1.0, window_end - time.time()))
                cpu_wait = (cpu_seconds(proc.pid) - c0) / (time.monotonic() - w0)
                wait_for(lambda: count(db, Container.status == "RUNNING", Container.restarted_from.is_not(None)) >= n,
                         sleep_s + 120, "all replacements running", proc)
                latencies, moved = failure_latencies(db)
                rss = rss_peak_mb(proc.pid)
                t = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=120)
                stop_s = time.monotonic() - t
            finally:
                if proc.poll() is None:
                    proc.kill()
            db.dispose()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
    return Row(n, ramp, rss, cpu_wait, statistics.median(latencies) * 1000, p99 * 1000, moved, stop_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--sleep", type=float, default=30.0, help="seconds each container sleeps per iteration")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rows = []
    print(f"{'N':>6} {'ramp s':>7} {'rss peak MB':>12} {'cpu wait':>9} {'fail p50 ms':>12} {'fail p99 ms':>12} "
          f"{'moved':>6} {'stop s':>7}")
    for n in args.sizes:
        r = run_one(n, args.sleep, args.seed)
        rows.append(r)
        print(f"{r.n:>6} {r.ramp_s:>7.1f} {r.rss_peak_mb:>12.1f} {r.cpu_wait:>8.1%} {r.fail_p50_ms:>12.0f} "
              f"{r.fail_p99_ms:>12.0f} {r.moved:>6} {r.stop_s:>7.1f}", flush=True)
    base = rows[0]
    for r in rows[1:]:
        print(f"x{r.n // base.n} containers: rss x{r.rss_peak_mb / base.rss_peak_mb:.2f}, "
              f"cpu_wait x{r.cpu_wait / max(base.cpu_wait, 1e-9):.1f}, fail p99 x{r.fail_p99_ms / max(base.fail_p99_ms, 1e-9):.2f}")
    worst = rows[-1]
    print(f"targets at N={worst.n}: rss {worst.rss_peak_mb:.0f} MB (<= 500), fail p99 {worst.fail_p99_ms:.0f} ms (<= 1000)")


if __name__ == "__main__":
    main()
