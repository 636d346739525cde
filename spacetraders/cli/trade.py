"""`spacetraders trade run`: a ship trades on the scouts' prices, as a supervised container."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application.trading import MAX_MARGIN_PCT, TradeOutcome, TradeRequest, start_trade
from spacetraders.cli.context import app_context
from spacetraders.cli.numbers import float_option, int_option
from spacetraders.clock import utcnow

app = typer.Typer(help="Trading: run a ship on the best lanes the scouted prices show.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Trading: run a ship on the best lanes the scouted prices show."""


@app.command()
def run(
    ctx: typer.Context,
    ship: str = typer.Option(..., "--ship", help="The ship that trades (a hauler), e.g. COOPER-4."),
    max_spend: Optional[int] = int_option(None, "--max-spend", low=1,
                                          help="Most credits in cargo at once (default: no cap but the reserve)."),
    reserve: int = int_option(0, "--reserve", low=0, help="Credits the run never spends."),
    min_margin: float = float_option(5.0, "--min-margin", low=0, high=MAX_MARGIN_PCT, unit="%",
                                     help="Skip plans whose profit is below this share of their spend."),
    max_age: str = typer.Option("30m", "--max-age", help="Ignore market data older than this (e.g. 10m, 1h)."),
    systems: Optional[str] = typer.Option(None, "--systems",
                                          help="Systems to trade in, comma-separated (default: the ship's)."),
    refresh_wait: str = typer.Option("10m", "--refresh-wait",
                                     help="How long to wait for scouts asked to refresh a stale market "
                                          "(0: never ask, plan on what is stored)."),
) -> None:
    """Start a TradeCommand container: plan, buy and sell in tranches, re-plan, trip after trip."""
    app = app_context(ctx)
    request = TradeRequest.parse(ship=ship, max_spend=max_spend, reserve=reserve, min_margin_pct=min_margin,
                                 max_age=max_age, systems=systems, refresh_wait=refresh_wait)
    db = app.database()
    player = app.player()
    assert player is not None

    async def go() -> TradeOutcome:
        async with app.api(player.token) as api:
            return await start_trade(db, api, request, player_id=player.player_id, now=utcnow())

    outcome = app.run(go())
    app.emit(outcome.as_dict(), lambda console: _render(console, outcome))


def _render(console: Console, outcome: TradeOutcome) -> None:
    view = outcome.as_dict()
    table = Table(show_header=False, title=f"{outcome.ship} trades: container {outcome.container_id}")
    table.add_row("systems", ", ".join(outcome.systems))
    table.add_row("credits now", f"{outcome.credits:,}")
    table.add_row("reserve", f"{outcome.params['reserve']:,}")
    table.add_row("max spend", f"{view['max_spend']:,}" if view["max_spend"] is not None else "no cap")
    table.add_row("min margin", f"{outcome.params['min_margin_pct']:g} %")
    table.add_row("max data age", f"{outcome.params['max_age_s']} s")
    table.add_row("scout refresh wait", f"{outcome.params['refresh_timeout_s']} s")
    table.add_row("markets known", str(outcome.markets_known))
    table.add_row("run id", outcome.run_id)
    console.print(table)
    for note in outcome.notes:
        console.print(f"note: {note}")
