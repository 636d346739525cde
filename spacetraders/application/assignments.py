"""`assignments fix` and `assignments release`.

Since schema 0005 the database itself rejects two live containers for one ship and an
active assignment on a container that is not live or drives another ship (see
docs/architecture.md). What it cannot reject is the reverse gap: a live container whose
ship has no active assignment (an old tool, a hand edit that idled it). `fix` gives each
such container its ship, in one set-based INSERT ... SELECT ... ON CONFLICT, so 100,000
containers are fixed in seconds. On SQLite the foreign key binds only connections that
enable foreign keys (ours always do; the sqlite3 shell does not by default), so `fix` also
releases an active assignment whose container is missing, not live or drives another ship.

It also reports the rows no repair can read: a live container whose config is not a JSON
object (or holds NaN), or a container in a status this version does not know. They are
named, one line each, and left for a person (`container stop` / `remove` end them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, Subquery, and_, or_, outerjoin, select, tuple_
from sqlalchemy.orm import Session

from spacetraders.application import containers as lifecycle
from spacetraders.application.daemons import LIVE_DAEMON_STATUSES
from spacetraders.domain.containers import LIVE_STATUSES, ContainerStatus
from spacetraders.errors import NotFound, SpacetradersError
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import parse_params
from spacetraders.persistence.models import Container, Daemon, ShipAssignment
from spacetraders.persistence.unit_of_work import UnitOfWork

LIVE = [s.value for s in LIVE_STATUSES]
KNOWN = [s.value for s in ContainerStatus]
ASSIGNED, BAD_ROW = "assigned", "bad-row"


@dataclass(frozen=True)
class FixAction:
    action: str  # released | assigned | bad-row (reported, not changed)
    player_id: int
    ship_symbol: str | None
    container_id: str | None
    previous_container_id: str | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def fix_plan(session: Session) -> list[FixAction]:
    """What `fix` would change (and the rows it cannot read), without changing anything."""
    orphans = _orphans(session)
    return orphans + _claims(session, {(a.player_id, a.ship_symbol) for a in orphans}) + bad_rows(session)


def fix_assignments(uow: UnitOfWork, *, now: datetime, dry_run: bool = False) -> list[FixAction]:
    """Repair and return what was changed (or, with dry_run, what would be), then the bad rows."""
    session = uow.session
    if dry_run:
        return fix_plan(session)
    orphans = _orphans(session)
    released = set(uow.assignment_repair.release(
        [(a.player_id, a.ship_symbol, a.container_id, a.reason) for a in orphans if a.container_id and a.ship_symbol],
        now))
    done = [a for a in orphans if (a.player_id, a.ship_symbol, a.container_id) in released]
    claims = _claims(session, set())
    adopted = set(uow.assignment_repair.adopt(_unheld_claims(session), now))
    done += [a for a in claims if (a.player_id, a.ship_symbol, a.container_id) in adopted]
    return done + bad_rows(session)


def bad_rows(session: Session) -> list[FixAction]:
    """Live containers whose config cannot be read, and containers in an unknown status.

    Configs are parsed here, in Python, row by row: one bad row cannot fail the query."""
    rows = session.execute(
        select(Container.player_id, Container.ship_symbol, Container.container_id, Container.status,
               Container.config)
        .where(or_(Container.status.in_(LIVE), Container.status.not_in(KNOWN)))
        .order_by(Container.container_id)
    )
    found: list[FixAction] = []
    for player_id, ship, container_id, status, config in rows:
        if status not in KNOWN:
            why = f"status {status!r} is not one this version knows"
        else:
            try:
                parse_params(config)
                continue
            except ValueError as exc:
                why = f"config {exc}"
        found.append(FixAction(BAD_ROW, player_id, ship, container_id, None,
                               f"{why}: end it with `spacetraders container stop {container_id}`"))
    return found


def _orphans(session: Session) -> list[FixAction]:
    """Active assignments whose container is missing, not live, or drives another ship
    (only a SQLite connection without foreign keys can write them)."""
    rows = session.execute(
        select(ShipAssignment.player_id, ShipAssignment.ship_symbol, ShipAssignment.container_id,
               Container.status, Container.ship_symbol)
        .select_from(outerjoin(ShipAssignment, Container, and_(
            Container.container_id == ShipAssignment.container_id, Container.player_id == ShipAssignment.player_id)))
        .where(
            ShipAssignment.status == ACTIVE,
            or_(Container.status.is_(None), Container.status.not_in(LIVE),
                Container.ship_symbol.is_(None), Container.ship_symbol != ShipAssignment.ship_symbol),
        )
        .order_by(ShipAssignment.player_id, ShipAssignment.ship_symbol)
    ).all()
    actions = []
    for player_id, ship, container_id, status, drives in rows:
        if status is None:
            why = "container missing"
        elif status not in LIVE:
            why = f"container is {status}"
        else:
            why = f"container drives {drives or 'no ship'}"
        actions.append(FixAction("released", player_id, ship, container_id, container_id, f"assignments fix: {why}"))
    return actions


def _claims(session: Session, released: set[tuple[int, str | None]]) -> list[FixAction]:
    """Live containers whose ship has no active assignment (or one that `released` frees: dry run)."""
    unheld = _unheld_claims(session, released).subquery()
    rows = session.execute(
        select(unheld.c.player_id, unheld.c.ship_symbol, unheld.c.container_id, ShipAssignment.container_id)
        .select_from(outerjoin(unheld, ShipAssignment, and_(
            ShipAssignment.player_id == unheld.c.player_id, ShipAssignment.ship_symbol == unheld.c.ship_symbol)))
        .order_by(unheld.c.player_id, unheld.c.ship_symbol)
    ).all()
    return [
        FixAction(ASSIGNED, player_id, ship, container_id, previous, "live container had no active assignment")
        for player_id, ship, container_id, previous in rows
    ]


def _live_claims(session: Session) -> Subquery:
    """Live containers with the ship they drive: the `ship_symbol` column, never the JSON config."""
    return (
        select(Container.player_id, Container.ship_symbol, Container.container_id)
        .where(Container.status.in_(LIVE), Container.ship_symbol.is_not(None))
        .subquery()
    )


def _unheld_claims(session: Session, released: set[tuple[int, str | None]] | None = None) -> Select[tuple[int, str, str]]:
    """(player_id, ship_symbol, container_id) of each live container whose ship has no active
    assignment; `released` (dry run) counts those ships as free."""
    claims = _live_claims(session)
    # Joined on the primary key alone, so each probe is one index lookup whatever the
    # planner's statistics say (fresh tables made PostgreSQL pick a quadratic plan).
    held = outerjoin(
        claims,
        ShipAssignment,
        and_(ShipAssignment.player_id == claims.c.player_id, ShipAssignment.ship_symbol == claims.c.ship_symbol),
    )
    free = or_(ShipAssignment.status.is_(None), ShipAssignment.status != ACTIVE)
    if released:
        free = or_(free, tuple_(claims.c.player_id, claims.c.ship_symbol).in_(sorted(released)))
    return select(claims.c.player_id, claims.c.ship_symbol, claims.c.container_id).select_from(held).where(free)


@dataclass(frozen=True)
class Release:
    """What `assignments release` did: the ship is free now, or once its container has stopped."""

    ship_symbol: str
    container_id: str
    container_status: str  # after the release
    released: bool  # False: the container is STOPPING and its daemon releases the ship when it stops

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def release_ship(uow: UnitOfWork, player_id: int, ship_symbol: str, *, now: datetime, force: bool = False) -> Release:
    """Release a ship's active assignment; refuse while its container is live unless forced.

    Forced on a live container, the container is stopped in the same transaction, so the ship
    never gets a second driver: one that was not running yet (or whose daemon is gone) is
    STOPPED and the ship released now; a RUNNING one becomes STOPPING and its daemon releases
    the ship when the run has stopped (until then no other container can take the ship).
    """
    current = uow.assignments.get(player_id, ship_symbol)
    if current is None or current.status != ACTIVE or current.container_id is None:
        raise NotFound(f"ship {ship_symbol} has no active assignment")
    cid = current.container_id
    container = uow.containers.get(cid, for_update=True)
    if container is None or container.status not in LIVE:
        # Only on a database the schema did not guard: the container is gone or finished.
        uow.assignments.release(player_id, ship_symbol, cid, "released by user", now=now)
        return Release(ship_symbol, cid, container.status if container else "missing", True)
    if not force:
        raise SpacetradersError(
            f"{ship_symbol} is driven by live container {cid} ({container.status}): "
            f"stop it with `spacetraders container stop {cid}` (or pass --force)"
        )
    if container.status == ContainerStatus.RUNNING and _owner_alive(uow, container, now):
        lifecycle.request_stop(uow, cid, now=now)
    elif container.status != ContainerStatus.STOPPING or not _owner_alive(uow, container, now):
        _stop_now(uow, container, now)
    status = uow.containers.get(cid)
    assert status is not None
    holder = uow.assignments.get(player_id, ship_symbol)
    released = holder is None or holder.status != ACTIVE or holder.container_id != cid
    return Release(ship_symbol, cid, status.status, released)


def _owner_alive(uow: UnitOfWork, container: Container, now: datetime) -> bool:
    if container.daemon_id is None:
        return False
    return uow.session.scalar(
        select(Daemon.daemon_id).where(
            Daemon.daemon_id == container.daemon_id,
            Daemon.status.in_(LIVE_DAEMON_STATUSES),
            Daemon.lease_expires_at > now,
        )
    ) is not None


def _stop_now(uow: UnitOfWork, container: Container, now: datetime) -> None:
    """STOPPED and the ship released, in one savepoint: nothing runs it (not started, or its daemon is gone)."""
    if container.status in (ContainerStatus.STARTING, ContainerStatus.INTERRUPTED):
        lifecycle.request_stop(uow, container.container_id, now=now)
        return
    if not lifecycle.end_unowned(uow, container.container_id, reason="released by user (--force)", now=now):
        raise SpacetradersError(f"container {container.container_id} changed while releasing its ship; try again")
