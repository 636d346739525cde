"""Start-up stays light: a command imports only what it uses (bench/startup.py measures the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spacetraders.cli.lazy import load
from spacetraders.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "httpx", "fastapi", "starlette", "uvicorn", "alembic")
OURS_HEAVY = ("spacetraders.web", "spacetraders.sim", "spacetraders.supervisor", "spacetraders.api.client")


def _modules_after(argv: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Run the CLI in a fresh interpreter and return (exit code, the top-level modules it imported)."""
    script = (
        "import json, sys\n"
        "from spacetraders.cli.main import run\n"
        f"code = run({argv!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]), file=sys.__stderr__)\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPACETRADERS_")}
    environment |= {"PYTHONPATH": str(ROOT), "SPACETRADERS_DATA_DIR": str(tmp_path)} | (env or {})
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60)
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    return code, set(modules)


def _loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_help_imports_no_database_http_or_web_library(tmp_path):
    code, modules = _modules_after(["--help"], tmp_path)
    assert code == 0
    assert _loaded(modules, HEAVY + OURS_HEAVY) == []
    assert not any(m.startswith("spacetraders.cli.") and m not in ("spacetraders.cli.main", "spacetraders.cli.lazy")
                   for m in modules)


def test_a_command_imports_only_its_own_module(tmp_path):
    code, modules = _modules_after(["db", "--help"], tmp_path)
    assert code == 0
    cli_modules = {m for m in modules if m.startswith("spacetraders.cli.")}
    assert cli_modules <= {"spacetraders.cli.main", "spacetraders.cli.lazy", "spacetraders.cli.db", "spacetraders.cli.context"}
    assert _loaded(modules, ("httpx", "fastapi", "uvicorn", "alembic", *OURS_HEAVY)) == []


def test_reconcile_on_a_database_at_head_loads_no_alembic_http_or_web(tmp_path):
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    code, modules = _modules_after(["--db", url, "db", "upgrade"], tmp_path)
    assert code == 0 and "alembic" in modules  # migrating does need it
    code, modules = _modules_after(["--db", url, "reconcile"], tmp_path)
    assert code == 0
    assert _loaded(modules, ("alembic", "httpx", "fastapi", "starlette", "uvicorn", *OURS_HEAVY)) == []


def test_head_revision_constant_matches_the_migration_scripts(tmp_path):
    from spacetraders.persistence.database import Database
    from spacetraders.persistence.migrations import HEAD_REVISION, head_revision

    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert head_revision(db) == HEAD_REVISION
    finally:
        db.dispose()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_help_is_the_commands_own(name):
    command = load(name, COMMANDS[name])
    assert command.name == name
    assert " ".join((command.help or "").split()).startswith(COMMANDS[name].help)


def test_light_api_modules_do_not_pull_in_httpx(tmp_path):
    script = "import sys, spacetraders.api.tokens, spacetraders.api.errors; print('httpx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
