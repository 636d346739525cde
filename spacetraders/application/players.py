"""Players: register a new agent or import an existing one; replace a token; choose the default."""

from __future__ import annotations

import re
from datetime import datetime

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.models import Agent
from spacetraders.errors import ConfigError, SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Player
from spacetraders.persistence.players import PlayerRepository
from spacetraders.persistence.preferences import DEFAULT_PLAYER_KEY, set_preference

_AGENT_SYMBOL = re.compile(r"^[A-Za-z0-9_-]{3,14}$")
_FACTION = re.compile(r"^[A-Za-z_]{2,32}$")


def validate_agent_symbol(symbol: str) -> str:
    if not _AGENT_SYMBOL.match(symbol):
        raise ConfigError(f"invalid agent symbol {symbol!r}: 3 to 14 letters, digits, '-' or '_'")
    return symbol.upper()


def validate_faction(faction: str) -> str:
    if not _FACTION.match(faction):
        raise ConfigError(f"invalid faction {faction!r} (e.g. COSMIC)")
    return faction.upper()


async def register_player(
    db: Database, api: SpaceTradersClient, *, symbol: str, faction: str, account_token: str, now: datetime
) -> Player:
    """Register a new agent with the game and store it (token included) in one transaction."""
    symbol, faction = validate_agent_symbol(symbol), validate_faction(faction)
    if not account_token.strip():
        raise ConfigError("an account token is needed: set SPACETRADERS_ACCOUNT_TOKEN or pipe it on standard input")
    _refuse_known(db, symbol)
    result = await api.register(symbol, faction, account_token)
    return _store(db, result.agent, result.token, now)


async def add_player(db: Database, api: SpaceTradersClient, *, token: str, now: datetime) -> Player:
    """Import an existing agent: the token is checked against the game before it is stored."""
    if not token.strip():
        raise ConfigError("empty agent token")
    agent = await api.get_agent()
    _refuse_known(db, agent.symbol)
    return _store(db, agent, token, now)


async def replace_token(db: Database, api: SpaceTradersClient, *, ident: str, token: str, now: datetime) -> Player:
    """Store a new token for a known player (after a game reset), once the game confirms that the
    token is that agent's. `api` must be a client for the new token."""
    if not token.strip():
        raise ConfigError("empty agent token")
    with db.read() as session:
        symbol = PlayerRepository(session).resolve(ident).agent_symbol
    agent = await api.get_agent()
    if agent.symbol.upper() != symbol.upper():
        raise ConfigError(f"that token is agent {agent.symbol}'s, not {symbol}'s: nothing was changed")
    with db.transaction() as uow:
        player = uow.players.resolve(symbol)
        player.token = token
        player.faction = agent.starting_faction or player.faction
        player.headquarters = agent.headquarters or player.headquarters
        player.last_active = now
        uow.session.flush()
        uow.session.expunge(player)
        return player


def use_player(db: Database, ident: str) -> Player:
    with db.transaction() as uow:
        player = uow.players.resolve(ident)
        set_preference(uow.session, DEFAULT_PLAYER_KEY, str(player.player_id))
        uow.session.expunge(player)
        return player


def _refuse_known(db: Database, symbol: str) -> None:
    with db.read() as session:
        if PlayerRepository(session).by_symbol(symbol) is not None:
            raise SpacetradersError(f"player {symbol} is already in this database (see `spacetraders player list`)")


def _store(db: Database, agent: Agent, token: str, now: datetime) -> Player:
    with db.transaction() as uow:
        player = uow.players.add(
            Player(
                agent_symbol=agent.symbol,
                token=token,
                faction=agent.starting_faction,
                headquarters=agent.headquarters,
                created_at=now,
                last_active=now,
            )
        )
        uow.session.expunge(player)
        return player
