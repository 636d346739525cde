"""Fault injection: random 500/429/slow responses and scripted per-ship failures."""

from __future__ import annotations

from spacetraders.sim.config import FaultConfig
from tests.sim.helpers import error, harness


def test_server_error_rate_one_answers_500_envelopes():
    h = harness()
    h.register()
    h.sim.set_faults(FaultConfig(server_error_rate=1.0))
    r = h.get("/my/agent")
    assert r.status_code == 500
    err = error(r)
    assert err["code"] == 500 and err["requestId"]
    assert h.client.get("/_sim/health").status_code == 200, "control routes are exempt"


def test_injected_429_has_no_rate_limit_headers():
    h = harness(rate_limit=True)
    h.register()
    h.sim.set_faults(FaultConfig(rate_limit_rate=1.0))
    r = h.get("/my/agent")
    assert r.status_code == 429 and error(r)["code"] == 429
    assert not any(k.startswith("x-ratelimit") for k in r.headers) and "retry-after" not in r.headers


def test_slow_responses_sleep_on_the_clock():
    h = harness()
    h.register()
    h.sim.set_faults(FaultConfig(slow_rate=1.0, slow_seconds=3.0))
    before = h.clock.now()
    assert h.get("/my/agent").status_code == 200
    assert (h.clock.now() - before).total_seconds() == 3.0


def test_fault_sequence_is_seeded_and_rates_are_roughly_honoured():
    def statuses(seed: int) -> list[int]:
        h = harness(seed=seed, faults=FaultConfig(server_error_rate=0.3))
        return [h.get("/systems", headers={}).status_code for _ in range(200)]

    first = statuses(3)
    assert first == statuses(3)
    assert first != statuses(4)
    assert 30 <= first.count(500) <= 90


def test_fail_next_hits_only_that_ship_for_count_calls():
    h = harness()
    h.register("FAILS")
    h.sim.fail_next("FAILS-2", count=2, status=500, code=3000, message="The server did not return a valid response")
    for _ in range(2):
        r = h.post("/my/ships/FAILS-2/orbit")
        assert r.status_code == 500
        err = error(r)
        assert err["code"] == 3000 and "valid response" in err["message"]
    assert h.get("/my/ships/FAILS-1").status_code == 200
    assert h.post("/my/ships/FAILS-2/orbit").status_code == 200


def test_control_endpoints_over_http():
    h = harness()
    h.register("CTRL")
    r = h.client.post("/_sim/ships/ctrl-1/fail-next", json={"count": 1, "status": 409, "code": 4000, "message": "cool"})
    assert r.status_code == 200
    r = h.get("/my/ships/CTRL-1/nav")
    assert r.status_code == 409 and error(r)["code"] == 4000
    assert h.get("/my/ships/CTRL-1/nav").status_code == 200
    r = h.client.post("/_sim/faults", json={"server_error_rate": 1})
    assert r.status_code == 200 and h.sim.config.faults.server_error_rate == 1.0
    assert h.get("/my/agent").status_code == 500
    assert h.client.post("/_sim/faults", json={"server_error_rate": 2}).status_code == 422
    assert h.client.post("/_sim/faults", json={"bogus": 1}).status_code == 422
    assert h.client.post("/_sim/ships/CTRL-1/fail-next", json={"status": 200}).status_code == 422
    health = h.client.get("/_sim/health").json()
    assert health["status"] == "ok" and health["agents"] == 1 and health["ships"] == 4
