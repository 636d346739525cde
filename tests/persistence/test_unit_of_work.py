"""A unit of work commits once, or leaves nothing behind."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from spacetraders.errors import ShipBusyError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, Player, ShipAssignment
from tests.factories import make_container, make_player


class Boom(Exception):
    pass


def test_exception_midway_leaves_nothing_behind(db):
    with pytest.raises(Boom):
        with db.transaction() as uow:
            player = make_player(uow)
            container = make_container(uow, player.player_id, "COOPER-2")
            uow.assignments.assign(player.player_id, "COOPER-2", container.container_id)
            raise Boom
    with db.read() as session:
        for model in (Player, Container, ShipAssignment):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_a_failed_compare_and_set_rolls_back_earlier_writes(db):
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        holder = make_container(uow, player_id, "COOPER-2").container_id
        uow.assignments.assign(player_id, "COOPER-2", holder)
    with pytest.raises(ShipBusyError):
        with db.transaction() as uow:
            newcomer = make_container(uow, player_id, "COOPER-3").container_id  # an earlier write
            uow.assignments.assign(player_id, "COOPER-2", newcomer)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Container)) == 1


def test_concurrent_writers_do_not_fail_with_database_locked(db_url):
    """CLI, daemon and cron write at once: on SQLite they queue instead of failing."""
    setup = Database(db_url)
    with setup.transaction() as uow:
        player_id = make_player(uow).player_id
    setup.dispose()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        database = Database(db_url)  # its own engine, like another process
        try:
            for i in range(15):
                with database.transaction() as uow:
                    make_container(uow, player_id, f"COOPER-{n}-{i}")
                    uow.session.execute(text("SELECT count(*) FROM containers")).scalar()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check = Database(db_url)
    with check.read() as session:
        assert session.scalar(select(func.count()).select_from(Container)) == 60
    check.dispose()
