"""`spacetraders demo`: the whole story, offline, in about a minute.

A throw-away SQLite database and the simulator on a free loopback port with fast game
time; an agent is registered, a daemon started, every market of the HQ system scouted
with the probes; one tour is made to fail, and the replacement container with its moved
assignment is shown; a probe is bought at the nearest shipyard and the ledger shows it;
then the tours exactly as the visualiser's API returns them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import text

from spacetraders.application.players import register_player
from spacetraders.application.scouting import ScoutRequest, scout_markets
from spacetraders.cli.context import app_context
from spacetraders.clock import utcnow
from spacetraders.domain.navigation import system_of
from spacetraders.errors import SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import ensure_schema
from spacetraders.settings import Settings
from spacetraders.supervisor import process
from spacetraders.supervisor.config import DaemonConfig

T = TypeVar("T")
AGENT = "DEMO"
PROBE = "SHIP_PROBE"
TIME_SCALE = 100.0  # a probe's 12-minute hop takes about 7 real seconds
LOOPBACK = "127.0.0.1"

# Which ship drives which live container: the join every dashboard uses (DESIGN.md).
DASHBOARD_JOIN = text(
    "SELECT sa.ship_symbol, sa.container_id, c.status, c.restarted_from, c.restart_count "
    "FROM ship_assignments sa JOIN containers c "
    "ON sa.container_id = c.container_id AND sa.player_id = c.player_id "
    "WHERE sa.status = 'active' AND c.status IN ('RUNNING','STARTING') ORDER BY sa.ship_symbol"
)


class DemoError(SpacetradersError):
    """A step of the demo did not happen in time."""


@dataclass
class Demo:
    workdir: Path
    console: Console
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    settings: Settings = field(init=False)
    db: Database = field(init=False)
    player_id: int = 0
    system: str = ""
    probes: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            "SPACETRADERS_DATA_DIR": str(self.workdir),
            "SPACETRADERS_DATABASE_URL": self.settings.database_url,
            "SPACETRADERS_API_URL": self.settings.api_url,
            "SPACETRADERS_PLAYER": AGENT,
        }

    # -- steps ------------------------------------------------------------------------------

    def start_simulator(self) -> None:
        port = free_port()
        self.spawn("sim", "serve", "--host", LOOPBACK, "--port", str(port), "--seed", "42",
                   "--time-scale", str(TIME_SCALE), log="simulator.log")
        base = f"http://{LOOPBACK}:{port}"
        wait_for(lambda: _healthy(f"{base}/_sim/health"), 20, "the simulator did not start")
        self.settings = Settings(database_url=f"sqlite:///{self.workdir / 'demo.db'}", api_url=f"{base}/v2",
                                 player=AGENT)
        os.environ.update(self.env)  # the daemon's pidfile, log and database live in the work dir
        self.db = Database(self.settings.database_url)
        ensure_schema(self.db)

    def register(self) -> str:
        async def go() -> tuple[int, str, list[str]]:
            from spacetraders.api.client import SpaceTradersClient

            async with SpaceTradersClient(self.settings.api_url) as public:
                player = await register_player(self.db, public, symbol=AGENT, faction="COSMIC",
                                               account_token="demo-account", now=utcnow())
            async with SpaceTradersClient(self.settings.api_url, player.token) as api:
                ships = await api.list_ships()
            probes = [s.symbol for s in ships if s.fuel.capacity == 0]
            return player.player_id, player.headquarters or "", probes

        self.player_id, hq, self.probes = asyncio.run(go())
        self.system = system_of(hq)
        return hq

    def start_daemon(self) -> process.Started:
        config = DaemonConfig(lease_s=10.0, heartbeat_s=2.0, poll_s=0.5, stop_grace_s=5.0)
        return process.start_detached(self.settings, self.db, config)

    def scout(self) -> Any:
        async def go() -> Any:
            from spacetraders.api.client import SpaceTradersClient

            with self.db.read() as session:
                token = session.execute(text("SELECT token FROM players WHERE player_id = :p"),
                                        {"p": self.player_id}).scalar_one()
            async with SpaceTradersClient(self.settings.api_url, token) as api:
                request = ScoutRequest.parse(ships=self.probes, system=self.system, min_interval=0)
                return await scout_markets(self.db, api, request, player_id=self.player_id, now=utcnow())

        return asyncio.run(go())

    def markets_with_data(self) -> int:
        with self.db.read() as session:
            return int(session.execute(text("SELECT count(*) FROM markets WHERE system_symbol = :s"),
                                       {"s": self.system}).scalar_one())

    def tours(self) -> list[tuple[Any, ...]]:
        with self.db.read() as session:
            return [tuple(r) for r in session.execute(DASHBOARD_JOIN)]

    def inject_failure(self, ship: str) -> None:
        # An invalid-token answer is not transient: the tour fails and the supervisor restarts it.
        response = httpx.post(f"{self.settings.api_url.removesuffix('/v2')}/_sim/ships/{ship}/fail-next",
                              json={"count": 1, "status": 401, "code": 4104, "message": "injected by the demo"})
        response.raise_for_status()

    # -- act: buy a probe, see it in the ledger ------------------------------------------------

    def buy_probe(self) -> dict[str, Any]:
        """`shipyard purchase SHIP_PROBE`: bought now where a ship of ours is at a yard, else by a
        container the daemon runs (it flies a buyer there first)."""
        from spacetraders.api.client import SpaceTradersClient
        from spacetraders.application.ship_purchases import PurchaseRequest, purchase_ships

        async def go() -> dict[str, Any]:
            # The daemon's tours draw on the same account budget (2/s + burst): wait out more 429s.
            async with SpaceTradersClient(self.settings.api_url, self._token(), max_attempts=30) as api:
                outcome = await purchase_ships(self.db, api, self.player_id, PurchaseRequest.parse(PROBE), now=utcnow())
            return outcome.as_dict()

        return asyncio.run(go())

    def container_status(self, container_id: str) -> str:
        """The status of the newest container of a chain (a restart continues the run)."""
        with self.db.read() as session:
            return str(session.execute(text(
                "SELECT status FROM containers WHERE player_id = :p AND (container_id = :c OR restarted_from = :c) "
                "ORDER BY created_at DESC LIMIT 1"), {"p": self.player_id, "c": container_id}).scalar_one())

    def ledger(self) -> dict[str, Any]:
        """The ledger rows (oldest first) and the totals by kind, as `ledger list/report --by kind` show them."""
        from spacetraders.application.ledger import list_view, report_view
        from spacetraders.persistence.ledger import LedgerFilter, ReportBy

        only_us = LedgerFilter(player_id=self.player_id)
        return {"entries": list(reversed(list_view(self.db, only_us, limit=50)["entries"])),
                "by_kind": report_view(self.db, only_us, ReportBy.KIND)}

    def _token(self) -> str:
        with self.db.read() as session:
            return str(session.execute(text("SELECT token FROM players WHERE player_id = :p"),
                                       {"p": self.player_id}).scalar_one())

    def api_tours(self) -> dict[str, Any]:
        from spacetraders.web.app import create_app

        async def go() -> dict[str, Any]:
            transport = httpx.ASGITransport(app=create_app(self.db))
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                response = await client.get(f"/api/bot/tours/{self.system}", params={"player_id": self.player_id})
                response.raise_for_status()
                return dict(response.json())

        return asyncio.run(go())

    def start_serve(self) -> str:
        port = free_port()
        self.spawn("serve", "--host", LOOPBACK, "--port", str(port), log="serve.log")
        url = f"http://{LOOPBACK}:{port}"
        wait_for(lambda: _healthy(f"{url}/api/players"), 20, "the map server did not start")
        return url

    def shut_down(self) -> None:
        """Stop the daemon and the child servers, then remove the work directory."""
        if hasattr(self, "db"):
            try:
                process.stop(self.db, daemon_id=None, timeout=15)
            except SpacetradersError as exc:
                self.console.print(f"[yellow]{exc}[/]")
            self.db.dispose()
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def spawn(self, *args: str, log: str) -> None:
        out = open(self.workdir / log, "ab")  # noqa: SIM115 - the child keeps it for its life
        child = subprocess.Popen([sys.executable, "-m", "spacetraders.cli.main", *args], stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=out,
                                 env={**os.environ, "SPACETRADERS_DATA_DIR": str(self.workdir)},
                                 start_new_session=True)
        self.children.append(child)


def demo(
    ctx: typer.Context,
    keep: bool = typer.Option(False, "--keep", help="Leave the simulator, daemon and map server running."),
) -> None:
    """The whole story offline: simulator, daemon, scout tours, a failure and its restart, the map API."""
    app = app_context(ctx)
    console = app.console if not app.json else Console(stderr=True)
    workdir = Path(tempfile.mkdtemp(prefix="spacetraders-demo-"))
    story = Demo(workdir, console)
    summary: dict[str, Any] = {"workdir": str(workdir)}
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[note]}"),
                      TimeElapsedColumn(), console=console, transient=False) as bar:
            step(bar, "start the simulator on a loopback port", story.start_simulator)
            hq = step(bar, "register agent DEMO", story.register)
            summary |= {"api_url": story.settings.api_url, "database_url": story.settings.database_url,
                        "system": story.system, "probes": story.probes, "headquarters": hq}
            started = step(bar, "start the daemon", story.start_daemon)
            summary["daemon_pid"] = started.pid
            result = step(bar, f"scout every market of {story.system} with {len(story.probes)} probes", story.scout)
            summary["plan"] = result.as_dict()
            total = len(result.markets)
            wait_progress(bar, "tours running", len(story.probes), lambda: sum(r[2] == "RUNNING" for r in story.tours()), 30)
            wait_progress(bar, "markets read (prices stored)", min(total, 2 * len(story.probes)),
                          story.markets_with_data, 60)
            victim = story.probes[0]
            before = {r[0]: r[1] for r in story.tours()}
            step(bar, f"inject a failure into {victim}'s tour", lambda: story.inject_failure(victim))
            wait_progress(bar, "supervisor restarts it as a new container (after backoff)", 1,
                          lambda: int(_replaced(story.tours(), victim, before[victim])), 60)
            summary |= buy_probe_act(bar, story)
        rows = story.tours()
        summary["restarted"] = {"ship": victim, "old_container": before[victim],
                                "new_container": next(r[1] for r in rows if r[0] == victim)}
        summary["assignments"] = [dict(zip(("ship", "container", "status", "restarted_from", "restarts"), r))
                                  for r in rows]
        tours = story.api_tours()
        summary["tours"] = tours
        if keep:
            summary["map_url"] = story.start_serve()
            summary["env"] = story.env
            env = " ".join(f"{k}={v}" for k, v in story.env.items())
            pids = " ".join(str(c.pid) for c in story.children)
            summary["stop_command"] = f"env {env} spacetraders daemon stop; kill {pids}; rm -r {workdir}"
        if keep:
            (workdir / "demo.pids").write_text("".join(f"{c.pid}\n" for c in story.children))
    except BaseException:
        story.shut_down()
        raise
    if not keep:
        story.shut_down()
    app.emit(summary, lambda c: render(c, summary, keep))


def buy_probe_act(bar: Progress, story: Demo) -> dict[str, Any]:
    """Buy one probe and read the ledger that recorded it."""
    bought = step(bar, f"buy a {PROBE} at the nearest shipyard", story.buy_probe)
    if bought["container_id"]:  # no ship of ours at a yard: the daemon flies a buyer there, then buys
        wait_progress(bar, f"{bought['buyer']} flies to {bought['waypoint']} and buys", 1,
                      lambda: int(story.container_status(bought["container_id"]) == "COMPLETED"), 60)
    return {"ship_purchase": bought, "ledger": story.ledger()}


def step(bar: Progress, description: str, action: Callable[[], T]) -> T:
    task = bar.add_task(description, total=1, note="")
    value = action()
    bar.update(task, completed=1, note="done")
    return value


def wait_progress(bar: Progress, description: str, goal: int, measure: Callable[[], int], timeout: float) -> None:
    task = bar.add_task(description, total=goal, note="")
    deadline = time.monotonic() + timeout
    while (value := measure()) < goal:
        bar.update(task, completed=value, note=f"{value}/{goal}")
        if time.monotonic() > deadline:
            raise DemoError(f"demo step '{description}' did not finish within {timeout:g} s")
        time.sleep(0.5)
    bar.update(task, completed=goal, note=f"{goal}/{goal}")


def render(console: Console, summary: dict[str, Any], keep: bool) -> None:
    r = summary["restarted"]
    console.print(f"\n[bold]{r['ship']}[/]: container [red]{r['old_container']}[/] failed; "
                  f"the supervisor replaced it with [green]{r['new_container']}[/] and moved the assignment.")
    table = Table(title="Ship assignments joined to live containers (what every dashboard reads)")
    for column in ("ship", "container", "status", "restarted from", "restarts"):
        table.add_column(column)
    for a in summary["assignments"]:
        table.add_row(a["ship"], a["container"], a["status"], a["restarted_from"] or "-", str(a["restarts"]))
    console.print(table)
    render_ledger(console, summary)
    console.print(f"\nGET /api/bot/tours/{summary['system']} returned:")
    console.print_json(json.dumps(summary["tours"]))
    if keep:
        env = " ".join(f"{k}={v}" for k, v in summary["env"].items())
        console.print(f"\n[bold]The map:[/] {summary['map_url']}\n"
                      f"Simulator, daemon and map server keep running (files in {summary['workdir']}).\n"
                      f"Use them with:\n  export {env}\n"
                      f"Stop everything with:\n  {summary['stop_command']}", soft_wrap=True)
    else:
        console.print("\nEverything was stopped and removed. Run [bold]spacetraders demo --keep[/] to leave the "
                      "simulator, the daemon and the map server running and open the map in a browser.")


def render_ledger(console: Console, summary: dict[str, Any]) -> None:
    bought = summary["ship_purchase"]
    how = ("bought at once: a ship of ours was there" if bought["path"] == "immediate"
           else f"container {bought['container_id']} flew {bought['buyer']} there first")
    console.print(f"\n[bold]{PROBE}[/] at {bought['waypoint']} ({how}).")
    table = Table(title="The ledger: every credit the bot moved (`spacetraders ledger list`)")
    for column in ("kind", "ship", "good", "total", "credits after", "reference"):
        table.add_column(column, justify="right" if column in ("total", "credits after") else "left")
    for e in summary["ledger"]["entries"]:
        table.add_row(e["kind"], e["ship_symbol"] or "-", e["good"] or "-", f"{e['total']:,}",
                      f"{e['credits_after']:,}", e["reference"] or "-")
    console.print(table)
    totals = ", ".join(f"{g['key']} {g['net']:,} ({g['entries']})" for g in summary["ledger"]["by_kind"]["groups"])
    console.print(f"by kind: {totals}; net {summary['ledger']['by_kind']['total']['net']:,} credits")


def _replaced(rows: list[tuple[Any, ...]], ship: str, old: str) -> bool:
    return any(r[0] == ship and r[1] != old and r[2] == "RUNNING" and r[3] is not None for r in rows)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise DemoError(message)
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])
