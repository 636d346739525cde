"""Small builders for rows the tests need (real rows in a real database, no mocks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from spacetraders.clock import utcnow
from spacetraders.domain.containers import ContainerStatus, new_container_id
from spacetraders.persistence.containers import container_config
from spacetraders.persistence.models import Container, Player
from spacetraders.persistence.unit_of_work import UnitOfWork


def make_player(uow: UnitOfWork, symbol: str = "COOPER", player_id: int | None = None) -> Player:
    return uow.players.add(
        Player(player_id=player_id, agent_symbol=symbol, token=f"tok-{symbol}-secret", faction="COSMIC",
               headquarters="X1-TS98-A1", created_at=utcnow())
    )


def make_container(
    uow: UnitOfWork,
    player_id: int,
    ship_symbol: str,
    *,
    status: ContainerStatus = ContainerStatus.RUNNING,
    command_type: str = "ScoutTourCommand",
    params: dict | None = None,
    created_at: datetime | None = None,
    restarted_from: str | None = None,
    container_id: str | None = None,
) -> Container:
    params = {"ship_symbol": ship_symbol, "system": "X1-TS98", "markets": ["X1-TS98-A1"], **(params or {})}
    return uow.containers.add(
        Container(
            container_id=container_id or new_container_id(f"scout-tour-{ship_symbol}"),
            player_id=player_id,
            status=str(status),
            command_type=command_type,
            ship_symbol=params.get("ship_symbol") or None,
            config=container_config(command_type, params),
            restart_policy="on-failure",
            max_restarts=5,
            restart_window_s=600,
            restart_count=0,
            restarted_from=restarted_from,
            created_at=created_at or utcnow() - timedelta(seconds=1),
        )
    )
