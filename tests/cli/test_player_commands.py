"""Player commands against the simulator on a loopback port."""

from __future__ import annotations

import io
import os
import pty
import select as io_select
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from spacetraders.persistence.models import Player
from tests.cli.helpers import Result, cli

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


def _token_of(db, symbol: str) -> str:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalars(select(Player.token).where(Player.agent_symbol == symbol)).one()


def piped(capsys, monkeypatch, stdin: str, *args: str) -> Result:  # type: ignore[no-untyped-def]
    """The CLI with `stdin` piped in (not a terminal), as in `echo "$T" | spacetraders ...`."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli(capsys, *args)


def _register(capsys, monkeypatch, db_url: str, agent: str) -> Result:  # type: ignore[no-untyped-def]
    result = piped(capsys, monkeypatch, "acct-secret-123\n", "--db", db_url, "--json", "player", "register",
                   "--agent", agent, "--faction", "COSMIC")
    assert result.code == 0, result.err
    return result


def test_register_list_info_use(capsys, db, db_url, api_url, monkeypatch):
    monkeypatch.delenv("SPACETRADERS_ACCOUNT_TOKEN", raising=False)
    reg = _register(capsys, monkeypatch, db_url, "cooper")
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

    added_again = piped(capsys, monkeypatch, token, "--db", db_url, "player", "add")
    assert added_again.code != 0 and "already" in added_again.err and token not in added_again.err


def test_add_reads_the_token_from_standard_input(capsys, caplog, db, db_url, api_url, monkeypatch):
    _register(capsys, monkeypatch, db_url, "cooper")
    token = _token_of(db, "COOPER")
    with db.transaction() as uow:
        uow.session.execute(Player.__table__.delete())
    added = piped(capsys, monkeypatch, f"{token}\n", "--db", db_url, "--json", "player", "add")
    assert added.code == 0, added.err
    assert added.err == "" and token not in added.out
    assert added.json()["agent_symbol"] == "COOPER" and _token_of(db, "COOPER") == token
    # Debug logging (-v) shows every request, never the token.
    caplog.set_level("DEBUG")
    verbose = cli(capsys, "-v", "--db", db_url, "--json", "player", "info")
    assert verbose.code == 0 and "GET /my/agent" in caplog.text
    assert token not in caplog.text + verbose.err + verbose.out


def test_token_option_still_works_with_a_warning(capsys, db, db_url, api_url, monkeypatch):
    _register(capsys, monkeypatch, db_url, "cooper")
    token = _token_of(db, "COOPER")
    with db.transaction() as uow:
        uow.session.execute(Player.__table__.delete())
    added = cli(capsys, "--db", db_url, "--json", "player", "add", "--token", token)
    assert added.code == 0, added.err
    assert added.err.startswith("warning: --token puts the agent token in the shell history")
    assert token not in added.err and token not in added.out


def test_add_validates_the_token_first(capsys, db, db_url, api_url, monkeypatch):
    bad = piped(capsys, monkeypatch, "not-a-real-token\n", "--db", db_url, "player", "add")
    assert bad.code != 0
    assert len(bad.err.strip().splitlines()) == 1 and "not-a-real-token" not in bad.err
    assert _players(db) == 0


@pytest.mark.parametrize(
    ("stdin", "needle"),
    [
        ("", "no agent token on standard input"),
        ("   \n\n", "no agent token on standard input"),
        ("secret-one secret-two\n", "not one token"),
        ("secret-one\nsecret-two\n", "not one token"),
        ("x" * 5000, "not one token"),
        ("secret\x00one", "not one token"),
    ],
)
def test_bad_token_input_is_one_line_that_does_not_repeat_it(capsys, db, db_url, monkeypatch, stdin, needle):
    monkeypatch.setenv("SPACETRADERS_API_URL", "http://127.0.0.1:1/v2")  # never reached
    result = piped(capsys, monkeypatch, stdin, "--db", db_url, "player", "add")
    assert result.code == 2 and needle in result.err
    assert len(result.err.strip().splitlines()) == 1 and "secret" not in result.err
    assert _players(db) == 0


def test_register_takes_the_account_token_from_the_environment(capsys, db, db_url, api_url, monkeypatch):
    monkeypatch.setenv("SPACETRADERS_ACCOUNT_TOKEN", "acct-from-env")
    result = piped(capsys, monkeypatch, "", "--db", db_url, "--json", "player", "register",
                   "--agent", "COOPER", "--faction", "COSMIC")
    assert result.code == 0, result.err
    assert "acct-from-env" not in result.out + result.err and _players(db) == 1


def test_token_replaces_a_stale_token_after_checking_the_agent(capsys, db, db_url, api_url, monkeypatch):
    monkeypatch.delenv("SPACETRADERS_ACCOUNT_TOKEN", raising=False)
    _register(capsys, monkeypatch, db_url, "cooper")
    _register(capsys, monkeypatch, db_url, "hopper")
    cooper, hopper = _token_of(db, "COOPER"), _token_of(db, "HOPPER")
    with db.transaction() as uow:  # as after a game reset: the stored token no longer works
        uow.session.execute(update(Player).where(Player.agent_symbol == "COOPER").values(token="stale-token-0001"))
    assert cli(capsys, "--db", db_url, "--player", "COOPER", "player", "info").code != 0

    wrong = piped(capsys, monkeypatch, hopper, "--db", db_url, "player", "token", "COOPER")
    assert wrong.code != 0 and "HOPPER" in wrong.err and hopper not in wrong.err
    assert _token_of(db, "COOPER") == "stale-token-0001"

    invalid = piped(capsys, monkeypatch, "not-a-real-token", "--db", db_url, "player", "token", "COOPER")
    assert invalid.code != 0 and len(invalid.err.strip().splitlines()) == 1 and "not-a-real-token" not in invalid.err
    assert _token_of(db, "COOPER") == "stale-token-0001"

    unknown = piped(capsys, monkeypatch, cooper, "--db", db_url, "player", "token", "NOBODY")
    assert unknown.code != 0 and "no player 'NOBODY'" in unknown.err

    fixed = piped(capsys, monkeypatch, f"{cooper}\n", "--db", db_url, "--json", "player", "token", "cooper")
    assert fixed.code == 0, fixed.err
    assert fixed.json()["agent_symbol"] == "COOPER" and cooper not in fixed.out
    assert _token_of(db, "COOPER") == cooper
    assert cli(capsys, "--db", db_url, "--player", "COOPER", "player", "info").code == 0


def test_add_prompts_without_echo_on_a_terminal(db, db_url, api_url, monkeypatch):
    monkeypatch.delenv("SPACETRADERS_ACCOUNT_TOKEN", raising=False)
    cli_args = ["--db", db_url, "--json", "player", "register", "--agent", "COOPER", "--faction", "COSMIC"]
    output, code = _on_a_terminal(cli_args, typed="acct-typed-secret")
    assert code == 0, output
    assert "Account token (not echoed):" in output and "acct-typed-secret" not in output
    token = _token_of(db, "COOPER")
    with db.transaction() as uow:
        uow.session.execute(Player.__table__.delete())
    output, code = _on_a_terminal(["--db", db_url, "player", "add"], typed=token)
    assert code == 0, output
    assert "Agent token (not echoed):" in output and token not in output
    assert _token_of(db, "COOPER") == token


def _on_a_terminal(args: list[str], *, typed: str) -> tuple[str, int]:
    """Run the CLI on a pseudo-terminal, type `typed` at its prompt; (everything the terminal showed, exit code)."""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI, with the pty as its controlling terminal
        os.execve(sys.executable, [sys.executable, "-c", "from spacetraders.cli.main import entry; entry()", *args], env)
    shown = b""
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline:
        ready, _, _ = io_select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        if not sent and b"(not echoed):" in shown:
            os.write(fd, typed.encode() + b"\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return shown.decode(errors="replace"), os.waitstatus_to_exitcode(status)


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["--agent", "x", "--faction", "COSMIC"], "t", "invalid agent symbol"),
        (["--agent", "COOPER", "--faction", "no such!"], "t", "invalid faction"),
        (["--agent", "COOPER", "--faction", "COSMIC"], " \n", "no account token on standard input"),
        (["--agent", "COOPER", "--faction", "COSMIC", "--account-token", " "], "", "empty account token"),
    ],
)
def test_register_bad_input_writes_nothing(capsys, db, db_url, api_url, args, stdin, needle, monkeypatch):
    monkeypatch.delenv("SPACETRADERS_ACCOUNT_TOKEN", raising=False)
    result = piped(capsys, monkeypatch, stdin, "--db", db_url, "player", "register", *args)
    assert result.code != 0 and needle in result.err
    assert _players(db) == 0


def test_unknown_player_is_a_clear_error(capsys, db, db_url, api_url):
    result = cli(capsys, "--db", db_url, "--player", "NOBODY", "player", "info")
    assert result.code != 0 and "no player 'NOBODY'" in result.err


def test_unreachable_api_is_one_line(capsys, db, db_url, monkeypatch):
    monkeypatch.setenv("SPACETRADERS_API_URL", "http://127.0.0.1:1/v2")
    result = piped(capsys, monkeypatch, "whatever-token", "--db", db_url, "player", "add")
    assert result.code != 0 and len(result.err.strip().splitlines()) == 1
    assert _players(db) == 0


def test_ship_list_and_info_remember_positions(capsys, db, db_url, api_url, monkeypatch):
    _register(capsys, monkeypatch, db_url, "COOPER")
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
def test_ship_info_bad_or_unknown_symbol(capsys, db, db_url, api_url, ship, needle, monkeypatch):
    _register(capsys, monkeypatch, db_url, "COOPER")
    result = cli(capsys, "--db", db_url, "ship", "info", ship)
    assert result.code != 0 and needle in result.err and len(result.err.strip().splitlines()) == 1
