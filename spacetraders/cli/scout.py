"""`spacetraders scout ...`: plan and start scout tours, and size a scouting fleet."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application.scout_sizing import SizingRequest, SizingResult, size_scouting
from spacetraders.application.scouting import ScoutRequest, ScoutResult, scout_markets
from spacetraders.cli.context import app_context
from spacetraders.clock import utcnow

app = typer.Typer(help="Scout markets with probes or other ships.", no_args_is_help=True)

OBJECTIVE_HELP = (
    "period (default): shortest longest loop, i.e. freshest data once tours run; "
    "first-pass: every market read once as soon as possible."
)


@app.command()
def markets(
    ctx: typer.Context,
    ships: str = typer.Option(..., "--ships", help="Comma-separated ship symbols, e.g. COOPER-2,COOPER-3."),
    system: str = typer.Option(..., "--system", help="System to scout, e.g. X1-TS98."),
    markets: Optional[str] = typer.Option(None, "--markets", help="Comma-separated markets (default: every marketplace)."),
    iterations: int = typer.Option(-1, "--iterations", help="Tours per ship; -1 runs until stopped."),
    min_interval: float = typer.Option(300.0, "--min-interval", help="Skip a market read less than this many seconds ago."),
    objective: str = typer.Option("period", "--objective", help=OBJECTIVE_HELP),
    replace: bool = typer.Option(False, "--replace", help="Stop containers that hold these ships and take them over."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; start nothing."),
) -> None:
    """Split the system's markets among the ships (shortest longest loop) and start one tour per ship."""
    app = app_context(ctx)
    request = ScoutRequest.parse(ships=ships, system=system, markets=markets, iterations=iterations,
                                 min_interval=min_interval, replace=replace, dry_run=dry_run, objective=objective)
    db = app.database()
    player = app.player()
    assert player is not None

    async def go() -> ScoutResult:
        async with app.api(player.token) as api:
            return await scout_markets(db, api, request, player_id=player.player_id, now=utcnow())

    result = app.run(go())
    app.emit(result.as_dict(), lambda console: render(console, result))


@app.command("plan")
def plan(
    ctx: typer.Context,
    system: str = typer.Option(..., "--system", help="System to scout, e.g. X1-TS98."),
    max_age: str = typer.Option(..., "--max-age", help="Oldest market data you accept, e.g. 10m, 1h30m, 600."),
    ships: Optional[str] = typer.Option(None, "--ships", help="Ships to use, in order of preference (the first k)."),
    probes: Optional[int] = typer.Option(None, "--probes", help="Up to N probes at the headquarters (default: one per stop)."),
) -> None:
    """The fewest ships whose tours keep every market fresher than --max-age, with their plan."""
    app = app_context(ctx)
    request = SizingRequest.parse(system=system, max_age=max_age, ships=ships, probes=probes)
    db = app.database()
    player = app.player()
    assert player is not None

    async def go() -> SizingResult:
        async with app.api(player.token) as api:
            return await size_scouting(db, api, request, now=utcnow())

    result = app.run(go())
    app.emit(result.as_dict(), lambda console: render_sizing(console, result))


def render(console: Console, result: ScoutResult) -> None:
    title = f"Scout tours of {result.system}" + (" (dry run: nothing started)" if result.dry_run else "")
    table = Table(title=title)
    table.add_column("ship", no_wrap=True)
    table.add_column("markets in visiting order", overflow="fold", ratio=1)
    for column in ("loop / first pass", "start", "action"):
        table.add_column(column, no_wrap=True)
    table.add_column("container", no_wrap=True)
    for t in result.tours:
        table.add_row(
            t.ship_symbol,
            " → ".join(t.markets) or "-",
            f"{duration(t.cycle_seconds)} / {duration(t.first_pass_seconds)}",
            f"+{t.start_delay:.0f}s" if t.start_delay else "now",
            t.action + (f" (was {t.replaced_container_id})" if t.replaced_container_id else ""),
            t.container_id or "-",
        )
    console.print(table)
    if result.period_seconds is not None and result.makespan_seconds is not None:
        console.print(
            f"{len(result.markets)} market(s): every market refreshed at least every "
            f"{duration(result.period_seconds)} (longest loop, flight time); first pass complete after "
            f"{duration(result.makespan_seconds)} (objective: {result.objective.value})"
        )
    if result.tours and all(t.action == "unchanged" for t in result.tours):
        console.print("nothing to do: these ships already scout these markets with these settings")
    for t in result.tours:
        if t.action == "kept":
            console.print(f"{t.ship_symbol} gets no market; its container {t.container_id} keeps running "
                          "(--replace stops it)")
    for note in result.notes:
        console.print(f"[yellow]{note}[/]")


def render_sizing(console: Console, result: SizingResult) -> None:
    s, plan = result.sizing, result.sizing.plan
    table = Table(title=f"Scouting {result.system} ({len(result.markets)} markets, {result.fleet})")
    table.add_column("ship", no_wrap=True)
    table.add_column("markets in visiting order", overflow="fold", ratio=1)
    table.add_column("loop", no_wrap=True)
    table.add_column("first pass", no_wrap=True)
    for t in plan.tours:
        table.add_row(t.ship_symbol, " → ".join(t.markets) or "-", duration(t.cycle_seconds), duration(t.seconds))
    console.print(table)
    target = duration(s.max_age_seconds)
    if s.ships_needed is not None:
        console.print(f"{s.ships_needed} of {result.ships_given} ship(s) keep every market under {target}: "
                      f"every market refreshed at least every {duration(plan.period_seconds)}; "
                      f"first pass complete after {duration(plan.makespan_seconds)}")
    else:
        console.print(f"[yellow]{result.ships_given} ship(s) cannot keep every market under {target}[/]: "
                      f"the best they can is every {duration(plan.period_seconds)} "
                      f"(first pass complete after {duration(plan.makespan_seconds)})")


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
