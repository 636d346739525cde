"""Docker-like container ids: a unique prefix names a container, within one player's containers.

Ids are long (`scout-tour-cooper-2-1a2b3c4d`), so commands accept any unique prefix. The
lookup is scoped to the acting player: another player's container does not exist for them.
Here rather than in the CLI so that the web API can resolve ids the same way.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from spacetraders.errors import ConfigError, NotFound
from spacetraders.persistence.models import Container, Player

SHOWN_CANDIDATES = 5  # an ambiguous prefix names this many candidates, then counts the rest
MAX_ID_LENGTH = 128  # containers.container_id is String(128): longer text names no container


def resolve_container_id(session: Session, player_id: int, text: str) -> str:
    """The full id of the player's container whose id is `text` or starts with it.

    An exact id wins even when it is also the prefix of longer ids. NotFound when nothing
    matches, ConfigError naming the candidates when several do.
    """
    prefix = text.strip()
    if not prefix:
        raise ConfigError("empty container id")
    # No id holds NUL (which PostgreSQL refuses in text) or is that long (SQLite refuses LIKE
    # patterns past 50,000 characters).
    if "\x00" in prefix or len(prefix) > MAX_ID_LENGTH:
        raise NotFound(f"no container {_echo(prefix)}{_of(session, player_id)}")
    mine = select(Container.container_id).where(Container.player_id == player_id)
    if session.scalar(mine.where(Container.container_id == prefix)) is not None:
        return prefix
    matches = list(
        session.scalars(
            mine.where(*_starts_with(prefix)).order_by(Container.container_id).limit(SHOWN_CANDIDATES + 1)
        )
    )
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no container {_echo(prefix)}{_of(session, player_id)}")
    shown = ", ".join(matches[:SHOWN_CANDIDATES])
    more = "" if len(matches) <= SHOWN_CANDIDATES else f" and {_count(session, player_id, prefix) - SHOWN_CANDIDATES} more"
    raise ConfigError(f"container id prefix {prefix!r} is ambiguous: {shown}{more}; give more characters")


def _starts_with(prefix: str) -> tuple[ColumnElement[bool], ...]:
    # LIKE with % and _ escaped finds the candidates; SQLite's LIKE ignores case, so the
    # substr comparison keeps the match exact (and case-sensitive) on both databases.
    return (
        Container.container_id.startswith(prefix, autoescape=True),
        func.substr(Container.container_id, 1, len(prefix)) == prefix,
    )


def _count(session: Session, player_id: int, prefix: str) -> int:
    query = select(func.count()).where(Container.player_id == player_id, *_starts_with(prefix))
    return int(session.scalar(query) or 0)


def _echo(text: str) -> str:
    """The text quoted back, cut short: an error is one readable line."""
    return repr(text) if len(text) <= 80 else f"{text[:60]!r}... ({len(text)} characters)"


def _of(session: Session, player_id: int) -> str:
    agent = session.scalar(select(Player.agent_symbol).where(Player.player_id == player_id))
    return f" of player {agent}" if agent else ""
