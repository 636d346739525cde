"""Player commands against the simulator on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from spacetraders.persistence.models import Player
from tests.cli.helpers import cli

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server  # noqa: E402


@pytest.fixture
def api_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with sim_server(seed=7, enforce_rate_limit=False) as (url, _sim):
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
        yield url


def _players(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Player))


def test_register_list_info_use(capsys, db, db_url, api_url):
    reg = cli(capsys, "--db", db_url, "--json", "player", "register", "--agent", "cooper", "--faction", "COSMIC",
              "--account-token", "acct-secret-123")
    assert reg.code == 0, reg.err
    body = reg.json()
    assert body["agent_symbol"] == "COOPER"
    with db.read() as session:
        token = session.scalars(select(Player.token)).one()
    assert token not in reg.out and "acct-secret-123" not in reg.out
    assert body["token"] != token and body["token"].count("*") + body["token"].count("…") > 0

    listed = cli(capsys, "--db", db_url, "--json", "player", "list").json()["players"]
    assert [p["agent_symbol"] for p in listed] == ["COOPER"]
    assert token not in cli(capsys, "--db", db_url, "player", "list").out

    info = cli(capsys, "--db", db_url, "--json", "player", "info")
    assert info.code == 0, info.err
    assert info.json()["ship_count"] >= 2 and token not in info.out

    used = cli(capsys, "--db", db_url, "--json", "player", "use", "cooper")
    assert used.json()["default"] is True

    added_again = cli(capsys, "--db", db_url, "player", "add", "--token", token)
    assert added_again.code != 0 and "already" in added_again.err and token not in added_again.err


def test_add_validates_the_token_first(capsys, db, db_url, api_url):
    bad = cli(capsys, "--db", db_url, "player", "add", "--token", "not-a-real-token")
    assert bad.code != 0
    assert len(bad.err.strip().splitlines()) == 1 and "not-a-real-token" not in bad.err
    assert _players(db) == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--agent", "x", "--faction", "COSMIC", "--account-token", "t"], "invalid agent symbol"),
        (["--agent", "COOPER", "--faction", "no such!", "--account-token", "t"], "invalid faction"),
        (["--agent", "COOPER", "--faction", "COSMIC", "--account-token", " "], "account token"),
    ],
)
def test_register_bad_input_writes_nothing(capsys, db, db_url, api_url, args, needle, monkeypatch):
    monkeypatch.delenv("SPACETRADERS_ACCOUNT_TOKEN", raising=False)
    result = cli(capsys, "--db", db_url, "player", "register", *args)
    assert result.code != 0 and needle in result.err
    assert _players(db) == 0


def test_unknown_player_is_a_clear_error(capsys, db, db_url, api_url):
    result = cli(capsys, "--db", db_url, "--player", "NOBODY", "player", "info")
    assert result.code != 0 and "no player 'NOBODY'" in result.err


def test_unreachable_api_is_one_line(capsys, db, db_url, monkeypatch):
    monkeypatch.setenv("SPACETRADERS_API_URL", "http://127.0.0.1:1/v2")
    result = cli(capsys, "--db", db_url, "player", "add", "--token", "whatever-token")
    assert result.code != 0 and len(result.err.strip().splitlines()) == 1
    assert _players(db) == 0


def test_ship_list_and_info_remember_positions(capsys, db, db_url, api_url):
    assert cli(capsys, "--db", db_url, "player", "register", "--agent", "COOPER", "--faction", "COSMIC",
               "--account-token", "acct").code == 0
    listed = cli(capsys, "--db", db_url, "--json", "ship", "list")
    assert listed.code == 0, listed.err
    ships = listed.json()["ships"]
    assert len(ships) >= 2 and all(s["container_id"] is None for s in ships)
    probe = next(s for s in ships if s["fuel"]["capacity"] == 0)
    info = cli(capsys, "--db", db_url, "--json", "ship", "info", probe["symbol"].lower())
    assert info.code == 0 and info.json()["waypoint"] == probe["waypoint"]
    with db.read() as session:
        from spacetraders.persistence.models import ShipRow

        assert session.scalar(select(func.count()).select_from(ShipRow)) == len(ships)


@pytest.mark.parametrize(("ship", "needle"), [("not a ship", "malformed ship symbol"), ("COOPER-FF", "")])
def test_ship_info_bad_or_unknown_symbol(capsys, db, db_url, api_url, ship, needle):
    cli(capsys, "--db", db_url, "player", "register", "--agent", "COOPER", "--faction", "COSMIC", "--account-token", "a")
    result = cli(capsys, "--db", db_url, "ship", "info", ship)
    assert result.code != 0 and needle in result.err and len(result.err.strip().splitlines()) == 1
