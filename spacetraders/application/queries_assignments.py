"""Read side of assignments, for the CLI and the web API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, outerjoin, select
from sqlalchemy.orm import Session

from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.models import Container, ShipAssignment


def list_assignments(session: Session, *, player_id: int | None = None, include_idle: bool = False) -> list[dict[str, Any]]:
    query = (
        select(ShipAssignment, Container.status.label("container_status"))
        .select_from(
            outerjoin(
                ShipAssignment,
                Container,
                and_(Container.container_id == ShipAssignment.container_id,
                     Container.player_id == ShipAssignment.player_id),
            )
        )
        .order_by(ShipAssignment.player_id, ShipAssignment.ship_symbol)
    )
    if player_id is not None:
        query = query.where(ShipAssignment.player_id == player_id)
    if not include_idle:
        query = query.where(ShipAssignment.status == ACTIVE)
    return [
        {
            "player_id": a.player_id,
            "ship_symbol": a.ship_symbol,
            "container_id": a.container_id,
            "container_status": container_status,
            "operation": a.operation,
            "status": a.status,
            "assigned_at": a.assigned_at,
            "released_at": a.released_at,
            "release_reason": a.release_reason,
        }
        for a, container_status in session.execute(query)
    ]
