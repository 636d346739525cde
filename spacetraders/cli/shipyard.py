"""`spacetraders shipyard ...`: the yards we know of, and buying ships (now, or by a container that flies)."""

from __future__ import annotations

from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application import ship_purchases as purchases
from spacetraders.application import shipyards as uc
from spacetraders.cli.context import app_context
from spacetraders.cli.numbers import int_option
from spacetraders.clock import utcnow

app = typer.Typer(help="Shipyards: list the yards and their prices, buy ships.", no_args_is_help=True)

MAX_QUANTITY = 100  # more in one command is a typo; the price rises 2.5 % per ship anyway


@app.command("list")
def list_(
    ctx: typer.Context,
    system: Optional[str] = typer.Option(None, "--system", help="System (default: those our ships are in)."),
    ship_type: Optional[str] = typer.Option(None, "--type", help="Only yards selling this type, e.g. SHIP_PROBE."),
) -> None:
    """Yards (waypoints with the SHIPYARD trait) with their ship types; prices where a ship of ours is."""
    app = app_context(ctx)
    player = app.player()
    assert player is not None

    async def go() -> list[dict[str, Any]]:
        async with app.api(player.token) as api:
            return await uc.list_yards(app.database(), api, player.player_id, now=utcnow(), system=system,
                                       ship_type=ship_type)

    yards = app.run(go())

    def render(console: Console) -> None:
        if not yards:
            console.print("no shipyard known" + (f" selling {ship_type.upper()}" if ship_type else ""))
            return
        table = Table(title="Shipyards")
        for column in ("yard", "ship types (price)", "our ships", "waypoints cached"):
            table.add_column(column)
        for y in yards:
            prices = y["prices"] or {}
            types = "\n".join(f"{t} ({prices[t]:,})" if t in prices else t for t in y["ship_types"])
            table.add_row(y["waypoint"], types, ", ".join(y["ships_present"]) or "- (no prices)",
                          f"{y['waypoints_age_seconds']}s ago")
        console.print(table)

    app.emit({"shipyards": yards}, render)


@app.command()
def purchase(
    ctx: typer.Context,
    ship_type: str = typer.Argument(..., metavar="TYPE", help="Ship type, e.g. SHIP_PROBE."),
    quantity: int = int_option(1, "--quantity", low=1, high=MAX_QUANTITY, help="Ships to buy."),
    max_budget: Optional[int] = int_option(None, "--max-budget", low=1, help="Spend at most this many credits."),
    reserve: int = int_option(0, "--reserve", low=0, help="Never leave fewer credits than this."),
    at: Optional[str] = typer.Option(None, "--at", help="The yard (default: the nearest that sells the type)."),
    ship: Optional[str] = typer.Option(None, "--ship", help="The buyer ship (default: one at a yard, else the "
                                       "free ship nearest a yard)."),
) -> None:
    """Buy ships: now where a ship of ours is at the yard, else a container flies a buyer there first."""
    app = app_context(ctx)
    player = app.player()
    assert player is not None
    db = app.database()
    request = purchases.PurchaseRequest.parse(ship_type, quantity=quantity, max_budget=max_budget, reserve=reserve,
                                              at=at, ship=ship)

    async def go() -> uc.PurchaseOutcome:
        async with app.api(player.token) as api:
            return await purchases.purchase_ships(db, api, player.player_id, request, now=utcnow())

    outcome = app.run(go())
    app.emit(outcome.as_dict(), lambda console: render_purchase(console, outcome))


def render_purchase(console: Console, outcome: uc.PurchaseOutcome) -> None:
    if outcome.path == uc.CONTAINER:
        console.print(f"container [bold]{outcome.container_id}[/] started: {outcome.buyer} flies to "
                      f"{outcome.waypoint} (~{outcome.route_seconds}s), then buys up to {outcome.requested} "
                      f"{outcome.ship_type}")
        for note in outcome.notes:
            console.print(f"note: {note}")
        console.print(f"follow it with `spacetraders container inspect {outcome.container_id}`")
        return
    table = Table(title=f"{outcome.ship_type} at {outcome.waypoint} (bought now: our {outcome.buyer} is there)")
    for column in ("new ship", "price", "credits after"):
        table.add_column(column, justify="left" if column == "new ship" else "right")
    for b in outcome.bought:
        table.add_row(b.ship_symbol, f"{b.price:,}", f"{b.credits_after:,}")
    console.print(table)
    console.print(f"bought {len(outcome.bought)} of {outcome.requested} for {outcome.spent:,} credits"
                  + (f"; stopped: {outcome.stopped}" if outcome.stopped else ""))
