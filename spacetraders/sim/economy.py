"""The simulator's economy model (ECONOMY.md §12.3 and §17): pure functions, state in, state out.

One `Row` is one (market, good) pair. Nothing here reads a clock: every function takes the
game time it should act at, so the simulator's `--time-scale` speeds recovery up too, and
tests can step hours in one call.

How a row is priced:

    mid = R * exp(-kappa * (s_eq(t) - s_eq(reset))) * exp(D)

- `R` is the row's reset price (EXPORT: the ask; IMPORT: the bid; EXCHANGE: the mid).
- `D` (log displacement) carries the impact of trades: each call adds `ln(f) * units/tv`
  with `f` the observed per-tier factor, and `D` decays back with a half-life set by tv.
- `s` is the supply index 0..4 shown as SCARCE..ABUNDANT (`round(s)`). Buys lower it,
  sells raise it, and it relaxes toward its equilibrium `s_eq` (production/consumption).
- `s_eq` moves with market conditions, which is what the kappa term prices: an export whose
  inputs are short (RESTRICTED) sits lower, a fed factory higher, and every row takes a
  random +/-1 tier shock about every 6 h that wears off over 4 h.
- Production: selling an export's input at its market credits the export as a reverse buy
  of units/3 (observed 3:1), and inputs at LIMITED or better keep the factory unrestricted.
- Activity follows traffic (units traded in ~24 h per tv); a row that stays STRONG for 6 h
  gets the next tradeVolume tier (tradeVolume never shrinks: default).

Numbers are tagged **obs** (measured on the live game, sources in ECONOMY.md) or
**default** (a choice where nothing was measured); all live in `Params` so a test or a
bench can vary them.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

SUPPLY_LEVELS = ("SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT")
ACTIVITY_LEVELS = ("WEAK", "GROWING", "STRONG", "RESTRICTED")
EXPORT, IMPORT, EXCHANGE = "EXPORT", "IMPORT", "EXCHANGE"


@dataclass(frozen=True)
class Params:
    kappa: float = 0.15  # default: price change per supply tier of the equilibrium (reset rows: 5-8 %)
    in_row_ratio: float = 2.05  # obs: ask / bid of EXPORT and IMPORT rows at reset (2.00-2.13)
    exchange_spread: float = 0.03  # obs: FUEL 72/68 around 70
    exchange_min_half_spread: int = 2  # obs: cheap exchange rows are mid +/- 2 (QUARTZ_SAND 22/18)
    import_markup: tuple[float, float] = (1.51, 1.90)  # obs: best import bid / cheapest export ask
    import_markup_tv6: float = 2.8  # obs: SHIP_PARTS / SHIP_PLATING
    exchange_markup: float = 1.40  # obs: exchange mid / export ask (FUEL 70/50, IRON_ORE 50/35)
    market_jitter: float = 0.05  # obs: same-supply rows differ +/-5 % between markets
    supply_step_per_tv: float = 0.25  # default: ~4 full-tv calls move the supply one tier
    half_life_min: tuple[tuple[int, float], ...] = ((40, 340.0), (80, 660.0), (10**9, 1680.0))  # obs (era-3 fit)
    relax_tiers_per_hour: float = 0.5  # default (fed factories climbed a tier per ~25 min)
    shock_every_hours: float = 6.0  # default: with the wear below, ~26 tier changes/h per 23 markets (obs)
    shock_wear_tiers_per_hour: float = 0.25  # default: a +/-1 shock fades over 4 h
    input_ratio: float = 3.0  # obs: 3 input units feed 1 unit of export
    input_threshold: float = 1.0  # default: inputs at LIMITED or better keep a factory running
    restricted_drop: float = 1.0  # default: tiers an export's equilibrium loses while inputs are short
    traffic_hours: float = 24.0  # V24: units traded, decaying with this time constant
    # default: V24/tv at which activity is GROWING / STRONG. §17 proposed 1 and 5, but then one
    # full-tv call already flips a row to GROWING, whose fitted factors (~1.004) flatten every
    # ladder; at 3 and 10 a 3-call ladder keeps the +5 %/tv of the price-impact fit.
    growing_at: float = 3.0
    strong_at: float = 10.0
    tv_ladder: tuple[int, ...] = (6, 20, 60, 180, 240)  # obs tiers; growing through them is a default
    tv_growth_hours: float = 6.0  # default: hours of STRONG activity per tv step


PARAMS = Params()

# obs (X1-AD75, fresh reset 2025-04): the export ask per good; goods only seen as imports or
# exchanges are converted with the markups above (EXOTIC_MATTER with the tv-6 one). Other goods
# fall back to `fallback_ask`.
REFERENCE_ASK: dict[str, float] = {
    "ADVANCED_CIRCUITRY": 4007, "ALUMINUM": 147, "ALUMINUM_ORE": 48, "AMMONIA_ICE": 29, "AMMUNITION": 1126,
    "ANTIMATTER": 3560, "ASSAULT_RIFLES": 2371, "BIOCOMPOSITES": 3712, "BOTANICAL_SPECIMENS": 8531,
    "CLOTHING": 3219, "COPPER": 190, "COPPER_ORE": 38, "DIAMONDS": 67, "DRUGS": 2903, "ELECTRONICS": 1838,
    "EQUIPMENT": 1896, "EXOTIC_MATTER": 12746, "EXPLOSIVES": 112, "FABRICS": 1443, "FAB_MATS": 1143,
    "FERTILIZERS": 136, "FIREARMS": 2348, "FOOD": 1490, "FUEL": 50, "GOLD": 207, "GOLD_ORE": 62,
    "HYDROCARBON": 34, "ICE_WATER": 11, "IRON": 85, "IRON_ORE": 35, "JEWELRY": 2181, "LAB_INSTRUMENTS": 3652,
    "LIQUID_HYDROGEN": 19, "LIQUID_NITROGEN": 22, "MACHINERY": 1826, "MEDICINE": 3266, "MERITIUM_ORE": 849,
    "MICROPROCESSORS": 1961, "PLASTICS": 126, "PLATINUM": 216, "PLATINUM_ORE": 57, "POLYNUCLEOTIDES": 160,
    "PRECIOUS_STONES": 53, "QUARTZ_SAND": 15, "SHIP_PARTS": 2870, "SHIP_PLATING": 2768, "SILICON_CRYSTALS": 26,
    "SILVER": 195, "SILVER_ORE": 46, "URANITE_ORE": 226,
}

# obs (ECONOMY.md §12.1): tradeVolume at reset by class of good; everything else trades 60.
TV6_GOODS = frozenset({"SHIP_PARTS", "SHIP_PLATING", "EXOTIC_MATTER", "BOTANICAL_SPECIMENS"})
TV20_GOODS = frozenset({
    "ADVANCED_CIRCUITRY", "AMMUNITION", "ASSAULT_RIFLES", "BIOCOMPOSITES", "CLOTHING", "DRUGS", "ELECTRONICS",
    "EQUIPMENT", "EXPLOSIVES", "FAB_MATS", "FIREARMS", "JEWELRY", "LAB_INSTRUMENTS", "MACHINERY", "MEDICINE",
    "MICROPROCESSORS", "POLYNUCLEOTIDES", "LASER_RIFLES", "MILITARY_EQUIPMENT", "QUANTUM_STABILIZERS",
})
EXCHANGE_TV, ANTIMATTER_TV = 180, 18

# Inputs of each export (static exports.json, eseidel/space_traders, MIT), trade goods only.
SUPPLY_CHAIN: dict[str, tuple[str, ...]] = {
    "ADVANCED_CIRCUITRY": ("ELECTRONICS", "MICROPROCESSORS"), "ALUMINUM": ("ALUMINUM_ORE",),
    "AMMUNITION": ("IRON", "LIQUID_NITROGEN"), "ASSAULT_RIFLES": ("ALUMINUM", "AMMUNITION"),
    "BIOCOMPOSITES": ("FABRICS", "POLYNUCLEOTIDES"), "CLOTHING": ("FABRICS",), "COPPER": ("COPPER_ORE",),
    "DRUGS": ("AMMONIA_ICE", "POLYNUCLEOTIDES"), "ELECTRONICS": ("SILICON_CRYSTALS", "COPPER"),
    "EQUIPMENT": ("ALUMINUM", "PLASTICS"), "EXPLOSIVES": ("LIQUID_HYDROGEN", "LIQUID_NITROGEN"),
    "FABRICS": ("FERTILIZERS",), "FAB_MATS": ("IRON", "QUARTZ_SAND"), "FERTILIZERS": ("LIQUID_NITROGEN",),
    "FIREARMS": ("IRON", "AMMUNITION"), "FOOD": ("FERTILIZERS",), "FUEL": ("HYDROCARBON",), "GOLD": ("GOLD_ORE",),
    "IRON": ("IRON_ORE",), "JEWELRY": ("GOLD", "SILVER", "PRECIOUS_STONES", "DIAMONDS"),
    "LAB_INSTRUMENTS": ("ELECTRONICS", "EQUIPMENT"), "MACHINERY": ("IRON",), "MEDICINE": ("FABRICS", "POLYNUCLEOTIDES"),
    "MICROPROCESSORS": ("SILICON_CRYSTALS", "COPPER"), "PLASTICS": ("LIQUID_HYDROGEN",), "PLATINUM": ("PLATINUM_ORE",),
    "POLYNUCLEOTIDES": ("LIQUID_HYDROGEN", "LIQUID_NITROGEN"), "SHIP_PARTS": ("EQUIPMENT", "ELECTRONICS"),
    "SHIP_PLATING": ("ALUMINUM", "MACHINERY"), "SILVER": ("SILVER_ORE",), "URANITE": ("URANITE_ORE",),
    "MERITIUM": ("MERITIUM_ORE",), "ANTIMATTER": ("LAB_INSTRUMENTS", "ADVANCED_CIRCUITRY"),
    "EXOTIC_MATTER": ("LAB_INSTRUMENTS", "ADVANCED_CIRCUITRY"), "BOTANICAL_SPECIMENS": ("LAB_INSTRUMENTS", "EQUIPMENT"),
    "MILITARY_EQUIPMENT": ("ALUMINUM", "ELECTRONICS"), "LASER_RIFLES": ("DIAMONDS", "PLATINUM", "ADVANCED_CIRCUITRY"),
    "QUANTUM_STABILIZERS": ("PLATINUM", "ADVANCED_CIRCUITRY"),
}

# obs (acdtunes market_model.json): ask multiplier per full-tv buy, by (supply, activity).
BUY_FACTOR: dict[tuple[str, str], float] = {
    ("MODERATE", "RESTRICTED"): 1.07, ("MODERATE", "WEAK"): 1.06, ("MODERATE", "GROWING"): 1.03,
    ("MODERATE", "STRONG"): 1.035,
    ("HIGH", "RESTRICTED"): 1.05, ("HIGH", "WEAK"): 1.04, ("HIGH", "GROWING"): 1.004, ("HIGH", "STRONG"): 1.004,
    ("ABUNDANT", "RESTRICTED"): 1.03, ("ABUNDANT", "WEAK"): 1.026, ("ABUNDANT", "GROWING"): 1.005,
    ("ABUNDANT", "STRONG"): 1.005,
}
BUY_FACTOR_BY_SUPPLY = {"SCARCE": 1.13, "LIMITED": 1.10}  # obs (RESTRICTED samples; used for every activity)
BUY_FACTOR_FALLBACK = 1.05  # obs: "one full tv bought at an exporter lifts the ask ~ +5 %"
# obs for SCARCE..MODERATE (activity barely matters); default 0.92 where the samples are thin.
SELL_FACTOR = {"SCARCE": 0.989, "LIMITED": 0.977, "MODERATE": 0.959, "HIGH": 0.92, "ABUNDANT": 0.92}
EXCHANGE_BUY_FACTOR, EXCHANGE_SELL_FACTOR = 1.01, 0.975  # obs ranges 1.00-1.02 / 0.95-1.00


def stable_hash(*parts: object) -> int:
    return zlib.crc32(":".join(map(str, parts)).encode())


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    return (stable_hash(*parts) % 100_003) / 100_003


class Row(NamedTuple):
    """Economic state of one good at one market at game time `updated` (a tuple: cheap to copy)."""

    symbol: str
    type: str  # EXPORT | IMPORT | EXCHANGE
    reference: float  # R: price at the reset state
    trade_volume: int
    trade_volume_reset: int
    supply: float  # s, 0..4
    supply_reset: float  # s_eq at reset: what R is quoted at
    inputs_ok_reset: bool  # whether this export's inputs were sufficient at reset
    base_activity: str  # the activity label shown while traffic is low
    updated: datetime
    displacement: float = 0.0  # D
    shock: float = 0.0  # random tier shock, wearing off
    traffic: float = 0.0  # ~units traded in the last 24 h
    inputs_ok: bool = True
    strong_since: datetime | None = None
    seed_key: str = ""  # hashing key for the row's random shocks
    shock_phase: float = 0.0  # 0..1: when in each shock period this row's shock falls

    @property
    def supply_level(self) -> str:
        return SUPPLY_LEVELS[min(4, max(0, round(self.supply)))]

    @property
    def activity(self) -> str | None:
        if self.type == EXCHANGE:
            return None
        if self.type == EXPORT and not self.inputs_ok:
            return "RESTRICTED"
        busy = self.traffic / self.trade_volume
        if busy >= PARAMS.strong_at:
            return "STRONG"
        if busy >= PARAMS.growing_at:
            return "GROWING"
        return self.base_activity


# -- reset state ---------------------------------------------------------------------------


def fallback_ask(symbol: str, catalogue_price: float | None) -> float:
    """Export ask for a good without an observed price: the catalogue's (import-like) price / 3.4."""
    return REFERENCE_ASK.get(symbol) or max(5.0, (catalogue_price or 340.0) / 3.4)


def reset_trade_volume(symbol: str, trade_type: str) -> int:
    if trade_type == EXCHANGE:
        return ANTIMATTER_TV if symbol == "ANTIMATTER" else EXCHANGE_TV
    if symbol in TV6_GOODS:
        return 6
    return 20 if symbol in TV20_GOODS else 60


def reset_row(
    seed: int, market: str, symbol: str, trade_type: str, now: datetime,
    catalogue_price: float | None = None, p: Params = PARAMS,
) -> Row:
    """A row as a fresh reset has it (ECONOMY.md §17 "Reset state")."""
    key = f"{seed}:{market}:{symbol}"
    ask = fallback_ask(symbol, catalogue_price)
    tv = reset_trade_volume(symbol, trade_type)
    jitter = 1 + p.market_jitter * (2 * _unit(key, "jitter") - 1)
    if trade_type == EXPORT:
        reference, supply = ask * jitter, 3.0 + _unit(key, "supply")  # HIGH / ABUNDANT
    elif trade_type == IMPORT:
        lo, hi = p.import_markup
        markup = p.import_markup_tv6 if tv <= 6 else lo + (hi - lo) * _unit(key, "markup")
        reference, supply = ask * markup * jitter, 0.3 + 1.4 * _unit(key, "supply")  # SCARCE .. MODERATE
    else:
        reference, supply = ask * p.exchange_markup, 2.0  # exchanges: identical everywhere (obs)
    base_activity = "RESTRICTED" if trade_type == IMPORT and _unit(key, "activity") < 0.4 else "WEAK"
    return Row(
        symbol=symbol, type=trade_type, reference=reference, trade_volume=tv, trade_volume_reset=tv,
        supply=supply, supply_reset=supply, inputs_ok_reset=True, base_activity=base_activity,
        updated=now, seed_key=key, shock_phase=_unit(key, "phase"),
    )


def reset_market(
    seed: int, market: str, goods: list[tuple[str, str]], now: datetime,
    catalogue_prices: Mapping[str, float] | None = None, p: Params = PARAMS,
) -> dict[str, Row]:
    """Every row of one market at reset, with each export's input status recorded."""
    prices = catalogue_prices or {}
    rows = {s: reset_row(seed, market, s, t, now, prices.get(s), p) for s, t in goods}
    for symbol, row in rows.items():
        if row.type == EXPORT:
            ok = _inputs_ok(rows, symbol, p)
            rows[symbol] = row._replace(inputs_ok=ok, inputs_ok_reset=ok)
    return rows


# -- quotes --------------------------------------------------------------------------------


def equilibrium(row: Row, p: Params = PARAMS) -> float:
    return _equilibrium(row, row.shock, p)


def _equilibrium(row: Row, shock: float, p: Params) -> float:
    eq = row.supply_reset + shock
    if row.type == EXPORT:
        eq += p.restricted_drop * (int(row.inputs_ok) - int(row.inputs_ok_reset))
    return min(4.0, max(0.0, eq))


def mid_price(row: Row, p: Params = PARAMS) -> float:
    return row.reference * math.exp(-p.kappa * (equilibrium(row, p) - row.supply_reset)) * math.exp(row.displacement)


def quote(row: Row, p: Params = PARAMS) -> tuple[int, int]:
    """(purchasePrice, sellPrice): what a buyer pays and a seller gets per unit, now."""
    mid = mid_price(row, p)
    if row.type == EXPORT:
        ask, bid = mid, mid / p.in_row_ratio
    elif row.type == IMPORT:
        ask, bid = mid * p.in_row_ratio, mid
    else:
        half = max(mid * p.exchange_spread, p.exchange_min_half_spread)
        ask, bid = mid + half, mid - half
    ask_i = max(2, round(ask))
    return ask_i, max(1, min(ask_i - 1, round(bid)))


# -- time ----------------------------------------------------------------------------------


def half_life_minutes(trade_volume: int, p: Params = PARAMS) -> float:
    return next(h for limit, h in p.half_life_min if trade_volume <= limit)


def _shock_at(row: Row, boundary: int) -> float:
    return 1.0 if stable_hash(row.seed_key, "shock", boundary) % 2 else -1.0


def _toward(value: float, target: float, step: float) -> float:
    return min(target, value + step) if value < target else max(target, value - step)


def advance(row: Row, now: datetime, p: Params = PARAMS) -> Row:
    """The row at game time `now`: displacement decayed, shocks applied and worn off,
    supply relaxed toward equilibrium, traffic decayed, tradeVolume grown if it stayed busy.
    A row at rest with no shock due comes back as is (reads of a quiet market allocate nothing)."""
    updated = row.updated.timestamp()
    t = now.timestamp()
    seconds = t - updated
    if seconds <= 0:
        return row
    hours = seconds / 3600
    relax, wear = p.relax_tiers_per_hour, p.shock_wear_tiers_per_hour
    # Shocks fire at a per-row phase every `shock_every_hours` and wear off at `wear` tiers/h, so
    # only the last boundary passed can still matter (a +/-1 shock is gone after 4 h < 6 h).
    period = p.shock_every_hours * 3600
    offset = row.shock_phase * period
    last = math.floor((t - offset) / period)
    boundary = last * period + offset
    shocked = boundary > updated
    at_rest = not (row.displacement or row.traffic or row.shock or row.strong_since)
    if at_rest and not shocked and row.supply == _equilibrium(row, 0.0, p):
        return row
    displacement = row.displacement * 2 ** (-(seconds / 60) / half_life_minutes(row.trade_volume, p))
    traffic = row.traffic * math.exp(-hours / p.traffic_hours)
    supply = row.supply
    if shocked:  # relax toward the old equilibrium until the shock, then toward the new one
        before_hours, after_hours = (boundary - updated) / 3600, (t - boundary) / 3600
        before = _toward(row.shock, 0.0, wear * before_hours)
        supply = _toward(supply, _equilibrium(row, before, p), relax * before_hours)
        shock = _toward(max(-1.5, min(1.5, before + _shock_at(row, last))), 0.0, wear * after_hours)
        supply = _toward(supply, _equilibrium(row, shock, p), relax * after_hours)
    else:
        shock = _toward(row.shock, 0.0, wear * hours)
        supply = _toward(supply, _equilibrium(row, shock, p), relax * hours)
    moved = row._replace(
        displacement=displacement if abs(displacement) > 1e-7 else 0.0,
        traffic=traffic if traffic > 1e-3 else 0.0,
        shock=shock,
        supply=supply,
        updated=now,
    )
    return _grow_trade_volume(moved, row, now, p)


def _grow_trade_volume(row: Row, before: Row, now: datetime, p: Params) -> Row:
    if row.activity != "STRONG":
        return row._replace(strong_since=None) if row.strong_since else row
    since = row.strong_since or before.updated
    if (now - since).total_seconds() < p.tv_growth_hours * 3600:
        return row if row.strong_since == since else row._replace(strong_since=since)
    bigger = [tv for tv in p.tv_ladder if tv > row.trade_volume]
    if not bigger:
        return row._replace(strong_since=since)
    return row._replace(trade_volume=bigger[0], strong_since=now)


def _inputs_ok(rows: Mapping[str, Row], export: str, p: Params) -> bool:
    inputs = [rows[g] for g in SUPPLY_CHAIN.get(export, ()) if g in rows and rows[g].type != EXPORT]
    return all(r.supply >= p.input_threshold for r in inputs)


def advance_market(rows: Mapping[str, Row], now: datetime, p: Params = PARAMS) -> dict[str, Row]:
    """Every row at `now`; an export's input status is read from its market's rows."""
    moved = {s: advance(r, now, p) for s, r in rows.items()}
    for symbol, row in moved.items():
        if row.type == EXPORT:
            ok = _inputs_ok(moved, symbol, p)
            if ok != row.inputs_ok:
                moved[symbol] = row._replace(inputs_ok=ok)
    return moved


# -- trades --------------------------------------------------------------------------------


def buy_factor(row: Row) -> float:
    if row.type == EXCHANGE:
        return EXCHANGE_BUY_FACTOR
    supply = row.supply_level
    return BUY_FACTOR.get((supply, row.activity or "WEAK")) or BUY_FACTOR_BY_SUPPLY.get(supply, BUY_FACTOR_FALLBACK)


def sell_factor(row: Row) -> float:
    return EXCHANGE_SELL_FACTOR if row.type == EXCHANGE else SELL_FACTOR[row.supply_level]


def _impact(row: Row, units: float, buying: bool, p: Params) -> Row:
    """The row after `units` change hands (negative units: a reverse trade, as production credits)."""
    share = units / row.trade_volume
    factor = buy_factor(row) if buying else sell_factor(row)
    step = p.supply_step_per_tv * share
    return row._replace(
        displacement=row.displacement + math.log(factor) * share,
        supply=min(4.0, max(0.0, row.supply - step if buying else row.supply + step)),
        traffic=row.traffic + abs(units),
    )


def trade(
    rows: Mapping[str, Row], symbol: str, units: int, buying: bool, now: datetime, p: Params = PARAMS
) -> tuple[dict[str, Row], int]:
    """Fill one call at the current quote, then move the market. Returns (rows, price per unit).

    The caller validates (tradeVolume, credits, hold) before; this is all-or-nothing arithmetic.
    """
    moved = advance_market(rows, now, p)
    row = moved[symbol]
    ask, bid = quote(row, p)
    moved[symbol] = _impact(row, units, buying, p)
    if not buying:  # feeding a factory: its exports get supply, as if units/3 were sold back
        for export in moved.values():
            if export.type == EXPORT and symbol in SUPPLY_CHAIN.get(export.symbol, ()):
                moved[export.symbol] = _impact(export, -units / p.input_ratio, True, p)
    return advance_market(moved, now, p), ask if buying else bid


# -- shipyards -------------------------------------------------------------------------------

SHIP_PRICE_RISE = 1.025  # obs: +2.5 % per ship bought at that yard (X1-AD75 C41 probes)
SHIP_PRICE_HALF_LIFE_H = 12.0  # default: recovery was not seen within 90 min


def ship_price(base: float, displacement: float, since_hours: float) -> tuple[int, float]:
    """(price now, displacement now) for a yard row last bought from `since_hours` ago."""
    d = displacement * 2 ** (-since_hours / SHIP_PRICE_HALF_LIFE_H)
    return round(base * math.exp(d)), d
