"""The restart transaction is all-or-nothing: a failure at any step leaves the old state intact.

Each restart path (policy restart, user restart, resume, recovery) is run with one step made
to raise. Two callers are checked: one that lets the error roll back its transaction, and
one that catches the error and commits whatever else it did (the handler's own savepoint
must still have undone its partial writes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from spacetraders.application import containers as h
from spacetraders.persistence.assignments import AssignmentRepository
from spacetraders.persistence.containers import ContainerRepository
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ContainerEvent, ShipAssignment
from tests.factories import make_player
from tests.invariants import check_invariants

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
SHIP = "COOPER-7"


class Injected(RuntimeError):
    pass


def _setup(db: Database, *, interrupted: bool) -> tuple[int, str]:
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        c = h.create_container(uow, player_id=player_id, command_type="SleepCommand",
                               params={"ship_symbol": SHIP}, id_prefix="sleep", now=T0)
        h.claim_start(uow, c.container_id, daemon_id="d1", now=T0)
        if interrupted:
            h.interrupt_container(uow, c.container_id, daemon_id="d1", now=T0)
    return player_id, c.container_id


PATHS: dict[str, tuple[bool, Callable]] = {
    "policy restart": (False, lambda uow, cid: h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0)),
    "user restart": (False, lambda uow, cid: h.restart_container(uow, cid, now=T0)),
    "resume": (True, lambda uow, cid: h.resume_container(uow, cid, now=T0)),
    "recovery": (False, lambda uow, cid: h.recover_container(uow, cid, now=T0, reason="daemon lost")),
}

# Every write of the restart transaction, in order.
STEPS: dict[str, tuple[object, str]] = {
    "end old container": (ContainerRepository, "set_status"),
    "add new container": (ContainerRepository, "add"),
    "record event": (h, "record_event"),
    "move assignment": (AssignmentRepository, "move"),
}


def _snapshot(db: Database) -> tuple:
    with db.read() as s:
        containers = sorted((c.container_id, c.status, c.stopped_at, c.exit_reason) for c in s.scalars(select(Container)))
        assignments = sorted((a.ship_symbol, a.container_id, a.status) for a in s.scalars(select(ShipAssignment)))
        n_events = s.scalar(select(func.count()).select_from(ContainerEvent))
    return containers, assignments, n_events


def _inject(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, at_call: int) -> None:
    original = getattr(owner, name)
    calls = {"n": 0}

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == at_call:
            raise Injected(f"injected failure in {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)


@pytest.mark.parametrize("caller_commits", [False, True], ids=["caller-rolls-back", "caller-commits"])
@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("path", list(PATHS))
def test_restart_is_all_or_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch, path: str, step: str, caller_commits: bool
) -> None:
    interrupted, call = PATHS[path]
    player_id, cid = _setup(db, interrupted=interrupted)
    before = _snapshot(db)
    owner, name = STEPS[step]
    # The event step: fail on the second event (the new container's) so some writes happened first.
    _inject(monkeypatch, owner, name, at_call=2 if step == "record event" else 1)

    if caller_commits:
        with db.transaction() as uow:
            with pytest.raises(Injected):
                call(uow, cid)
    else:
        with pytest.raises(Injected):
            with db.transaction() as uow:
                call(uow, cid)

    monkeypatch.undo()
    assert _snapshot(db) == before
    status = "INTERRUPTED" if interrupted else "RUNNING"
    containers, assignments, _ = before
    assert [(c[0], c[1]) for c in containers] == [(cid, status)]
    assert assignments == [(SHIP, cid, "active")]
    check_invariants(db)
    # And with the fault gone the same call goes through.
    with db.transaction() as uow:
        new = call(uow, cid)
    assert new is not None
    with db.read() as s:
        a = s.get(ShipAssignment, (player_id, SHIP))
        assert a is not None and (a.container_id, a.status) == (new.container_id, "active")
    check_invariants(db)


@pytest.mark.parametrize("step", ["end old container", "record event"])
def test_give_up_is_all_or_nothing(db: Database, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """Giving up writes the FAILED status and the release together, or neither."""
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        c = h.create_container(uow, player_id=player_id, command_type="SleepCommand", params={"ship_symbol": SHIP},
                               id_prefix="sleep", restart_policy="no", now=T0)
        h.claim_start(uow, c.container_id, daemon_id="d1", now=T0)
    before = _snapshot(db)
    owner, name = STEPS[step]
    _inject(monkeypatch, owner, name, at_call=1)
    with db.transaction() as uow:
        with pytest.raises(Injected):
            h.fail_container(uow, c.container_id, daemon_id="d1", reason="boom", now=T0)
    monkeypatch.undo()
    assert _snapshot(db) == before


def test_release_failure_rolls_back_the_terminal_status(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        c = h.create_container(uow, player_id=player_id, command_type="SleepCommand", params={"ship_symbol": SHIP},
                               id_prefix="sleep", now=T0)
        h.claim_start(uow, c.container_id, daemon_id="d1", now=T0)
    before = _snapshot(db)
    _inject(monkeypatch, AssignmentRepository, "release", at_call=1)
    with db.transaction() as uow:
        with pytest.raises(Injected):
            h.complete_container(uow, c.container_id, daemon_id="d1", now=T0)
    monkeypatch.undo()
    assert _snapshot(db) == before
