"""Markets of the recorded systems in ../shared/spacetraders-data/systems (read, never copied)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacetraders.domain.navigation import Point
from spacetraders.domain.planning import MarketSite

SYSTEMS = Path(__file__).resolve().parents[2].parent / "shared" / "spacetraders-data" / "systems"
FILES = {
    "X1-PZ28": "X1-PZ28.waypoints.json",  # API Waypoint list
    "X1-AD75": "X1-AD75.universe-snapshot.json",  # snapshot with a `waypoints` key
    "X1-VB74": "X1-VB74.waypoints-compact.json",  # compact: traits as strings, has_fuel
}


def recorded_markets(system: str) -> list[MarketSite]:
    path = SYSTEMS / FILES[system]
    if not path.exists():
        pytest.skip(f"{path} is absent: this test needs the shared recorded systems beside the repository")
    data = json.loads(path.read_text())
    waypoints = data["waypoints"] if isinstance(data, dict) else data
    markets = []
    for w in waypoints:
        traits = {t if isinstance(t, str) else t["symbol"] for t in w.get("traits", [])}
        if "MARKETPLACE" in traits:
            markets.append(MarketSite(w["symbol"], Point(w["x"], w["y"]), bool(w.get("has_fuel", True))))
    return markets
