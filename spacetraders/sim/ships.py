"""Mutable state of one simulated ship and its API rendering.

Arrival is lazy: `settle(now)` flips IN_TRANSIT to IN_ORBIT once `now` has passed the
arrival time, so no background task ever walks the fleet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.sim.catalogue import trade_good
from spacetraders.sim.outfit import ALL_MODULES, ALL_MOUNTS
from spacetraders.sim.ship_templates import ShipTemplate
from spacetraders.sim.timefmt import iso
from spacetraders.sim.universe import Waypoint

IN_TRANSIT, IN_ORBIT, DOCKED = "IN_TRANSIT", "IN_ORBIT", "DOCKED"


@dataclass(eq=False)
class Ship:
    symbol: str
    agent_symbol: str
    faction: str
    template: ShipTemplate
    location: Waypoint  # the destination while in transit, as the API reports it
    origin: Waypoint
    departure: datetime
    arrival: datetime
    status: str = DOCKED
    flight_mode: str = "CRUISE"
    fuel: int = 0
    fuel_consumed: tuple[int, datetime] | None = None
    cargo: dict[str, int] = field(default_factory=dict)
    # Outfit (changed by mounts/modules install and remove) and the action cooldown.
    modules: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    cooldown_total: int = 0
    cooldown_until: datetime | None = None
    seen_at: datetime | None = None  # the last settle() time: what api() reports against

    def __post_init__(self) -> None:
        if not self.modules and not self.mounts:
            self.modules, self.mounts = list(self.template.modules), list(self.template.mounts)

    def settle(self, now: datetime) -> None:
        self.seen_at = now
        if self.status == IN_TRANSIT and now >= self.arrival:
            self.status = IN_ORBIT

    @property
    def cargo_capacity(self) -> int:
        return sum(int(ALL_MODULES[m].get("capacity", 0)) for m in self.modules if m in ALL_MODULES and "CARGO" in m)

    def cooldown_remaining(self, now: datetime) -> int:
        if self.cooldown_until is None:
            return 0
        return max(0, math.ceil((self.cooldown_until - now).total_seconds()))

    def cooldown_api(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.seen_at
        remaining = self.cooldown_remaining(now) if now is not None else 0
        body: dict[str, Any] = {
            "shipSymbol": self.symbol, "totalSeconds": self.cooldown_total if remaining else 0,
            "remainingSeconds": remaining,
        }
        if remaining and self.cooldown_until is not None:
            body["expiration"] = iso(self.cooldown_until)
        return body

    def in_transit(self, now: datetime) -> bool:
        self.settle(now)
        return self.status == IN_TRANSIT

    def seconds_to_arrival(self, now: datetime) -> int:
        return max(0, math.ceil((self.arrival - now).total_seconds()))

    # -- API shapes ---------------------------------------------------------------------

    def nav_api(self) -> dict[str, Any]:
        return {
            "systemSymbol": self.location.system_symbol,
            "waypointSymbol": self.location.symbol,
            "route": {
                "origin": self.origin.route_api,
                "destination": self.location.route_api,
                "departureTime": iso(self.departure),
                "arrival": iso(self.arrival),
            },
            "status": self.status,
            "flightMode": self.flight_mode,
        }

    def fuel_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"current": self.fuel, "capacity": self.template.fuel_capacity}
        if self.fuel_consumed is not None:
            amount, when = self.fuel_consumed
            body["consumed"] = {"amount": amount, "timestamp": iso(when)}
        return body

    def cargo_api(self) -> dict[str, Any]:
        inventory = [{**trade_good(s), "units": u} for s, u in self.cargo.items() if u > 0]
        return {
            "capacity": self.cargo_capacity,
            "units": sum(i["units"] for i in inventory),
            "inventory": inventory,
        }

    def api(self) -> dict[str, Any]:
        t = self.template
        return {
            "symbol": self.symbol,
            "registration": {"name": self.symbol, "factionSymbol": self.faction, "role": t.role},
            "nav": self.nav_api(),
            "crew": {
                "current": t.crew_required,
                "required": t.crew_required,
                "capacity": t.crew_capacity,
                "rotation": "STRICT",
                "morale": 100,
                "wages": 0,
            },
            **t.components(),
            "modules": [ALL_MODULES[m] for m in self.modules if m in ALL_MODULES],
            "mounts": [ALL_MOUNTS[m] for m in self.mounts if m in ALL_MOUNTS],
            "cooldown": self.cooldown_api(),
            "cargo": self.cargo_api(),
            "fuel": self.fuel_api(),
        }
