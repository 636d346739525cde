"""Survey, extract (with or without a survey), siphon and refine (ECONOMY.md §16).

What a waypoint yields follows its deposit traits; yields are random (the world's seeded
generator) with the summed strength of the mounts used, capped by the free hold. The
cooldown is 60 + 10 x the mounts' power (lasers, siphons, surveyors); refining 60 s.
Refining turns 100 units of ore (HYDROCARBON for FUEL) into 10 (the spec's ratio).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from spacetraders.sim.actions import (
    add_cargo,
    cargo_units,
    check_cooldown,
    object_body,
    ready_ship,
    start_cooldown,
    take_cargo,
)
from spacetraders.sim.errors import SimError, validation_error
from spacetraders.sim.outfit import action_cooldown, mounts_of
from spacetraders.sim.ships import IN_ORBIT, Ship
from spacetraders.sim.timefmt import iso
from spacetraders.sim.universe import Waypoint
from spacetraders.sim.world import SURVEY_USES, LiveSurvey

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator

MINABLE = frozenset({"ASTEROID", "ASTEROID_FIELD", "ENGINEERED_ASTEROID"})
DEPOSITS: dict[str, tuple[str, ...]] = {
    "COMMON_METAL_DEPOSITS": ("IRON_ORE", "COPPER_ORE", "ALUMINUM_ORE", "QUARTZ_SAND", "SILICON_CRYSTALS", "ICE_WATER"),
    "MINERAL_DEPOSITS": ("QUARTZ_SAND", "SILICON_CRYSTALS", "PRECIOUS_STONES", "ICE_WATER", "AMMONIA_ICE"),
    "PRECIOUS_METAL_DEPOSITS": ("SILVER_ORE", "GOLD_ORE", "PLATINUM_ORE", "QUARTZ_SAND"),
    "RARE_METAL_DEPOSITS": ("URANITE_ORE", "MERITIUM_ORE", "IRON_ORE"),
    "ICE_CRYSTALS": ("ICE_WATER", "AMMONIA_ICE", "QUARTZ_SAND"),
}
PLAIN_ROCK = ("QUARTZ_SAND", "SILICON_CRYSTALS", "ICE_WATER")
GASES = ("LIQUID_HYDROGEN", "LIQUID_NITROGEN", "HYDROCARBON")
SURVEY_LIFETIME_S = {"SMALL": 15 * 60, "MODERATE": 30 * 60, "LARGE": 60 * 60}
REFINE_IN, REFINE_OUT, REFINE_COOLDOWN_S = 100, 10, 60
REFINED_FROM = {
    "IRON": "IRON_ORE", "COPPER": "COPPER_ORE", "SILVER": "SILVER_ORE", "GOLD": "GOLD_ORE",
    "ALUMINUM": "ALUMINUM_ORE", "PLATINUM": "PLATINUM_ORE", "URANITE": "URANITE_ORE", "MERITIUM": "MERITIUM_ORE",
    "FUEL": "HYDROCARBON",
}


def deposits_at(wp: Waypoint) -> tuple[str, ...]:
    traits = {t["symbol"] for t in wp.hidden_traits or wp.traits}
    goods = [g for trait, pool in DEPOSITS.items() if trait in traits for g in pool]
    return tuple(dict.fromkeys(goods)) or PLAIN_ROCK


def _yield(sim: Simulator, strength: int, ship: Ship) -> int:
    free = ship.cargo_capacity - cargo_units(ship)
    if free <= 0:
        raise SimError(400, 4228, f"Ship {ship.symbol} has no room in its cargo hold.",
                       {"shipSymbol": ship.symbol, "cargoCapacity": ship.cargo_capacity})
    return min(free, sim.world.rng.randint(max(1, round(strength * 0.6)), max(1, strength)))


def _extractor(sim: Simulator, agent: Agent, ship_symbol: str) -> tuple[Ship, list[str]]:
    ship = ready_ship(sim, agent, ship_symbol, IN_ORBIT)
    if ship.location.type not in MINABLE:
        raise SimError(400, 4205, f"Waypoint {ship.location.symbol} cannot be mined.",
                       {"waypointSymbol": ship.location.symbol, "waypointType": ship.location.type})
    lasers = [m for m in ship.mounts if m.startswith("MOUNT_MINING_LASER")]
    if not lasers:
        raise SimError(400, 4243, f"Ship {ship.symbol} has no mining lasers.", {"shipSymbol": ship.symbol})
    if "MODULE_MINERAL_PROCESSOR_I" not in ship.modules:
        raise SimError(400, 4242, f"Ship {ship.symbol} has no mineral processor.", {"shipSymbol": ship.symbol})
    check_cooldown(sim, ship)
    return ship, lasers


def survey(sim: Simulator, agent: Agent, ship_symbol: str) -> dict[str, Any]:
    ship = ready_ship(sim, agent, ship_symbol)
    if ship.status != IN_ORBIT:
        raise SimError(400, 4223, "Ship must be in orbit to survey.", {"shipSymbol": ship.symbol})
    surveyors = [m for m in ship.mounts if m.startswith("MOUNT_SURVEYOR")]
    if not surveyors:
        raise SimError(400, 4240, f"Ship {ship.symbol} has no surveyor mount.", {"shipSymbol": ship.symbol})
    wp = ship.location
    if wp.type not in MINABLE:
        raise SimError(400, 4222, f"Waypoint {wp.symbol} cannot be surveyed.", {"waypointSymbol": wp.symbol})
    check_cooldown(sim, ship)
    rng, now = sim.world.rng, sim.now()
    pool = deposits_at(wp)
    found = [d for m in mounts_of(ship.mounts, "MOUNT_SURVEYOR") for d in m.get("deposits", [])]
    pool = tuple(g for g in pool if g in found) or pool
    surveys = []
    for _ in range(sum(int(m.get("strength", 1)) for m in mounts_of(ship.mounts, "MOUNT_SURVEYOR"))):
        size = rng.choices(("SMALL", "MODERATE", "LARGE"), weights=(6, 3, 1))[0]
        expires = now + timedelta(seconds=SURVEY_LIFETIME_S[size] / sim.config.time_scale)
        signature = f"{wp.symbol}-{secrets.token_hex(3).upper()}"
        body: dict[str, Any] = {
            "signature": signature,
            "symbol": wp.symbol,
            "deposits": [{"symbol": rng.choice(pool)} for _ in range(rng.randint(3, 7))],
            "expiration": iso(expires),
            "size": size,
        }
        sim.world.surveys[signature] = LiveSurvey(body, expires, SURVEY_USES[size])
        surveys.append(body)
    return {"cooldown": start_cooldown(sim, ship, action_cooldown(surveyors)), "surveys": surveys}


def _live_survey(sim: Simulator, ship: Ship, given: Any) -> LiveSurvey:
    signature = given.get("signature") if isinstance(given, dict) else None
    if not isinstance(signature, str):
        raise validation_error("signature", "required: the survey as returned by POST .../survey")
    live = sim.world.surveys.get(signature)
    if live is None or live.survey != given or live.survey["symbol"] != ship.location.symbol:
        raise SimError(400, 4220, "Survey failed verification: unknown, altered or for another waypoint.",
                       {"signature": signature, "shipWaypoint": ship.location.symbol})
    if sim.now() >= live.expires:
        raise SimError(409, 4221, f"Survey {signature} has expired.", {"signature": signature})
    if live.uses_left <= 0:
        raise SimError(409, 4224, f"Survey {signature} is exhausted.", {"signature": signature})
    return live


def extract(sim: Simulator, agent: Agent, ship_symbol: str, body: Any, *, with_survey: bool = False) -> dict[str, Any]:
    """POST .../extract (body optional `{survey}`) or .../extract/survey (body = the Survey)."""
    given = object_body(body) if with_survey else (body.get("survey") if isinstance(body, dict) else None)
    ship, lasers = _extractor(sim, agent, ship_symbol)
    live = _live_survey(sim, ship, given) if given is not None else None
    units = _yield(sim, sum(int(m.get("strength", 1)) for m in mounts_of(lasers, "MOUNT_MINING_LASER")), ship)
    pool = [d["symbol"] for d in live.survey["deposits"]] if live else list(deposits_at(ship.location))
    good = sim.world.rng.choice(pool)
    if live:
        live.uses_left -= 1
    add_cargo(ship, good, units)
    return {
        "cooldown": start_cooldown(sim, ship, action_cooldown(lasers)),
        "extraction": {"shipSymbol": ship.symbol, "yield": {"symbol": good, "units": units}},
        "cargo": ship.cargo_api(),
        "events": [],
    }


def siphon(sim: Simulator, agent: Agent, ship_symbol: str) -> dict[str, Any]:
    ship = ready_ship(sim, agent, ship_symbol, IN_ORBIT)
    if ship.location.type != "GAS_GIANT":
        raise SimError(400, 4259, f"Waypoint {ship.location.symbol} has no gas to siphon.",
                       {"waypointSymbol": ship.location.symbol})
    siphons = [m for m in ship.mounts if m.startswith("MOUNT_GAS_SIPHON")]
    if not siphons:
        raise SimError(400, 4258, f"Ship {ship.symbol} has no gas siphons.", {"shipSymbol": ship.symbol})
    if "MODULE_GAS_PROCESSOR_I" not in ship.modules:
        raise SimError(400, 4257, f"Ship {ship.symbol} has no gas processor.", {"shipSymbol": ship.symbol})
    check_cooldown(sim, ship)
    units = _yield(sim, sum(int(m.get("strength", 1)) for m in mounts_of(siphons, "MOUNT_GAS_SIPHON")), ship)
    good = sim.world.rng.choice(GASES)
    add_cargo(ship, good, units)
    return {
        "cooldown": start_cooldown(sim, ship, action_cooldown(siphons)),
        "siphon": {"shipSymbol": ship.symbol, "yield": {"symbol": good, "units": units}},
        "cargo": ship.cargo_api(),
        "events": [],
    }


def refine(sim: Simulator, agent: Agent, ship_symbol: str, body: Any) -> dict[str, Any]:
    produce = object_body(body).get("produce")
    if not isinstance(produce, str) or produce not in REFINED_FROM:
        raise validation_error("produce", f"must be one of {', '.join(REFINED_FROM)}")
    ship = ready_ship(sim, agent, ship_symbol)
    refinery = "MODULE_FUEL_REFINERY_I" if produce == "FUEL" else "MODULE_ORE_REFINERY_I"
    if refinery not in ship.modules:
        raise SimError(400, 4239, f"Ship {ship.symbol} has no {refinery} to produce {produce}.",
                       {"shipSymbol": ship.symbol, "module": refinery})
    check_cooldown(sim, ship)
    source = REFINED_FROM[produce]
    take_cargo(ship, source, REFINE_IN)
    ship.cargo[produce] = ship.cargo.get(produce, 0) + REFINE_OUT  # output is smaller than input: fits
    return {
        "cargo": ship.cargo_api(),
        "cooldown": start_cooldown(sim, ship, REFINE_COOLDOWN_S),
        "produced": [{"tradeSymbol": produce, "units": REFINE_OUT}],
        "consumed": [{"tradeSymbol": source, "units": REFINE_IN}],
    }
