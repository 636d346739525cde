"""Fuel money: a market sells FUEL in units of 100 tank units; what a tank unit costs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

FUEL_PER_MARKET_UNIT = 100  # one FUEL bought at a market fills 100 units of a tank
DEFAULT_FUEL_ASK = 72  # credits per market unit when none is stored (observed: 72/68 at an exchange)
# What a cost that guards money assumes instead (contract pricing, spend guards): errs high, so an
# unknown price can only make a plan look worse than it is.
CAUTIOUS_FUEL_ASK = 100


def market_units(tank_units: int) -> int:
    """Market units a refuel of `tank_units` is billed for (partial units are billed whole)."""
    return math.ceil(max(0, tank_units) / FUEL_PER_MARKET_UNIT)


def tank_unit_price(asks: Iterable[int | None], default: int = DEFAULT_FUEL_ASK) -> float:
    """Credits per tank unit: the median known FUEL ask per market unit (else `default`), over 100."""
    known = [a for a in asks if a]
    return (statistics.median(known) if known else default) / FUEL_PER_MARKET_UNIT
