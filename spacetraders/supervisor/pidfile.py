"""`<data dir>/daemon.pid`: which local process runs the daemon, for `daemon start/stop/status`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from spacetraders.settings import data_dir


@dataclass(frozen=True)
class PidInfo:
    pid: int
    daemon_id: str | None
    database: str | None

    @property
    def alive(self) -> bool:
        return pid_alive(self.pid)


def path() -> Path:
    return data_dir() / "daemon.pid"


def log_path() -> Path:
    return data_dir() / "daemon.log"


def write(daemon_id: str, database: str) -> None:
    target = path()
    tmp = target.with_suffix(".pid.tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "daemon_id": daemon_id, "database": database}) + "\n")
    tmp.replace(target)


def read() -> PidInfo | None:
    try:
        raw = path().read_text().strip()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        return PidInfo(int(data["pid"]), data.get("daemon_id"), data.get("database"))
    except (ValueError, KeyError, TypeError):
        return PidInfo(int(raw), None, None) if raw.isdigit() else None


def remove_if_ours() -> None:
    info = read()
    if info is not None and info.pid == os.getpid():
        path().unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
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
