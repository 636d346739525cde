"""Error envelopes become typed errors; what is retried, how long it waits, and what is not."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from spacetraders.api import (
    AlreadyAtDestinationError,
    ApiError,
    ApiUnavailableError,
    AuthError,
    CooldownError,
    InsufficientFuelError,
    InTransitError,
    NotDockedError,
    NotFoundError,
    NotInOrbitError,
    RateLimitError,
    RegistrationConflictError,
    ServerError,
)
from spacetraders.api.errors import error_from_response
from spacetraders.api.retry import RetryPolicy
from tests.api import api_payloads as p

SHIP = "COOPER-1"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (409, 4000, CooldownError),
        (400, 4203, InsufficientFuelError),
        (400, 4204, AlreadyAtDestinationError),
        (400, 4214, InTransitError),
        (400, 4200, InTransitError),
        (400, 4236, NotInOrbitError),
        (400, 4244, NotDockedError),
        (401, 4103, AuthError),
        (401, 4104, AuthError),
        (401, 401, AuthError),
        (409, 4109, RegistrationConflictError),
        (404, 404, NotFoundError),
        (404, None, NotFoundError),
        (400, 4603, NotFoundError),
        (429, 429, RateLimitError),
        (500, 500, ServerError),
        (500, 3000, ServerError),
        (400, 4600, ApiError),
        (422, 422, ApiError),
    ],
)
def test_error_envelope_maps_to_typed_error(status, code, expected):
    err = error_from_response(status, p.error(code, "Ship is\nsomewhere") if code else {"error": {"message": "x"}})
    assert type(err) is expected
    assert (err.status, err.code) == (status, code)
    text = str(err)
    assert "\n" not in text and f"HTTP {status}" in text


def test_error_details_are_exposed():
    transit = error_from_response(400, p.error(4214, "in transit", {"secondsToArrival": 12.5, "departureSymbol": "A"}))
    cooldown = error_from_response(409, p.error(4000, "cooling", {"cooldown": {"remainingSeconds": 33}}))
    assert transit.seconds_to_arrival == 12.5 and transit.data["departureSymbol"] == "A"
    assert cooldown.remaining_seconds == 33.0
    assert str(transit) == "in transit (HTTP 400, code 4214)"


def test_auth_error_tells_the_user_what_to_do():
    stale = error_from_response(
        401, p.error(401, "Token reset_date does not match", {"expected": "2025-04-13", "actual": "2025-04-06"})
    )
    text = str(stale)
    assert "missing, invalid, or from an older reset" in text
    assert "token is for reset 2025-04-06, server is on reset 2025-04-13" in text


def test_non_json_error_body_still_gives_a_clear_error():
    assert str(error_from_response(503, None)) == "unexpected HTTP 503 response without an error body (HTTP 503)"


def _scripted(responses):
    """A handler that plays `responses` in order and records the requests."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request):
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def _agent_ok():
    return httpx.Response(200, json={"data": p.agent()})


def _get_agent(client_factory, handler, **kwargs):
    async def scenario():
        async with client_factory(handler, **kwargs) as client:
            return await client.get_agent()

    return asyncio.run(scenario())


def test_429_waits_for_retry_after_header(make_client, clock):
    handler, seen = _scripted([httpx.Response(429, json=p.error(429), headers={"Retry-After": "2.5"}), _agent_ok()])
    assert _get_agent(make_client, handler).symbol == "COOPER"
    assert len(seen) == 2
    assert clock.monotonic() == pytest.approx(2.5 + 0.05)  # + the limiter's safety margin


def test_429_waits_for_data_retry_after_when_no_header(make_client, clock):
    handler, seen = _scripted([httpx.Response(429, json=p.error(429, data={"retryAfter": 0.75})), _agent_ok()])
    _get_agent(make_client, handler)
    assert len(seen) == 2
    assert clock.monotonic() == pytest.approx(0.75 + 0.05)


def test_429_without_advice_backs_off_exponentially(make_client, clock):
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=100.0)
    handler, seen = _scripted([httpx.Response(429)] * 3 + [_agent_ok()])
    sleeps: list[float] = []
    original = policy.backoff

    def spy(attempt, **kw):
        delay = original(attempt, **kw)
        sleeps.append(delay)
        assert 0.0 <= delay <= 1.0 * 2 ** (attempt - 1)
        return delay

    object.__setattr__(policy, "backoff", spy)
    _get_agent(make_client, handler, retry=policy)
    assert len(seen) == 4 and len(sleeps) == 3
    assert clock.monotonic() == pytest.approx(sum(sleeps) + 3 * 0.05)


def test_429_every_time_ends_in_rate_limit_error(make_client):
    handler, seen = _scripted([httpx.Response(429, headers={"Retry-After": "1"})] * 3)
    with pytest.raises(RateLimitError):
        _get_agent(make_client, handler, max_attempts=3)
    assert len(seen) == 3


def test_5xx_is_retried_then_succeeds(make_client, clock):
    handler, seen = _scripted([httpx.Response(500, json=p.error(500)), httpx.Response(503), _agent_ok()])
    assert _get_agent(make_client, handler).credits == 175_000
    assert len(seen) == 3
    assert clock.monotonic() > 0


def test_5xx_every_time_ends_in_server_error(make_client):
    handler, seen = _scripted([httpx.Response(500, json=p.error(3000, "The server did not return"))] * 2)
    with pytest.raises(ServerError, match="code 3000"):
        _get_agent(make_client, handler, max_attempts=2)
    assert len(seen) == 2


def test_501_not_implemented_is_not_retried(make_client):
    # The simulator answers 501 for an operation it does not model: a retry cannot change that.
    handler, seen = _scripted([httpx.Response(501, json=p.error(501, "not modelled"))] * 3)
    with pytest.raises(ServerError, match="HTTP 501"):
        _get_agent(make_client, handler, max_attempts=3)
    assert len(seen) == 1


def test_502_from_the_protection_layer_waits_longer(make_client, clock):
    policy = RetryPolicy(max_attempts=2, base_delay=0.5, protection_base_delay=10.0)
    handler, _ = _scripted([httpx.Response(502, text="<html>bad gateway</html>"), _agent_ok()])
    _get_agent(make_client, handler, retry=policy)
    assert clock.monotonic() >= 10.0


@pytest.mark.parametrize("status,code", [(400, 4236), (401, 4104), (404, 404), (409, 4000), (422, 422)])
def test_other_4xx_is_never_retried(make_client, status, code):
    handler, seen = _scripted([httpx.Response(status, json=p.error(code))] * 5)
    with pytest.raises(ApiError) as caught:
        _get_agent(make_client, handler)
    assert len(seen) == 1 and caught.value.code == code


def test_timeouts_end_in_api_unavailable_naming_the_base_url(make_client, token):
    handler, seen = _scripted([httpx.ReadTimeout("timed out")] * 3)
    with pytest.raises(ApiUnavailableError) as caught:
        _get_agent(make_client, handler, max_attempts=3)
    assert len(seen) == 3
    message = str(caught.value)
    assert "https://api.test/v2" in message and "after 3 attempt(s)" in message and "ReadTimeout" in message
    assert token not in message


def test_connection_error_then_success(make_client):
    handler, seen = _scripted([httpx.ConnectError("refused"), _agent_ok()])
    assert _get_agent(make_client, handler).symbol == "COOPER"
    assert len(seen) == 2


def test_nobody_listening_gets_one_quick_retry_not_the_backoff(make_client, clock, caplog):
    handler, seen = _scripted([httpx.ConnectError("[Errno 111] Connection refused")] * 5)
    caplog.set_level("WARNING")
    with pytest.raises(ApiUnavailableError) as caught:
        _get_agent(make_client, handler, max_attempts=5)
    assert len(seen) == RetryPolicy().connect_attempts == 2
    assert clock.monotonic() == pytest.approx(RetryPolicy().connect_delay)
    assert "after 2 attempt(s)" in str(caught.value) and "Connection refused" in str(caught.value)
    assert caplog.records == []  # the error says it all: no warning line per attempt


def test_a_connect_timeout_still_gets_the_full_backoff(make_client, clock):
    handler, seen = _scripted([httpx.ConnectTimeout("timed out")] * 4 + [_agent_ok()])
    assert _get_agent(make_client, handler, max_attempts=5).symbol == "COOPER"
    assert len(seen) == 5


def test_register_is_not_repeated_after_a_lost_attempt(make_client):
    handler, seen = _scripted([httpx.ReadTimeout("timed out"), httpx.Response(409, json=p.error(4109))])

    async def scenario():
        async with make_client(handler, token=None) as client:
            await client.register("COOPER", "COSMIC", "account-token-xyz")

    with pytest.raises(ApiUnavailableError, match="may have been executed"):
        asyncio.run(scenario())
    assert len(seen) == 1


def test_register_is_repeated_when_the_connection_never_opened(make_client, token):
    created = {"token": token, "agent": p.agent(), "faction": {}, "contract": {}, "ships": []}
    handler, seen = _scripted([httpx.ConnectError("refused"), httpx.Response(201, json={"data": created})])

    async def scenario():
        async with make_client(handler, token=None) as client:
            return await client.register("COOPER", "COSMIC", "account-token-xyz")

    assert asyncio.run(scenario()).agent.symbol == "COOPER"
    assert len(seen) == 2


def test_refuel_with_units_is_not_repeated_after_a_lost_attempt(make_client):
    handler, seen = _scripted([httpx.RemoteProtocolError("connection dropped")])

    async def scenario():
        async with make_client(handler) as client:
            await client.refuel(SHIP, units=100)

    with pytest.raises(ApiUnavailableError):
        asyncio.run(scenario())
    assert len(seen) == 1


def test_a_purchase_answered_with_a_5xx_is_not_repeated_and_is_flagged_for_reconciling(make_client):
    # The server (or a proxy in front of it) may have executed the purchase before the 5xx.
    handler, seen = _scripted([httpx.Response(502, json=p.error(502, "bad gateway")), _agent_ok()])

    async def scenario():
        async with make_client(handler) as client:
            await client.purchase_cargo(SHIP, "IRON_ORE", 10)

    with pytest.raises(ServerError) as raised:
        asyncio.run(scenario())
    assert len(seen) == 1 and raised.value.after_lost_attempt


def test_navigate_reconciles_a_lost_attempt_that_executed(make_client):
    in_transit = p.ship(SHIP, status="IN_TRANSIT")
    in_transit["nav"] = p.nav(status="IN_TRANSIT", destination="X1-TS98-B6")
    handler, seen = _scripted(
        [
            httpx.ReadTimeout("timed out"),
            httpx.Response(400, json=p.error(4214, "in transit", {"secondsToArrival": 40})),
            httpx.Response(200, json={"data": in_transit}),
        ]
    )

    async def scenario():
        async with make_client(handler) as client:
            return await client.navigate(SHIP, "X1-TS98-B6")

    result = asyncio.run(scenario())
    assert result.nav.status == "IN_TRANSIT" and result.nav.waypoint_symbol == "X1-TS98-B6"
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", f"/v2/my/ships/{SHIP}/navigate"),
        ("POST", f"/v2/my/ships/{SHIP}/navigate"),
        ("GET", f"/v2/my/ships/{SHIP}"),
    ]


def test_navigate_in_transit_elsewhere_is_still_an_error(make_client):
    elsewhere = p.ship(SHIP, status="IN_TRANSIT")
    elsewhere["nav"] = p.nav(status="IN_TRANSIT", destination="X1-TS98-Z9")
    handler, _ = _scripted(
        [
            httpx.ReadTimeout("timed out"),
            httpx.Response(400, json=p.error(4214, "in transit", {"secondsToArrival": 40})),
            httpx.Response(200, json={"data": elsewhere}),
        ]
    )

    async def scenario():
        async with make_client(handler) as client:
            await client.navigate(SHIP, "X1-TS98-B6")

    with pytest.raises(InTransitError) as caught:
        asyncio.run(scenario())
    assert caught.value.seconds_to_arrival == 40


def test_navigate_in_transit_without_lost_attempt_is_raised_directly(make_client):
    handler, seen = _scripted([httpx.Response(400, json=p.error(4214, "in transit", {"secondsToArrival": 5}))])

    async def scenario():
        async with make_client(handler) as client:
            await client.navigate(SHIP, "X1-TS98-B6")

    with pytest.raises(InTransitError):
        asyncio.run(scenario())
    assert len(seen) == 1


def test_every_request_has_the_configured_timeout(make_client):
    seen = []

    def handler(request):
        seen.append(request.extensions["timeout"])
        return _agent_ok()

    _get_agent(make_client, handler, timeout=4.0)
    assert seen == [{"connect": 4.0, "read": 4.0, "write": 4.0, "pool": 4.0}]
