"""Container log lines -> `container_logs`, batched by one handler for the whole daemon.

A record belongs to a container when it carries `container_id` (the LoggerAdapter each
container gets) or when it is emitted inside that container's task (the contextvar set
by the worker), so library warnings raised while a container runs land in its logs too.
One background thread flushes the buffer every ~0.5 s with a single multi-row insert.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from spacetraders.api.tokens import redact
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ContainerLog

CONTAINER_LOGGER = "spacetraders.container"

# (container_id, player_id) of the container whose task is running, if any.
current_container: contextvars.ContextVar[tuple[str, int] | None] = contextvars.ContextVar(
    "current_container", default=None
)


@dataclass(frozen=True)
class _Line:
    container_id: str
    player_id: int
    timestamp: datetime
    level: str
    message: str


class ContainerLogSink(logging.Handler):
    def __init__(self, db: Database, *, flush_interval: float = 0.5, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(level=logging.DEBUG)
        self._db = db
        self._interval = flush_interval
        self._secrets = secrets
        self._buffer: list[_Line] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="container-log-sink", daemon=True)
        self.dropped = 0

    def add_secrets(self, *secrets: str) -> None:
        self._secrets = tuple({*self._secrets, *secrets})

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def start(self) -> None:
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        owner = _owner(record)
        if owner is None:
            return
        try:
            message = redact(record.getMessage(), self._secrets) if self._secrets else record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        except Exception:
            self.handleError(record)
            return
        line = _Line(owner[0], owner[1], datetime.fromtimestamp(record.created, UTC),
                     record.levelname, message)
        with self._lock:
            self._buffer.append(line)

    def flush(self) -> None:
        with self._lock:
            batch, self._buffer = self._buffer, []
        if batch:
            self._write(batch)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.flush()
        super().close()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.flush()
            except Exception:  # never kill the flusher; the next batch may succeed
                logging.getLogger(__name__).exception("could not write container logs")

    def _write(self, batch: list[_Line]) -> None:
        rows = [vars(line) for line in batch]
        try:
            with self._db.transaction() as uow:
                uow.session.execute(insert(ContainerLog), rows)
        except IntegrityError:
            # A container was removed meanwhile: keep the lines of those that still exist.
            with self._db.transaction() as uow:
                ids = {r["container_id"] for r in rows}
                existing = set(uow.session.scalars(select(Container.container_id).where(Container.container_id.in_(ids))))
                kept = [r for r in rows if r["container_id"] in existing]
                self.dropped += len(rows) - len(kept)
                if kept:
                    uow.session.execute(insert(ContainerLog), kept)


def _owner(record: logging.LogRecord) -> tuple[str, int] | None:
    cid = getattr(record, "container_id", None)
    if cid is not None:
        return str(cid), int(getattr(record, "player_id", 0))
    return current_container.get()


def container_logger(container_id: str, player_id: int) -> logging.LoggerAdapter[logging.Logger]:
    """The logger an operation gets: its records carry the container id for the sink."""
    return logging.LoggerAdapter(
        logging.getLogger(CONTAINER_LOGGER), {"container_id": container_id, "player_id": player_id}
    )


def install(sink: ContainerLogSink) -> None:
    """One handler for the daemon: on the container logger (which does not propagate, so the
    daemon log stays quiet) and on the root logger for tagged records of other loggers."""
    container = logging.getLogger(CONTAINER_LOGGER)
    container.setLevel(logging.INFO)
    container.propagate = False
    container.addHandler(sink)
    logging.getLogger().addHandler(sink)


def uninstall(sink: ContainerLogSink) -> None:
    logging.getLogger(CONTAINER_LOGGER).removeHandler(sink)
    logging.getLogger().removeHandler(sink)
    sink.close()
