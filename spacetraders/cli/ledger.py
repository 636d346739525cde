"""`spacetraders ledger ...`: every credit the bot moved, listed and summed."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application.ledger import (
    LedgerFilter,
    LedgerKind,
    ReportBy,
    list_view,
    parse_since,
    report_view,
)
from spacetraders.cli.context import app_context
from spacetraders.cli.numbers import int_option
from spacetraders.clock import utcnow

app = typer.Typer(help="The ledger: every credit change the bot caused.", no_args_is_help=True)

_SHIP = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_LIMIT = 100_000


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_since(value, utcnow())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--since'") from None


def _ship(value: str | None) -> str | None:
    if value is None:
        return None
    if not _SHIP.fullmatch(value):
        raise typer.BadParameter(f"not a ship symbol: {value[:70]!r}", param_hint="'--ship'")
    return value.upper()


SinceOption = typer.Option(None, "--since", help="Only entries since a duration ago (30m, 2h, 1d, 1w) or an ISO time.")
ShipOption = typer.Option(None, "--ship", help="Only this ship's entries.")
KindOption = typer.Option(None, "--kind", case_sensitive=False, help="Only this kind of entry.")


def _filter(ctx: typer.Context, since: str | None, ship: str | None, kind: LedgerKind | None) -> LedgerFilter:
    since_at, ship_symbol = _since(since), _ship(ship)  # bad input fails before the database is opened
    player = app_context(ctx).player()
    assert player is not None
    return LedgerFilter(player_id=player.player_id, since=since_at, ship_symbol=ship_symbol, kind=kind)


def _credits(value: int | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:+,}" if signed else f"{value:,}"
    if signed and value:
        return f"[green]{text}[/]" if value > 0 else f"[red]{text}[/]"
    return text


@app.command("list")
def list_(
    ctx: typer.Context,
    since: Optional[str] = SinceOption,
    ship: Optional[str] = ShipOption,
    kind: Optional[LedgerKind] = KindOption,
    limit: int = int_option(100, "--limit", low=1, high=MAX_LIMIT, help="At most this many entries, newest first."),
) -> None:
    """Ledger entries of the player, newest first."""
    f = _filter(ctx, since, ship, kind)
    app = app_context(ctx)
    view = list_view(app.database(), f, limit=limit)

    def render(console: Console) -> None:
        rows: list[dict[str, Any]] = view["entries"]
        if not rows:
            console.print("no ledger entries match")
            return
        table = Table(title="Ledger (newest first)")
        for column in ("time", "kind", "ship", "good", "units", "unit price", "total", "credits after", "container"):
            table.add_column(column, justify="right" if column in ("units", "unit price", "total", "credits after")
                             else "left")
        for r in rows:
            table.add_row(r["at"], r["kind"], r["ship_symbol"] or "-", r["good"] or "-", _credits(r["units"]),
                          _credits(r["unit_price"]), _credits(r["total"], signed=True), _credits(r["credits_after"]),
                          r["container_id"] or "-")
        console.print(table)

    app.emit(view, render)


@app.command("report")
def report(
    ctx: typer.Context,
    by: ReportBy = typer.Option(ReportBy.DAY, "--by", case_sensitive=False, help="Group by day, kind, ship or container."),
    since: Optional[str] = SinceOption,
    ship: Optional[str] = ShipOption,
    kind: Optional[LedgerKind] = KindOption,
) -> None:
    """Income, spend and net per day, kind, ship or container."""
    f = _filter(ctx, since, ship, kind)
    app = app_context(ctx)
    view = report_view(app.database(), f, by)

    def render(console: Console) -> None:
        table = Table(title=f"Ledger by {view['by']}")
        for column in (str(by), "entries", "income", "spend", "net"):
            table.add_column(column, justify="left" if column == str(by) else "right")
        for g in view["groups"]:
            table.add_row(g["key"] or "(none)", str(g["entries"]), _credits(g["income"]), _credits(g["spend"]),
                          _credits(g["net"], signed=True))
        t = view["total"]
        table.add_section()
        table.add_row("total", str(t["entries"]), _credits(t["income"]), _credits(t["spend"]),
                      _credits(t["net"], signed=True))
        console.print(table)

    app.emit(view, render)
