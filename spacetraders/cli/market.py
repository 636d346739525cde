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
