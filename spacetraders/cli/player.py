"""`spacetraders player ...`: the agents whose fleets we run. Tokens are always shown masked,
and read from standard input or a no-echo prompt rather than the command line (cli/token_input.py)."""

from __future__ import annotations

from typing import Any, Optional

import typer
from rich.table import Table

from spacetraders.api.tokens import mask_token
from spacetraders.application.players import (
    add_player,
    register_player,
    replace_token,
    use_player,
    validate_agent_symbol,
    validate_faction,
)
from spacetraders.cli.context import app_context
from spacetraders.cli.token_input import read_token
from spacetraders.clock import utcnow
from spacetraders.persistence.models import Player
from spacetraders.persistence.players import PlayerRepository
from spacetraders.persistence.preferences import DEFAULT_PLAYER_KEY, get_preference

app = typer.Typer(help="Players (agents): register, add, token, list, info, use.", no_args_is_help=True)

DISCOURAGED = "Discouraged: visible in `ps` and the shell history. Pipe the token on standard input instead."


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
    account_token: Optional[str] = typer.Option(None, "--account-token", help=DISCOURAGED, show_default=False),
) -> None:
    """Register a new agent with the game server and store it.

    The account token comes from SPACETRADERS_ACCOUNT_TOKEN, else standard input (piped, or a
    prompt that does not echo on a terminal).
    """
    app = app_context(ctx)
    db = app.database()
    agent, faction = validate_agent_symbol(agent), validate_faction(faction)  # before asking for the token
    token = read_token(what="account token", option=account_token, option_name="--account-token",
                       env_var="SPACETRADERS_ACCOUNT_TOKEN")

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
    token_option: Optional[str] = typer.Option(None, "--token", help=DISCOURAGED, show_default=False),
) -> None:
    """Import an existing agent by its token (checked with the game first).

    The token is read from standard input: `echo "$TOKEN" | spacetraders player add`, or typed
    at a prompt that does not echo.
    """
    app = app_context(ctx)
    db = app.database()
    token = read_token(what="agent token", option=token_option, option_name="--token")

    async def go() -> Player:
        async with app.api(token) as api:
            return await add_player(db, api, token=token, now=utcnow())

    player = app.run(go())
    app.emit(player_view(player), lambda c: c.print(f"added [bold]{player.agent_symbol}[/] as player {player.player_id}"))


@app.command()
def token(
    ctx: typer.Context,
    player: str = typer.Argument(..., help="Player id or agent symbol."),
    token_option: Optional[str] = typer.Option(None, "--token", help=DISCOURAGED, show_default=False),
) -> None:
    """Replace a stored agent's token (e.g. after a game reset), once the game confirms it is that agent's.

    The new token is read like `player add` reads it. Running containers keep the old token until
    they are restarted.
    """
    app = app_context(ctx)
    db = app.database()
    new_token = read_token(what="agent token", option=token_option, option_name="--token")

    async def go() -> Player:
        async with app.api(new_token) as api:
            return await replace_token(db, api, ident=player, token=new_token, now=utcnow())

    updated = app.run(go())
    app.emit(player_view(updated), lambda c: c.print(
        f"new token for [bold]{updated.agent_symbol}[/] (player {updated.player_id}) stored: {mask_token(updated.token)}"
    ))


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Players in this database."""
    app = app_context(ctx)
    with app.database().read() as session:
        default_id = get_preference(session, DEFAULT_PLAYER_KEY)
        views = [player_view(p, default_id=default_id) for p in PlayerRepository(session).list()]

    def render(console) -> None:
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

    async def go():
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
