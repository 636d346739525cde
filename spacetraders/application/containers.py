"""Container lifecycle use cases: every status change, and the ship assignment with it.

Each handler runs inside the caller's unit of work (so several compose into one
transaction) and inside a SAVEPOINT of its own, so a handler is all-or-nothing even when
the caller catches its error and carries on. Status changes are compare-and-set
(`uow.containers.set_status`): when the row is no longer what the handler read, a newer
actor won, and the handler changes nothing and returns False/None.

A restart (policy, user, resume, recovery) is one transaction: the old row ends
(FAILED/STOPPED/COMPLETED with stopped_at and exit_reason), a new STARTING row with a new
id and the same config is added (`restarted_from`, `restart_count + 1`, `not_before` for
backoff) and the ship's assignment is MOVED from old to new.

The database checks the result (docs/architecture.md): at most one live container per ship
(a unique index, checked at once, so the old row always ends BEFORE its successor is added)
and an active assignment only on the live container that drives its ship (a deferred
foreign key, checked at commit, so the move may happen in either order). The ship a
container drives is its `ship_symbol` column; handlers never parse the JSON config for it,
so a row with an unreadable config can still be stopped, restarted or removed.

User actions lock the row they change and never date a change before the row's own latest
timestamp (`_not_before_row`), so a restart that waited for the lock cannot record a
`stopped_at` earlier than the `started_at` a daemon wrote meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from spacetraders.clock import utcnow
from spacetraders.domain import restart_policy
from spacetraders.domain.containers import (
    LIVE_STATUSES,
    ContainerStatus,
    new_container_id,
)
from spacetraders.errors import ConfigError, NotFound, ShipBusyError, SpacetradersError
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import config_problem, container_config
from spacetraders.persistence.models import Container, ContainerEvent
from spacetraders.persistence.unit_of_work import UnitOfWork

S = ContainerStatus
_UNSET: Any = object()  # no owner fence: a user action, not a daemon's


# ---------------------------------------------------------------------------- create / claim


def create_container(
    uow: UnitOfWork,
    *,
    player_id: int,
    command_type: str,
    params: dict[str, Any],
    id_prefix: str,
    restart_policy: str = "on-failure",
    max_restarts: int = 5,
    restart_window_s: int = 600,
    operation: str = "command",
    take_from: str | None = None,
    now: datetime,
) -> Container:
    """A STARTING container and, if it drives a ship, that ship's active assignment.

    `take_from` names the live container that holds the ship now: it is ended (STOPPED)
    and the assignment MOVED from it to the new one, all in this savepoint.
    """
    try:
        policy = _policy(restart_policy)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if max_restarts < 0 or restart_window_s <= 0:
        raise ConfigError("max_restarts must be >= 0 and restart_window_s > 0")
    if uow.players.get(player_id) is None:
        raise NotFound(f"no player with id {player_id}")
    ship = _ship_param(params)
    config = container_config(command_type, params)
    if take_from is not None and not ship:
        raise ConfigError("only a container that drives a ship can take it over from another")
    old = _holder_to_replace(uow, take_from, player_id, ship, now) if take_from is not None else None
    if old is not None:
        now = _not_before_row(old, now)
    elif ship:
        _refuse_if_held(uow, player_id, ship)
    container_id = new_container_id(id_prefix)
    with _atomic(uow):
        if old is not None:  # the old driver ends first: the schema allows one live container per ship
            reason = f"replaced by {container_id}"
            # Fenced on status AND owner: a daemon that moved the row on since we read it wins.
            if not _cas(uow, old.container_id, expected=[old.status], new=S.STOPPED, owner=old.daemon_id,
                        stopped_at=now, exit_reason=reason):
                raise SpacetradersError(f"container {old.container_id} changed while replacing it; try again")
            record_event(uow, old.container_id, S.STOPPED, reason, now)
        container = _add(uow, Container(
            container_id=container_id,
            player_id=player_id,
            status=S.STARTING.value,
            command_type=command_type,
            ship_symbol=ship,
            config=config,
            restart_policy=policy,
            max_restarts=max_restarts,
            restart_window_s=restart_window_s,
            restart_count=0,
            created_at=now,
            not_before=now,
        ))
        record_event(uow, container.container_id, S.STARTING, "created", now)
        if old is not None and ship and _holds(uow, old):
            uow.assignments.move(player_id, ship, from_container=old.container_id, to_container=container_id,
                                 operation=operation, now=now)
        elif ship:
            uow.assignments.assign(player_id, ship, container.container_id, operation=operation, now=now)
    return container


def _ship_param(params: dict[str, Any]) -> str | None:
    ship = params.get("ship_symbol")
    if ship is None or ship == "":
        return None
    if not isinstance(ship, str) or len(ship) > 64:
        raise ConfigError(f"ship_symbol must be a ship symbol of at most 64 characters, not {ship!r}")
    return ship


def _holder_to_replace(uow: UnitOfWork, old_id: str, player_id: int, ship: str | None, now: datetime) -> Container:
    """The live container `--replace` ends: it must be this player's and drive this ship."""
    old = _get(uow, old_id, lock=True)
    if old.player_id != player_id or old.ship_symbol != ship:
        raise ConfigError(f"container {old_id} does not drive {ship}")
    if old.status not in LIVE_STATUSES:
        raise SpacetradersError(f"container {old_id} is already {old.status}")
    return old


def claim_start(uow: UnitOfWork, container_id: str, *, daemon_id: str, now: datetime) -> Container | None:
    """STARTING -> RUNNING owned by `daemon_id`; None if not claimable (or the ship is held elsewhere)."""
    c = uow.containers.get(container_id)
    if c is None or c.status != S.STARTING or c.daemon_id not in (None, daemon_id):
        return None
    if c.not_before is not None and c.not_before > now:
        return None
    problem = config_problem(c)
    if problem is not None:  # it could never run: ended now, not handed to a worker
        _end(uow, c, S.FAILED, owner=c.daemon_id, reason=f"config {problem}; not started", exit_code=1, now=now)
        return None
    with _atomic(uow):
        if not uow.containers.set_status(
            container_id, expected=[S.STARTING], new=S.RUNNING, owner=c.daemon_id,
            daemon_id=daemon_id, started_at=now, heartbeat_at=now,
        ):
            return None
        ship = c.ship_symbol
        if ship:
            try:
                uow.assignments.assign(c.player_id, ship, container_id, now=now)
            except ShipBusyError as busy:
                reason = f"ship {ship} is held by container {busy.container_id}; not started"
                uow.containers.set_status(
                    container_id, expected=[S.RUNNING], new=S.FAILED, owner=daemon_id,
                    stopped_at=now, exit_code=1, exit_reason=reason,
                )
                record_event(uow, container_id, S.FAILED, reason, now)
                return None
        record_event(uow, container_id, S.RUNNING, f"claimed by daemon {daemon_id}", now)
    return uow.containers.get(container_id)


# ---------------------------------------------------------------------------- daemon-side ends


def complete_container(
    uow: UnitOfWork, container_id: str, *, daemon_id: str, now: datetime, exit_code: int = 0
) -> bool:
    """RUNNING/STOPPING -> COMPLETED, ship released; under policy `always` it is restarted instead."""
    c = uow.containers.get(container_id)
    if c is None or c.status not in (S.RUNNING, S.STOPPING) or c.daemon_id != daemon_id:
        return False
    reason = "completed"
    if c.status == S.RUNNING:
        decision = _decide(uow, c, S.COMPLETED, now)
        if decision.restart:
            try:
                return _replace(
                    uow, c, ended=S.COMPLETED, owner=daemon_id, reason=reason, exit_code=exit_code,
                    now=now, not_before=now + timedelta(seconds=decision.delay_s),
                    new_detail=f"restarted from {c.container_id} after completion; {decision.reason}",
                ) is not None
            except ShipBusyError as busy:
                reason = f"completed; not restarted: {busy}"
    return _end(uow, c, S.COMPLETED, owner=daemon_id, reason=reason, exit_code=exit_code, now=now)


def fail_container(
    uow: UnitOfWork,
    container_id: str,
    *,
    daemon_id: str | None,
    reason: str,
    now: datetime,
    exit_code: int = 1,
) -> Container | None:
    """The run raised: restart per policy (the new STARTING container) or give up (None, ship released).

    `daemon_id=None` fails a container nobody owns (e.g. STARTING with an unknown command).
    A STOPPING container that fails is not restarted: the user asked it to stop.
    """
    c = uow.containers.get(container_id)
    if c is None or c.status not in (S.STARTING, S.RUNNING, S.STOPPING) or c.daemon_id != daemon_id:
        return None
    return _fail(uow, c, owner=daemon_id, reason=reason, exit_code=exit_code, now=now)


def finish_stop(uow: UnitOfWork, container_id: str, *, daemon_id: str, now: datetime) -> bool:
    """The owning daemon stopped the run: STOPPING/RUNNING -> STOPPED, ship released."""
    c = uow.containers.get(container_id)
    if c is None or c.status not in (S.STOPPING, S.RUNNING) or c.daemon_id != daemon_id:
        return False
    return _end(uow, c, S.STOPPED, owner=daemon_id, reason="stopped by user", exit_code=None, now=now)


def interrupt_container(uow: UnitOfWork, container_id: str, *, daemon_id: str, now: datetime) -> bool:
    """The daemon is shutting down: RUNNING -> INTERRUPTED, ship KEPT (resumed on the next start).

    A STOPPING container was asked to stop by the user, so it is finished as STOPPED instead.
    """
    c = uow.containers.get(container_id)
    if c is None or c.daemon_id != daemon_id:
        return False
    if c.status == S.STOPPING:
        return finish_stop(uow, container_id, daemon_id=daemon_id, now=now)
    if c.status != S.RUNNING:
        return False
    with _atomic(uow):
        if not uow.containers.set_status(
            container_id, expected=[S.RUNNING], new=S.INTERRUPTED, owner=daemon_id,
            exit_reason="daemon stopped",
        ):
            return False
        record_event(uow, container_id, S.INTERRUPTED, f"daemon {daemon_id} stopped; ship kept", now)
    return True


def recover_container(uow: UnitOfWork, container_id: str, *, now: datetime, reason: str) -> Container | None:
    """Its owner daemon is dead: RUNNING -> FAILED and restart per policy; STOPPING -> STOPPED.

    Fenced on the owner read here, so a daemon that came back and moved on is not clobbered.
    """
    c = uow.containers.get(container_id)
    if c is None:
        return None
    if c.status == S.STOPPING:
        _end(uow, c, S.STOPPED, owner=c.daemon_id, reason=f"stopped by user; {reason}", exit_code=None, now=now)
        return None
    if c.status != S.RUNNING:
        return None
    # exit_code NULL marks the run as lost (it never exited): the policy keeps the backoff, not the budget.
    return _fail(uow, c, owner=c.daemon_id, reason=reason, exit_code=None, now=now, lost=True)


# ---------------------------------------------------------------------------- user actions


def restart_container(uow: UnitOfWork, container_id: str, *, now: datetime, reason: str = "user restart") -> Container:
    """User restart. A live container becomes STOPPED and is replaced at once (ship moved);
    a finished one that was never replaced gets a successor. ShipBusyError if another container holds the ship."""
    c = _get(uow, container_id, lock=True)
    now = _not_before_row(c, now)
    if c.status in LIVE_STATUSES:
        # Fenced on the owner read here: a daemon that changed the row since wins.
        new = _replace(
            uow, c, ended=S.STOPPED, owner=c.daemon_id, reason=reason, exit_code=None, now=now, not_before=now,
            new_detail=f"restarted from {c.container_id}: {reason}",
        )
        if new is None:
            raise SpacetradersError(f"container {container_id} changed while restarting it; try again")
        return new
    successor = _successor(uow, container_id)
    if successor is not None:
        raise SpacetradersError(f"container {container_id} was already restarted as {successor}")
    ship = c.ship_symbol
    if ship:
        _refuse_if_held(uow, c.player_id, ship)
    with _atomic(uow):
        new = _add_successor(uow, c, now=now, not_before=now, detail=f"restarted from {c.container_id}: {reason}")
        if ship:
            uow.assignments.assign(c.player_id, ship, new.container_id, now=now)
    return new


def request_stop(uow: UnitOfWork, container_id: str, *, now: datetime) -> Container:
    """User stop: STARTING/INTERRUPTED -> STOPPED (released); RUNNING -> STOPPING (its daemon finishes it).

    A row in a status this version does not know (written by hand or an old tool) is ended too."""
    c = _get(uow, container_id, lock=True)
    now = _not_before_row(c, now)
    if c.status == S.STOPPING:
        return c
    if c.status in (S.STARTING, S.INTERRUPTED) or c.status not in {s.value for s in S}:
        done = _end(uow, c, S.STOPPED, owner=c.daemon_id, reason="stopped by user", exit_code=None, now=now)
    elif c.status == S.RUNNING:
        with _atomic(uow):
            done = uow.containers.set_status(container_id, expected=[S.RUNNING], new=S.STOPPING)
            if done:
                record_event(uow, container_id, S.STOPPING, "stop requested by user", now)
    else:
        raise SpacetradersError(f"container {container_id} is already {c.status}")
    if not done:
        raise SpacetradersError(f"container {container_id} changed while stopping it; try again")
    return _get(uow, container_id)


def end_unowned(uow: UnitOfWork, container_id: str, *, reason: str, now: datetime) -> bool:
    """A RUNNING/STOPPING container whose daemon is gone is STOPPED at a user's request, ship released.

    No restart: the user asked for the ship. Fenced on the owner read here."""
    c = _get(uow, container_id, lock=True)
    if c.status not in (S.RUNNING, S.STOPPING):
        return False
    return _end(uow, c, S.STOPPED, owner=c.daemon_id, reason=reason, exit_code=None, now=_not_before_row(c, now))


def resume_container(uow: UnitOfWork, container_id: str, *, now: datetime) -> Container:
    """An INTERRUPTED container starts again: old -> STOPPED "resumed", new STARTING, ship moved.

    ShipBusyError if another container took its ship meanwhile (left for a person to settle).
    """
    c = _get(uow, container_id)
    if c.status != S.INTERRUPTED:
        raise SpacetradersError(f"container {container_id} is {c.status}, not INTERRUPTED")
    now = _not_before_row(c, now)
    new = _replace(
        uow, c, ended=S.STOPPED, owner=c.daemon_id, reason="resumed", exit_code=None, now=now, not_before=now,
        new_detail=f"resumed from {c.container_id}",
    )
    if new is None:
        raise SpacetradersError(f"container {container_id} changed while resuming it; try again")
    return new


def remove_container(uow: UnitOfWork, container_id: str, *, now: datetime | None = None) -> None:
    """Delete a finished container; its logs and events go with it, idle assignments forget it.

    A ship it still holds (a database the schema did not guard) is released in the same savepoint."""
    c = _get(uow, container_id, lock=True)
    if c.status in LIVE_STATUSES:
        raise SpacetradersError(f"container {container_id} is {c.status}: stop it first (`container stop`)")
    when = _not_before_row(c, now or utcnow())
    with _atomic(uow):
        uow.assignments.forget_container(container_id, reason=f"container {container_id} removed", now=when)
        uow.containers.delete(container_id)


def record_event(uow: UnitOfWork, container_id: str, status: ContainerStatus | str, detail: str | None, now: datetime) -> None:
    uow.session.add(ContainerEvent(container_id=container_id, at=now, status=str(status), detail=detail))
    uow.session.flush()


# ---------------------------------------------------------------------------- the restart path


def _fail(
    uow: UnitOfWork, c: Container, *, owner: Any, reason: str, exit_code: int | None, now: datetime,
    lost: bool = False,
) -> Container | None:
    if c.status == S.STOPPING:
        _end(uow, c, S.FAILED, owner=owner, reason=f"{reason} (while stopping)", exit_code=exit_code, now=now)
        return None
    decision = _decide(uow, c, S.FAILED, now, lost=lost)
    if not decision.restart:
        _end(uow, c, S.FAILED, owner=owner, reason=f"{reason}; {decision.reason}", exit_code=exit_code, now=now)
        return None
    try:
        return _replace(
            uow, c, ended=S.FAILED, owner=owner, reason=reason, exit_code=exit_code, now=now,
            not_before=now + timedelta(seconds=decision.delay_s),
            new_detail=f"restarted from {c.container_id} after failure; {decision.reason}",
        )
    except ShipBusyError as busy:
        _end(uow, c, S.FAILED, owner=owner, reason=f"{reason}; not restarted: {busy}", exit_code=exit_code, now=now)
        return None


def _replace(
    uow: UnitOfWork,
    old: Container,
    *,
    ended: ContainerStatus,
    owner: Any,
    reason: str,
    exit_code: int | None,
    now: datetime,
    not_before: datetime,
    new_detail: str,
) -> Container | None:
    """End `old` and start its successor with the ship, in one savepoint. None if `old` changed.

    ShipBusyError (nothing written) if another container holds the ship: a broken invariant
    that `assignments fix` reports for a person to settle; the successor could not run anyway.
    """
    ship = old.ship_symbol
    holder = uow.assignments.get(old.player_id, ship) if ship else None
    held_by_old = holder is not None and holder.status == ACTIVE and holder.container_id == old.container_id
    if ship and holder is not None and holder.status == ACTIVE and not held_by_old:
        raise ShipBusyError(ship, holder.container_id)
    with _atomic(uow):
        if not _cas(
            uow, old.container_id, expected=[old.status], new=ended, owner=owner,
            stopped_at=now, exit_code=exit_code, exit_reason=reason,
        ):
            return None
        record_event(uow, old.container_id, ended, reason, now)
        new = _add_successor(uow, old, now=now, not_before=not_before, detail=new_detail)
        if ship and held_by_old:
            uow.assignments.move(
                old.player_id, ship, from_container=old.container_id, to_container=new.container_id, now=now
            )
        elif ship:  # the old container had lost its assignment: the successor takes the ship
            uow.assignments.assign(old.player_id, ship, new.container_id, now=now)
    return new


def _add_successor(uow: UnitOfWork, old: Container, *, now: datetime, not_before: datetime, detail: str) -> Container:
    new = _add(
        uow,
        Container(
            container_id=new_container_id(old.container_id),
            player_id=old.player_id,
            status=S.STARTING.value,
            command_type=old.command_type,
            ship_symbol=old.ship_symbol,
            config=old.config,
            restart_policy=old.restart_policy,
            max_restarts=old.max_restarts,
            restart_window_s=old.restart_window_s,
            restarted_from=old.container_id,
            restart_count=old.restart_count + 1,
            created_at=now,
            not_before=not_before,
        )
    )
    record_event(uow, new.container_id, S.STARTING, detail, now)
    return new


def _end(
    uow: UnitOfWork, c: Container, status: ContainerStatus, *, owner: Any, reason: str,
    exit_code: int | None, now: datetime,
) -> bool:
    """A terminal status and, in the same savepoint, the ship released (if still this container's)."""
    with _atomic(uow):
        if not _cas(
            uow, c.container_id, expected=[c.status], new=status, owner=owner,
            stopped_at=now, exit_code=exit_code, exit_reason=reason,
        ):
            return False
        record_event(uow, c.container_id, status, reason, now)
        ship = c.ship_symbol
        if ship:
            uow.assignments.release(c.player_id, ship, c.container_id, reason, now=now)
    return True


def _decide(
    uow: UnitOfWork, c: Container, ended: ContainerStatus, now: datetime, *, lost: bool = False
) -> restart_policy.Decision:
    runs = [restart_policy.Run(str(ended), c.started_at, now, lost=lost)]
    parent_id = c.restarted_from
    while parent_id is not None and restart_policy.needs_older_run(runs, now=now, window_s=c.restart_window_s):
        parent = uow.session.execute(
            select(Container.status, Container.started_at, Container.stopped_at, Container.restarted_from,
                   Container.exit_code)
            .where(Container.container_id == parent_id)
        ).one_or_none()
        if parent is None:
            break
        # A FAILED run without an exit code never exited: recovery ended it after its daemon was lost.
        parent_lost = parent.status == S.FAILED and parent.exit_code is None
        runs.append(restart_policy.Run(parent.status, parent.started_at, parent.stopped_at, lost=parent_lost))
        parent_id = parent.restarted_from
    return restart_policy.decide(
        c.restart_policy, runs, max_restarts=c.max_restarts, restart_window_s=c.restart_window_s, now=now
    )


# ---------------------------------------------------------------------------- helpers


@contextmanager
def _atomic(uow: UnitOfWork) -> Iterator[None]:
    """A savepoint: the handler's writes all happen or none do, whatever the caller does next."""
    with uow.session.begin_nested():
        yield


def _cas(uow: UnitOfWork, container_id: str, *, owner: Any, **kwargs: Any) -> bool:
    """`set_status`, fenced on the owner unless the caller is a user (`_UNSET`)."""
    if owner is not _UNSET:
        kwargs["owner"] = owner
    return uow.containers.set_status(container_id, **kwargs)


def _get(uow: UnitOfWork, container_id: str, *, lock: bool = False) -> Container:
    """The row; `lock` holds it until commit (PostgreSQL; SQLite's writer already holds the database)."""
    c = uow.containers.get(container_id, for_update=lock)
    if c is None:
        raise NotFound(f"no container {container_id!r}")
    return c


def _not_before_row(c: Container, now: datetime) -> datetime:
    """A user action's time, never earlier than what the row already records: the caller read
    its clock before waiting for the lock, and a daemon may have written the row meanwhile."""
    stamps = [t for t in (c.created_at, c.started_at, c.heartbeat_at, c.stopped_at) if t is not None]
    return max([now, *stamps])


def _add(uow: UnitOfWork, container: Container) -> Container:
    """Insert; the unique index on live ships turns a lost race into ShipBusyError."""
    try:
        with uow.session.begin_nested():
            return uow.containers.add(container)
    except IntegrityError:
        if container.ship_symbol and uow.containers.live_driver(container.player_id, container.ship_symbol):
            raise ShipBusyError(
                container.ship_symbol, uow.containers.live_driver(container.player_id, container.ship_symbol)
            ) from None
        raise


def _holds(uow: UnitOfWork, c: Container) -> bool:
    """Whether the container holds its ship's active assignment."""
    if not c.ship_symbol:
        return False
    a = uow.assignments.get(c.player_id, c.ship_symbol)
    return a is not None and a.status == ACTIVE and a.container_id == c.container_id


def _successor(uow: UnitOfWork, container_id: str) -> str | None:
    return uow.session.scalar(
        select(Container.container_id).where(Container.restarted_from == container_id).limit(1)
    )


def _refuse_if_held(uow: UnitOfWork, player_id: int, ship: str) -> None:
    """ShipBusyError if an active assignment or a live container has the ship."""
    holder = uow.assignments.get(player_id, ship)
    if holder is not None and holder.status == ACTIVE:
        raise ShipBusyError(ship, holder.container_id)
    driver = uow.containers.live_driver(player_id, ship)
    if driver is not None:
        raise ShipBusyError(ship, driver)


def _policy(value: str) -> str:
    return restart_policy.parse_policy(value).value
