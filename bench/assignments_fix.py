"""`assignments fix` on 100,000 containers (target: under 10 s on SQLite).

Builds the broken state that `fix` exists for, at scale: for each of 50,000 ships an old
FAILED scout container and its RUNNING replacement, while the ship's assignment is 'idle'
and still points at the FAILED one (the naive-restart bug), plus some ships with no
assignment row at all. (An active assignment on a dead container, or two live containers
for one ship, can no longer be written: the schema refuses them since 0005.) Then times one `fix_assignments` and checks the
result, and times a second (idempotent) run. SQLite always; PostgreSQL too when
SPACETRADERS_TEST_POSTGRES_URL or --postgres is given (in a throw-away schema).

    python bench/assignments_fix.py [--containers 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spacetraders.application.assignments import fix_assignments  # noqa: E402
from spacetraders.clock import utcnow  # noqa: E402
from spacetraders.persistence.containers import container_config  # noqa: E402
from spacetraders.persistence.database import Database  # noqa: E402
from spacetraders.persistence.migrations import upgrade  # noqa: E402
from spacetraders.persistence.models import Container, Player, ShipAssignment  # noqa: E402


def fill(db: Database, containers: int) -> int:
    """Returns the number of ships whose assignment must be repaired."""
    now = utcnow()
    ships = containers // 2
    player_rows = [{"player_id": p, "agent_symbol": f"AGENT{p}", "token": "t", "created_at": now} for p in (1, 2)]
    c_rows, a_rows = [], []
    for n in range(ships):
        player = 1 + n % 2
        ship = f"AGENT{player}-{n:X}"
        params = {"ship_symbol": ship, "system": "X1-TS98", "markets": ["X1-TS98-A1"], "iterations": -1}
        old, new = f"scout-tour-{ship.lower()}-{n:08x}", f"scout-tour-{ship.lower()}-{n + 10**7:08x}"
        base = {"player_id": player, "command_type": "ScoutTourCommand", "ship_symbol": ship,
                "config": container_config("ScoutTourCommand", params), "restart_policy": "on-failure",
                "max_restarts": 5, "restart_window_s": 600}
        c_rows.append(base | {"container_id": old, "status": "FAILED", "restart_count": 0,
                              "created_at": now - timedelta(hours=1)})
        c_rows.append(base | {"container_id": new, "status": "RUNNING", "restart_count": 1, "restarted_from": old,
                              "created_at": now - timedelta(minutes=5)})
        # Most: idle and pointing at the FAILED predecessor. Every tenth: no assignment row at all.
        if n % 10:
            a_rows.append({"player_id": player, "ship_symbol": ship, "container_id": old, "operation": "command",
                           "status": "idle", "assigned_at": now - timedelta(hours=1)})
    with db.transaction() as uow:
        uow.session.execute(insert(Player), player_rows)
        for start in range(0, len(c_rows), 5000):
            uow.session.execute(insert(Container), c_rows[start : start + 5000])
        for start in range(0, len(a_rows), 5000):
            uow.session.execute(insert(ShipAssignment), a_rows[start : start + 5000])
    return ships


def measure(label: str, db: Database, containers: int) -> None:
    upgrade(db)
    ships = fill(db, containers)
    start = time.perf_counter()
    with db.transaction() as uow:
        actions = fix_assignments(uow, now=utcnow())
    first = time.perf_counter() - start
    start = time.perf_counter()
    with db.transaction() as uow:
        again = fix_assignments(uow, now=utcnow())
    second = time.perf_counter() - start
    with db.read() as session:
        live_without = session.execute(text(
            "SELECT count(*) FROM containers c WHERE c.status = 'RUNNING' AND NOT EXISTS ("
            "SELECT 1 FROM ship_assignments sa WHERE sa.container_id = c.container_id AND sa.status = 'active')"
        )).scalar_one()
    counts = {k: sum(a.action == k for a in actions) for k in ("assigned", "bad-row")}
    verdict = "ok" if live_without == 0 and not again and counts["assigned"] == ships else "WRONG"
    print(f"{label:<10} {containers:>8} containers  fix {first:6.2f} s  (target < 10 s on SQLite)  "
          f"second run {second:5.2f} s  {counts}  live without assignment after: {live_without}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("SPACETRADERS_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/fix.db")
        measure("SQLite", db, args.containers)
        db.dispose()
    if args.postgres:
        schema = f"bench_fix_{secrets.token_hex(4)}"
        admin = create_engine(make_url(args.postgres).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
            db = Database(url.render_as_string(hide_password=False))
            measure("PostgreSQL", db, args.containers)
            db.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
