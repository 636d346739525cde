"""The operations of the SpaceTraders v2.3 API (method, path) and the ones the simulator
does not model. tests/contract/test_every_operation.py checks the list against the
official spec and that every operation is routed.

A request for an operation no route serves answers HTTP 501 with the game's error
envelope, code 501 and `data.operation` (see app.py) - never the 404 of an unknown ship.
"""

from __future__ import annotations

import re

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/"),
    ("POST", "/register"),
    ("GET", "/systems"),
    ("GET", "/systems/{systemSymbol}"),
    ("GET", "/systems/{systemSymbol}/waypoints"),
    ("GET", "/systems/{systemSymbol}/waypoints/{waypointSymbol}"),
    ("GET", "/systems/{systemSymbol}/waypoints/{waypointSymbol}/market"),
    ("GET", "/systems/{systemSymbol}/waypoints/{waypointSymbol}/shipyard"),
    ("GET", "/systems/{systemSymbol}/waypoints/{waypointSymbol}/jump-gate"),
    ("GET", "/systems/{systemSymbol}/waypoints/{waypointSymbol}/construction"),
    ("POST", "/systems/{systemSymbol}/waypoints/{waypointSymbol}/construction/supply"),
    ("GET", "/factions"),
    ("GET", "/factions/{factionSymbol}"),
    ("GET", "/my/agent"),
    ("GET", "/agents"),
    ("GET", "/agents/{agentSymbol}"),
    ("GET", "/my/contracts"),
    ("GET", "/my/contracts/{contractId}"),
    ("POST", "/my/contracts/{contractId}/accept"),
    ("POST", "/my/contracts/{contractId}/deliver"),
    ("POST", "/my/contracts/{contractId}/fulfill"),
    ("GET", "/my/ships"),
    ("POST", "/my/ships"),
    ("GET", "/my/ships/{shipSymbol}"),
    ("GET", "/my/ships/{shipSymbol}/cargo"),
    ("POST", "/my/ships/{shipSymbol}/orbit"),
    ("POST", "/my/ships/{shipSymbol}/refine"),
    ("POST", "/my/ships/{shipSymbol}/chart"),
    ("GET", "/my/ships/{shipSymbol}/cooldown"),
    ("POST", "/my/ships/{shipSymbol}/dock"),
    ("POST", "/my/ships/{shipSymbol}/survey"),
    ("POST", "/my/ships/{shipSymbol}/extract"),
    ("POST", "/my/ships/{shipSymbol}/siphon"),
    ("POST", "/my/ships/{shipSymbol}/extract/survey"),
    ("POST", "/my/ships/{shipSymbol}/jettison"),
    ("POST", "/my/ships/{shipSymbol}/jump"),
    ("POST", "/my/ships/{shipSymbol}/navigate"),
    ("PATCH", "/my/ships/{shipSymbol}/nav"),
    ("GET", "/my/ships/{shipSymbol}/nav"),
    ("POST", "/my/ships/{shipSymbol}/warp"),
    ("POST", "/my/ships/{shipSymbol}/sell"),
    ("POST", "/my/ships/{shipSymbol}/scan/systems"),
    ("POST", "/my/ships/{shipSymbol}/scan/waypoints"),
    ("POST", "/my/ships/{shipSymbol}/scan/ships"),
    ("POST", "/my/ships/{shipSymbol}/refuel"),
    ("POST", "/my/ships/{shipSymbol}/purchase"),
    ("POST", "/my/ships/{shipSymbol}/transfer"),
    ("POST", "/my/ships/{shipSymbol}/negotiate/contract"),
    ("GET", "/my/ships/{shipSymbol}/mounts"),
    ("POST", "/my/ships/{shipSymbol}/mounts/install"),
    ("POST", "/my/ships/{shipSymbol}/mounts/remove"),
    ("GET", "/my/ships/{shipSymbol}/scrap"),
    ("POST", "/my/ships/{shipSymbol}/scrap"),
    ("GET", "/my/ships/{shipSymbol}/repair"),
    ("POST", "/my/ships/{shipSymbol}/repair"),
    ("GET", "/market/supply-chain"),
    ("GET", "/my/ships/{shipSymbol}/modules"),
    ("POST", "/my/ships/{shipSymbol}/modules/install"),
    ("POST", "/my/ships/{shipSymbol}/modules/remove"),
)

# Trading, cargo, contracts and ship purchase: modelled by the economy routes; until those
# are registered their operations answer 501.
NOT_MODELLED: frozenset[tuple[str, str]] = frozenset((
    ("GET", "/my/contracts"),
    ("GET", "/my/contracts/{contractId}"),
    ("POST", "/my/contracts/{contractId}/accept"),
    ("POST", "/my/contracts/{contractId}/deliver"),
    ("POST", "/my/contracts/{contractId}/fulfill"),
    ("POST", "/my/ships"),
    ("GET", "/my/ships/{shipSymbol}/cargo"),
    ("POST", "/my/ships/{shipSymbol}/jettison"),
    ("POST", "/my/ships/{shipSymbol}/sell"),
    ("POST", "/my/ships/{shipSymbol}/purchase"),
    ("POST", "/my/ships/{shipSymbol}/transfer"),
    ("POST", "/my/ships/{shipSymbol}/negotiate/contract"),
))

_PATTERNS = [
    (method, path, re.compile("^/v2" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")) for method, path in OPERATIONS
]


def operation_of(method: str, url_path: str) -> str | None:
    """"METHOD /path/{template}" of the spec operation a request is for, if any."""
    for op_method, template, pattern in _PATTERNS:
        if op_method == method and pattern.match(url_path):
            return f"{method} {template}"
    return None
