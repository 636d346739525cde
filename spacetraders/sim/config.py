"""Settings of one simulator instance."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from spacetraders.clock import Clock


@dataclass(frozen=True)
class FaultConfig:
    """Random faults applied to /v2 requests (rates are probabilities per request)."""

    server_error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0

    def __post_init__(self) -> None:
        for name in ("server_error_rate", "rate_limit_rate", "slow_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.slow_seconds < 0:
            raise ValueError("slow_seconds must not be negative")

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> FaultConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        return cls(**{k: float(v) for k, v in values.items()})


@dataclass
class SimConfig:
    seed: int = 1
    # Game seconds per real second: a 700 s hop at time_scale 100 lands 7 real seconds later.
    time_scale: float = 1.0
    universe_file: Path | None = None
    systems: int = 3
    probes_per_agent: int = 3
    enforce_rate_limit: bool = True
    faults: FaultConfig = field(default_factory=FaultConfig)
    clock: Clock | None = None

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if self.systems < 1:
            raise ValueError("systems must be at least 1")
        if self.probes_per_agent < 0:
            raise ValueError("probes_per_agent must not be negative")
