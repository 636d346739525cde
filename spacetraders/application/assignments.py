"""`assignments fix`: bring ship_assignments back in line with the live containers.

Repairs what an older version, a crash or a hand edit left behind, in one transaction:
- an active assignment whose container is dead or missing is released, with a reason;
- a live container whose ship has no active assignment gets one pointing at it;
- when several live containers claim one ship, the newest keeps it and the others are
  reported as conflicts (never silently stopped: a person decides).
Survey and repair are set-based (a constant number of statements per 500 rows), so a
database of 100,000 containers is fixed in seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, Subquery, and_, func, or_, outerjoin, select
from sqlalchemy.orm import Session

from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.errors import NotFound, SpacetradersError
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import config_param_sql
from spacetraders.persistence.models import Container, ShipAssignment
from spacetraders.persistence.unit_of_work import UnitOfWork

LIVE = [s.value for s in LIVE_STATUSES]


@dataclass(frozen=True)
class FixAction:
    action: str  # released | assigned | moved | conflict
    player_id: int
    ship_symbol: str
    container_id: str | None
    previous_container_id: str | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def fix_plan(session: Session) -> list[FixAction]:
    """What `fix` would change, without changing anything."""
    orphans = _orphans(session)
    return orphans + _claims(session, {(a.player_id, a.ship_symbol) for a in orphans})


def fix_assignments(uow: UnitOfWork, *, now: datetime, dry_run: bool = False) -> list[FixAction]:
    """Repair and return what was changed (or, with dry_run, what would be)."""
    session = uow.session
    if dry_run:
        return fix_plan(session)
    orphans = _orphans(session)
    released = set(
        uow.assignment_repair.release(
            [(a.player_id, a.ship_symbol, a.container_id, a.reason) for a in orphans if a.container_id], now
        )
    )
    actions = [a for a in orphans if (a.player_id, a.ship_symbol, a.container_id) in released]
    claims = _claims(session, set())
    adopted = set(uow.assignment_repair.adopt(_unheld_newest_claims(session), now))
    actions += [a for a in claims if a.action == "assigned" and (a.player_id, a.ship_symbol, a.container_id) in adopted]
    for move in (a for a in claims if a.action == "moved"):
        assert move.previous_container_id and move.container_id
        uow.assignments.move(
            move.player_id, move.ship_symbol,
            from_container=move.previous_container_id, to_container=move.container_id, now=now,
        )
        actions.append(move)
    actions += [a for a in claims if a.action == "conflict"]
    return actions


def _orphans(session: Session) -> list[FixAction]:
    """Active assignments whose container is missing or no longer live."""
    rows = session.execute(
        select(ShipAssignment.player_id, ShipAssignment.ship_symbol, ShipAssignment.container_id, Container.status)
        .select_from(
            outerjoin(
                ShipAssignment,
                Container,
                and_(
                    Container.container_id == ShipAssignment.container_id,
                    Container.player_id == ShipAssignment.player_id,
                ),
            )
        )
        .where(ShipAssignment.status == ACTIVE, or_(Container.status.is_(None), Container.status.not_in(LIVE)))
        .order_by(ShipAssignment.player_id, ShipAssignment.ship_symbol)
    ).all()
    return [
        FixAction(
            "released", player_id, ship, container_id, container_id,
            f"assignments fix: container is {status}" if status else "assignments fix: container missing",
        )
        for player_id, ship, container_id, status in rows
    ]


def _claims(session: Session, released: set[tuple[int, str]]) -> list[FixAction]:
    """Live containers that claim a ship but do not hold its active assignment.

    `released` are ships whose active assignment the orphan step releases (dry run).
    """
    ranked = _ranked_claims(session)
    holder = ShipAssignment
    rows = session.execute(
        select(ranked.c.player_id, ranked.c.ship_symbol, ranked.c.container_id, ranked.c.rank,
               holder.container_id, holder.status)
        .select_from(
            outerjoin(
                ranked,
                holder,
                and_(holder.player_id == ranked.c.player_id, holder.ship_symbol == ranked.c.ship_symbol),
            )
        )
        .order_by(ranked.c.player_id, ranked.c.ship_symbol, ranked.c.rank)
    ).all()
    live_holders = _live_holders(session)
    actions: list[FixAction] = []
    newest: dict[tuple[int, str], str] = {}
    for player_id, ship_symbol, container_id, rank, held_by, held_status in rows:
        key = (player_id, ship_symbol)
        active = held_status == ACTIVE and key not in released
        if rank == 1:
            newest[key] = container_id
        if rank > 1:
            actions.append(
                FixAction("conflict", player_id, ship_symbol, container_id, newest[key],
                          f"another live container claims this ship; the newest ({newest[key]}) keeps it: "
                          "stop this one")
            )
        elif active and held_by == container_id:
            continue
        elif active and held_by in live_holders:
            actions.append(
                FixAction("moved", player_id, ship_symbol, container_id, held_by,
                          "the newest live container of the ship takes its assignment")
            )
        else:
            actions.append(
                FixAction("assigned", player_id, ship_symbol, container_id,
                          held_by, "live container had no active assignment")
            )
    return actions


def _ranked_claims(session: Session) -> Subquery:
    """Live containers with the ship their params name, ranked newest first per ship."""
    ship = config_param_sql(session.get_bind().dialect.name, "ship_symbol").label("ship_symbol")
    return (
        select(
            Container.player_id,
            ship,
            Container.container_id,
            func.row_number()
            .over(
                partition_by=(Container.player_id, ship),
                order_by=(Container.created_at.desc(), Container.container_id.desc()),
            )
            .label("rank"),
        )
        .where(Container.status.in_(LIVE), ship.is_not(None))
        .subquery()
    )


def _unheld_newest_claims(session: Session) -> Select[tuple[int, str, str]]:
    """The newest live claimant of every ship that has no active assignment."""
    ranked = _ranked_claims(session)
    # Joined on the primary key alone, so each probe is one index lookup whatever the
    # planner's statistics say (fresh tables made PostgreSQL pick a quadratic plan).
    held = outerjoin(
        ranked,
        ShipAssignment,
        and_(ShipAssignment.player_id == ranked.c.player_id, ShipAssignment.ship_symbol == ranked.c.ship_symbol),
    )
    return (
        select(ranked.c.player_id, ranked.c.ship_symbol, ranked.c.container_id)
        .select_from(held)
        .where(ranked.c.rank == 1, or_(ShipAssignment.status.is_(None), ShipAssignment.status != ACTIVE))
    )


def _live_holders(session: Session) -> set[str]:
    """Container ids that hold an active assignment and are live."""
    return set(
        session.scalars(
            select(ShipAssignment.container_id)
            .join(Container, Container.container_id == ShipAssignment.container_id)
            .where(ShipAssignment.status == ACTIVE, Container.status.in_(LIVE))
        )
    )


def release_ship(uow: UnitOfWork, player_id: int, ship_symbol: str, *, now: datetime, force: bool = False) -> str:
    """Release a ship's active assignment; refuse while its container is live unless forced."""
    current = uow.assignments.get(player_id, ship_symbol)
    if current is None or current.status != ACTIVE or current.container_id is None:
        raise NotFound(f"ship {ship_symbol} has no active assignment")
    container = uow.containers.get(current.container_id)
    if container is not None and container.status in LIVE and not force:
        raise SpacetradersError(
            f"{ship_symbol} is driven by live container {container.container_id} ({container.status}): "
            f"stop it with `spacetraders container stop {container.container_id}` (or pass --force)"
        )
    uow.assignments.release(player_id, ship_symbol, current.container_id, "released by user", now=now)
    return current.container_id
