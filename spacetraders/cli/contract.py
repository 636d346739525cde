"""`spacetraders contract ...`: read, accept, negotiate, deliver, fulfil and price contracts by hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.api.client import SpaceTradersClient
from spacetraders.application import contracts as uc
from spacetraders.application.contract_run import ContractRunRequest, start_contract_run
from spacetraders.application.universe import parse_ship_symbol
from spacetraders.cli.context import AppContext, app_context
from spacetraders.cli.numbers import finite_float, int_option
from spacetraders.clock import utcnow
from spacetraders.domain.contract_pricing import PricingParams
from spacetraders.persistence.models import Player

app = typer.Typer(help="Contracts: list, show, accept, negotiate, deliver, fulfil, evaluate, run.", no_args_is_help=True)
T = TypeVar("T")


def _call(app: AppContext, action: Callable[[SpaceTradersClient, Player], Awaitable[T]]) -> tuple[T, Player]:
    player = app.player()
    assert player is not None

    async def go() -> T:
        async with app.api(player.token) as api:
            return await action(api, player)

    return app.run(go()), player


@app.command("list")
def list_(ctx: typer.Context, all_: bool = typer.Option(False, "--all", help="Also fulfilled and expired ones.")) -> None:
    """Open contracts (offered or accepted, not fulfilled, not expired); --all for every one."""
    app = app_context(ctx)
    now = utcnow()
    found, player = _call(app, lambda api, _p: uc.list_contracts(api, now=now, include_closed=all_))
    views = [uc.contract_view(c, now) for c in found]

    def render(console: Console) -> None:
        if not views:
            console.print("no open contracts: negotiate one with `spacetraders contract negotiate --ship SHIP`"
                          if not all_ else "no contracts")
            return
        table = Table(title=f"Contracts of {player.agent_symbol}")
        for column in ("id", "status", "deliver", "progress", "on accept", "on fulfil", "time left"):
            table.add_column(column, justify="right" if column.startswith("on ") else "left",
                             no_wrap=column in ("id", "deliver"))
        for v in views:
            table.add_row(v["id"], v["status"], _deliver_text(v), _progress_text(v),
                          f"{v['payment']['on_accepted']:,}", f"{v['payment']['on_fulfilled']:,}", _left(v))
        console.print(table)

    app.emit({"contracts": views}, render)


@app.command()
def show(ctx: typer.Context, contract_id: str = typer.Argument(..., metavar="ID", help="Contract id.")) -> None:
    """One contract: terms, payments, deadlines, progress per good."""
    app = app_context(ctx)
    contract, _ = _call(app, lambda api, _p: uc.get_contract(api, contract_id))
    view = uc.contract_view(contract, utcnow())
    app.emit(view, lambda console: _render_contract(console, view))


@app.command()
def accept(ctx: typer.Context, contract_id: str = typer.Argument(..., metavar="ID", help="Contract id.")) -> None:
    """Accept an offered contract (pays its on-accept share now)."""
    app = app_context(ctx)
    db = app.database()
    (contract, credits), _ = _call(app, lambda api, p: uc.accept(db, api, p.player_id, contract_id, now=utcnow()))
    view = uc.contract_view(contract, utcnow()) | {"credits": credits}

    def render(console: Console) -> None:
        _render_contract(console, view)
        console.print(f"accepted: +{contract.on_accepted:,} credits (now {credits:,})")

    app.emit(view, render)


@app.command()
def negotiate(ctx: typer.Context, ship: str = typer.Option(..., "--ship", help="A docked ship at a faction waypoint.")) -> None:
    """Ask the faction at the ship's waypoint for a new contract (one open contract at a time)."""
    app = app_context(ctx)
    symbol = parse_ship_symbol(ship)
    db = app.database()
    contract, _ = _call(app, lambda api, p: uc.negotiate(db, api, p.player_id, symbol))
    view = uc.contract_view(contract, utcnow())

    def render(console: Console) -> None:
        _render_contract(console, view)
        console.print(f"offered: accept it with `spacetraders contract accept {contract.id}`")

    app.emit(view, render)


@app.command()
def deliver(
    ctx: typer.Context,
    contract_id: str = typer.Argument(..., metavar="ID", help="Contract id."),
    ship: str = typer.Option(..., "--ship", help="A ship docked at the delivery waypoint."),
    good: Optional[str] = typer.Option(None, "--good", help="Good to deliver (default: the first unfinished one)."),
    units: Optional[int] = int_option(None, "--units", low=1, high=1_000_000,
                                      help="Units (default: what the ship holds, up to what remains)."),
) -> None:
    """Deliver cargo from a docked ship at the contract's destination."""
    app = app_context(ctx)
    symbol = parse_ship_symbol(ship)
    db = app.database()
    (contract, cargo, delivered_good, delivered), _ = _call(
        app, lambda api, p: uc.deliver(db, api, p.player_id, contract_id, symbol, good=good, units=units))
    view = uc.contract_view(contract, utcnow()) | {
        "delivered": {"ship": symbol, "good": delivered_good, "units": delivered},
        "cargo": {"capacity": cargo.capacity, "units": cargo.units},
    }

    def render(console: Console) -> None:
        _render_contract(console, view)
        done = " - every unit delivered: `spacetraders contract fulfil " + contract.id + "`" if contract.is_complete else ""
        console.print(f"delivered {delivered} {delivered_good} from {symbol}{done}")

    app.emit(view, render)


def fulfil(ctx: typer.Context, contract_id: str = typer.Argument(..., metavar="ID", help="Contract id.")) -> None:
    """Fulfil a contract whose every unit is delivered (pays the rest)."""
    app = app_context(ctx)
    db = app.database()
    (contract, credits), _ = _call(app, lambda api, p: uc.fulfil(db, api, p.player_id, contract_id, now=utcnow()))
    view = uc.contract_view(contract, utcnow()) | {"credits": credits}

    def render(console: Console) -> None:
        _render_contract(console, view)
        console.print(f"fulfilled: +{contract.on_fulfilled:,} credits (now {credits:,})")

    app.emit(view, render)


app.command("fulfil")(fulfil)
app.command("fulfill", hidden=True)(fulfil)


@app.command()
def evaluate(
    ctx: typer.Context,
    contract_id: str = typer.Argument(..., metavar="ID", help="Contract id."),
    ship: str = typer.Option(..., "--ship", help="The ship that would run it."),
    max_age: str = typer.Option("1h", "--max-age", help="Ignore market data older than this (e.g. 45m, 1h)."),
    min_profit: int = int_option(0, "--min-profit", low=0, help="Refuse below this expected profit."),
) -> None:
    """Price a contract from stored market data and say whether to take it (buys nothing)."""
    app = app_context(ctx)
    symbol = parse_ship_symbol(ship)
    age = uc.max_age(max_age)
    db = app.database()
    params = PricingParams(max_age_seconds=age.total_seconds(), min_profit=min_profit)
    now = utcnow()
    (contract, decision, inputs), _ = _call(
        app, lambda api, _p: uc.price_contract(db, api, contract_id, symbol, now=now, params=params))
    view = {"contract": uc.contract_view(contract, now), "ship": symbol,
            "max_age_seconds": int(age.total_seconds()), **uc.decision_view(decision), "inputs": inputs}

    def render(console: Console) -> None:
        plan = decision.plan
        verdict = "[green]TAKE[/]" if decision.take else "[red]REFUSE[/]"
        console.print(f"{verdict} {contract.id}: {decision.reason}", soft_wrap=True)
        if plan is not None:
            table = Table(show_header=False, title=f"Plan for {symbol}")
            for key, value in (("source", plan.source or "(cargo aboard)"), ("units to buy", plan.units_to_buy),
                               ("trips", plan.trips), ("goods", f"{plan.goods_cost:,}"),
                               ("fuel", f"{plan.fuel_cost:,} ({plan.fuel_units} units)"),
                               ("payment", f"{plan.payment:,}"), ("profit", f"{plan.profit:,}"),
                               ("time", _duration(plan.seconds)), ("with margin", _duration(plan.seconds_with_margin))):
                table.add_row(key, str(value))
            console.print(table)
        for note in decision.skipped:
            console.print(f"skipped {note}")

    app.emit(view, render)


@app.command()
def run(
    ctx: typer.Context,
    ship: str = typer.Option(..., "--ship", help="The ship that runs the contracts."),
    count: Optional[int] = int_option(None, "--count", low=1, high=1_000_000,
                                      help="Contracts to fulfil, then stop (default 1)."),
    forever: bool = typer.Option(False, "--forever", help="Keep taking contracts until stopped."),
    max_spend: Optional[int] = int_option(None, "--max-spend", low=0, high=10**15,
                                          help="Never spend more than this on one contract (goods and fuel)."),
    reserve: int = int_option(0, "--reserve", low=0, high=10**15, help="Never let the agent's credits drop below this."),
    min_profit: int = int_option(0, "--min-profit", low=0, high=10**15,
                                 help="Leave a contract whose expected profit is below this to a person."),
    max_age: str = typer.Option("1h", "--max-age", help="Price from market data no older than this (e.g. 45m, 1h)."),
    time_scale: float = typer.Option(1.0, "--time-scale", parser=finite_float(0.001, 100_000), hidden=True,
                                     help="Game seconds per real second of a time-scaled simulator."),
) -> None:
    """Run contracts with a ship as a container: negotiate, price, accept, buy, deliver, fulfil."""
    app = app_context(ctx)
    request = ContractRunRequest.parse(ship=ship, count=count, forever=forever, max_spend=max_spend,
                                       reserve=reserve, min_profit=min_profit, max_age=max_age,
                                       time_scale=time_scale)
    db = app.database()
    outcome, _ = _call(app, lambda api, p: start_contract_run(db, api, request, player_id=p.player_id, now=utcnow()))

    def render(console: Console) -> None:
        p = outcome.params
        runs = "until stopped" if p["count"] < 0 else f"{p['count']} contract(s)"
        console.print(f"container {outcome.container_id} runs {runs} with {outcome.ship} "
                      f"(reserve {p['reserve']:,}, max spend {'-' if p['max_spend'] is None else format(p['max_spend'], ',')}, "
                      f"min profit {p['min_profit']:,}, max age {_duration(p['max_age_seconds'])})", soft_wrap=True)
        console.print(f"follow it with `spacetraders container inspect {outcome.container_id}`")
        for note in outcome.notes:
            console.print(note)

    app.emit(outcome.as_dict(), render)


# -- rendering ---------------------------------------------------------------------------


def _render_contract(console: Console, view: dict[str, Any]) -> None:
    table = Table(show_header=False, title=f"Contract {view['id']}")
    table.add_row("faction / type", f"{view['faction']} / {view['type']}")
    table.add_row("status", view["status"])
    table.add_row("pay on accept", f"{view['payment']['on_accepted']:,}")
    table.add_row("pay on fulfil", f"{view['payment']['on_fulfilled']:,}")
    table.add_row("accept before", _when(view["deadline_to_accept"]))
    table.add_row("deliver before", _when(view["deadline"]))
    table.add_row("time left", _left(view))
    console.print(table)
    lines = Table(title="Deliveries")
    for column in ("good", "destination", "fulfilled / required", "remaining"):
        lines.add_column(column, no_wrap=column == "good")
    for d in view["deliver"]:
        lines.add_row(d["good"], d["destination"], f"{d['units_fulfilled']} / {d['units_required']}",
                      str(d["units_remaining"]))
    console.print(lines)


def _deliver_text(view: dict[str, Any]) -> str:
    return ", ".join(f"{d['good']} -> {d['destination']}" for d in view["deliver"]) or "-"


def _progress_text(view: dict[str, Any]) -> str:
    return ", ".join(f"{d['units_fulfilled']}/{d['units_required']}" for d in view["deliver"]) or "-"


def _left(view: dict[str, Any]) -> str:
    seconds = view["seconds_left"]
    if seconds is None:
        return "-"
    what = "to deliver" if view["accepted"] else "to accept"
    return f"{_duration(seconds)} {what}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"
