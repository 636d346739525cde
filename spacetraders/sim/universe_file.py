"""Load a universe from recorded waypoints (API Waypoint shape).

Accepts a JSON list of waypoints (e.g. X1-PZ28.waypoints.json) or an object with a
`waypoints` list (the X1-AD75 snapshot; its `systems` and `marketplaces` are used when
present). Markets and shipyards without recorded catalogues are generated from the seed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from spacetraders.sim.gates import connect
from spacetraders.sim.ship_templates import SHIPYARD_STOCK
from spacetraders.sim.trade_layout import market_for
from spacetraders.sim.universe import MarketSpec, System, Universe, Waypoint


def load_universe(path: Path, seed: int = 1) -> Universe:
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read universe file {path}: {exc}") from exc
    if isinstance(raw, dict):
        waypoints_raw, systems_raw, markets_raw = raw.get("waypoints"), raw.get("systems") or [], raw.get("marketplaces") or []
    else:
        waypoints_raw, systems_raw, markets_raw = raw, [], []
    if not isinstance(waypoints_raw, list) or not waypoints_raw:
        raise ValueError(f"{path}: expected a non-empty list of waypoints")
    rng = random.Random(f"universe-file:{seed}")
    recorded_markets = {m["symbol"]: m for m in markets_raw if isinstance(m, dict) and "symbol" in m}
    by_system: dict[str, list[Waypoint]] = {}
    for item in waypoints_raw:
        wp = _waypoint(item)
        by_system.setdefault(wp.system_symbol, []).append(wp)
        if "MARKETPLACE" in wp.trait_symbols:
            recorded = recorded_markets.get(wp.symbol)
            wp.market = _recorded_market(recorded) if recorded else _generated_market(rng, wp)
        if "SHIPYARD" in wp.trait_symbols:
            wp.shipyard = ("SHIP_PROBE",) + tuple(rng.sample(SHIPYARD_STOCK[1:], 2))
    recorded_systems = {s["symbol"]: s for s in systems_raw if isinstance(s, dict) and "symbol" in s}
    systems = {}
    for symbol, waypoints in by_system.items():
        meta = recorded_systems.get(symbol, {})
        systems[symbol] = System(
            symbol=symbol,
            type=meta.get("type") or "ORANGE_STAR",
            x=int(meta.get("x") or rng.randint(-40000, 40000)),
            y=int(meta.get("y") or rng.randint(-40000, 40000)),
            waypoints=waypoints,
            factions=[f["symbol"] for f in meta.get("factions") or []],
        )
    first = next(iter(systems.values()))
    # Recorded gates lead to systems the file does not hold: only links inside the file count.
    gates = connect(list(systems.values()), seed, home=first.symbol)
    sites = raw.get("construction_sites") if isinstance(raw, dict) else None
    return Universe(systems=systems, headquarters=_headquarters(first.waypoints), gates=gates,
                    constructions=_constructions(sites))


def _constructions(sites: Any) -> dict[str, tuple[tuple[str, int, int], ...]]:
    """Recorded Construction objects (the snapshot's `construction_sites`), by waypoint."""
    found = {}
    for site in sites if isinstance(sites, list) else ():
        try:
            found[site["symbol"]] = tuple(
                (m["tradeSymbol"], int(m["required"]), int(m["fulfilled"])) for m in site["materials"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed construction site {str(site)[:80]}: {exc}") from exc
    return found


def _waypoint(item: dict[str, Any]) -> Waypoint:
    try:
        chart = item.get("chart")
        return Waypoint(
            symbol=item["symbol"],
            type=item["type"],
            system_symbol=item.get("systemSymbol") or item["symbol"].rsplit("-", 1)[0],
            x=int(item["x"]),
            y=int(item["y"]),
            traits=[_no_nulls(t) for t in item.get("traits") or []],
            orbits=item.get("orbits") or None,
            orbitals=[o["symbol"] for o in item.get("orbitals") or []],
            faction=(item.get("faction") or {}).get("symbol"),
            chart=_no_nulls(chart) if chart else None,
            is_under_construction=bool(item.get("isUnderConstruction", False)),
            modifiers=[_no_nulls(m) for m in item.get("modifiers") or []],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed waypoint {str(item)[:80]}: {exc}") from exc


def _no_nulls(value: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None and k in ("name", "description") else v) for k, v in value.items() if v is not None or k in ("name", "description")}


def _recorded_market(market: dict[str, Any]) -> MarketSpec:
    def symbols(key: str) -> tuple[str, ...]:
        return tuple(g["symbol"] for g in market.get(key) or [])

    return MarketSpec(exports=symbols("exports"), imports=symbols("imports"), exchange=symbols("exchange"))


def _generated_market(rng: random.Random, wp: Waypoint) -> MarketSpec:
    return market_for(rng, wp, headquarters=False, sells_fuel=True)


def _headquarters(waypoints: list[Waypoint]) -> str:
    def rank(wp: Waypoint) -> tuple[int, int, int]:
        return (wp.market is None or not wp.market.sells_fuel, wp.type != "PLANET", wp.shipyard is None)

    return min(waypoints, key=rank).symbol
