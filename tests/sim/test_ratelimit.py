"""The two-pool rate limiter (NOTES.md §7) on a fake clock: exact schedule and headers."""

from __future__ import annotations

from tests.sim.helpers import error, harness

LIMIT_HEADERS = {
    "x-ratelimit-type", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
    "x-ratelimit-limit-burst", "x-ratelimit-limit-per-second",
}


def _burst(h, n: int) -> list:
    return [h.get("/my/agent") for _ in range(n)]


def test_two_static_then_thirty_burst_then_429_with_headers():
    h = harness(rate_limit=True)
    h.client.from_ip("10.0.0.9")
    h.register()  # from elsewhere: charged to that IP, not to this one
    h.client.from_ip("127.0.0.1")
    responses = _burst(h, 33)
    assert [r.status_code for r in responses[:32]] == [200] * 32
    assert responses[0].headers["x-ratelimit-remaining"] == "1"
    assert responses[1].headers["x-ratelimit-remaining"] == "0"
    assert responses[2].headers["x-ratelimit-remaining"] == "29"  # first draw on the burst pool
    assert responses[31].headers["x-ratelimit-remaining"] == "0"
    assert all(LIMIT_HEADERS <= set(r.headers) for r in responses)
    limited = responses[32]
    assert limited.status_code == 429
    assert LIMIT_HEADERS | {"retry-after"} <= set(limited.headers)
    assert limited.headers["x-ratelimit-limit-burst"] == "30"
    assert limited.headers["x-ratelimit-limit-per-second"] == "2"
    err = error(limited)
    assert err["code"] == 429 and err["data"]["retryAfter"] == 1.0  # static pool refills 1 s after first use
    assert limited.headers["retry-after"] == "1"


def test_static_pool_refills_after_one_second_burst_after_sixty():
    h = harness(rate_limit=True)
    h.client.from_ip("10.0.0.9")
    h.register()
    h.client.from_ip("127.0.0.1")
    _burst(h, 32)
    h.clock.advance(0.5)
    r = h.get("/my/agent")
    assert r.status_code == 429 and error(r)["data"]["retryAfter"] == 0.5
    h.clock.advance(0.5)
    assert [r.status_code for r in _burst(h, 3)] == [200, 200, 429]
    h.clock.advance(58.999)  # burst pool first used at t=0: refills at t=60
    assert [r.status_code for r in _burst(h, 3)] == [200, 200, 429]
    h.clock.advance(0.001)  # t=60: burst full again, static still empty until t=60.999
    assert [r.status_code for r in _burst(h, 31)] == [200] * 30 + [429]
    h.clock.advance(0.999)
    assert [r.status_code for r in _burst(h, 3)] == [200, 200, 429]


def test_ip_and_account_limits_apply_together():
    h = harness(rate_limit=True)
    h.register("FIRST", account="first-account")
    first = h.token
    assert _burst(h, 31)[-1].status_code == 200  # registering took one request from this IP
    h.client.from_ip("10.0.0.2")  # a second agent elsewhere has its own IP and account budgets
    h.register("SECOND", account="second-account")
    assert h.get("/my/agent").status_code == 200
    h.token = first  # the first account's last request, then it is spent whatever IP it calls from
    assert h.get("/my/agent").status_code == 200
    limited = h.get("/my/agent")
    assert limited.status_code == 429 and limited.headers["x-ratelimit-type"] == "account"
    h.client.from_ip("10.0.0.4")
    h.register("THIRD", account="third-account")
    h.client.from_ip("127.0.0.1")  # FIRST's IP is spent too: a fresh agent behind it shares its budget
    assert h.token != first
    limited = h.get("/my/agent")
    assert limited.status_code == 429 and limited.headers["x-ratelimit-type"] == "IP-address"
    assert error(limited)["data"]["type"] == "IP-address"


def test_a_refused_request_costs_neither_budget():
    h = harness(rate_limit=True)
    h.register("FIRST", account="first-account")
    first = h.token
    _burst(h, 31)  # this IP (registering took one) and FIRST's account are spent
    h.client.from_ip("10.0.0.3")
    h.register("SECOND", account="second-account")
    second = h.token
    h.client.from_ip("127.0.0.1")
    assert h.get("/my/agent").status_code == 429  # SECOND behind the spent IP: refused...
    h.client.from_ip("10.0.0.3")
    h.token = second
    # ...and not charged to SECOND's account, which has its 32; this IP has 31 left after registering
    assert [r.status_code for r in _burst(h, 32)] == [200] * 31 + [429]
    h.token = first
    assert h.get("/my/agent").status_code == 429


def test_limits_can_be_disabled():
    free = harness(rate_limit=False)
    free.register()
    responses = _burst(free, 100)
    assert {r.status_code for r in responses} == {200}
    assert "x-ratelimit-limit" not in responses[0].headers


def test_rate_limit_headers_are_exposed_to_browsers():
    h = harness(rate_limit=True)
    h.register()
    r = h.get("/my/agent")
    exposed = {name.strip().lower() for name in r.headers["access-control-expose-headers"].split(",")}
    assert LIMIT_HEADERS | {"retry-after"} <= exposed
    assert r.headers["access-control-allow-origin"] == "*"


def test_control_routes_are_never_limited():
    h = harness(rate_limit=True)
    for _ in range(40):
        assert h.client.get("/_sim/health").status_code == 200
