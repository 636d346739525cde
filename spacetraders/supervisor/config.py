"""Tunables of one daemon process, and its identity."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class DaemonConfig:
    lease_s: float = 30.0  # others may declare us dead this long after our last heartbeat
    heartbeat_s: float = 5.0
    poll_s: float = 1.0  # claims of due containers and stop requests
    stop_grace_s: float = 10.0  # graceful stop: how long running containers get to wind down
    claim_batch: int = 200  # containers claimed per transaction (keeps transactions short)

    def __post_init__(self) -> None:
        if min(self.lease_s, self.heartbeat_s, self.poll_s) <= 0 or self.stop_grace_s < 0:
            raise ValueError("daemon intervals must be positive")
        if self.heartbeat_s * 2 > self.lease_s:
            raise ValueError(
                f"the lease ({self.lease_s:g} s) must be at least twice the heartbeat interval ({self.heartbeat_s:g} s)"
            )
        if self.claim_batch < 1:
            raise ValueError("claim_batch must be at least 1")


def new_daemon_id() -> str:
    """host-pid-random: readable in `daemon status`, unique across restarts and machines."""
    host = socket.gethostname().split(".")[0][:40] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"
