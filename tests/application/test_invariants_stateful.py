"""Random interleavings of every lifecycle action keep the DESIGN.md invariants after each step.

A Hypothesis state machine drives the real handlers against a real database: creates,
claims by two daemons, failures (by the owner and by stale daemons), completions, user
stops and restarts, daemon stops and resumes, daemon crashes (recovery), removals, stale
releases, `--replace` takeovers, `assignments release --force` (daemon d1 alive, d2's lease
expired, so both the STOPPING and the stop-at-once paths run), a forged raw-SQL idling of an
assignment repaired by `assignments fix`, and raw-SQL writes the schema must refuse.
`check_invariants(db)` (which includes the 0005 rules: one live container per ship, an active
assignment only on the live container driving its ship) runs after every step. Handler
refusals (SpacetradersError) are legitimate outcomes; anything else is a bug.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from spacetraders.application import containers as h
from spacetraders.application.assignments import fix_assignments, release_ship
from spacetraders.domain.containers import (
    LIVE_STATUSES,
    ContainerStatus,
    can_transition,
)
from spacetraders.errors import SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ContainerEvent, Daemon, ShipAssignment
from tests.factories import make_player
from tests.invariants import check_invariants

SHIPS = ["S-1", "S-2", "S-3"]
DAEMONS = ["d1", "d2"]
POLICIES = ["no", "on-failure", "always"]
_players = itertools.count(1)


def _machine(db: Database) -> type[RuleBasedStateMachine]:
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.now = datetime(2026, 1, 1, tzinfo=UTC)
            with db.transaction() as uow:  # a player per example: examples never interfere
                self.player_id = make_player(uow, f"P{next(_players)}").player_id
                for daemon, lease in (("d1", datetime(2100, 1, 1, tzinfo=UTC)), ("d2", datetime(2000, 1, 1, tzinfo=UTC))):
                    if uow.session.get(Daemon, daemon) is None:  # d1 lives, d2's lease has expired
                        uow.session.add(Daemon(daemon_id=daemon, hostname="h", pid=2, status="running",
                                               started_at=self.now, heartbeat_at=self.now, lease_expires_at=lease))

        # -- helpers
        def _ids(self, statuses: set[str] | None = None) -> list[str]:
            with db.read() as s:
                query = select(Container.container_id).where(Container.player_id == self.player_id)
                if statuses is not None:
                    query = query.where(Container.status.in_(statuses))
                return list(s.scalars(query.order_by(Container.created_at, Container.container_id)))

        def _pick(self, index: int, statuses: set[str] | None = None) -> str | None:
            ids = self._ids(statuses)
            return ids[index % len(ids)] if ids else None

        def _owner(self, cid: str) -> str | None:
            with db.read() as s:
                return s.scalar(select(Container.daemon_id).where(Container.container_id == cid))

        # -- rules
        @rule(seconds=st.integers(1, 900))
        def tick(self, seconds: int) -> None:
            self.now += timedelta(seconds=seconds)

        @rule(ship=st.sampled_from(SHIPS + [None]), policy=st.sampled_from(POLICIES), max_restarts=st.integers(0, 3))
        def create(self, ship: str | None, policy: str, max_restarts: int) -> None:
            params = {"ship_symbol": ship} if ship else {}
            try:
                with db.transaction() as uow:
                    h.create_container(uow, player_id=self.player_id, command_type="SleepCommand", params=params,
                                       id_prefix=f"sleep-{ship}", restart_policy=policy,
                                       max_restarts=max_restarts, now=self.now)
            except SpacetradersError:
                pass

        @rule(i=st.integers(0, 50), daemon=st.sampled_from(DAEMONS))
        def claim(self, i: int, daemon: str) -> None:
            cid = self._pick(i, {"STARTING"})
            if cid:
                with db.transaction() as uow:
                    h.claim_start(uow, cid, daemon_id=daemon, now=self.now)

        @rule(i=st.integers(0, 50), by_owner=st.booleans())
        def fail(self, i: int, by_owner: bool) -> None:
            cid = self._pick(i, {"RUNNING", "STOPPING"})
            if cid:
                owner = self._owner(cid)
                daemon = owner if by_owner else next(d for d in DAEMONS if d != owner)
                with db.transaction() as uow:
                    result = h.fail_container(uow, cid, daemon_id=daemon, reason="boom", now=self.now)
                if not by_owner:
                    assert result is None

        @rule(i=st.integers(0, 50))
        def complete(self, i: int) -> None:
            cid = self._pick(i, {"RUNNING"})
            if cid:
                with db.transaction() as uow:
                    assert h.complete_container(uow, cid, daemon_id=self._owner(cid) or "", now=self.now)

        @rule(i=st.integers(0, 50))
        def user_restart(self, i: int) -> None:
            cid = self._pick(i)
            if cid:
                try:
                    with db.transaction() as uow:
                        h.restart_container(uow, cid, now=self.now)
                except SpacetradersError:
                    pass

        @rule(i=st.integers(0, 50))
        def stop(self, i: int) -> None:
            cid = self._pick(i)
            if cid:
                try:
                    with db.transaction() as uow:
                        h.request_stop(uow, cid, now=self.now)
                except SpacetradersError:
                    pass

        @rule(i=st.integers(0, 50))
        def finish_stop(self, i: int) -> None:
            cid = self._pick(i, {"STOPPING"})
            if cid:
                with db.transaction() as uow:
                    assert h.finish_stop(uow, cid, daemon_id=self._owner(cid) or "", now=self.now)

        @rule(daemon=st.sampled_from(DAEMONS))
        def daemon_stop_and_restart(self, daemon: str) -> None:
            """A daemon shuts down cleanly (interrupting its runs), then the next start resumes them."""
            for cid in self._ids({"RUNNING", "STOPPING"}):
                if self._owner(cid) == daemon:
                    with db.transaction() as uow:
                        h.interrupt_container(uow, cid, daemon_id=daemon, now=self.now)
            check_invariants(db)
            for cid in self._ids({"INTERRUPTED"}):
                with db.transaction() as uow:
                    h.resume_container(uow, cid, now=self.now)

        @rule(daemon=st.sampled_from(DAEMONS))
        def daemon_crash(self, daemon: str) -> None:
            for cid in self._ids({"RUNNING", "STOPPING"}):
                if self._owner(cid) == daemon:
                    with db.transaction() as uow:
                        h.recover_container(uow, cid, now=self.now, reason=f"daemon {daemon} lost")

        @rule(i=st.integers(0, 50))
        def remove(self, i: int) -> None:
            cid = self._pick(i)
            if cid:
                try:
                    with db.transaction() as uow:
                        h.remove_container(uow, cid)
                except SpacetradersError:
                    pass

        @rule(i=st.integers(0, 50), ship=st.sampled_from(SHIPS))
        def stale_release(self, i: int, ship: str) -> None:
            """Releasing a ship by a container id that does not hold it never changes anything."""
            cid = self._pick(i, {"STOPPED", "FAILED", "COMPLETED"})
            if cid:
                with db.transaction() as uow:
                    assert not uow.assignments.release(self.player_id, ship, cid, "stale", now=self.now)

        @rule(ship=st.sampled_from(SHIPS))
        def forged_idle_then_fix(self, ship: str) -> None:
            """An old tool idles an assignment behind our back; `assignments fix` repairs it."""
            with db.transaction() as uow:
                uow.session.execute(
                    text("UPDATE ship_assignments SET status = 'idle', release_reason = 'forged' "
                         "WHERE player_id = :p AND ship_symbol = :s AND status = 'active'"),
                    {"p": self.player_id, "s": ship},
                )
            with db.transaction() as uow:
                fix_assignments(uow, now=self.now)

        @rule(i=st.integers(0, 50), policy=st.sampled_from(POLICIES))
        def replace(self, i: int, policy: str) -> None:
            """`scout markets --replace`: a new container takes the ship from its live driver."""
            cid = self._pick(i, {str(x) for x in LIVE_STATUSES})
            if not cid:
                return
            with db.read() as s:
                ship = s.scalar(select(Container.ship_symbol).where(Container.container_id == cid))
            try:
                with db.transaction() as uow:
                    h.create_container(uow, player_id=self.player_id, command_type="SleepCommand",
                                       params={"ship_symbol": ship} if ship else {}, id_prefix=f"sleep-{ship}",
                                       restart_policy=policy, take_from=cid, now=self.now)
            except SpacetradersError:
                assert not ship or self._status(cid) in {str(x) for x in LIVE_STATUSES}
                return
            assert self._status(cid) == "STOPPED"

        @rule(i=st.integers(0, 50), force=st.booleans())
        def release(self, i: int, force: bool) -> None:
            """`assignments release [--force]` of a live container's ship (or of any ship when none
            is live): never leaves the ship's container running without it."""
            cid = self._pick(i, {str(x) for x in LIVE_STATUSES})
            with db.read() as s:
                ship = s.scalar(select(Container.ship_symbol).where(Container.container_id == cid)) if cid else None
            ship = ship or SHIPS[i % len(SHIPS)]
            try:
                with db.transaction() as uow:
                    result = release_ship(uow, self.player_id, ship, now=self.now, force=force)
            except SpacetradersError:
                return
            assert force or result.released
            assert self._status(result.container_id) == ("STOPPED" if result.released else "STOPPING")

        @rule(ship=st.sampled_from(SHIPS), end=st.sampled_from(["FAILED", "STOPPED", "COMPLETED"]))
        def forged_end_of_a_holder(self, ship: str, end: str) -> None:
            """A careless script ends a container behind its assignment's back: refused at commit."""
            with db.read() as s:
                holder = s.scalar(select(ShipAssignment.container_id).where(
                    ShipAssignment.player_id == self.player_id, ShipAssignment.ship_symbol == ship,
                    ShipAssignment.status == "active"))
            if holder is None:
                return
            with pytest.raises(IntegrityError):
                with db.transaction() as uow:
                    uow.session.execute(text("UPDATE containers SET status = :s WHERE container_id = :c"),
                                        {"s": end, "c": holder})
            assert self._status(holder) in {str(x) for x in LIVE_STATUSES}

        @rule(i=st.integers(0, 50))
        def forged_second_driver(self, i: int) -> None:
            """A careless script revives a finished container whose ship another drives: refused."""
            cid = self._pick(i, {"STOPPED", "FAILED", "COMPLETED"})
            if not cid:
                return
            with db.read() as s:
                ship = s.scalar(select(Container.ship_symbol).where(Container.container_id == cid))
                driver = s.scalar(select(Container.container_id).where(
                    Container.player_id == self.player_id, Container.live_ship == ship)) if ship else None
            if driver is None:
                return
            with pytest.raises(IntegrityError):
                with db.transaction() as uow:
                    uow.session.execute(text("UPDATE containers SET status = 'STARTING' WHERE container_id = :c"),
                                        {"c": cid})

        def _status(self, cid: str) -> str | None:
            with db.read() as s:
                return s.scalar(select(Container.status).where(Container.container_id == cid))

        @invariant()
        def invariants_hold(self) -> None:
            check_invariants(db)

        @invariant()
        def each_lineage_has_at_most_one_live_member(self) -> None:
            with db.read() as s:
                rows = s.execute(
                    select(Container.container_id, Container.restarted_from, Container.status)
                    .where(Container.player_id == self.player_id)
                ).all()
                active = s.scalars(select(ShipAssignment.container_id).where(
                    ShipAssignment.player_id == self.player_id, ShipAssignment.status == "active")).all()
            parent = {r.container_id: r.restarted_from for r in rows}
            live = [r.container_id for r in rows if r.status in {str(x) for x in LIVE_STATUSES}]

            def root(cid: str) -> str:
                seen = 0
                while parent.get(cid) and seen < 1000:
                    cid, seen = parent[cid], seen + 1  # type: ignore[assignment]
                return cid

            roots = [root(c) for c in live]
            assert len(roots) == len(set(roots)), "two live containers in one restart lineage"
            assert len(active) == len(set(active))

        @invariant()
        def every_recorded_transition_is_allowed(self) -> None:
            """The status history (container_events) only follows edges of the state machine."""
            with db.read() as s:
                rows = s.execute(
                    select(ContainerEvent.container_id, ContainerEvent.status, Container.status)
                    .join(Container, Container.container_id == ContainerEvent.container_id)
                    .where(Container.player_id == self.player_id)
                    .order_by(ContainerEvent.container_id, ContainerEvent.event_id)
                ).all()
            history: dict[str, list[str]] = {}
            current: dict[str, str] = {}
            for cid, event_status, status in rows:
                history.setdefault(cid, []).append(event_status)
                current[cid] = status
            for cid, statuses in history.items():
                assert statuses[0] == "STARTING", (cid, statuses)
                for old, new in zip(statuses, statuses[1:]):
                    assert can_transition(ContainerStatus(old), ContainerStatus(new)), (cid, statuses)
                assert statuses[-1] == current[cid], (cid, statuses, current[cid])

    return Lifecycle


def test_lifecycle_keeps_the_invariants(db: Database) -> None:
    run_state_machine_as_test(
        _machine(db),
        settings=settings(
            max_examples=30, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
