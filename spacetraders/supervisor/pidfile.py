"""`<data dir>/daemon.pid` and `daemon.lock`: which local process runs the daemon, provably.

The daemon holds an exclusive `flock` on `daemon.lock` for its whole life (the kernel drops it
when the process ends, kill -9 included), so a free lock means the pidfile is stale whatever it
says. The pidfile records the daemon's pid with its process key (boot, pid namespace, start
time) and a digest of its command line: `daemon stop` signals a pid only when the lock is held
and that pid is still that very process (never a reused pid, never pid <= 1).
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from spacetraders.errors import SpacetradersError
from spacetraders.settings import data_dir
from spacetraders.supervisor import identity


class NotOurDaemon(SpacetradersError):
    """The pidfile names a process that cannot be proven to be this directory's daemon."""


@dataclass(frozen=True)
class PidInfo:
    pid: int
    daemon_id: str | None
    database: str | None
    process_key: str | None = None
    cmdline: str | None = None

    @property
    def alive(self) -> bool:
        return self.pid > 1 and pid_alive(self.pid)


def path() -> Path:
    return data_dir() / "daemon.pid"


def lock_path() -> Path:
    return data_dir() / "daemon.lock"


def log_path() -> Path:
    return data_dir() / "daemon.log"


class DaemonLock:
    """One daemon per data directory: held from before the pidfile is written until the process ends."""

    def __init__(self) -> None:
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(lock_path(), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            from spacetraders.application.daemons import DaemonAlreadyRunning

            info = read()
            pid = f" (pid {info.pid})" if info is not None else ""
            raise DaemonAlreadyRunning(f"a daemon is already running from {data_dir()}{pid}") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None


def lock_held() -> bool:
    """Does some process hold this directory's daemon lock (i.e. is its daemon running)?"""
    try:
        fd = os.open(lock_path(), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops our shared lock if we got it
    return False


def write(daemon_id: str, database: str) -> None:
    """Record this process; called by the daemon while it holds the lock."""
    target = path()
    tmp = target.with_suffix(".pid.tmp")
    tmp.write_text(json.dumps({
        "pid": os.getpid(), "daemon_id": daemon_id, "database": database,
        "process_key": identity.process_key(), "cmdline": identity.cmdline_digest(),
    }) + "\n")
    tmp.replace(target)


def read() -> PidInfo | None:
    try:
        raw = path().read_text().strip()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        if isinstance(data, int):
            return PidInfo(data, None, None)
        return PidInfo(int(data["pid"]), data.get("daemon_id"), data.get("database"),
                       data.get("process_key"), data.get("cmdline"))
    except (ValueError, KeyError, TypeError):
        return None


def running() -> PidInfo | None:
    """This directory's running daemon, proven to be the process the pidfile names; None when no
    daemon of this directory runs (no pidfile, or nobody holds the lock: a stale file).

    NotOurDaemon when the pidfile cannot be trusted: pid <= 1, a reused pid, another command.
    """
    info = read()
    if info is not None and info.pid <= 1:  # kill(-1) or kill(0) would hit whole process groups
        raise NotOurDaemon(f"{path()} names pid {info.pid}, which no daemon can have: not signalling it")
    if not lock_held():
        return None
    if info is None:  # the daemon holds the lock but has not written its pidfile yet
        return None
    problem = unproven(info)
    if problem:
        raise NotOurDaemon(f"{path()} names pid {info.pid}, {problem}: not signalling it")
    return info


def unproven(info: PidInfo) -> str | None:
    """Why pid `info.pid` is not provably the daemon that wrote `info` (None: it is)."""
    if info.pid <= 1:
        return "which no daemon can have"
    if not pid_alive(info.pid):
        return "which is not running"
    current = identity.process_key(info.pid)
    if current is not None or info.process_key is not None:
        if current != info.process_key:
            return "which is now another process (its start time differs from the daemon's)"
        if identity.cmdline_digest(info.pid) != info.cmdline:
            return "whose command line is not the daemon's"
    return None


def remove_if_ours() -> None:
    info = read()
    if info is not None and info.pid == os.getpid():
        path().unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped (never probes pid <= 0)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: a zombie still answers kill(0) but is dead for our purposes
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return True
