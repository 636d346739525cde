"""Player rows: the agents whose fleets we run. Tokens are secrets: never logged or shown."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spacetraders.errors import NotFound
from spacetraders.persistence.models import Player


class PlayerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, player: Player) -> Player:
        self._session.add(player)
        self._session.flush()
        return player

    def get(self, player_id: int) -> Player | None:
        return self._session.get(Player, player_id)

    def by_symbol(self, agent_symbol: str) -> Player | None:
        return self._session.scalars(
            select(Player).where(func.upper(Player.agent_symbol) == agent_symbol.upper())
        ).one_or_none()

    def list(self) -> list[Player]:
        return list(self._session.scalars(select(Player).order_by(Player.player_id)))

    def resolve(self, ident: str | int) -> Player:
        """A player by numeric id or agent symbol; NotFound with a clear message otherwise."""
        text = str(ident).strip()
        # ASCII digits of at most 18 of them: `²` or 10^26 is no id (past 64 bits the driver raises).
        player = self.get(int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else self.by_symbol(text)
        if player is None:
            raise NotFound(f"no player {text!r} (see `spacetraders player list`)")
        return player
