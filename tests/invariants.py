"""DESIGN.md invariants, checked with plain SQL against whatever the code under test wrote.

`check_invariants(db)` is imported by tests across the project: call it after any step.
It reads raw rows (no ORM, no repositories), so a bug in the code under test cannot hide
itself from the check.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import text

from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.persistence.database import Database

_LIVE = tuple(sorted(s.value for s in LIVE_STATUSES))


def check_invariants(db: Database) -> None:
    """Raise AssertionError listing every violated invariant."""
    with db.read() as session:
        containers = session.execute(
            text("SELECT container_id, player_id, status, ship_symbol, config FROM containers")
        ).all()
        assignments = session.execute(
            text("SELECT player_id, ship_symbol, container_id, status FROM ship_assignments")
        ).all()
    problems: list[str] = []
    by_id = {c.container_id: c for c in containers}
    active = [a for a in assignments if a.status == "active"]

    # 2. At most one active assignment per ship.
    for (player_id, ship), n in Counter((a.player_id, a.ship_symbol) for a in active).items():
        if n > 1:
            problems.append(f"ship {ship} (player {player_id}) has {n} active assignments")

    # 1a. Every live container that names a ship has exactly one active assignment pointing at it.
    held = Counter(a.container_id for a in active)
    for c in containers:
        ship = c.ship_symbol
        config_ship = _ship_of(c.config)
        if config_ship is not _UNREADABLE and config_ship != ship:
            problems.append(f"container {c.container_id}: column says ship {ship}, config says {config_ship}")
        if c.status not in _LIVE or not ship:
            continue
        mine = [a for a in active if a.container_id == c.container_id]
        if len(mine) != 1:
            problems.append(f"live container {c.container_id} ({c.status}, ship {ship}) has {len(mine)} active assignments")
        elif (mine[0].player_id, mine[0].ship_symbol) != (c.player_id, ship):
            problems.append(
                f"live container {c.container_id} drives {ship} but its assignment is for {mine[0].ship_symbol}"
            )

    # 1b. Every active assignment points at a live container of the same player driving that ship.
    for a in active:
        holder = by_id.get(a.container_id)
        if holder is None:
            problems.append(f"active assignment of {a.ship_symbol} points at missing container {a.container_id}")
        elif holder.status not in _LIVE:
            problems.append(f"active assignment of {a.ship_symbol} points at {holder.status} container {a.container_id}")
        elif holder.player_id != a.player_id or holder.ship_symbol != a.ship_symbol:
            problems.append(f"active assignment of {a.ship_symbol} points at {a.container_id}, which drives another ship")
        elif held[a.container_id] > 1:
            problems.append(f"container {a.container_id} holds {held[a.container_id]} ships")

    # 0005: at most one live container per (player, ship).
    for (player_id, ship), n in Counter(
        (c.player_id, c.ship_symbol) for c in containers if c.status in _LIVE and c.ship_symbol
    ).items():
        if n > 1:
            problems.append(f"ship {ship} (player {player_id}) has {n} live containers")

    # An idle row never names an active holder; an active row always names a container (schema, re-checked).
    for a in assignments:
        if a.status == "active" and a.container_id is None:
            problems.append(f"active assignment of {a.ship_symbol} has no container")

    assert not problems, "invariants violated:\n  " + "\n  ".join(sorted(set(problems)))


_UNREADABLE: Any = object()


def _reject(name: str) -> Any:
    raise ValueError(name)


def _ship_of(config: str) -> Any:
    """The ship the config names; _UNREADABLE for a config that is not a JSON object."""
    try:
        parsed = json.loads(config, parse_constant=_reject)
    except ValueError:
        return _UNREADABLE
    if not isinstance(parsed, dict) or not isinstance(parsed.get("params") or {}, dict):
        return _UNREADABLE
    ship = (parsed.get("params") or {}).get("ship_symbol")
    return str(ship) if ship else None
