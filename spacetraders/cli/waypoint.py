"""`spacetraders waypoint ...`: the cached waypoints of a system."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application.universe import system_waypoints
from spacetraders.cli.context import app_context
from spacetraders.clock import utcnow

app = typer.Typer(help="Waypoints of a system (cached from the API).", no_args_is_help=True)


def format_age(then: datetime | None, now: datetime) -> str:
    """`42s ago`, `3m ago`, `2h ago`, `5d ago`; `never` for None."""
    if then is None:
        return "never"
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


@app.command("list")
def list_(
    ctx: typer.Context,
    system: str = typer.Option(..., "--system", help="System symbol, e.g. X1-TS98."),
    trait: Optional[str] = typer.Option(None, "--trait", help="Only waypoints with this trait, e.g. MARKETPLACE."),
    refresh: bool = typer.Option(False, "--refresh", help="Sync from the API even if the system is cached."),
) -> None:
    """Waypoints of a system; synced from the API when not cached yet (or with --refresh)."""
    app = app_context(ctx)
    db = app.database()
    player = app.player(required=False)  # public data: a token only if we have one

    async def go():
        async with app.api(player.token if player else None) as api:
            return await system_waypoints(db, api, system, now=utcnow(), trait=trait, refresh=refresh)

    result = app.run(go())
    now = utcnow()

    def render(console: Console) -> None:
        table = Table(title=f"Waypoints of {result.system_symbol}" + (f" with {trait.upper()}" if trait else ""))
        for column in ("symbol", "type", "x", "y", "orbits", "traits"):
            table.add_column(column)
        for w in result.waypoints:
            table.add_row(w.symbol, w.type, str(w.x), str(w.y), w.orbits or "", ", ".join(w.traits))
        console.print(table if result.waypoints else "no waypoints match")
        source = "fetched from the API now" if result.fetched else f"cached, synced {format_age(result.synced_at, now)}"
        console.print(f"{len(result.waypoints)} waypoint(s); {source} ({result.synced_at:%Y-%m-%d %H:%M:%S} UTC)")

    app.emit(
        {
            "system": result.system_symbol,
            "synced_at": result.synced_at,
            "fetched": result.fetched,
            "waypoints": [w.as_dict() for w in result.waypoints],
        },
        render,
    )
