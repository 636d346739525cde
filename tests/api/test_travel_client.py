"""The client's travel methods against the in-process simulator: gates, construction,
jump, cooldown, warp, chart (typed results, typed errors)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from spacetraders.api import CooldownError, SpaceTradersClient
from spacetraders.api.errors import ApiError
from spacetraders.clock import FakeClock
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig
from spacetraders.sim.gates import gate_of
from spacetraders.sim.ships import DOCKED, IN_ORBIT

BASE_URL = "http://sim/v2"


def test_travel_between_systems_with_the_client():
    clock = FakeClock()
    app = create_app(SimConfig(seed=4, systems=4, clock=clock, enforce_rate_limit=False))
    sim = app.state.sim
    transport = httpx.ASGITransport(app=app)

    async def scenario() -> None:
        async with SpaceTradersClient(BASE_URL, transport=transport, clock=clock) as anonymous:
            registered = await anonymous.register("GATER", "COSMIC", "account")
        async with SpaceTradersClient(BASE_URL, registered.token, transport=transport, clock=clock) as client:
            frigate, probe = registered.ships[0].symbol, registered.ships[1].symbol
            home = registered.agent.headquarters.rsplit("-", 1)[0]
            gate = gate_of(sim.universe.systems[home])
            assert gate is not None
            jump_gate = await client.get_jump_gate(home, gate.symbol)
            assert jump_gate.symbol == gate.symbol and jump_gate.connections == sim.universe.gates[gate.symbol]
            site = await client.get_construction(home, gate.symbol)
            assert site.is_complete and all(m.missing == 0 for m in site.materials)
            assert await client.get_cooldown(probe) is None

            ship = sim.agents["GATER"].ships[probe]
            sim.relocate(ship, gate)
            ship.status = IN_ORBIT
            target = next(g for g in jump_gate.connections if not sim.universe.waypoints[g].is_under_construction)
            jumped = await client.jump(probe, target)
            assert jumped.nav.waypoint_symbol == target and jumped.nav.status == "IN_ORBIT"
            assert jumped.fee > 0 and jumped.agent.credits == registered.agent.credits - jumped.fee
            cooldown = await client.get_cooldown(probe)
            assert cooldown is not None and cooldown.remaining_seconds == jumped.cooldown.total_seconds > 0
            assert cooldown.expiration is not None
            with pytest.raises(CooldownError):
                await client.jump(probe, gate.symbol)

            hidden = next(w for w in sim.universe.systems[target.rsplit("-", 1)[0]].waypoints if w.hidden_traits)
            sim.relocate(ship, hidden)
            charted = await client.chart(probe)
            assert charted.submitted_by == "GATER" and "UNCHARTED" not in charted.waypoint.traits
            with pytest.raises(ApiError) as already:
                await client.chart(probe)
            assert already.value.code == 4230

            unfinished = next(g for g in sim.universe.gates if sim.universe.waypoints[g].is_under_construction)
            big = sim.agents["GATER"].ships[frigate]
            sim.relocate(big, sim.universe.waypoints[unfinished])
            big.status = DOCKED
            big.cargo["FAB_MATS"] = 30
            supplied = await client.supply_construction(unfinished.rsplit("-", 1)[0], unfinished, frigate, "FAB_MATS", 30)
            fab = next(m for m in supplied.construction.materials if m.trade_symbol == "FAB_MATS")
            assert fab.fulfilled == 30 and supplied.cargo_units == 0 and not supplied.construction.is_complete

            big.status = IN_ORBIT
            big.modules.append("MODULE_WARP_DRIVE_I")
            await client.set_flight_mode(frigate, "DRIFT")
            warped = await client.warp(frigate, registered.agent.headquarters)
            assert warped.nav.status == "IN_TRANSIT" and warped.nav.system_symbol == home
            assert warped.fuel.current == warped.fuel.capacity - 1

    asyncio.run(scenario())
