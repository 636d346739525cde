"""`spacetraders demo` tells the whole story offline, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_runs_the_whole_story(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPACETRADERS_")}
    env["HOME"] = str(tmp_path)  # the demo must not need (or touch) the user's data directory
    done = subprocess.run(
        [sys.executable, "-m", "spacetraders.cli.main", "--json", "demo"],
        capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    story = json.loads(done.stdout)
    restarted = story["restarted"]
    assert restarted["new_container"] != restarted["old_container"]
    by_ship = {a["ship"]: a for a in story["assignments"]}
    assert set(by_ship) == set(story["probes"])  # every probe keeps exactly one live tour
    assert by_ship[restarted["ship"]]["restarted_from"] == restarted["old_container"]
    tours = story["tours"]["tours"]
    assert sorted(t["ship_symbol"] for t in tours) == sorted(story["probes"])
    assert {t["container_id"] for t in tours} == {a["container"] for a in story["assignments"]}
    planned = sorted(m for t in story["plan"]["tours"] for m in t["markets"])
    assert planned == sorted(story["plan"]["markets"])  # every market scouted exactly once
    bought = story["ship_purchase"]  # a probe bought at a yard, and the ledger row that recorded it
    assert bought["ship_type"] == "SHIP_PROBE" and bought["path"] in ("immediate", "container")
    purchases = [e for e in story["ledger"]["entries"] if e["kind"] == "ship_purchase"]
    assert len(purchases) == 1 and purchases[0]["good"] == "SHIP_PROBE" and purchases[0]["total"] < 0
    assert purchases[0]["reference"] not in story["probes"]  # the new ship
    if bought["path"] == "immediate":
        assert [b["ship_symbol"] for b in bought["bought"]] == [purchases[0]["reference"]]
    by_kind = {g["key"]: g for g in story["ledger"]["by_kind"]["groups"]}
    assert by_kind["ship_purchase"]["entries"] == 1 and by_kind["ship_purchase"]["net"] == purchases[0]["total"]
    assert not os.path.exists(story["workdir"])  # throw-away: nothing left behind
    assert not _keys_named("token", story)  # the agent token never reaches the output


def _keys_named(name: str, value: object) -> list[str]:
    if isinstance(value, dict):
        return [k for k in value if name in k.lower()] + [x for v in value.values() for x in _keys_named(name, v)]
    if isinstance(value, list):
        return [x for v in value for x in _keys_named(name, v)]
    return []
