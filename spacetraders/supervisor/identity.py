"""Who a process is, beyond its pid: pids are reused, and two machines can share a hostname.

A *process key* is `<boot id>/<pid namespace>:<pid>:<start time>` (Linux /proc). The boot id
changes on every boot and differs between machines; the pid namespace tells containers that
share a kernel apart; the start time (clock ticks since boot) tells a reused pid from the
process that had it. Two keys are equal only for the same process. Where /proc is missing,
keys are None and nothing is ever declared dead by pid: others wait for the lease.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PROC = Path("/proc")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def scope() -> str | None:
    """This machine, boot and pid namespace: where a pid means one process."""
    boot = _read(_PROC / "sys/kernel/random/boot_id")
    try:
        namespace = os.readlink(_PROC / "self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return None
    if not boot:
        return None
    return f"{boot}/{namespace.removeprefix('pid:[').removesuffix(']')}"


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22); None if it
    does not exist here or is a zombie waiting to be reaped."""
    if pid <= 0:
        return None
    stat = _read(_PROC / str(pid) / "stat")
    if stat is None:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name may hold spaces and parentheses
    try:
        return None if fields[0] == "Z" else int(fields[19])
    except (IndexError, ValueError):
        return None


def process_key(pid: int | None = None) -> str | None:
    """The key of `pid` (default: this process), None where it cannot be known."""
    pid = os.getpid() if pid is None else pid
    where, ticks = scope(), start_ticks(pid)
    if where is None or ticks is None:
        return None
    return f"{where}:{pid}:{ticks}"


def provably_gone(key: str | None) -> bool:
    """True only when the process `key` names is certainly dead: it ran in this machine's boot
    and pid namespace and its pid is now free or belongs to a later process. Unknown key, other
    machine, other boot or namespace: False (wait for its lease instead)."""
    if not key:
        return False
    parts = key.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != scope() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    return pid > 0 and process_key(pid) != key


def cmdline_digest(pid: int | None = None) -> str | None:
    """A digest of the process's command line (argv may hold a database password: never stored)."""
    raw = _read_bytes(_PROC / str(os.getpid() if pid is None else pid) / "cmdline")
    return None if not raw else hashlib.sha256(raw).hexdigest()[:32]


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
