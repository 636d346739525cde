"""`spacetraders market ...`: market data stored by scout tours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application.universe import (
    MARKETPLACE,
    parse_system_symbol,
    parse_waypoint_symbol,
)
from spacetraders.cli.context import app_context
from spacetraders.cli.numbers import int_option
from spacetraders.cli.waypoint import format_age
from spacetraders.clock import utcnow
from spacetraders.persistence.markets import list_markets, market_with_goods
from spacetraders.persistence.universe import list_waypoints

app = typer.Typer(help="Market data gathered by scout tours.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    system: str = typer.Option(..., "--system", help="System symbol, e.g. X1-TS98."),
    stale_after: int = int_option(
        1800, "--stale-after", low=1, high=365 * 86400, help="Seconds after which data counts as stale."),
) -> None:
    """Markets of a system: goods count and age of the data (stale ones highlighted)."""
    app = app_context(ctx)
    symbol = parse_system_symbol(system)
    now = utcnow()
    with app.database().read() as session:
        stored = {m.waypoint_symbol: m for m in list_markets(session, symbol)}
        known = {w.waypoint_symbol for w in list_waypoints(session, symbol, trait=MARKETPLACE)}
    rows: list[dict[str, Any]] = []
    for waypoint in sorted(known | set(stored)):
        market = stored.get(waypoint)
        age = (now - market.updated_at).total_seconds() if market else None
        rows.append(
            {
                "waypoint_symbol": waypoint,
                "goods_count": market.goods_count if market else 0,
                "updated_at": market.updated_at if market else None,
                "age_seconds": None if age is None else round(age, 1),
                "stale": age is None or age > stale_after,
            }
        )

    def render(console: Console) -> None:
        table = Table(title=f"Markets of {symbol}")
        for column in ("waypoint", "goods", "data"):
            table.add_column(column)
        for r in rows:
            age = format_age(r["updated_at"], now)
            table.add_row(r["waypoint_symbol"], str(r["goods_count"]), f"[red]{age}[/]" if r["stale"] else age)
        console.print(table if rows else f"no markets known in {symbol}: run `spacetraders waypoint list --system {symbol}`")
        if rows:
            console.print(f"stale = older than {timedelta(seconds=stale_after)} (or never scouted)")

    app.emit({"system": symbol, "stale_after_seconds": stale_after, "markets": rows}, render)


@app.command()
def show(ctx: typer.Context, waypoint: str = typer.Argument(..., help="Market waypoint, e.g. X1-TS98-A1.")) -> None:
    """The goods of one market as last seen."""
    app = app_context(ctx)
    symbol = parse_waypoint_symbol(waypoint)
    now = utcnow()
    with app.database().read() as session:
        market = market_with_goods(session, symbol)
    view: dict[str, Any] = {
        "waypoint_symbol": market.waypoint_symbol,
        "system_symbol": market.system_symbol,
        "updated_at": market.updated_at,
        "goods": [dict(g.__dict__) for g in market.goods],
    }

    def render(console: Console) -> None:
        table = Table(title=f"Market {symbol} (data {format_age(market.updated_at, now)})")
        for column in ("good", "type", "supply", "activity", "purchase", "sell", "volume"):
            # A good's symbol is what people grep for: never wrap it, let the other columns give.
            table.add_column(column, justify="right" if column in ("purchase", "sell", "volume") else "left",
                             no_wrap=column == "good")
        for g in view["goods"]:
            table.add_row(g["symbol"], g["type"] or "", g["supply"] or "", g["activity"] or "",
                          _num(g["purchase_price"]), _num(g["sell_price"]), _num(g["trade_volume"]))
        console.print(table)

    app.emit(view, render)


def _num(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


# -- reading the market for trading ------------------------------------------------------------


def _max_age(text: str | None) -> timedelta | None:
    from spacetraders.application.contracts import max_age  # the one duration grammar, --max-age named

    return None if text is None else max_age(text)


@app.command()
def find(
    ctx: typer.Context,
    good: str = typer.Argument(..., help="Trade good, e.g. IRON_ORE."),
    system: str | None = typer.Option(None, "--system", help="Only this system, e.g. X1-TS98."),
    max_age: str | None = typer.Option(None, "--max-age", help="Leave out data older than this, e.g. 30m, 1h30m."),
) -> None:
    """Where a good can be bought (cheapest first) and sold (best bid first), from stored data."""
    from spacetraders.application.market_queries import find_good

    app = app_context(ctx)
    age = _max_age(max_age)
    now = utcnow()
    with app.database().read() as session:
        found = find_good(session, good, system=system, max_age=age, now=now)
    view: dict[str, Any] = {
        "good": found.good,
        "system": parse_system_symbol(system) if system else None,
        "max_age_seconds": None if age is None else int(age.total_seconds()),
        "buy_at": [dict(x.__dict__) for x in found.buy_at],
        "sell_at": [dict(x.__dict__) for x in found.sell_at],
        "hidden_stale": found.hidden_stale,
    }

    def render(console: Console) -> None:
        if not found.buy_at and not found.sell_at:
            console.print(f"no stored market trades {found.good}" + (f" fresh enough ({found.hidden_stale} stale)"
                                                                       if found.hidden_stale else "")
                          + ": scout markets with `spacetraders scout markets`")
            return
        for title, rows, price in ((f"Buy {found.good} at", found.buy_at, "purchase_price"),
                                   (f"Sell {found.good} at", found.sell_at, "sell_price")):
            table = Table(title=title)
            for column in ("waypoint", "price", "type", "supply", "activity", "volume", "data"):
                table.add_column(column, justify="right" if column in ("price", "volume") else "left",
                                 no_wrap=column == "waypoint")
            for x in rows:
                table.add_row(x.waypoint_symbol, _num(getattr(x, price)), x.type or "", x.supply or "",
                              x.activity or "", _num(x.trade_volume), format_age(x.observed_at, now))
            console.print(table)
        if found.hidden_stale:
            console.print(f"{found.hidden_stale} row(s) older than {age} left out")

    app.emit(view, render)


@app.command()
def history(
    ctx: typer.Context,
    waypoint: str = typer.Argument(..., help="Market waypoint, e.g. X1-TS98-A1."),
    good: str | None = typer.Argument(None, help="Only this good."),
    limit: int = int_option(200, "--limit", low=1, high=10_000, help="Most recent observations to show."),
) -> None:
    """Observed prices of a market over time (from every stored scout read), oldest first."""
    from spacetraders.application.market_queries import price_history

    app = app_context(ctx)
    now = utcnow()
    with app.database().read() as session:
        points = price_history(session, waypoint, good, limit=limit)
    symbol = parse_waypoint_symbol(waypoint)
    view: dict[str, Any] = {"waypoint_symbol": symbol, "good": good.strip().upper() if good else None,
            "history": [dict(p.__dict__) for p in points]}

    def render(console: Console) -> None:
        if not points:
            console.print(f"no price history for {view['good']} at {symbol}")
            return
        table = Table(title=f"Prices at {symbol}" + (f" of {view['good']}" if good else ""))
        for column in ("observed", "good", "purchase", "sell", "supply", "activity", "volume"):
            table.add_column(column, justify="right" if column in ("purchase", "sell", "volume") else "left",
                             no_wrap=column == "good")
        for p in points:
            table.add_row(f"{p.observed_at:%Y-%m-%d %H:%M:%S} ({format_age(p.observed_at, now)})", p.good,
                          _num(p.purchase_price), _num(p.sell_price), p.supply or "", p.activity or "",
                          _num(p.trade_volume))
        console.print(table)

    app.emit(view, render)


@app.command()
def spreads(
    ctx: typer.Context,
    system: str | None = typer.Option(None, "--system", help="Only this system (default: every system with data)."),
    good: str | None = typer.Option(None, "--good", help="Only this good."),
    min_profit: int = int_option(0, "--min-profit", low=0, help="Leave out lanes earning this much or less."),
    max_age: str = typer.Option("1h", "--max-age", help="Ignore market data older than this, e.g. 30m, 1h30m."),
    ship: str | None = typer.Option(None, "--ship", help="Rank for this ship (its hold, cargo, engine, position)."),
    limit: int = int_option(20, "--limit", low=1, high=1000, help="Lanes to show."),
) -> None:
    """Trade lanes ranked by expected profit per hour for a ship: tranches, travel, fuel, data age."""
    from spacetraders.application import market_queries as mq
    from spacetraders.application.universe import parse_ship_symbol

    app = app_context(ctx)
    age = _max_age(max_age)
    assert age is not None
    sys_symbol = parse_system_symbol(system) if system else None
    good_symbol = mq.parse_good(good) if good else None
    profile = None
    if ship is not None:
        ship_symbol = parse_ship_symbol(ship)
        player = app.player()
        assert player is not None

        async def fetch() -> mq.ShipProfile:
            async with app.api(player.token) as api:
                return await mq.ship_profile(api, ship_symbol)

        profile = app.run(fetch())
    now = utcnow()
    with app.database().read() as session:
        result = mq.spreads(session, now=now, max_age=age, system=sys_symbol, good=good_symbol,
                            min_profit=min_profit, ship=profile, limit=limit)
    lanes = [mq.lane_view(p) for p in result.lanes]
    view: dict[str, Any] = {
        "systems": list(result.systems),
        "ship": None if profile is None else {**profile.__dict__, "cargo": dict(profile.cargo)},
        "default_ship": mq.DEFAULT_SHIP_NOTE if profile is None else None,
        "fuel_price_per_unit": result.fuel_price,
        "max_age_seconds": int(age.total_seconds()),
        "lanes": lanes,
    }

    def render(console: Console) -> None:
        who = f"for {profile.symbol} at {profile.location}" if profile else "for a light hauler"
        if not result.lanes:
            console.print(f"no lane earns more than {min_profit:,} {who} from data fresher than {age} "
                          f"in {', '.join(result.systems) or 'any system'}: scout the markets first")
        else:
            table = Table(title=f"Trade lanes {who}, best profit per hour first")
            for column in ("good", "buy at", "sell at", "units", "buy", "sell", "profit", "per hour", "time",
                           "data"):
                table.add_column(column, justify="left" if column in ("good", "buy at", "sell at") else "right",
                                 no_wrap=column in ("good", "buy at", "sell at"))
            for lane in lanes:
                table.add_row(lane["good"], lane["buy_at"], lane["sell_at"], str(lane["units"]),
                              _num(lane["buy_price"]), _num(lane["sell_price"]), _num(lane["expected_profit"]),
                              _num(round(lane["profit_per_hour"])), f"{round(lane['seconds'] / 60)}m",
                              _age(lane["data_age_seconds"]))
            console.print(table)
        if profile is None:
            console.print(mq.DEFAULT_SHIP_NOTE + "; pass --ship SHIP to rank for one of yours")

    app.emit(view, render)


def _age(seconds: float) -> str:
    """How old the oldest quote of a lane is: `42s`, `12m`, `2h05m`."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"
