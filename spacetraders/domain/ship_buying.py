"""Buying ships: may the next one be bought, and which ship flies to which yard (pure).

Shared by the immediate purchase (application/shipyards.py) and the ShipPurchaseCommand
container (operations/ship_purchase.py), so both stop for the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacetraders.domain.navigation import distance


def next_refusal(price: int, *, credits: int, spent: int, max_budget: int | None, reserve: int) -> str | None:
    """Why the next ship at `price` must not be bought (None: buy it)."""
    if max_budget is not None and spent + price > max_budget:
        return f"the next one ({price:,}) would exceed --max-budget {max_budget:,}"
    if price > credits:
        return f"insufficient credits: the next one costs {price:,}, the agent has {credits:,}"
    if credits - price < reserve:
        return f"the next one ({price:,}) would leave less than the reserve of {reserve:,}"
    return None


@dataclass(frozen=True)
class Spot:
    """A ship or a yard: where it is (system and coordinates)."""

    symbol: str
    system: str
    x: int
    y: int


@dataclass(frozen=True)
class Pairing:
    buyer: str
    yard: str
    distance: float | None  # None: another system (the route planner measures it)


def rank_pairings(buyers: list[Spot], yards: list[Spot]) -> list[Pairing]:
    """Every (buyer, yard) pair, nearest first: same-system pairs by straight distance, then
    the pairs across systems (by symbol); ties by symbols so the choice is stable."""
    pairs = [
        Pairing(b.symbol, y.symbol, distance((b.x, b.y), (y.x, y.y)) if b.system == y.system else None)
        for b in buyers for y in yards
    ]
    return sorted(pairs, key=lambda p: (p.distance is None, p.distance or 0.0, p.buyer, p.yard))
