"""`fewest_ships`: the fewest ships (the first k given) whose plan keeps every loop within a
target age, on the simulator's generated systems."""

from __future__ import annotations

import pytest

from spacetraders.domain.planning import MarketSite, ShipSpec, plan_tours
from spacetraders.domain.sizing import fewest_ships
from spacetraders.sim.generator import generate_universe


def generated_system(seed: int) -> tuple[list[MarketSite], ShipSpec]:
    universe = generate_universe(seed)
    hq = universe.waypoints[universe.headquarters]
    markets = [MarketSite(w.symbol, w.point, w.market.sells_fuel)
               for w in universe.waypoints.values() if w.system_symbol == hq.system_symbol and w.market]
    return markets, ShipSpec("PROBE", hq.point, 9, 0, 0)


def probes(template: ShipSpec, n: int) -> list[ShipSpec]:
    return [ShipSpec(f"PROBE-{i + 1}", template.position, template.speed, 0, 0) for i in range(n)]


def period(ships: list[ShipSpec], markets: list[MarketSite]) -> int:
    return plan_tours(ships, markets, time_limit_s=0.3).period_seconds


@pytest.mark.parametrize("seed", [3, 8])
def test_the_fewest_probes_that_keep_the_target(seed):
    markets, probe = generated_system(seed)
    fleet = probes(probe, 12)
    three = period(fleet[:3], markets)
    four = period(fleet[:4], markets)
    assert four < three
    target = (three + four) // 2  # three probes miss it, four keep it
    sizing = fewest_ships(fleet, markets, target)
    assert sizing.reached and sizing.ships_needed == 4
    assert [t.ship_symbol for t in sizing.plan.tours] == [s.symbol for s in fleet[:4]]
    assert sizing.best_age_seconds == sizing.plan.period_seconds == four <= target
    assert dict(sizing.tried)[3] == three > target
    assert sorted(m for t in sizing.plan.tours for m in t.markets) == sorted(m.symbol for m in markets)
    # A target one probe keeps needs one probe.
    assert fewest_ships(fleet, markets, period(fleet[:1], markets)).ships_needed == 1


def test_an_unreachable_target_returns_the_best_age_of_every_ship():
    markets, probe = generated_system(3)
    fleet = probes(probe, 3)
    sizing = fewest_ships(fleet, markets, 60)
    assert not sizing.reached and sizing.ships_needed is None
    assert len(sizing.plan.tours) == 3
    assert sizing.best_age_seconds == period(fleet, markets) > 60


def test_more_ships_than_stops_are_never_tried():
    markets, probe = generated_system(3)
    sizing = fewest_ships(probes(probe, 200), markets, 1)
    stops = len({m.position for m in markets})
    assert max(k for k, _ in sizing.tried) == stops
    assert len(sizing.plan.tours) == stops


def test_errors():
    markets, probe = generated_system(3)
    with pytest.raises(ValueError, match="positive"):
        fewest_ships([probe], markets, 0)
    with pytest.raises(ValueError, match="no ships"):
        fewest_ships([], markets, 600)
