"""Every mount and module a ship can carry, for install/remove and the rules that need them.

The ship templates define the components their ships are built with; this adds the ones
only an outfitting shipyard fits (warp drive, refineries, first-generation sensors ...).
Strengths and powers follow ECONOMY.md §16 (laser I 3 / II 5, surveyor I 1 / II 2,
siphon I 10 / II 20; cooldown power laser I 1 / II 2, surveyor I 1 / II 3, siphon I 1 / II 2).
"""

from __future__ import annotations

from typing import Any, cast

from spacetraders.sim.ship_templates import MODULES, MOUNTS

ORE_DEPOSITS = ("QUARTZ_SAND", "SILICON_CRYSTALS", "IRON_ORE", "COPPER_ORE", "ALUMINUM_ORE")


def _component(symbol: str, name: str, description: str, power: int, crew: int, slots: int | None = None,
               **extra: Any) -> dict[str, Any]:
    requirements = {"power": power, "crew": crew} | ({"slots": slots} if slots is not None else {})
    return {"symbol": symbol, "name": name, "description": description, **extra, "requirements": requirements}


EXTRA_MODULES: dict[str, dict[str, Any]] = {
    m["symbol"]: m
    for m in (
        _component("MODULE_CARGO_HOLD_III", "Bulk Cargo Hold", "A large cargo hold.", 3, 3, 3, capacity=75),
        _component("MODULE_WARP_DRIVE_I", "Warp Drive I", "Lets a ship warp to nearby systems.", 3, 0, 1,
                   range=2000),
        _component("MODULE_ORE_REFINERY_I", "Ore Refinery", "Refines raw ore into metal.", 6, 8, 1,
                   range=None),
        _component("MODULE_FUEL_REFINERY_I", "Fuel Refinery", "Refines hydrocarbon into fuel.", 5, 3, 1),
    )
}
EXTRA_MOUNTS: dict[str, dict[str, Any]] = {
    m["symbol"]: m
    for m in (
        _component("MOUNT_SURVEYOR_I", "Surveyor I", "A basic survey probe.", 1, 2, strength=1,
                   deposits=list(ORE_DEPOSITS)),
        _component("MOUNT_SENSOR_ARRAY_I", "Sensor Array I", "A basic sensor array.", 1, 0, strength=1),
    )
}
for _m in EXTRA_MODULES.values():
    if _m.get("range") is None:
        _m.pop("range", None)

ALL_MODULES: dict[str, dict[str, Any]] = {**MODULES, **EXTRA_MODULES}
ALL_MOUNTS: dict[str, dict[str, Any]] = {**cast(dict[str, dict[str, Any]], MOUNTS), **EXTRA_MOUNTS}

# Cooldown power of the mounts an action uses (cooldown = 60 + 10 x sum; ECONOMY.md §16).
MOUNT_POWER = {
    "MOUNT_MINING_LASER_I": 1, "MOUNT_MINING_LASER_II": 2, "MOUNT_MINING_LASER_III": 3,
    "MOUNT_SURVEYOR_I": 1, "MOUNT_SURVEYOR_II": 3, "MOUNT_SURVEYOR_III": 5,
    "MOUNT_GAS_SIPHON_I": 1, "MOUNT_GAS_SIPHON_II": 2, "MOUNT_GAS_SIPHON_III": 3,
}


def mounts_of(ship_mounts: list[str], prefix: str) -> list[dict[str, Any]]:
    return [ALL_MOUNTS[m] for m in ship_mounts if m.startswith(prefix) and m in ALL_MOUNTS]


def action_cooldown(mounts: list[str]) -> int:
    """Game seconds an extraction, siphon or survey with these mounts blocks the ship."""
    return 60 + 10 * sum(MOUNT_POWER.get(m, 1) for m in mounts)
