"""Container statuses and which of them hold a ship. Pure rules, no I/O."""

from __future__ import annotations

import re
import secrets
from enum import StrEnum


class ContainerStatus(StrEnum):
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    INTERRUPTED = "INTERRUPTED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    COMPLETED = "COMPLETED"


class RestartPolicy(StrEnum):
    NO = "no"
    ON_FAILURE = "on-failure"
    ALWAYS = "always"


class AssignmentStatus(StrEnum):
    ACTIVE = "active"
    IDLE = "idle"


# A container in one of these holds its ship: it must have exactly one active assignment.
LIVE_STATUSES: frozenset[ContainerStatus] = frozenset(
    {ContainerStatus.STARTING, ContainerStatus.RUNNING, ContainerStatus.STOPPING, ContainerStatus.INTERRUPTED}
)
TERMINAL_STATUSES: frozenset[ContainerStatus] = frozenset(ContainerStatus) - LIVE_STATUSES

# Which status may follow which. Everything else is a bug and is refused.
TRANSITIONS: dict[ContainerStatus, frozenset[ContainerStatus]] = {
    ContainerStatus.STARTING: frozenset({ContainerStatus.RUNNING, ContainerStatus.STOPPED, ContainerStatus.FAILED}),
    ContainerStatus.RUNNING: frozenset(
        {
            ContainerStatus.COMPLETED,
            ContainerStatus.FAILED,
            ContainerStatus.STOPPING,
            ContainerStatus.STOPPED,
            ContainerStatus.INTERRUPTED,
        }
    ),
    ContainerStatus.STOPPING: frozenset({ContainerStatus.STOPPED, ContainerStatus.FAILED, ContainerStatus.COMPLETED}),
    ContainerStatus.INTERRUPTED: frozenset({ContainerStatus.STOPPED, ContainerStatus.FAILED}),
    ContainerStatus.STOPPED: frozenset(),
    ContainerStatus.FAILED: frozenset(),
    ContainerStatus.COMPLETED: frozenset(),
}


def can_transition(old: ContainerStatus, new: ContainerStatus) -> bool:
    return new in TRANSITIONS[ContainerStatus(old)]


def is_live(status: str) -> bool:
    return status in LIVE_STATUSES


_SUFFIX = re.compile(r"-[0-9a-f]{8}$")


def new_container_id(prefix: str) -> str:
    """`scout-tour-cooper-2` -> `scout-tour-cooper-2-1a2b3c4d`; a restart keeps the prefix."""
    base = _SUFFIX.sub("", prefix.lower()).strip("-") or "container"
    return f"{base}-{secrets.token_hex(4)}"
