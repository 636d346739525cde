"""Every generated system has a believable economy: factories import their exports' inputs
(the game's supply chain), every import has a local exporter, the gate sells ANTIMATTER."""

from __future__ import annotations

import pytest

from spacetraders.sim.catalogue import GOODS
from spacetraders.sim.generator import generate_universe
from spacetraders.sim.supply_chain import EXPORT_INPUTS
from spacetraders.sim.trade_layout import CONSUMER_IMPORTS, RAW_EXPORTS, SHIPBUILDING_IMPORTS


@pytest.fixture(scope="module", params=[1, 2, 77, 1234])
def universe(request: pytest.FixtureRequest):
    return generate_universe(request.param, systems=3)


def test_factories_import_exactly_inputs_of_what_they_make(universe):
    for w in universe.waypoints.values():
        m = w.market
        if m is None:
            continue
        assert not (set(m.exports) & set(m.imports) or set(m.exports) & set(m.exchange) or set(m.imports) & set(m.exchange))
        if m.exports and w.type in ("PLANET", "MOON", "ORBITAL_STATION"):
            # a factory imports every input of what it was built to make (later passes may
            # add a good for which it is the system's only source or buyer)
            assert any(set(EXPORT_INPUTS[e]) <= set(m.imports) for e in m.exports), (w.symbol, m)
        elif not m.exports:
            assert set(m.imports) <= set(CONSUMER_IMPORTS) | set(SHIPBUILDING_IMPORTS), (w.symbol, m)
        assert all(g in GOODS for g, _ in m.goods()), "every traded good has a catalogue price"


def test_every_good_has_a_local_exporter_and_importer_and_types_trade_as_recorded(universe):
    for system in universe.systems.values():
        markets = [w for w in system.waypoints if w.market]
        exported = {g for w in markets for g in w.market.exports}
        imported = {g for w in markets for g in w.market.imports}
        assert imported <= exported, f"{system.symbol}: no local source for {sorted(imported - exported)}"
        assert exported <= imported, f"{system.symbol}: no local buyer for {sorted(exported - imported)}"
        by_type = {w.type: w.market for w in markets}
        assert by_type["JUMP_GATE"].exchange == ("ANTIMATTER", "FUEL")
        assert by_type["FUEL_STATION"].exchange == ("FUEL",)
        bases = [w.market for w in markets if w.type == "ASTEROID_BASE"]
        assert all(set(RAW_EXPORTS) & set(b.exports) for b in bases)
        assert len(exported) >= 12, "a system makes a good dozen goods"
    hq = universe.waypoints[universe.headquarters].market
    assert hq is not None and set(hq.imports) <= set(CONSUMER_IMPORTS) and len(hq.imports) >= 4 and hq.sells_fuel
