"""The supervisor: one asyncio loop that claims containers, runs them, heartbeats and recovers.

Control-plane writes (heartbeat, recovery) run on their own thread so a burst of container
outcomes never delays a heartbeat; every other database call goes through a small worker
pool (sync SQLAlchemy off the loop). The database decides everything that matters: all
status changes are compare-and-set handlers, fenced by this daemon's id.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select

from spacetraders import __version__
from spacetraders.api.client import SpaceTradersClient
from spacetraders.application import containers as lifecycle
from spacetraders.application import daemons
from spacetraders.clock import Clock, SystemClock
from spacetraders.operations import registry
from spacetraders.operations.base import ContainerContext
from spacetraders.persistence.containers import config_params
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, Player
from spacetraders.persistence.unit_of_work import UnitOfWork
from spacetraders.supervisor import identity
from spacetraders.supervisor.config import DaemonConfig, new_daemon_id
from spacetraders.supervisor.logsink import (
    ContainerLogSink,
    container_logger,
    install,
    uninstall,
)
from spacetraders.supervisor.worker import StopReason, Worker

logger = logging.getLogger("spacetraders.supervisor")
T = TypeVar("T")
CHUNK = 200


class _LoopExit(Exception):
    """The poll loop ends: stop requested or the row is no longer ours."""


class Outcome(Enum):
    STOPPED = "stopped"  # graceful stop: signal or `daemon stop`
    LOST = "lost"  # lease lost: containers abandoned to their new owner; may re-register


@dataclass
class _Claimed:
    container_id: str
    player_id: int
    command_type: str
    params: dict[str, Any]
    restart_count: int


class Supervisor:
    def __init__(
        self,
        db: Database,
        *,
        api_url: str,
        config: DaemonConfig | None = None,
        clock: Clock | None = None,
        daemon_id: str | None = None,
        client_factory: Callable[[str, str], SpaceTradersClient] | None = None,
    ) -> None:
        self.db = db
        self.api_url = api_url
        self.config = config or DaemonConfig()
        self.clock: Clock = clock or SystemClock()
        self.daemon_id = daemon_id or new_daemon_id()
        self._client_factory = client_factory or (lambda url, token: SpaceTradersClient(url, token))
        self._clients: dict[int, SpaceTradersClient] = {}
        self._workers: dict[str, Worker] = {}
        self._supervisors: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._lost = asyncio.Event()
        self._wake = asyncio.Event()
        self._lease_deadline = 0.0  # monotonic time our lease surely lasts until
        self._control = ThreadPoolExecutor(1, thread_name_prefix="daemon-control")
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="daemon-db")
        self._sink = ContainerLogSink(db)
        self.registered = asyncio.Event()

    # -- public ----------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Graceful stop (signal handler, `daemon stop`): stop claiming, interrupt, exit."""
        self._stop.set()
        self._wake.set()

    @property
    def running_containers(self) -> list[str]:
        return list(self._workers)

    async def run(self) -> Outcome:
        registry.load_all()
        await self._register()
        install(self._sink)
        self._sink.start()
        logger.info("daemon %s started (pid %d, lease %gs, heartbeat %gs)", self.daemon_id, os.getpid(),
                    self.config.lease_s, self.config.heartbeat_s)
        self.registered.set()
        loops = [asyncio.create_task(self._heartbeat_loop()), asyncio.create_task(self._poll_loop())]
        try:
            stop, lost = asyncio.create_task(self._stop.wait()), asyncio.create_task(self._lost.wait())
            await asyncio.wait({stop, lost, *loops}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            lost.cancel()
            for loop_task in loops:  # a crashed loop is a bug: surface it rather than run half a daemon
                if loop_task.done() and not loop_task.cancelled() and loop_task.exception() is not None:
                    raise loop_task.exception()  # type: ignore[misc]
            if self._lost.is_set():
                await self._abandon_all()
                return Outcome.LOST
            await self._shutdown(loops)
            return Outcome.STOPPED
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await self._close()

    # -- registration, heartbeat, recovery -------------------------------------------------------------

    async def _register(self) -> None:
        lease = self.config.lease_s
        started = self.clock.monotonic()

        def register(uow: UnitOfWork) -> None:
            now = self.clock.now()
            _declare_local_dead(uow, now)
            daemons.register_daemon(
                uow, daemon_id=self.daemon_id, hostname=socket.gethostname(), pid=os.getpid(),
                version=__version__, now=now, lease_s=lease, exclusive=self.db.is_sqlite,
                process_key=identity.process_key(),
            )

        await self._control_tx(register)
        self._lease_deadline = started + lease
        await self._recover()

    async def _heartbeat_loop(self) -> None:
        while True:
            await self.clock.sleep(self.config.heartbeat_s)
            sent = self.clock.monotonic()
            # Only containers whose run is alive beat: a row whose worker ended goes stale.
            alive = [cid for cid, worker in self._workers.items() if not worker.task.done()]
            try:
                beat = await self._control_tx(partial(self._beat, alive))
            except Exception:  # a lost connection or a deadlock victim: retry; the lease fence covers us
                logger.exception("heartbeat failed; retrying")
                continue
            if beat is None:
                self._lose_lease("its heartbeat matched no live row")
                return
            self._lease_deadline = sent + self.config.lease_s
            if beat.stop_requested:
                logger.info("stop requested through the database")
                self.request_stop()
            try:
                await self._recover()
            except Exception:
                logger.exception("recovery of orphaned containers failed; retrying on the next beat")

    def _beat(self, alive: list[str], uow: UnitOfWork) -> daemons.Beat | None:
        return daemons.heartbeat(uow, daemon_id=self.daemon_id, now=self.clock.now(), lease_s=self.config.lease_s,
                                 container_ids=alive)

    async def _recover(self) -> None:
        while True:
            dead, recovered = await self._control_tx(
                lambda uow: daemons.recover_orphans(uow, daemon_id=self.daemon_id, now=self.clock.now(), limit=CHUNK)
            )
            for d in dead:
                logger.warning("daemon %s missed its lease: declared dead", d)
            if recovered:
                logger.warning("recovered %d container(s) of lost daemons", len(recovered))
                self._wake.set()
            if len(recovered) < CHUNK:
                return

    def _lose_lease(self, why: str) -> None:
        if not self._lost.is_set():
            logger.error("daemon %s lost its lease (%s: another daemon declared it dead): standing down",
                         self.daemon_id, why)
        self._lost.set()

    def _lease_valid(self) -> bool:
        return self.clock.monotonic() < self._lease_deadline

    # -- claims and stop requests ------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        types = registry.known()
        while not self._stop.is_set():
            self._wake.clear()
            try:
                await self._poll_once(types)
            except _LoopExit:
                return
            except Exception:  # transient database trouble: log, back off one poll, carry on
                logger.exception("poll failed; retrying")
                await self._sleep_or_wake(self.config.poll_s)

    async def _poll_once(self, types: list[str]) -> None:
        status, owned = await self._tx(
            lambda uow: (daemons.daemon_row_status(uow, self.daemon_id),
                         daemons.owned_containers(uow, daemon_id=self.daemon_id))
        )
        if status == daemons.STOPPING:
            self.request_stop()
            raise _LoopExit
        if status != daemons.RUNNING:
            self._lose_lease(f"its row is {status or 'gone'}")
            raise _LoopExit
        self._apply_owned(owned)
        if not self._lease_valid():  # never claim (nor recover) on a lease we cannot vouch for
            await self._sleep_or_wake(self.config.poll_s)
            return
        unworked = [cid for cid in owned if cid not in self._workers]
        if unworked:  # ours in the database, yet nothing runs them here: orphans
            recovered = await self._tx(lambda uow: daemons.recover_unworked(
                uow, unworked, daemon_id=self.daemon_id, now=self.clock.now()))
            if recovered:
                logger.warning("recovered %d container(s) this daemon owned but ran no worker for: %s",
                               len(recovered), ", ".join(recovered))
        claimed, due, tokens = await self._tx(lambda uow: self._claim(uow, types, set(self._clients)))
        for player_id, token in tokens.items():  # clients are made on the loop, one per player
            self._clients[player_id] = self._client_factory(self.api_url, token)
            self._sink.add_secrets(token)
        for item in claimed:
            self._start_worker(item)
        if len(claimed) >= self.config.claim_batch:
            return  # more are waiting: claim the next batch at once
        delay = self.config.poll_s
        if due is not None:
            delay = min(delay, max(0.0, (due - self.clock.now()).total_seconds()))
        await self._sleep_or_wake(delay)

    def _apply_owned(self, owned: dict[str, str]) -> None:
        for cid, worker in list(self._workers.items()):
            if worker.task.done():
                continue
            status = owned.get(cid)
            if status is None:
                logger.warning("container %s is no longer ours: stopping it without writing", cid)
                worker.stop(StopReason.GONE, cancel=True)
            elif status == "STOPPING":
                worker.stop(StopReason.USER, cancel=True)

    def _claim(
        self, uow: UnitOfWork, types: list[str], have_clients: set[int]
    ) -> tuple[list[_Claimed], datetime | None, dict[int, str]]:
        now = self.clock.now()
        players = daemons.acquire_player_leases(uow, daemon_id=self.daemon_id, now=now, lease_s=self.config.lease_s)
        daemons.resume_interrupted(uow, player_ids=players, now=now, limit=self.config.claim_batch)
        rows = daemons.claim_ready(uow, daemon_id=self.daemon_id, player_ids=players, command_types=types,
                                   now=now, limit=self.config.claim_batch)
        claimed = [_Claimed(c.container_id, c.player_id, c.command_type, config_params(c), c.restart_count)
                   for c in rows]
        missing = {c.player_id for c in rows} - have_clients
        tokens: dict[int, str] = (
            dict(uow.session.execute(select(Player.player_id, Player.token).where(Player.player_id.in_(missing))).all())
            if missing else {}
        )
        return claimed, daemons.next_due(uow, player_ids=players, now=now), tokens

    def _start_worker(self, item: _Claimed) -> None:
        ctx = ContainerContext(
            container_id=item.container_id, player_id=item.player_id, params=item.params,
            restart_count=item.restart_count, api=self._clients[item.player_id],
            log=container_logger(item.container_id, item.player_id), clock=self.clock, db=self.db,
            may_continue=self._lease_valid,
        )
        worker = Worker(item.container_id, item.player_id, item.command_type, ctx)
        worker.start(registry.get(item.command_type))
        self._workers[item.container_id] = worker
        task = asyncio.create_task(self._supervise(worker))
        self._supervisors.add(task)
        task.add_done_callback(self._supervisors.discard)

    # -- outcomes ---------------------------------------------------------------------------------

    async def _supervise(self, worker: Worker) -> None:
        error: BaseException | None = None
        try:
            await worker.task
        except asyncio.CancelledError:
            if worker.stop_reason is None:  # we were cancelled, not the operation
                worker.task.cancel()
                raise
        except Exception as exc:
            error = exc
        if worker.stop_reason is None and not self._lease_valid():
            worker.stop_reason = StopReason.FENCED
        try:
            write = self._outcome(worker, error)
            if write is not None:
                result = await self._write_outcome(worker.container_id, write)
                if isinstance(result, Container):  # a restart per policy: wake when it is due
                    self._wake_at(result.not_before)
        finally:
            self._workers.pop(worker.container_id, None)

    def _outcome(self, worker: Worker, error: BaseException | None) -> Callable[[UnitOfWork], object] | None:
        """The write that records how the run ended (None: nothing to write), its log line said once."""
        cid, reason, me = worker.container_id, worker.stop_reason, self.daemon_id
        if reason in (StopReason.LOST, StopReason.GONE, StopReason.SHUTDOWN):
            return None  # SHUTDOWN: every row still ours is interrupted in bulk once all have wound down
        if reason is StopReason.FENCED:  # fenced by owner: a no-op if another daemon took over meanwhile
            return lambda uow: daemons.interrupt_containers(uow, [cid], daemon_id=me, now=self.clock.now())
        if reason is StopReason.USER:
            return lambda uow: lifecycle.finish_stop(uow, cid, daemon_id=me, now=self.clock.now())
        if error is None:
            worker.ctx.log.info("completed")
            return lambda uow: lifecycle.complete_container(uow, cid, daemon_id=me, now=self.clock.now())
        message = self._sink.redact(f"{type(error).__name__}: {error}".splitlines()[0][:500])
        worker.ctx.log.error("failed: %s", message)
        return lambda uow: lifecycle.fail_container(uow, cid, daemon_id=me, reason=message, now=self.clock.now())

    async def _write_outcome(self, cid: str, write: Callable[[UnitOfWork], T]) -> T | None:
        """Retry the outcome with backoff until it lands or our lease is gone: a run whose end is
        never written must not stay RUNNING. Given up, the row is an orphan: whoever owns it next
        (this daemon's next poll, or the daemon that declares us dead) recovers it."""
        delay = min(self.config.poll_s, 1.0)
        for attempt in itertools.count(1):
            try:
                return await self._tx(write)
            except Exception as exc:
                if self._lost.is_set() or not self._lease_valid():
                    logger.error("could not record the outcome of container %s (%s); lease gone: left to "
                                 "recovery", cid, type(exc).__name__)
                    return None
                if attempt == 1:
                    logger.exception("could not record the outcome of container %s; retrying", cid)
                else:
                    logger.warning("outcome of container %s still not recorded (attempt %d: %s); retrying in %gs",
                                   cid, attempt, type(exc).__name__, delay)
            await self.clock.sleep(delay)
            delay = min(delay * 2, self.config.heartbeat_s)
        return None  # pragma: no cover - itertools.count never ends

    def _wake_at(self, when: datetime | None) -> None:
        delay = 0.0 if when is None else max(0.0, (when - self.clock.now()).total_seconds())
        asyncio.get_running_loop().call_later(delay, self._wake.set)

    async def _sleep_or_wake(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    # -- stopping ------------------------------------------------------------------------------------------

    async def _shutdown(self, loops: list[asyncio.Task[None]]) -> None:
        loops[1].cancel()  # no more claims
        await asyncio.gather(loops[1], return_exceptions=True)
        workers = list(self._workers.values())
        logger.info("stopping: %d container(s) get %gs to wind down", len(workers), self.config.stop_grace_s)
        for worker in workers:
            worker.stop(StopReason.SHUTDOWN, cancel=False)
        pending = set(self._supervisors)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=self.config.stop_grace_s)
        for worker in list(self._workers.values()):
            worker.stop(StopReason.SHUTDOWN, cancel=True)
        if pending:  # a second grace for outcomes still being retried, then they are given up
            _, pending = await asyncio.wait(pending, timeout=self.config.stop_grace_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        # Every row still ours is interrupted (ship kept, resumed through the restart path on the
        # next start): the wound-down runs and any whose outcome never landed.
        owned = await self._tx(lambda uow: daemons.owned_containers(uow, daemon_id=self.daemon_id))
        ids = sorted(owned)
        for start in range(0, len(ids), CHUNK):
            await self._tx(partial(self._interrupt, ids[start : start + CHUNK]))
        loops[0].cancel()
        await asyncio.gather(loops[0], return_exceptions=True)
        await self._control_tx(lambda uow: daemons.finish_daemon(uow, daemon_id=self.daemon_id, now=self.clock.now()))
        logger.info("daemon %s stopped (%d container(s) interrupted)", self.daemon_id, len(ids))

    def _interrupt(self, ids: list[str], uow: UnitOfWork) -> list[str]:
        return daemons.interrupt_containers(uow, ids, daemon_id=self.daemon_id, now=self.clock.now())

    async def _abandon_all(self) -> None:
        """Lease lost: stop every container at once and write nothing; the new owner recovers them."""
        for worker in list(self._workers.values()):
            worker.stop(StopReason.LOST, cancel=True)
        if self._supervisors:
            await asyncio.wait(set(self._supervisors))

    async def _close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients.values()), return_exceptions=True)
        self._clients.clear()
        await asyncio.get_running_loop().run_in_executor(self._control, lambda: uninstall(self._sink))
        self._control.shutdown(wait=False)
        self._pool.shutdown(wait=False)

    # -- database calls off the loop -----------------------------------------------------------------------

    async def _tx(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._in_transaction, fn)

    async def _control_tx(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._control, self._in_transaction, fn)

    def _in_transaction(self, fn: Callable[[UnitOfWork], T]) -> T:
        with self.db.transaction() as uow:
            return fn(uow)


def _declare_local_dead(uow: UnitOfWork, now: datetime) -> None:
    """A live daemon row whose process provably ended (same boot and pid namespace as ours, and
    its pid is free or another process now: kill -9) is dead now, no need to wait for its lease.
    A hostname + pid match proves nothing (two machines can share a hostname): those, and rows
    without a process key, wait for their lease to expire."""
    for row in daemons.unfinished_daemons(uow):  # expired ones too: declared in this same transaction
        if identity.provably_gone(row.process_key):
            if daemons.declare_dead(uow, daemon_id=row.daemon_id, now=now, only_if_expired=False):
                logger.warning("daemon %s (pid %d) is gone: declared dead", row.daemon_id, row.pid)

