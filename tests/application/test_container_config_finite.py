"""A container config is strict JSON: NaN or infinity never reaches the database (both backends)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from spacetraders.application import containers as h
from spacetraders.clock import utcnow
from spacetraders.errors import ConfigError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ShipAssignment
from tests.factories import make_player


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, [1.0, math.nan], {"every": math.inf}])
def test_non_finite_parameters_are_refused_and_nothing_is_written(db: Database, bad: object) -> None:
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
    with pytest.raises(ConfigError, match="finite"), db.transaction() as uow:
        h.create_container(uow, player_id=player_id, command_type="ScoutTourCommand",
                           params={"ship_symbol": "COOPER-2", "min_interval": bad}, id_prefix="scout", now=utcnow())
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Container)) == 0
        assert s.scalar(select(func.count()).select_from(ShipAssignment)) == 0


def test_finite_parameters_are_stored_as_strict_json(db: Database) -> None:
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        c = h.create_container(uow, player_id=player_id, command_type="ScoutTourCommand",
                               params={"ship_symbol": "COOPER-2", "min_interval": 1e308}, id_prefix="scout",
                               now=utcnow())
    with db.read() as s:
        stored = s.scalar(select(Container.config).where(Container.container_id == c.container_id))
    assert stored is not None and "1e+308" in stored and "NaN" not in stored
