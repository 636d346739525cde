"""`spacetraders player ...`: the agents whose fleets we run. Tokens are always shown masked."""

from __future__ import annotations

import os
from typing import Any, Optional

import typer
from rich.table import Table

from spacetraders.api.tokens import mask_token
from spacetraders.application.players import add_player, register_player, use_player
from spacetraders.cli.context import app_context
from spacetraders.clock import utcnow
from spacetraders.persistence.models import Player
from spacetraders.persistence.players import PlayerRepository
from spacetraders.persistence.preferences import DEFAULT_PLAYER_KEY, get_preference

app = typer.Typer(help="Players (agents): register, add, list, info, use.", no_args_is_help=True)


def player_view(player: Player, *, default_id: str | None = None) -> dict[str, Any]:
    return {
        "player_id": player.player_id,
        "agent_symbol": player.agent_symbol,
        "faction": player.faction,
        "headquarters": player.headquarters,
        "token": mask_token(player.token),
        "created_at": player.created_at,
        "last_active": player.last_active,
        "default": default_id == str(player.player_id),
    }


@app.command()
def register(
    ctx: typer.Context,
    agent: str = typer.Option(..., "--agent", help="New agent symbol (3-14 characters)."),
    faction: str = typer.Option(..., "--faction", help="Starting faction, e.g. COSMIC."),
    account_token: Optional[str] = typer.Option(
        None, "--account-token", help="Account token (default: SPACETRADERS_ACCOUNT_TOKEN).", show_default=False
    ),
) -> None:
    """Register a new agent with the game server and store it."""
    app = app_context(ctx)
    token = account_token or os.environ.get("SPACETRADERS_ACCOUNT_TOKEN", "")
    db = app.database()

    async def go() -> Player:
        async with app.api() as api:
            return await register_player(db, api, symbol=agent, faction=faction, account_token=token, now=utcnow())

    player = app.run(go())
    view = player_view(player)
    app.emit(view, lambda c: c.print(
        f"registered [bold]{player.agent_symbol}[/] as player {player.player_id} (HQ {player.headquarters})"
    ))


@app.command()
def add(
    ctx: typer.Context,
    token: str = typer.Option(..., "--token", help="The agent token of an existing agent."),
) -> None:
    """Import an existing agent by its token (checked with the game first)."""
    app = app_context(ctx)
    db = app.database()

    async def go() -> Player:
        async with app.api(token) as api:
            return await add_player(db, api, token=token, now=utcnow())

    player = app.run(go())
    app.emit(player_view(player), lambda c: c.print(f"added [bold]{player.agent_symbol}[/] as player {player.player_id}"))


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Players in this database."""
    app = app_context(ctx)
    with app.database().read() as session:
        default_id = get_preference(session, DEFAULT_PLAYER_KEY)
        views = [player_view(p, default_id=default_id) for p in PlayerRepository(session).list()]

    def render(console) -> None:  # type: ignore[no-untyped-def]
        table = Table(title="Players")
        for column in ("id", "agent", "faction", "headquarters", "token", "default"):
            table.add_column(column)
        for v in views:
            table.add_row(str(v["player_id"]), v["agent_symbol"], v["faction"] or "", v["headquarters"] or "",
                          v["token"], "*" if v["default"] else "")
        console.print(table if views else "no players yet: `spacetraders player register` or `player add`")

    app.emit({"players": views}, render)


@app.command()
def info(ctx: typer.Context) -> None:
    """The acting player, with live credits and ship count from the game."""
    app = app_context(ctx)
    player = app.player()
    assert player is not None

    async def go():  # type: ignore[no-untyped-def]
        async with app.api(player.token) as api:
            return await api.get_agent()

    agent = app.run(go())
    view = player_view(player) | {"credits": agent.credits, "ship_count": agent.ship_count}
    app.emit(view, lambda c: c.print(
        f"[bold]{player.agent_symbol}[/] (player {player.player_id}, {player.faction}) HQ {player.headquarters}\n"
        f"credits {agent.credits:,}  ships {agent.ship_count}  token {view['token']}"
    ))


@app.command()
def use(ctx: typer.Context, player: str = typer.Argument(..., help="Player id or agent symbol.")) -> None:
    """Make a player the default for later commands."""
    app = app_context(ctx)
    chosen = use_player(app.database(), player)
    app.emit(player_view(chosen, default_id=str(chosen.player_id)),
             lambda c: c.print(f"default player is now {chosen.agent_symbol} ({chosen.player_id})"))
