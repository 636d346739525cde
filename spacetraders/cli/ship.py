"""`spacetraders ship ...`: the acting player's ships, live from the game."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.api.models import Ship
from spacetraders.application.navigation import NavigateOutcome, NavigateRequest, navigate_ship
from spacetraders.application.queries_assignments import list_assignments
from spacetraders.application.ship_actions import (
    ShipAction,
    ShipActions,
    parse_flight_mode,
    parse_good,
    parse_units,
)
from spacetraders.application.ships import fetch_ship, fetch_ships, ship_view
from spacetraders.application.universe import parse_ship_symbol
from spacetraders.cli.context import AppContext, app_context
from spacetraders.clock import utcnow

app = typer.Typer(help="Ships: list, info, navigate, and one-off actions (orbit, dock, refuel, trade...).",
                  no_args_is_help=True)


def _assigned(app: AppContext, player_id: int) -> dict[str, str]:
    with app.database().read() as session:
        return {r["ship_symbol"]: r["container_id"] for r in list_assignments(session, player_id=player_id)}


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every ship of the player: where it is, its fuel, and the container driving it."""
    app = app_context(ctx)
    player = app.player()
    assert player is not None

    async def go() -> list[Ship]:
        async with app.api(player.token) as api:
            return await fetch_ships(app.database(), api, player.player_id, now=utcnow())

    ships = app.run(go())
    assigned = _assigned(app, player.player_id)
    views = [ship_view(s, assigned.get(s.symbol)) for s in ships]

    def render(console: Console) -> None:
        table = Table(title=f"Ships of {player.agent_symbol}")
        for column in ("ship", "role", "waypoint", "status", "mode", "fuel", "speed", "container"):
            table.add_column(column)
        for s in ships:
            table.add_row(s.symbol, s.role, s.nav.waypoint_symbol, s.nav.status, s.nav.flight_mode,
                          f"{s.fuel.current}/{s.fuel.capacity}", str(s.engine_speed), assigned.get(s.symbol) or "-")
        console.print(table)

    app.emit({"ships": views}, render)


@app.command()
def info(ctx: typer.Context, ship: str = typer.Argument(..., help="Ship symbol, e.g. COOPER-2.")) -> None:
    """One ship in detail."""
    app = app_context(ctx)
    symbol = parse_ship_symbol(ship)
    player = app.player()
    assert player is not None

    async def go() -> Ship:
        async with app.api(player.token) as api:
            return await fetch_ship(app.database(), api, player.player_id, symbol, now=utcnow())

    view = ship_view(app.run(go()), _assigned(app, player.player_id).get(symbol))

    def render(console: Console) -> None:
        table = Table(show_header=False, title=symbol)
        for key, value in view.items():
            table.add_row(key, str(value if value is not None else "-"))
        console.print(table)

    app.emit(view, render)


# -- navigate -------------------------------------------------------------------------------


@app.command()
def navigate(
    ctx: typer.Context,
    ship: str = typer.Argument(..., help="Ship symbol, e.g. COOPER-1."),
    destination: str = typer.Argument(..., help="Waypoint, in this system or another one reached by jump gates."),
    mode: str = typer.Option("auto", "--mode", help="auto (fastest per leg), cruise, burn or drift; "
                             "DRIFT is used only when nothing else reaches."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the route; move nothing, start nothing."),
    replace: bool = typer.Option(False, "--replace", help="Stop the container that drives this ship and take it over."),
) -> None:
    """Fly a ship to a waypoint along the quickest fuel-aware route (runs as a container)."""
    app = app_context(ctx)
    request = NavigateRequest.parse(ship=ship, destination=destination, mode=mode, dry_run=dry_run, replace=replace)
    db = app.database()
    player = app.player()
    assert player is not None

    async def go() -> NavigateOutcome:
        async with app.api(player.token) as api:
            return await navigate_ship(db, api, request, player_id=player.player_id, now=utcnow())

    outcome = app.run(go())
    app.emit(outcome.as_dict(), lambda console: _render_route(console, outcome))


def _render_route(console: Console, outcome: NavigateOutcome) -> None:
    route = outcome.route
    title = f"{outcome.ship}: {outcome.origin} → {outcome.destination} ({outcome.mode.value})"
    if outcome.action == "planned":
        title += " — dry run: nothing moved, nothing started"
    table = Table(title=title)
    table.add_column("#", no_wrap=True)
    table.add_column("leg", overflow="fold", ratio=1)  # the only column that wraps in a narrow terminal
    for column in ("mode", "time", "fuel", "refuel", "left", "credits"):
        table.add_column(column, no_wrap=True, justify="right" if column != "mode" else "left")
    for i, leg in enumerate(route.legs, start=1):
        spent = leg.fee if leg.kind == "jump" else (leg.refuel_cost if leg.refuel else 0)
        credits = "-" if spent == 0 else (f"{spent:,}" if spent is not None else "?")
        table.add_row(str(i), f"{leg.kind} {leg.origin} → {leg.destination}", str(leg.mode or "-"),
                      _duration(leg.seconds), str(leg.fuel), f"+{leg.refuel}" if leg.refuel else "-",
                      str(leg.fuel_after), credits)
    if route.legs:
        console.print(table)
    if not route.cost_unknown:
        cost = f"{route.known_cost:,} credits"
    elif route.known_cost:
        cost = f"at least {route.known_cost:,} credits (some prices never stored)"
    else:
        cost = "unknown (no FUEL or ANTIMATTER price stored on the way: `scout markets` stores them)"
    console.print(f"{len(route.legs)} leg(s), {_duration(route.seconds)}, fuel {route.fuel} "
                  f"(tank {outcome.fuel[0]}/{outcome.fuel[1]}), {route.refuels} refuel(s) of {route.refuel_units} "
                  f"unit(s), {route.jumps} jump(s), cost {cost}")
    if outcome.container_id:
        verb = "replaced" if outcome.action == "replaced" else "started"
        console.print(f"{verb}: container {outcome.container_id}"
                      + (f" (was {outcome.replaced_container_id})" if outcome.replaced_container_id else ""))
    for note in outcome.notes:
        console.print(f"[yellow]{note}[/]")


def _duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


# -- one-off actions ------------------------------------------------------------------------


def _act(ctx: typer.Context, ship: str, action: Callable[[ShipActions, str], Awaitable[ShipAction]]) -> None:
    """Run one action for the acting player and render it (rich table or --json)."""
    app = app_context(ctx)
    symbol = parse_ship_symbol(ship)
    db = app.database()
    player = app.player()
    assert player is not None

    async def go() -> ShipAction:
        async with app.api(player.token) as api:
            return await action(ShipActions(db, api, player.player_id, now=utcnow()), symbol)

    result = app.run(go())
    app.emit(result.as_dict(), lambda console: _render_action(console, result))


def _render_action(console: Console, result: ShipAction) -> None:
    data = result.as_dict()
    table = Table(show_header=False, title=f"{result.ship_symbol}: {result.action}")
    if result.nav is not None:
        table.add_row("waypoint", f"{result.nav.waypoint_symbol} ({result.nav.status})")
        table.add_row("flight mode", result.nav.flight_mode)
    if result.fuel is not None:
        table.add_row("fuel", f"{result.fuel.current}/{result.fuel.capacity}")
    if result.transaction is not None:
        t = result.transaction
        price = f" at {t['price_per_unit']:,}" if "price_per_unit" in t else ""
        table.add_row("transaction", f"{t['type']} {t['units']} {t['trade_symbol']}{price} = {t['total_price']:,} credits")
    if result.credits is not None:
        table.add_row("credits after", f"{result.credits:,}")
    if result.cargo is not None:
        table.add_row("cargo", f"{result.cargo.units}/{result.cargo.capacity}")
        for item in data["cargo"]["inventory"]:
            table.add_row(f"  {item['symbol']}", str(item["units"]))
    console.print(table)


SHIP_ARG = typer.Argument(..., help="Ship symbol, e.g. COOPER-1.")


@app.command()
def orbit(ctx: typer.Context, ship: str = SHIP_ARG) -> None:
    """Put a docked ship into orbit."""
    _act(ctx, ship, lambda a, s: a.orbit(s))


@app.command()
def dock(ctx: typer.Context, ship: str = SHIP_ARG) -> None:
    """Dock a ship at its waypoint."""
    _act(ctx, ship, lambda a, s: a.dock(s))


@app.command()
def refuel(
    ctx: typer.Context,
    ship: str = SHIP_ARG,
    units: Optional[str] = typer.Option(None, "--units", help="Fuel units to buy (default: fill the tank)."),
) -> None:
    """Buy fuel at the market where the ship is docked; prints the credits after."""
    amount = parse_units(units, "--units") if units is not None else None
    _act(ctx, ship, lambda a, s: a.refuel(s, amount))


@app.command("flight-mode")
def flight_mode(ctx: typer.Context, ship: str = SHIP_ARG,
                mode: str = typer.Argument(..., help="CRUISE, BURN, DRIFT or STEALTH.")) -> None:
    """Set the flight mode used by the ship's next navigation."""
    chosen = parse_flight_mode(mode)
    _act(ctx, ship, lambda a, s: a.flight_mode(s, chosen))


@app.command()
def cargo(ctx: typer.Context, ship: str = SHIP_ARG) -> None:
    """What the ship carries (a read: allowed while a container drives the ship)."""
    _act(ctx, ship, lambda a, s: a.cargo(s))


@app.command()
def jettison(ctx: typer.Context, ship: str = SHIP_ARG, good: str = typer.Argument(..., help="Trade good, e.g. IRON_ORE."),
             units: str = typer.Argument(..., help="Units to throw away.")) -> None:
    """Throw cargo away."""
    symbol, amount = parse_good(good), parse_units(units)
    _act(ctx, ship, lambda a, s: a.jettison(s, symbol, amount))


@app.command()
def buy(ctx: typer.Context, ship: str = SHIP_ARG, good: str = typer.Argument(..., help="Trade good, e.g. FUEL."),
        units: str = typer.Argument(..., help="Units to buy (at most the good's trade volume).")) -> None:
    """Buy cargo at the market where the ship is docked; prints the credits after."""
    symbol, amount = parse_good(good), parse_units(units)
    _act(ctx, ship, lambda a, s: a.buy(s, symbol, amount))


@app.command()
def sell(ctx: typer.Context, ship: str = SHIP_ARG, good: str = typer.Argument(..., help="Trade good, e.g. IRON_ORE."),
         units: str = typer.Argument(..., help="Units to sell (at most the good's trade volume).")) -> None:
    """Sell cargo at the market where the ship is docked; prints the credits after."""
    symbol, amount = parse_good(good), parse_units(units)
    _act(ctx, ship, lambda a, s: a.sell(s, symbol, amount))
