"""`spacetraders scout ...`: plan and start scout tours."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application.scouting import ScoutRequest, ScoutResult, scout_markets
from spacetraders.cli.context import app_context
from spacetraders.clock import utcnow

app = typer.Typer(help="Scout markets with probes or other ships.", no_args_is_help=True)


@app.command()
def markets(
    ctx: typer.Context,
    ships: str = typer.Option(..., "--ships", help="Comma-separated ship symbols, e.g. COOPER-2,COOPER-3."),
    system: str = typer.Option(..., "--system", help="System to scout, e.g. X1-TS98."),
    markets: Optional[str] = typer.Option(None, "--markets", help="Comma-separated markets (default: every marketplace)."),
    iterations: int = typer.Option(-1, "--iterations", help="Tours per ship; -1 runs until stopped."),
    min_interval: float = typer.Option(300.0, "--min-interval", help="Skip a market read less than this many seconds ago."),
    replace: bool = typer.Option(False, "--replace", help="Stop containers that hold these ships and take them over."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; start nothing."),
) -> None:
    """Split the system's markets among the ships (shortest longest tour) and start one tour per ship."""
    app = app_context(ctx)
    request = ScoutRequest.parse(ships=ships, system=system, markets=markets, iterations=iterations,
                                 min_interval=min_interval, replace=replace, dry_run=dry_run)
    db = app.database()
    player = app.player()
    assert player is not None

    async def go() -> ScoutResult:
        async with app.api(player.token) as api:
            return await scout_markets(db, api, request, player_id=player.player_id, now=utcnow())

    result = app.run(go())
    app.emit(result.as_dict(), lambda console: render(console, result))


def render(console: Console, result: ScoutResult) -> None:
    title = f"Scout tours of {result.system}" + (" (dry run: nothing started)" if result.dry_run else "")
    table = Table(title=title)
    table.add_column("ship", no_wrap=True)
    table.add_column("markets in visiting order", overflow="fold", ratio=1)
    for column in ("tour time", "start", "action"):
        table.add_column(column, no_wrap=True)
    table.add_column("container", no_wrap=True)
    for t in result.tours:
        table.add_row(
            t.ship_symbol,
            " → ".join(t.markets) or "-",
            _duration(t.cycle_seconds),
            f"+{t.start_delay:.0f}s" if t.start_delay else "now",
            t.action + (f" (was {t.replaced_container_id})" if t.replaced_container_id else ""),
            t.container_id or "-",
        )
    console.print(table)
    if result.makespan_seconds is not None:
        console.print(f"{len(result.markets)} market(s); longest tour {_duration(result.makespan_seconds)}")
    if result.tours and all(t.action == "unchanged" for t in result.tours):
        console.print("nothing to do: these ships already scout these markets")
    for note in result.notes:
        console.print(f"[yellow]{note}[/]")


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
