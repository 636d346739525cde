"""`spacetraders ship ...`: the acting player's ships, live from the game."""

from __future__ import annotations

import typer
from rich.table import Table

from spacetraders.application.queries_assignments import list_assignments
from spacetraders.application.ships import fetch_ship, fetch_ships, ship_view
from spacetraders.application.universe import parse_ship_symbol
from spacetraders.cli.context import AppContext, app_context
from spacetraders.clock import utcnow

app = typer.Typer(help="Ships: list, info.", no_args_is_help=True)


def _assigned(app: AppContext, player_id: int) -> dict[str, str]:
    with app.database().read() as session:
        return {r["ship_symbol"]: r["container_id"] for r in list_assignments(session, player_id=player_id)}


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every ship of the player: where it is, its fuel, and the container driving it."""
    app = app_context(ctx)
    player = app.player()
    assert player is not None

    async def go():  # type: ignore[no-untyped-def]
        async with app.api(player.token) as api:
            return await fetch_ships(app.database(), api, player.player_id, now=utcnow())

    ships = app.run(go())
    assigned = _assigned(app, player.player_id)
    views = [ship_view(s, assigned.get(s.symbol)) for s in ships]

    def render(console) -> None:  # type: ignore[no-untyped-def]
        table = Table(title=f"Ships of {player.agent_symbol}")
        for column in ("ship", "role", "waypoint", "status", "mode", "fuel", "speed", "container"):
            table.add_column(column)
        for v in views:
            fuel = v["fuel"]
            table.add_row(v["symbol"], v["role"], v["waypoint"], v["nav_status"], v["flight_mode"],
                          f"{fuel['current']}/{fuel['capacity']}", str(v["engine_speed"]), v["container_id"] or "-")
        console.print(table)

    app.emit({"ships": views}, render)


@app.command()
def info(ctx: typer.Context, ship: str = typer.Argument(..., help="Ship symbol, e.g. COOPER-2.")) -> None:
    """One ship in detail."""
    app = app_context(ctx)
    symbol = parse_ship_symbol(ship)
    player = app.player()
    assert player is not None

    async def go():  # type: ignore[no-untyped-def]
        async with app.api(player.token) as api:
            return await fetch_ship(app.database(), api, player.player_id, symbol, now=utcnow())

    view = ship_view(app.run(go()), _assigned(app, player.player_id).get(symbol))

    def render(console) -> None:  # type: ignore[no-untyped-def]
        table = Table(show_header=False, title=symbol)
        for key, value in view.items():
            table.add_row(key, str(value if value is not None else "-"))
        console.print(table)

    app.emit(view, render)
