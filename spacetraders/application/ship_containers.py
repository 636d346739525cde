"""Starting a container that drives one ship: the shared last step of navigate, contract run,
trade run and a flying ship purchase.

The ship's latest state is stored and the container created (the ship assigned to it) in one
transaction, so the map and the one-driver check see the run from its first moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import NotFoundError
from spacetraders.api.models import Ship
from spacetraders.application.containers import create_container
from spacetraders.application.daemons import live_daemons
from spacetraders.errors import NotFound
from spacetraders.persistence.database import Database
from spacetraders.persistence.universe import store_ships


@dataclass(frozen=True)
class Started:
    container_id: str
    daemon_running: bool

    def queued_note(self, what: str) -> tuple[str, ...]:
        """The note a user needs when nothing will run the container yet."""
        if self.daemon_running:
            return ()
        return (f"no daemon is running: the {what} is queued; start one with `spacetraders daemon start`",)


async def fetch_own_ship(api: SpaceTradersClient, symbol: str) -> Ship:
    """The ship as the game sees it now; one clear line if it is not this player's."""
    try:
        return await api.get_ship(symbol)
    except NotFoundError:
        raise NotFound(f"ship {symbol} not found among this player's ships") from None


def start_ship_container(
    db: Database, *, player_id: int, ship: Ship, command_type: str, id_prefix: str, params: dict[str, Any],
    now: datetime, take_from: str | None = None,
) -> Started:
    """Store the ship and create its container in one transaction; `take_from` ends that holder first."""
    with db.transaction() as uow:
        store_ships(uow.session, player_id, [ship], now=now)
        container = create_container(uow, player_id=player_id, command_type=command_type, id_prefix=id_prefix,
                                     params=params, take_from=take_from, now=now)
        container_id = container.container_id
    with db.read() as session:
        return Started(container_id, bool(live_daemons(session, now=now)))
