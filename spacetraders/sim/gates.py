"""The jump-gate network between systems and the gates' construction sites (ECONOMY.md §15).

The graph is a minimum spanning tree over the systems' galaxy coordinates (so it is
connected) plus a link from every system to its nearest neighbour and, for every third
system, a second one (so it has some cycles, ~2-3 links per gate like the recorded ones).
Some gates are still under construction: only leaves of the tree, never the home system's,
so the finished gates always form one connected network. All of it is a pure function of
the seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from spacetraders.sim.catalogue import trait
from spacetraders.sim.universe import System, Waypoint

# X1-AD75's gate at reset (ECONOMY.md §15.1): what an unfinished gate still needs.
GATE_MATERIALS: tuple[tuple[str, int, int], ...] = (
    ("FAB_MATS", 1600, 0),
    ("ADVANCED_CIRCUITRY", 400, 0),
    ("QUANTUM_STABILIZERS", 1, 1),  # pre-supplied
)
UNDER_CONSTRUCTION_SHARE = 0.34  # of the tree's leaves (home excluded)


def gate_of(system: System) -> Waypoint | None:
    return next((w for w in system.waypoints if w.type == "JUMP_GATE"), None)


def place_systems(systems: list[System], seed: int) -> None:
    """Galaxy coordinates a jump apart (500-2,000 units; jump cooldown 15 + 0.3 d s)."""
    rng = random.Random(f"galaxy:{seed}")
    placed: list[System] = []
    for system in systems:
        if not placed:
            system.x, system.y = rng.randint(-30000, 30000), rng.randint(-30000, 30000)
        else:
            for _ in range(1000):
                anchor = rng.choice(placed)
                angle, d = rng.uniform(0, 2 * math.pi), rng.uniform(500, 2000)
                x, y = round(anchor.x + d * math.cos(angle)), round(anchor.y + d * math.sin(angle))
                if all(math.hypot(x - o.x, y - o.y) >= 300 for o in placed):
                    break
            system.x, system.y = x, y
        placed.append(system)


def connect(systems: list[System], seed: int, home: str) -> dict[str, tuple[str, ...]]:
    """Gate symbol -> connected gate symbols; marks some leaf gates as under construction."""
    nodes = [(s, g) for s in systems if (g := gate_of(s)) is not None]
    if len(nodes) < 2:
        return {g.symbol: () for _, g in nodes}
    rng = random.Random(f"gates:{seed}")

    def dist(i: int, j: int) -> float:
        return math.hypot(nodes[i][0].x - nodes[j][0].x, nodes[i][0].y - nodes[j][0].y)

    # Prim's tree: every system reachable.
    edges: set[tuple[int, int]] = set()
    in_tree, tree_degree = {0}, [0] * len(nodes)
    while len(in_tree) < len(nodes):
        i, j = min(((i, j) for i in in_tree for j in range(len(nodes)) if j not in in_tree), key=lambda e: dist(*e))
        edges.add((min(i, j), max(i, j)))
        tree_degree[i] += 1
        tree_degree[j] += 1
        in_tree.add(j)
    # Unfinished gates: tree leaves only (each keeps just its tree link), so the finished
    # gates stay connected; a two-system universe keeps both open.
    leaves = [i for i in range(len(nodes)) if tree_degree[i] == 1 and nodes[i][0].symbol != home]
    share = max(1, round(len(leaves) * UNDER_CONSTRUCTION_SHARE))
    unfinished = set(rng.sample(leaves, min(len(leaves), share))) if len(nodes) > 2 else set()
    finished = [i for i in range(len(nodes)) if i not in unfinished]
    for i in finished:
        others = sorted((j for j in finished if j != i), key=lambda j: dist(i, j))
        for j in others[: 2 if i % 3 == 2 else 1]:
            edges.add((min(i, j), max(i, j)))
    for i in unfinished:
        mark_under_construction(nodes[i][1])
    graph: dict[str, list[str]] = {g.symbol: [] for _, g in nodes}
    for i, j in sorted(edges):
        graph[nodes[i][1].symbol].append(nodes[j][1].symbol)
        graph[nodes[j][1].symbol].append(nodes[i][1].symbol)
    return {k: tuple(sorted(v)) for k, v in graph.items()}


def mark_under_construction(gate: Waypoint) -> None:
    gate.is_under_construction = True
    if "UNDER_CONSTRUCTION" not in gate.trait_symbols:
        gate.traits.append(trait("UNDER_CONSTRUCTION"))
    gate.changed()


@dataclass
class ConstructionSite:
    waypoint: Waypoint
    materials: dict[str, list[int]] = field(default_factory=dict)  # good -> [required, fulfilled]

    @classmethod
    def for_gate(cls, gate: Waypoint, recorded: tuple[tuple[str, int, int], ...] | None = None) -> ConstructionSite:
        if recorded:
            materials = {good: [required, fulfilled] for good, required, fulfilled in recorded}
        elif gate.is_under_construction:
            materials = {good: [required, fulfilled] for good, required, fulfilled in GATE_MATERIALS}
        else:
            materials = {good: [required, required] for good, required, _ in GATE_MATERIALS}
        return cls(gate, materials)

    @property
    def is_complete(self) -> bool:
        return all(fulfilled >= required for required, fulfilled in self.materials.values())

    def api(self) -> dict[str, object]:
        return {
            "symbol": self.waypoint.symbol,
            "materials": [
                {"tradeSymbol": good, "required": required, "fulfilled": fulfilled}
                for good, (required, fulfilled) in self.materials.items()
            ],
            "isComplete": self.is_complete,
        }

    def supply(self, good: str, units: int) -> None:
        self.materials[good][1] += units
        if self.is_complete and self.waypoint.is_under_construction:
            self.waypoint.is_under_construction = False
            self.waypoint.traits = [t for t in self.waypoint.traits if t["symbol"] != "UNDER_CONSTRUCTION"]
            self.waypoint.changed()
