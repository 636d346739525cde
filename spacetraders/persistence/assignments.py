"""The only way application code changes ship assignments: compare-and-set on container ids.

Each method is one SQL statement whose WHERE clause is the expected state, so a stale
caller (a restarted run, an old daemon, a second CLI) can never overwrite a newer move.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, and_, literal, select, true, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from spacetraders.clock import utcnow
from spacetraders.domain.containers import AssignmentStatus
from spacetraders.errors import AssignmentConflict, ShipBusyError
from spacetraders.persistence.models import ShipAssignment
from spacetraders.persistence.types import UTCDateTime, rows_affected

ACTIVE = AssignmentStatus.ACTIVE.value
IDLE = AssignmentStatus.IDLE.value


class AssignmentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, player_id: int, ship_symbol: str) -> ShipAssignment | None:
        return self._session.get(ShipAssignment, (player_id, ship_symbol), populate_existing=True)

    def list(self, player_id: int | None = None, *, active_only: bool = True) -> list[ShipAssignment]:
        query = select(ShipAssignment).order_by(ShipAssignment.player_id, ShipAssignment.ship_symbol)
        if player_id is not None:
            query = query.where(ShipAssignment.player_id == player_id)
        if active_only:
            query = query.where(ShipAssignment.status == ACTIVE)
        return list(self._session.scalars(query))

    def assign(
        self,
        player_id: int,
        ship_symbol: str,
        container_id: str,
        *,
        operation: str = "command",
        now: datetime | None = None,
    ) -> None:
        """Make `container_id` the ship's active assignment.

        A no-op if it already is; ShipBusyError if another container holds the ship.
        """
        now = now or utcnow()
        values = {
            "player_id": player_id,
            "ship_symbol": ship_symbol,
            "container_id": container_id,
            "operation": operation,
            "status": ACTIVE,
            "assigned_at": now,
            "released_at": None,
            "release_reason": None,
        }
        table = cast(Table, ShipAssignment.__table__)
        insert = (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table).values(values)
        # Take over an idle row; never touch an active one.
        upsert = insert.on_conflict_do_update(
            index_elements=[table.c.player_id, table.c.ship_symbol],
            set_={k: insert.excluded[k] for k in values if k not in ("player_id", "ship_symbol")},
            where=table.c.status == IDLE,
        ).returning(table.c.ship_symbol)
        if self._is_active_on(player_id, ship_symbol, container_id):
            return
        if self._session.execute(upsert).first() is None:
            holder = self.get(player_id, ship_symbol)
            raise ShipBusyError(ship_symbol, holder.container_id if holder else None)

    def move(
        self,
        player_id: int,
        ship_symbol: str,
        *,
        from_container: str,
        to_container: str,
        operation: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Move the ship's active assignment from one container to another.

        Succeeds only if the ship is still actively assigned to `from_container`.
        """
        values: dict[str, object] = {
            "container_id": to_container,
            "assigned_at": now or utcnow(),
            "released_at": None,
            "release_reason": None,
        }
        if operation is not None:
            values["operation"] = operation
        result = self._session.execute(
            update(ShipAssignment)
            .where(self._held_by(player_id, ship_symbol, from_container))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if rows_affected(result) != 1:
            holder = self.get(player_id, ship_symbol)
            where = f"{holder.container_id} ({holder.status})" if holder else "nothing"
            raise AssignmentConflict(
                f"cannot move {ship_symbol} from {from_container}: it is assigned to {where}"
            )

    def release(
        self,
        player_id: int,
        ship_symbol: str,
        container_id: str,
        reason: str,
        *,
        now: datetime | None = None,
    ) -> bool:
        """Release the ship if it is still actively assigned to `container_id`.

        Returns False (and changes nothing) when a newer container holds it: a stale run
        can never release a ship it no longer owns.
        """
        result = self._session.execute(
            update(ShipAssignment)
            .where(self._held_by(player_id, ship_symbol, container_id))
            .values(status=IDLE, released_at=now or utcnow(), release_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return rows_affected(result) == 1

    def forget_container(self, container_id: str, *, reason: str, now: datetime) -> None:
        """Before a container row is removed: a ship it still holds is released (only possible
        on a database the schema did not guard), then idle rows stop pointing at it."""
        self._session.execute(
            update(ShipAssignment)
            .where(ShipAssignment.container_id == container_id, ShipAssignment.status == ACTIVE)
            .values(status=IDLE, released_at=now, release_reason=reason)
            .execution_options(synchronize_session=False)
        )
        self._session.execute(
            update(ShipAssignment)
            .where(ShipAssignment.container_id == container_id, ShipAssignment.status == IDLE)
            .values(container_id=None)
            .execution_options(synchronize_session=False)
        )

    def _is_active_on(self, player_id: int, ship_symbol: str, container_id: str) -> bool:
        return (
            self._session.scalar(
                select(ShipAssignment.ship_symbol).where(self._held_by(player_id, ship_symbol, container_id))
            )
            is not None
        )

    @staticmethod
    def _held_by(player_id: int, ship_symbol: str, container_id: str):
        return and_(
            ShipAssignment.player_id == player_id,
            ShipAssignment.ship_symbol == ship_symbol,
            ShipAssignment.container_id == container_id,
            ShipAssignment.status == ACTIVE,
        )

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name


class BulkAssignmentRepair:
    """Set-based repairs for `assignments fix`: a few statements, whatever the fleet size.

    Each statement carries its own compare-and-set guard, so a concurrent daemon or CLI
    write between the survey and the repair is never overwritten.
    """

    CHUNK = 500

    def __init__(self, session: Session) -> None:
        self._session = session

    def release(self, rows: list[tuple[int, str, str, str]], now: datetime) -> list[tuple[int, str, str]]:
        """Release (player_id, ship, container_id, reason) rows still active on that container."""
        done: list[tuple[int, str, str]] = []
        for chunk in _chunks(rows, self.CHUNK):
            for reason, group in _group_by_reason(chunk).items():
                result = self._session.execute(
                    update(ShipAssignment)
                    .where(
                        ShipAssignment.status == ACTIVE,
                        tuple_(ShipAssignment.player_id, ShipAssignment.ship_symbol, ShipAssignment.container_id).in_(
                            group
                        ),
                    )
                    .values(status=IDLE, released_at=now, release_reason=reason)
                    .returning(ShipAssignment.player_id, ShipAssignment.ship_symbol, ShipAssignment.container_id)
                    .execution_options(synchronize_session=False)
                )
                done.extend(tuple(r) for r in result)  # type: ignore[misc]
        return done

    def adopt(self, claims: Select[tuple[int, str, str]], now: datetime) -> list[tuple[int, str, str]]:
        """Point each ship named by `claims` (player_id, ship_symbol, container_id) at its
        container, unless the ship is actively held: one INSERT ... SELECT ... ON CONFLICT."""
        table = cast(Table, ShipAssignment.__table__)
        make_insert = postgresql.insert if self._session.get_bind().dialect.name == "postgresql" else sqlite.insert
        source = claims.subquery()
        insert = make_insert(table).from_select(
            ["player_id", "ship_symbol", "container_id", "operation", "status", "assigned_at"],
            select(source.c[0], source.c[1], source.c[2], literal("command"), literal(ACTIVE), literal(now, UTCDateTime()))
            .where(true()),  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
        )
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.player_id, table.c.ship_symbol],
            set_={
                "container_id": insert.excluded.container_id,
                "status": ACTIVE,
                "assigned_at": insert.excluded.assigned_at,
                "released_at": None,
                "release_reason": None,
            },
            where=table.c.status == IDLE,
        ).returning(table.c.player_id, table.c.ship_symbol, table.c.container_id)
        return [tuple(r) for r in self._session.execute(statement)]


def _chunks(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _group_by_reason(rows: list[tuple[int, str, str, str]]) -> dict[str, list[tuple[int, str, str]]]:
    groups: dict[str, list[tuple[int, str, str]]] = {}
    for player_id, ship, container_id, reason in rows:
        groups.setdefault(reason, []).append((player_id, ship, container_id))
    return groups
