"""How close the trade planner's impact model comes to the simulator's true economy, and how fast it plans.

For random single lanes (an exporter and an importer of one good, as the simulator resets
them, then worked by random earlier trades so supply, activity and displacement vary), the
planner picks the units from the scouted quotes; the simulator then fills them. Prints:

- breaches: lanes whose planned profit exceeds what the simulator pays (must be 0);
- realised ÷ optimum: the simulator's profit for our units over the best unit count with
  perfect knowledge of the simulator's model (mean, worst);
- realised ÷ planned: how conservative the estimate is (mean);
- the time of `rank_lanes` and `best_plan` on a 25-market system (7 goods a market).

    python bench/trade_model.py [--lanes 400] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spacetraders.domain.trade_planning import MarketQuote, ShipProfile, best_plan, rank_lanes  # noqa: E402
from spacetraders.sim import economy as E  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def fill(row: E.Row, units: int, buying: bool) -> int:
    rows, total, left = {row.symbol: row}, 0, units
    while left > 0:
        call = min(left, row.trade_volume)
        rows, price = E.trade(rows, row.symbol, call, buying, NOW)
        total += call * price
        left -= call
    return total


def worked(row: E.Row, rng: random.Random) -> E.Row:
    """The row after a few earlier trades (others' or ours), so tiers and activity vary."""
    rows = {row.symbol: row}
    for _ in range(rng.randint(0, 6)):
        rows, _price = E.trade(rows, row.symbol, rng.randint(1, row.trade_volume), rng.random() < 0.5, NOW)
    return rows[row.symbol]


def quote(row: E.Row, waypoint: str) -> MarketQuote:
    ask, bid = E.quote(row)
    return MarketQuote(waypoint, row.symbol, ask, bid, row.trade_volume, row.supply_level, row.activity, NOW, row.type)


def model_figures(lanes: int, rng: random.Random) -> None:
    goods = sorted(E.REFERENCE_ASK)
    coords = {"X1-B-S": (0, 0), "X1-B-D": (10, 0)}
    realised_vs_best, realised_vs_plan, breaches, fewer, tried = [], [], 0, 0, 0
    for i in range(lanes):
        good = rng.choice(goods)
        src = worked(E.reset_row(i, "X1-B-S", good, E.EXPORT, NOW), rng)
        dst = worked(E.reset_row(i, "X1-B-D", good, E.IMPORT, NOW), rng)
        capacity = rng.choice((40, 80, 225))
        ship = ShipProfile("B", capacity, {}, 15, 600, 600, "X1-B-S")
        best_units, best = max(((u, fill(dst, u, False) - fill(src, u, True)) for u in range(1, capacity + 1)),
                               key=lambda x: x[1])
        if best <= 0:
            continue
        tried += 1
        ranked = [p for p in rank_lanes([quote(src, "X1-B-S"), quote(dst, "X1-B-D")], coords, ship, now=NOW,
                                        max_age=HOUR, fuel_price=0) if p.stops[0].waypoint == "X1-B-S"]
        if not ranked:
            realised_vs_best.append(0.0)
            continue
        units = ranked[0].stops[0].actions[0].units
        realised = fill(dst, units, False) - fill(src, units, True)
        breaches += ranked[0].expected_profit > realised
        fewer += units < best_units
        realised_vs_best.append(realised / best)
        realised_vs_plan.append(realised / ranked[0].expected_profit)
    print(f"lanes with a profit: {tried} (of {lanes} drawn)")
    print(f"breaches (planned > realised): {breaches}")
    print(f"realised / optimum: mean {statistics.mean(realised_vs_best):.3f}, worst {min(realised_vs_best):.3f}; "
          f"fewer units than the optimum on {fewer} lanes")
    print(f"realised / planned: mean {statistics.mean(realised_vs_plan):.3f} (above 1: the plan is conservative)")


def timing(rng: random.Random) -> None:
    markets = [f"X1-C-W{i}" for i in range(25)]
    coords = {w: (rng.randint(-300, 300), rng.randint(-300, 300)) for w in markets}
    goods = [f"G{i}" for i in range(40)]
    quotes = []
    for i, w in enumerate(markets):
        for good in rng.sample(goods, 7):
            kind = rng.choice((E.EXPORT, E.IMPORT, E.EXCHANGE))
            quotes.append(quote(E.reset_row(i, w, good, kind, NOW, catalogue_price=rng.randint(50, 9000)), w))
    ship = ShipProfile("C", 80, {quotes[0].good: 10}, 15, 600, 600, markets[0])
    start = time.perf_counter()
    lanes = rank_lanes(quotes, coords, ship, now=NOW, max_age=HOUR, fuel_price=0.7)
    ranked = time.perf_counter() - start
    start = time.perf_counter()
    plan = best_plan(quotes, coords, ship, now=NOW, max_age=HOUR, fuel_price=0.7, min_margin_pct=5, budget=200_000)
    planned = time.perf_counter() - start
    print(f"rank_lanes: {len(lanes)} lanes in {ranked * 1000:.0f} ms; best_plan: {planned * 1000:.0f} ms "
          f"({len(plan.stops) if plan else 0} stops, {plan.profit_per_hour if plan else 0:,.0f}/h vs best lane "
          f"{lanes[0].profit_per_hour if lanes else 0:,.0f}/h)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    model_figures(args.lanes, rng)
    timing(rng)


if __name__ == "__main__":
    main()
