"""Injected failures: random per-request faults and scripted per-ship failures."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from enum import Enum

from spacetraders.sim.config import FaultConfig


class Fault(Enum):
    NONE = "none"
    SERVER_ERROR = "server_error"
    RATE_LIMIT = "rate_limit"  # the hosting layer's 429: no x-ratelimit headers
    SLOW = "slow"


@dataclass(frozen=True)
class ScriptedFailure:
    status: int
    code: int
    message: str


class FaultInjector:
    def __init__(self, config: FaultConfig, seed: int) -> None:
        self.config = config
        self._rng = random.Random(f"faults:{seed}")
        self._scripted: dict[str, deque[ScriptedFailure]] = {}
        # Lost answers: the ship's next call to this action is executed, then its answer held back.
        self._holds: dict[str, tuple[str, float]] = {}
        self.held: dict[str, int] = {}

    def roll(self) -> Fault:
        """One draw per request; cheap when every rate is zero."""
        c = self.config
        if not (c.server_error_rate or c.rate_limit_rate or c.slow_rate):
            return Fault.NONE
        draw = self._rng.random()
        if draw < c.server_error_rate:
            return Fault.SERVER_ERROR
        draw -= c.server_error_rate
        if draw < c.rate_limit_rate:
            return Fault.RATE_LIMIT
        draw -= c.rate_limit_rate
        if draw < c.slow_rate:
            return Fault.SLOW
        return Fault.NONE

    def fail_next(self, ship_symbol: str, count: int, failure: ScriptedFailure) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self._scripted.setdefault(ship_symbol.upper(), deque()).extend([failure] * count)

    def take_scripted(self, ship_symbol: str) -> ScriptedFailure | None:
        queue = self._scripted.get(ship_symbol)
        if not queue:
            return None
        failure = queue.popleft()
        if not queue:
            del self._scripted[ship_symbol]
        return failure

    def hold_next(self, ship_symbol: str, action: str, seconds: float) -> None:
        """The ship's next POST .../{action} runs, but its answer waits `seconds` (wall clock):
        a test kills the client meanwhile, as a crash between the call and the write would."""
        if not action or "/" in action or not 0 < seconds <= 3600:
            raise ValueError("hold-next needs an action name and 0 < seconds <= 3600")
        self._holds[ship_symbol.upper()] = (action, seconds)

    def take_hold(self, ship_symbol: str, method: str, action: str) -> float | None:
        hold = self._holds.get(ship_symbol)
        if hold is None or method != "POST" or hold[0] != action:
            return None
        del self._holds[ship_symbol]
        return hold[1]
