"""The contract use cases' own rules: plain sentences for the game's codes, the one-driver
check (on both databases), statuses and countdowns, durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spacetraders.api.errors import ApiError, NotFoundError
from spacetraders.api.trade_models import Contract, ContractDelivery
from spacetraders.application.contracts import (
    _SENTENCES,
    ContractError,
    ShipDrivenError,
    contract_view,
    ensure_ship_free,
    game_errors,
    max_age,
    parse_contract_id,
)
from spacetraders.domain.containers import ContainerStatus
from spacetraders.errors import ConfigError
from tests.factories import make_container, make_player

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("code", sorted(_SENTENCES))
def test_every_known_game_code_becomes_one_plain_sentence(code):
    raw = ApiError(400, code, "Raw server text {with braces}", {"contractId": "clOTHER"})
    with pytest.raises(ContractError) as caught, game_errors(contract="clA", ship="S-1"):
        raise raw
    message = str(caught.value)
    assert "\n" not in message and "Raw server text" not in message and "{" not in message
    assert caught.value.__cause__ is raw
    if code == 4511:
        assert message.startswith("one contract at a time: contract clOTHER is still open")


def test_unknown_codes_pass_through_and_404_names_what_is_missing():
    odd = ApiError(400, 4999, "something new")
    with pytest.raises(ApiError) as caught, game_errors(contract="clA"):
        raise odd
    assert caught.value is odd
    with pytest.raises(ContractError, match="^no such contract clA$"), game_errors(contract="clA"):
        raise NotFoundError(404, 404, "Contract clA not found.")
    with pytest.raises(ContractError, match="^no such ship S-1$"), game_errors(ship="S-1"):
        raise NotFoundError(404, 404, "Ship not found.")


def test_a_ship_driven_by_a_live_container_is_refused_and_a_released_one_is_not(db):
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        container = make_container(uow, player_id, "COOPER-1")
        uow.assignments.assign(player_id, "COOPER-1", container.container_id)
        cid = container.container_id
    ensure_ship_free(db, player_id, "COOPER-2")  # never assigned
    with pytest.raises(ShipDrivenError) as caught:
        ensure_ship_free(db, player_id, "COOPER-1")
    assert str(caught.value) == (f"ship COOPER-1 is driven by container {cid}: "
                                 f"stop it first (`spacetraders container stop {cid}`)")
    with db.transaction() as uow:
        assert uow.assignments.release(player_id, "COOPER-1", cid, "test")
        uow.containers.get(cid).status = str(ContainerStatus.STOPPED)
    ensure_ship_free(db, player_id, "COOPER-1")


def _contract(*, accepted: bool = False, fulfilled: bool = False, fulfilled_units: int = 0) -> Contract:
    return Contract(
        id="clA", faction_symbol="COSMIC", type="PROCUREMENT", accepted=accepted, fulfilled=fulfilled,
        on_accepted=1000, on_fulfilled=9000, deadline=NOW + timedelta(days=7),
        deadline_to_accept=NOW + timedelta(hours=24),
        deliver=(ContractDelivery("IRON_ORE", "X1-T-D", 60, fulfilled_units),),
    )


def test_status_and_countdown_follow_the_clock_that_matters():
    offered = contract_view(_contract(), NOW)
    assert offered["status"] == "offered" and offered["seconds_left"] == 24 * 3600
    assert contract_view(_contract(), NOW + timedelta(hours=24))["status"] == "expired"
    accepted = contract_view(_contract(accepted=True, fulfilled_units=20), NOW + timedelta(days=1))
    assert accepted["status"] == "accepted" and accepted["seconds_left"] == 6 * 86400
    assert accepted["deliver"] == [{"good": "IRON_ORE", "destination": "X1-T-D", "units_required": 60,
                                    "units_fulfilled": 20, "units_remaining": 40}]
    late = contract_view(_contract(accepted=True), NOW + timedelta(days=7))
    assert late["status"] == "expired" and late["seconds_left"] is None
    done = contract_view(_contract(accepted=True, fulfilled=True, fulfilled_units=60), NOW)
    assert done["status"] == "fulfilled" and done["seconds_left"] is None


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("45m", 2700), ("1h", 3600), ("2d", 172800), ("600", 600), ("1w", 604800), ("1h30m", 5400)])
def test_max_age_accepts_short_durations(text, seconds):
    assert max_age(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "1.5h", "-1h", "0s", "31d", "h", "99999999s", "5w"])
def test_max_age_refuses_the_rest(text):
    with pytest.raises(ConfigError):
        max_age(text)


@pytest.mark.parametrize("text", ["", "a b", "cl/../x", "x" * 65])
def test_contract_ids_are_checked_before_any_request(text):
    with pytest.raises(ConfigError, match="malformed contract id"):
        parse_contract_id(text)
