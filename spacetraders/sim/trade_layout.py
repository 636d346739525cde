"""Which goods each generated market trades, shaped like the recorded X1-AD75 economy.

Factories (planets, moons, orbital stations) export one to three goods and import exactly
those goods' inputs from the game's supply chain (supply_chain.py), as every recorded
factory does; asteroid bases export raw ores and minerals; the gas giant exports gases;
the headquarters planet and some moons are consumers (imports only); fuel stations and
most markets exchange FUEL; the jump gate exchanges ANTIMATTER (the jump fee) and FUEL.
A last pass closes each system's trade loops: every good imported in it is exported
somewhere in it and every good exported in it is imported somewhere (prices: markets.py).
"""

from __future__ import annotations

import random

from spacetraders.sim.catalogue import GOODS
from spacetraders.sim.supply_chain import EXPORT_INPUTS
from spacetraders.sim.universe import MarketSpec, Waypoint


def _producible(goods: tuple[str, ...]) -> tuple[str, ...]:
    """Goods whose inputs the catalogue prices too (so a factory's imports all have prices)."""
    return tuple(g for g in goods if g in GOODS and all(i in GOODS for i in EXPORT_INPUTS.get(g, ())))


PLANET_EXPORTS = _producible((
    "FOOD", "CLOTHING", "MEDICINE", "EQUIPMENT", "DRUGS", "FIREARMS", "FERTILIZERS", "PLASTICS", "FABRICS",
    "POLYNUCLEOTIDES", "AMMUNITION", "EXPLOSIVES", "IRON", "COPPER", "ALUMINUM", "FUEL",
))
STATION_EXPORTS = _producible((
    "ELECTRONICS", "MICROPROCESSORS", "ADVANCED_CIRCUITRY", "MACHINERY", "SHIP_PARTS", "SHIP_PLATING", "FAB_MATS",
    "LAB_INSTRUMENTS", "EQUIPMENT", "EXPLOSIVES",
))
RAW_EXPORTS = _producible((
    "IRON_ORE", "COPPER_ORE", "ALUMINUM_ORE", "SILVER_ORE", "GOLD_ORE", "PLATINUM_ORE", "QUARTZ_SAND",
    "SILICON_CRYSTALS", "PRECIOUS_STONES", "ICE_WATER", "AMMONIA_ICE",
))
GAS_EXPORTS = ("LIQUID_HYDROGEN", "LIQUID_NITROGEN", "HYDROCARBON")
CONSUMER_IMPORTS = ("FOOD", "MEDICINE", "CLOTHING", "EQUIPMENT", "JEWELRY", "DRUGS", "FIREARMS", "EXOTIC_MATTER")
SHIPBUILDING_IMPORTS = ("SHIP_PARTS", "SHIP_PLATING")
FACTORY_TYPES = ("PLANET", "MOON", "ORBITAL_STATION")


def _inputs(exports: tuple[str, ...]) -> tuple[str, ...]:
    needed = dict.fromkeys(i for e in exports for i in EXPORT_INPUTS.get(e, ()))
    return tuple(i for i in needed if i not in exports)


def _spec(exports: tuple[str, ...], imports: tuple[str, ...], exchange: tuple[str, ...]) -> MarketSpec:
    exports = tuple(dict.fromkeys(exports))
    imports = tuple(i for i in dict.fromkeys(imports) if i not in exports)
    exchange = tuple(x for x in dict.fromkeys(exchange) if x not in exports and x not in imports)
    return MarketSpec(exports=exports, imports=imports, exchange=exchange)


def market_for(rng: random.Random, wp: Waypoint, *, headquarters: bool, sells_fuel: bool) -> MarketSpec:
    fuel = ("FUEL",) if sells_fuel else ()
    if wp.type == "FUEL_STATION":
        return _spec((), (), ("FUEL",))
    if wp.type == "JUMP_GATE":
        return _spec((), (), ("ANTIMATTER", "FUEL"))
    if headquarters:
        return _spec((), tuple(rng.sample(CONSUMER_IMPORTS, rng.randint(4, 6))), ("FUEL",))
    if wp.type == "GAS_GIANT":
        return _spec(GAS_EXPORTS, _inputs(GAS_EXPORTS), fuel)
    if wp.type == "ASTEROID_BASE":
        exports = tuple(rng.sample(RAW_EXPORTS, rng.randint(3, 5)))
        return _spec(exports, _inputs(exports) + tuple(rng.sample(CONSUMER_IMPORTS[:4], 2)), fuel)
    if wp.type == "ENGINEERED_ASTEROID":
        return _spec((), (), ("QUARTZ_SAND", "SILICON_CRYSTALS", "ICE_WATER") + fuel)
    if wp.type == "MOON" and rng.random() < 0.2:
        return _spec((), SHIPBUILDING_IMPORTS, fuel)  # a shipbuilding sink, as recorded
    pool = PLANET_EXPORTS if wp.type == "PLANET" else STATION_EXPORTS
    exports = tuple(rng.sample(pool, rng.randint(1, 3)))
    if "FUEL" in exports:
        fuel = ()
    return _spec(exports, _inputs(exports), fuel)


def add_local_sources(rng: random.Random, markets: list[Waypoint]) -> None:
    """Close the system's trade loops: every good imported in it gets a factory that exports
    it, and every good exported in it (raw ores included) a factory that imports it."""
    factories = [w for w in markets if w.market and w.type in FACTORY_TYPES and w.market.exports]
    if not factories:
        return
    for side in ("exports", "imports"):
        other = "imports" if side == "exports" else "exports"
        have = {g for w in markets if w.market for g in getattr(w.market, side)}
        wanted = dict.fromkeys(g for w in markets if w.market for g in getattr(w.market, other))
        for good in wanted:
            candidates = [w for w in factories if w.market and good not in w.market.goods_symbols]
            if good in have or not candidates:
                continue
            host = rng.choice(candidates)
            assert host.market is not None
            m = host.market
            host.market = (_spec(m.exports + (good,), m.imports, m.exchange) if side == "exports"
                           else _spec(m.exports, m.imports + (good,), m.exchange))
            have.add(good)
