import pytest

from spacetraders.domain.navigation import (
    FlightMode,
    distance,
    fastest_mode,
    fuel_cost,
    system_of,
    travel_time,
)


@pytest.mark.parametrize(
    ("dist", "speed", "mode", "observed"),
    [
        (92.44, 30, FlightMode.CRUISE, 91),
        (303.96, 30, FlightMode.CRUISE, 267),
        (139.81, 3, FlightMode.CRUISE, 1181),
        (360.81, 30, FlightMode.DRIFT, 3022),
    ],
)
def test_travel_time_matches_server_observations(dist, speed, mode, observed):
    # Observed arrival - departure carries about one second of clock slop (NOTES.md §4).
    assert abs(travel_time(dist, speed, mode) - observed) <= 1


def test_recorded_burn_hop_within_one_second():
    d = distance((-479, -364), (-572, -435))
    assert abs(travel_time(d, 36, FlightMode.BURN) - 56) <= 1
    assert fuel_cost(d, FlightMode.BURN, 400) == 234


def test_zero_distance_hop_still_takes_time():
    assert travel_time(0, 9) == 1 * 25 // 9 + 15


def test_probes_use_no_fuel():
    assert fuel_cost(500, FlightMode.BURN, fuel_capacity=0) == 0
    assert fuel_cost(500, FlightMode.DRIFT, fuel_capacity=100) == 1


def test_fastest_mode_falls_back_when_fuel_is_short():
    assert fastest_mode(100, 400, 400) is FlightMode.BURN
    assert fastest_mode(100, 150, 400) is FlightMode.CRUISE
    assert fastest_mode(100, 5, 400) is FlightMode.DRIFT
    assert fastest_mode(100, 0, 400) is None


@pytest.mark.parametrize("bad", ["X1", "", "X1-", "-A1", "TS98"])
def test_system_of_rejects_non_waypoints(bad):
    with pytest.raises(ValueError):
        system_of(bad)


def test_system_of():
    assert system_of("X1-TS98-A1") == "X1-TS98"
