"""Daemons as the supervisor drives them, under random interleavings: claims, heartbeats, outcome
writes that fail (retried, or given up), crashes (kill -9) and recovery by a survivor, graceful
stops, user stops and restarts. After every step the DESIGN.md invariants hold, and so do the
supervisor's own promises:

- no zombie: once a live daemon has polled, every row it owns has a worker (or an outcome being
  retried); a row whose outcome write was given up is recovered through the restart path;
- a container's heartbeat is refreshed only while its worker is alive;
- a run ended because its daemon was lost always gets a successor (the failure budget is the
  container's own).

The model plays the daemon's loop (supervisor/daemon.py) step by step with explicit times, over
the same application handlers, against a real database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from spacetraders.application import containers as lifecycle
from spacetraders.application import daemons
from spacetraders.errors import SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container
from tests.factories import make_player
from tests.invariants import check_invariants

SHIPS = ["S-1", "S-2", "S-3"]
SLOTS = ["a", "b", "c"]
LEASE = 30.0
_examples = itertools.count(1)


@dataclass
class DaemonModel:
    daemon_id: str
    lease_until: datetime  # the daemon's own view: it claims and recovers only before this
    workers: set[str] = field(default_factory=set)  # containers whose run is alive
    pending: dict[str, str] = field(default_factory=dict)  # container -> outcome still being retried


def _machine(db: Database) -> type[RuleBasedStateMachine]:
    class Daemons(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            n = next(_examples)
            self.now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)  # earlier examples' leases long gone
            self.tag = f"x{n}"
            self.daemons: dict[str, DaemonModel] = {}
            self.generation = itertools.count(1)
            with db.transaction() as uow:
                self.player_id = make_player(uow, f"DSM{n}").player_id
            for ship in SHIPS:  # every example starts with work to claim and a daemon to claim it
                self.create(ship)
            self.start_daemon("a")
            self.poll("a")

        # -- helpers
        def _rows(self) -> dict[str, Container]:
            with db.read() as s:
                rows = {c.container_id: c for c in s.scalars(select(Container).where(Container.player_id == self.player_id))}
                s.expunge_all()
            return rows

        def _owned(self, d: DaemonModel) -> dict[str, str]:
            with db.transaction() as uow:
                return daemons.owned_containers(uow, daemon_id=d.daemon_id)

        def _lease_valid(self, d: DaemonModel) -> bool:
            return self.now < d.lease_until

        def _write(self, d: DaemonModel, cid: str, outcome: str) -> None:
            with db.transaction() as uow:
                if outcome == "complete":
                    lifecycle.complete_container(uow, cid, daemon_id=d.daemon_id, now=self.now)
                elif outcome == "fail":
                    lifecycle.fail_container(uow, cid, daemon_id=d.daemon_id, reason="boom", now=self.now)
                else:
                    lifecycle.finish_stop(uow, cid, daemon_id=d.daemon_id, now=self.now)

        # -- rules
        @rule(seconds=st.sampled_from([1, 5, 20, 40, 120, 700]))
        def tick(self, seconds: int) -> None:
            self.now += timedelta(seconds=seconds)

        @rule(ship=st.sampled_from(SHIPS))
        def create(self, ship: str) -> None:
            try:
                with db.transaction() as uow:
                    lifecycle.create_container(uow, player_id=self.player_id, command_type="SleepCommand",
                                               params={"ship_symbol": ship}, id_prefix=f"{self.tag}-{ship}",
                                               max_restarts=1, now=self.now)
            except SpacetradersError:
                pass  # the ship is busy: a legitimate refusal

        @rule(slot=st.sampled_from(SLOTS))
        def start_daemon(self, slot: str) -> None:
            if slot in self.daemons:
                return
            d = DaemonModel(f"{self.tag}-{slot}-{next(self.generation)}", self.now + timedelta(seconds=LEASE))
            with db.transaction() as uow:
                daemons.register_daemon(uow, daemon_id=d.daemon_id, hostname="model", pid=0, version="t",
                                        now=self.now, lease_s=LEASE, exclusive=False)
            self.daemons[slot] = d

        @rule(slot=st.sampled_from(SLOTS))
        def heartbeat(self, slot: str) -> None:
            d = self.daemons.get(slot)
            if d is None:
                return
            before = {cid: r.heartbeat_at for cid, r in self._rows().items()}
            with db.transaction() as uow:
                beat = daemons.heartbeat(uow, daemon_id=d.daemon_id, now=self.now, lease_s=LEASE,
                                         container_ids=sorted(d.workers))
            if beat is None:  # declared dead meanwhile: stand down, write nothing
                del self.daemons[slot]
                return
            d.lease_until = self.now + timedelta(seconds=LEASE)
            for cid, row in self._rows().items():  # a heartbeat means "this run is alive", not "its daemon is"
                if row.daemon_id == d.daemon_id and row.status in ("RUNNING", "STOPPING"):
                    expected = self.now if cid in d.workers else before[cid]
                    assert row.heartbeat_at == expected, (cid, cid in d.workers, row.heartbeat_at, expected)
            with db.transaction() as uow:
                daemons.recover_orphans(uow, daemon_id=d.daemon_id, now=self.now, limit=200)

        @rule(slot=st.sampled_from(SLOTS))
        def poll(self, slot: str) -> None:
            d = self.daemons.get(slot)
            if d is None:
                return
            owned = self._owned(d)
            for cid in list(d.workers):
                if cid not in owned:  # no longer ours (recovered, restarted by the user): stop, write nothing
                    d.workers.discard(cid)
                elif owned[cid] == "STOPPING":  # a user stop: the worker ends and the stop is finished
                    d.workers.discard(cid)
                    self._write(d, cid, "stop")
            if not self._lease_valid(d):
                return
            unworked = [cid for cid in owned if cid not in d.workers and cid not in d.pending]
            with db.transaction() as uow:
                daemons.recover_unworked(uow, unworked, daemon_id=d.daemon_id, now=self.now)
                players = daemons.acquire_player_leases(uow, daemon_id=d.daemon_id, now=self.now, lease_s=LEASE)
                daemons.resume_interrupted(uow, player_ids=players, now=self.now, limit=50)
                claimed = daemons.claim_ready(uow, daemon_id=d.daemon_id, player_ids=players,
                                              command_types=["SleepCommand"], now=self.now, limit=50)
                d.workers |= {c.container_id for c in claimed}
            # no zombie: after a poll on a valid lease, everything it owns runs or is being written
            for cid in self._owned(d):
                assert cid in d.workers or cid in d.pending, f"{cid} is owned by {d.daemon_id} with no worker"

        @rule(slot=st.sampled_from(SLOTS), index=st.integers(0, 10), outcome=st.sampled_from(["complete", "fail"]),
              write=st.sampled_from(["lands", "fails, retried", "fails, given up"]))
        def run_ends(self, slot: str, index: int, outcome: str, write: str) -> None:
            d = self.daemons.get(slot)
            if d is None or not d.workers:
                return
            cid = sorted(d.workers)[index % len(d.workers)]
            d.workers.discard(cid)
            if write == "lands":
                self._write(d, cid, outcome)
            elif write == "fails, retried":
                d.pending[cid] = outcome  # nothing written: the daemon retries it
            # "fails, given up" (the lease became unsure meanwhile): nothing written, nothing pending

        @rule(slot=st.sampled_from(SLOTS))
        def retry_outcomes(self, slot: str) -> None:
            d = self.daemons.get(slot)
            if d is None:
                return
            pending, d.pending = d.pending, {}
            if not self._lease_valid(d):
                return  # the lease is gone: the writes are given up, the rows left to recovery
            for cid, outcome in pending.items():
                self._write(d, cid, outcome)

        @rule(slot=st.sampled_from(SLOTS))
        def crash(self, slot: str) -> None:
            self.daemons.pop(slot, None)  # kill -9: no write at all; its lease runs out

        @rule(slot=st.sampled_from(SLOTS), survivor=st.sampled_from(SLOTS))
        def lose_daemon(self, slot: str, survivor: str) -> None:
            """A whole loss cycle: `slot` dies, its lease runs out, `survivor` declares it dead and
            recovers its runs, then (once the backoff is over) claims the replacements."""
            if slot not in self.daemons or survivor == slot:
                return
            self.crash(slot)
            self.now += timedelta(seconds=LEASE + 1)
            self.start_daemon(survivor)
            self.heartbeat(survivor)
            due = [r.not_before for r in self._rows().values() if r.status == "STARTING" and r.not_before]
            if due:
                self.now = max(self.now, min(due))
            self.heartbeat(survivor)
            self.poll(survivor)

        @rule(slot=st.sampled_from(SLOTS))
        def graceful_stop(self, slot: str) -> None:
            d = self.daemons.pop(slot, None)
            if d is None:
                return
            with db.transaction() as uow:
                owned = daemons.owned_containers(uow, daemon_id=d.daemon_id)
                daemons.interrupt_containers(uow, sorted(owned), daemon_id=d.daemon_id, now=self.now)
                daemons.finish_daemon(uow, daemon_id=d.daemon_id, now=self.now)
            assert self._owned(d) == {}, "a graceful stop left a row owned by a stopped daemon"

        @rule(index=st.integers(0, 10), action=st.sampled_from(["stop", "restart"]))
        def user(self, index: int, action: str) -> None:
            live = sorted(cid for cid, r in self._rows().items() if r.status in ("STARTING", "RUNNING", "INTERRUPTED"))
            if not live:
                return
            cid = live[index % len(live)]
            try:
                with db.transaction() as uow:
                    if action == "stop":
                        lifecycle.request_stop(uow, cid, now=self.now)
                    else:
                        lifecycle.restart_container(uow, cid, now=self.now)
            except SpacetradersError:
                pass

        # -- invariants
        @invariant()
        def design_invariants(self) -> None:
            check_invariants(db)

        @invariant()
        def a_lost_run_always_gets_a_successor(self) -> None:
            rows = self._rows()
            successors = {r.restarted_from for r in rows.values() if r.restarted_from}
            for cid, r in rows.items():
                if r.status == "FAILED" and r.exit_code is None:
                    assert cid in successors, f"{cid} was ended by a lost daemon and not restarted: {r.exit_reason}"

        def teardown(self) -> None:
            """Settle: retries land, survivors poll; then every daemon stops gracefully."""
            for slot in list(self.daemons):
                self.heartbeat(slot)
                if slot not in self.daemons:
                    continue
                self.retry_outcomes(slot)
                self.poll(slot)
                self.graceful_stop(slot)
            check_invariants(db)

    return Daemons


def test_daemons_keep_the_invariants_through_failed_writes_and_daemon_loss(db: Database) -> None:
    run_state_machine_as_test(
        _machine(db),
        settings=settings(
            max_examples=20, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
