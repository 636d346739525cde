"""Ship components and shipyard templates (shapes follow the spec's Ship* models)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _req(power: int | None = None, crew: int | None = None, slots: int | None = None) -> dict[str, int]:
    values = {"power": power, "crew": crew, "slots": slots}
    return {k: v for k, v in values.items() if v is not None}


def _frame(symbol: str, name: str, desc: str, slots: int, mounts: int, fuel: int, power: int, crew: int) -> dict[str, Any]:
    return {
        "symbol": symbol, "name": name, "description": desc, "condition": 1.0, "integrity": 1.0,
        "moduleSlots": slots, "mountingPoints": mounts, "fuelCapacity": fuel,
        "requirements": _req(power=power, crew=crew), "quality": 1,
    }


def _reactor(symbol: str, name: str, desc: str, output: int, crew: int, quality: int) -> dict[str, Any]:
    return {
        "symbol": symbol, "name": name, "description": desc, "condition": 1.0, "integrity": 1.0,
        "powerOutput": output, "requirements": _req(crew=crew), "quality": quality,
    }


def _engine(symbol: str, name: str, desc: str, speed: int, power: int, crew: int, quality: int) -> dict[str, Any]:
    return {
        "symbol": symbol, "name": name, "description": desc, "condition": 1.0, "integrity": 1.0,
        "speed": speed, "requirements": _req(power=power, crew=crew), "quality": quality,
    }


FRAMES = {
    "FRAME_PROBE": _frame("FRAME_PROBE", "Probe", "A small unmanned craft for reconnaissance.", 0, 0, 0, 1, 0),
    "FRAME_DRONE": _frame("FRAME_DRONE", "Drone", "A small unmanned work craft.", 3, 2, 80, 2, 0),
    "FRAME_FRIGATE": _frame("FRAME_FRIGATE", "Frigate", "A medium multi-purpose ship.", 8, 5, 400, 8, 25),
    "FRAME_LIGHT_FREIGHTER": _frame(
        "FRAME_LIGHT_FREIGHTER", "Light Freighter", "A small cargo ship.", 6, 1, 600, 5, 40
    ),
    "FRAME_SHUTTLE": _frame("FRAME_SHUTTLE", "Shuttle", "A small ship for short hauls.", 3, 1, 300, 3, 5),
    "FRAME_EXPLORER": _frame("FRAME_EXPLORER", "Explorer", "A long-range survey ship.", 8, 2, 800, 5, 30),
}

REACTORS = {
    "REACTOR_SOLAR_I": _reactor("REACTOR_SOLAR_I", "Solar Reactor I", "A basic solar power reactor.", 3, 0, 1),
    "REACTOR_CHEMICAL_I": _reactor("REACTOR_CHEMICAL_I", "Chemical Reactor I", "A basic chemical reactor.", 15, 3, 3),
    "REACTOR_FISSION_I": _reactor("REACTOR_FISSION_I", "Fission Reactor I", "A basic fission reactor.", 31, 8, 4),
    "REACTOR_FUSION_I": _reactor("REACTOR_FUSION_I", "Fusion Reactor I", "A basic fusion reactor.", 40, 12, 5),
}

ENGINES = {
    "ENGINE_IMPULSE_DRIVE_I": _engine("ENGINE_IMPULSE_DRIVE_I", "Impulse Drive I", "A basic low-energy drive.", 9, 1, 0, 1),
    "ENGINE_ION_DRIVE_I": _engine("ENGINE_ION_DRIVE_I", "Ion Drive I", "An ion propulsion system.", 15, 3, 3, 3),
    "ENGINE_ION_DRIVE_II": _engine("ENGINE_ION_DRIVE_II", "Ion Drive II", "An improved ion drive.", 36, 6, 8, 4),
}

MODULES: dict[str, dict[str, Any]] = {
    "MODULE_CARGO_HOLD_I": {"symbol": "MODULE_CARGO_HOLD_I", "name": "Cargo Hold", "description": "Cargo space.",
                            "capacity": 15, "requirements": _req(power=1, crew=0, slots=1)},
    "MODULE_CARGO_HOLD_II": {"symbol": "MODULE_CARGO_HOLD_II", "name": "Expanded Cargo Hold",
                             "description": "More cargo space.", "capacity": 40,
                             "requirements": _req(power=2, crew=2, slots=2)},
    "MODULE_CREW_QUARTERS_I": {"symbol": "MODULE_CREW_QUARTERS_I", "name": "Crew Quarters",
                               "description": "Living space for the crew.", "capacity": 40,
                               "requirements": _req(power=1, crew=2, slots=1)},
    "MODULE_MINERAL_PROCESSOR_I": {"symbol": "MODULE_MINERAL_PROCESSOR_I", "name": "Mineral Processor",
                                   "description": "Processes extracted ores.",
                                   "requirements": _req(power=1, crew=0, slots=2)},
    "MODULE_GAS_PROCESSOR_I": {"symbol": "MODULE_GAS_PROCESSOR_I", "name": "Gas Processor",
                               "description": "Processes siphoned gases.",
                               "requirements": _req(power=1, crew=0, slots=2)},
}

MOUNTS = {
    "MOUNT_SENSOR_ARRAY_II": {"symbol": "MOUNT_SENSOR_ARRAY_II", "name": "Sensor Array II",
                              "description": "An advanced sensor array.", "strength": 4,
                              "requirements": _req(power=2, crew=2)},
    "MOUNT_MINING_LASER_I": {"symbol": "MOUNT_MINING_LASER_I", "name": "Mining Laser I",
                             "description": "A basic mining laser.", "strength": 3,
                             "requirements": _req(power=1, crew=0)},
    "MOUNT_MINING_LASER_II": {"symbol": "MOUNT_MINING_LASER_II", "name": "Mining Laser II",
                              "description": "An improved mining laser.", "strength": 5,
                              "requirements": _req(power=2, crew=2)},
    "MOUNT_GAS_SIPHON_I": {"symbol": "MOUNT_GAS_SIPHON_I", "name": "Gas Siphon I",
                           "description": "A basic gas siphon.", "strength": 10,
                           "requirements": _req(power=1, crew=0)},
    "MOUNT_GAS_SIPHON_II": {"symbol": "MOUNT_GAS_SIPHON_II", "name": "Gas Siphon II",
                            "description": "An improved gas siphon.", "strength": 20,
                            "requirements": _req(power=2, crew=2)},
    "MOUNT_SURVEYOR_II": {"symbol": "MOUNT_SURVEYOR_II", "name": "Surveyor II",
                          "description": "An improved survey probe.", "strength": 2,
                          "deposits": ["QUARTZ_SAND", "SILICON_CRYSTALS", "IRON_ORE", "COPPER_ORE", "ALUMINUM_ORE"],
                          "requirements": _req(power=3, crew=4)},
    "MOUNT_TURRET_I": {"symbol": "MOUNT_TURRET_I", "name": "Rotary Cannon",
                       "description": "A rapid-fire turret.", "requirements": _req(power=1, crew=1)},
}


@dataclass(frozen=True)
class ShipTemplate:
    type: str
    name: str
    description: str
    role: str
    frame: str
    reactor: str
    engine: str
    modules: tuple[str, ...]
    mounts: tuple[str, ...]
    crew_required: int
    crew_capacity: int
    base_price: int

    @property
    def speed(self) -> int:
        return int(ENGINES[self.engine]["speed"])

    @property
    def fuel_capacity(self) -> int:
        return int(FRAMES[self.frame]["fuelCapacity"])

    @property
    def cargo_capacity(self) -> int:
        return sum(int(MODULES[m].get("capacity", 0)) for m in self.modules if "CARGO" in m)

    def components(self) -> dict[str, Any]:
        """frame/reactor/engine/modules/mounts; dicts are shared and must not be mutated."""
        return {
            "frame": FRAMES[self.frame],
            "reactor": REACTORS[self.reactor],
            "engine": ENGINES[self.engine],
            "modules": [MODULES[m] for m in self.modules],
            "mounts": [MOUNTS[m] for m in self.mounts],
        }

    def shipyard_entry(self, purchase_price: int, supply: str, activity: str) -> dict[str, Any]:
        return {
            "type": self.type, "name": self.name, "description": self.description,
            "supply": supply, "activity": activity, "purchasePrice": purchase_price,
            **self.components(),
            "crew": {"required": self.crew_required, "capacity": self.crew_capacity},
        }


TEMPLATES: dict[str, ShipTemplate] = {
    t.type: t
    for t in (
        ShipTemplate("SHIP_PROBE", "Probe Satellite", "A small unmanned scout.", "SATELLITE", "FRAME_PROBE",
                     "REACTOR_SOLAR_I", "ENGINE_IMPULSE_DRIVE_I", (), (), 0, 0, 21000),
        ShipTemplate("SHIP_COMMAND_FRIGATE", "Command Frigate", "A versatile command ship.", "COMMAND",
                     "FRAME_FRIGATE", "REACTOR_FISSION_I", "ENGINE_ION_DRIVE_II",
                     ("MODULE_CARGO_HOLD_II", "MODULE_CREW_QUARTERS_I", "MODULE_CREW_QUARTERS_I",
                      "MODULE_MINERAL_PROCESSOR_I", "MODULE_GAS_PROCESSOR_I"),
                     ("MOUNT_SENSOR_ARRAY_II", "MOUNT_GAS_SIPHON_II", "MOUNT_MINING_LASER_II", "MOUNT_SURVEYOR_II"),
                     57, 80, 0),
        ShipTemplate("SHIP_LIGHT_HAULER", "Light Hauler", "A small freighter for trade runs.", "HAULER",
                     "FRAME_LIGHT_FREIGHTER", "REACTOR_CHEMICAL_I", "ENGINE_ION_DRIVE_I",
                     ("MODULE_CARGO_HOLD_II", "MODULE_CARGO_HOLD_II", "MODULE_CREW_QUARTERS_I",
                      "MODULE_CREW_QUARTERS_I"), ("MOUNT_TURRET_I",), 55, 80, 320000),
        ShipTemplate("SHIP_LIGHT_SHUTTLE", "Light Shuttle", "A cheap short-range transport.", "TRANSPORT",
                     "FRAME_SHUTTLE", "REACTOR_CHEMICAL_I", "ENGINE_ION_DRIVE_I",
                     ("MODULE_CARGO_HOLD_II", "MODULE_CREW_QUARTERS_I"), ("MOUNT_TURRET_I",), 21, 40, 80000),
        ShipTemplate("SHIP_MINING_DRONE", "Mining Drone", "An unmanned miner.", "EXCAVATOR", "FRAME_DRONE",
                     "REACTOR_CHEMICAL_I", "ENGINE_IMPULSE_DRIVE_I",
                     ("MODULE_CARGO_HOLD_I", "MODULE_MINERAL_PROCESSOR_I"), ("MOUNT_MINING_LASER_I",), 0, 0, 45000),
        ShipTemplate("SHIP_SIPHON_DRONE", "Siphon Drone", "An unmanned gas siphon.", "EXCAVATOR", "FRAME_DRONE",
                     "REACTOR_CHEMICAL_I", "ENGINE_IMPULSE_DRIVE_I",
                     ("MODULE_CARGO_HOLD_I", "MODULE_GAS_PROCESSOR_I"), ("MOUNT_GAS_SIPHON_I",), 0, 0, 42000),
    )
}

SHIPYARD_STOCK = ("SHIP_PROBE", "SHIP_LIGHT_HAULER", "SHIP_LIGHT_SHUTTLE", "SHIP_MINING_DRONE", "SHIP_SIPHON_DRONE")
