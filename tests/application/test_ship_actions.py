"""The one-driver rule and input checks of application/ship_actions.py, on both databases."""

from __future__ import annotations

import pytest

from spacetraders.application.containers import create_container, request_stop
from spacetraders.application.ship_actions import (
    ShipDriven,
    driving_container,
    parse_flight_mode,
    parse_good,
    parse_units,
    refuse_if_driven,
)
from spacetraders.clock import utcnow
from spacetraders.errors import ConfigError
from spacetraders.persistence.database import Database
from tests.factories import make_player


def test_a_live_container_drives_its_ship_until_it_ends(db: Database) -> None:
    with db.transaction() as uow:
        player_id = make_player(uow, "DRIVER").player_id
        container = create_container(uow, player_id=player_id, command_type="NavigateCommand",
                                     params={"ship_symbol": "DRIVER-1", "destination": "X1-A-B"},
                                     id_prefix="navigate-driver-1", now=utcnow())
        container_id = container.container_id
    driver = driving_container(db, player_id, "DRIVER-1")
    assert driver is not None and driver.container_id == container_id and driver.command_type == "NavigateCommand"
    assert driving_container(db, player_id, "DRIVER-2") is None
    with pytest.raises(ShipDriven, match=f"stop it first: `spacetraders container stop {container_id}`"):
        refuse_if_driven(db, player_id, "DRIVER-1")

    with db.transaction() as uow:
        request_stop(uow, container_id, now=utcnow())  # a STARTING container stops at once
    assert driving_container(db, player_id, "DRIVER-1") is None
    refuse_if_driven(db, player_id, "DRIVER-1")  # free again


@pytest.mark.parametrize("raw", ["nan", "inf", "-1", "0", "1.5", "1e3", "", " ", "9223372036854775808", "9" * 5000])
def test_units_out_of_range_are_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="whole number from 1 to 9223372036854775807"):
        parse_units(raw)


def test_units_and_symbols_that_are_fine() -> None:
    assert parse_units("9223372036854775807") == 2**63 - 1 and parse_units("+7") == 7
    assert parse_good(" iron_ore ") == "IRON_ORE" and parse_flight_mode("burn").value == "BURN"
    with pytest.raises(ConfigError, match="malformed trade good"):
        parse_good("IRON ORE")
    with pytest.raises(ConfigError, match="unknown flight mode"):
        parse_flight_mode("warp")
