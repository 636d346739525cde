"""Min-max multi-ship tour search on stops (indices into a `ShipCosts` matrix per ship).

Objective, compared lexicographically: (longest primary, longest tour, sum of tours). A
tour = one closed loop plus the approach to its nearest stop (see `ShipCosts.tour`); the
primary cost of a ship is its loop alone (`period=True`: the revisit period) or its tour
(`period=False`: the first pass, then the key is (longest tour, longest tour, sum)).

Method: ruin-and-recreate iterated local search, restarted from a few constructions (greedy
insertion in different orders and, for several ships, one giant loop cut into arcs).
Ruin removes a neighbourhood of stops (often round the longest tour) or scattered stops;
recreate inserts them greedily where they raise the makespan least; the descent applies
the best relocate (any tour to any other) or swap (longest tour against nearby stops)
until none improves, re-optimising each changed loop with 2-opt and or-opt. A solution
slightly worse than the best is accepted early on (threshold shrinking to zero). The best
solution is polished by exchanging whole loops between ships (ships differ in speed and
position, so this mostly shortens approaches: the second criterion). The
search is deterministic for a seed: it runs a fixed number of iterations; `deadline`
only cuts it short on a machine far slower than expected.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from operator import add, sub

from spacetraders.domain.tour_costs import ShipCosts
from spacetraders.domain.tour_split import split_giant_loop

Key = tuple[int, int, int]
Cost = tuple[int, int]  # (primary, tour) of one ship
NEIGHBOURS = 12
RANDOM_RUIN = 0.3  # share of ruins that remove scattered stops rather than a neighbourhood
THRESHOLD = 0.02  # initial acceptance slack, as a share of the best makespan
GIANT_STARTS = 4  # nearest-neighbour starts for the giant loop of the route-first construction


def optimise_loop(leg: Sequence[Sequence[int]], order: list[int]) -> list[int]:
    """2-opt and or-opt (segments of 1-3, either direction) on a closed loop, to a local optimum."""
    tour = list(order)
    n = len(tour)
    if n < 4:
        return tour
    improved = True
    while improved:
        improved = _two_opt(leg, tour) | _or_opt(leg, tour)
    return tour


def _two_opt(leg: Sequence[Sequence[int]], tour: list[int]) -> bool:
    n = len(tour)
    changed = False
    improved = True
    while improved:
        improved = False
        for i in range(n - 2):
            a, b = tour[i], tour[i + 1]
            row_a, row_b = leg[a], leg[b]
            for j in range(i + 2, n if i > 0 else n - 1):
                c, d = tour[j], tour[(j + 1) % n]
                if row_a[c] + row_b[d] < row_a[b] + leg[c][d]:
                    tour[i + 1 : j + 1] = tour[i + 1 : j + 1][::-1]
                    improved = changed = True
                    b = tour[i + 1]
                    row_b = leg[b]
    return changed


def _or_opt(leg: Sequence[Sequence[int]], tour: list[int]) -> bool:
    n = len(tour)
    changed = False
    for length in (1, 2, 3):
        if n < length + 3:
            break
        i = 0
        while i < n:
            seg = [tour[(i + k) % n] for k in range(length)]
            rest = [tour[(i + length + k) % n] for k in range(n - length)]
            first, last = seg[0], seg[-1]
            prev, nxt = rest[-1], rest[0]
            gain = leg[prev][first] + leg[last][nxt] - leg[prev][nxt]
            best, where, flip = 0, -1, False
            for k in range(len(rest) - 1):
                u, v = rest[k], rest[k + 1]
                base = leg[u][v]
                forward = leg[u][first] + leg[last][v] - base
                backward = leg[u][last] + leg[first][v] - base
                if forward - gain < best:
                    best, where, flip = forward - gain, k, False
                if backward - gain < best:
                    best, where, flip = backward - gain, k, True
            if where >= 0:
                tour[:] = rest[: where + 1] + (seg[::-1] if flip else seg) + rest[where + 1 :]
                changed = True
            i += 1
    return changed


def _leg_of(leg: Sequence[Sequence[int]]) -> Callable[[int, int], int]:
    return lambda u, v: leg[u][v]


class TourSearch:
    def __init__(self, costs: Sequence[ShipCosts], n_stops: int, seed: int, period: bool = True) -> None:
        self.costs = list(costs)
        self.n_stops = n_stops
        self.n_ships = len(costs)
        self.period = period
        self.rng = random.Random(seed)
        # A ship may stay idle only when there are more ships than stops.
        self.min_size = 1 if self.n_ships <= n_stops else 0
        # Nearness of stops for ruin and swaps: one ship's leg times (they all grow with distance).
        self.near = self.costs[0].leg
        self.tours: list[list[int]] = [[] for _ in costs]
        self.prim: list[int] = [0] * self.n_ships  # primary cost: loop (period) or tour
        self.cost: list[int] = [0] * self.n_ships  # tour cost: approach + loop
        self.cycle: list[int] = [0] * self.n_ships  # cached loop time per tour
        self.min_approach: list[int] = [0] * self.n_ships  # cached nearest-stop approach
        self._insert_row: list[list[Cost] | None] = [None] * self.n_ships  # cached insertion costs
        self._edge_cache: list[tuple[list[int], list[int]] | None] = [None] * self.n_ships
        self.leg_t = [tuple(zip(*c.leg)) for c in self.costs]  # leg_t[v][x][u] = leg u -> x
        # Swap candidates: each stop's nearest stops (a granular neighbourhood).
        self.neighbours = [
            sorted((s for s in range(n_stops) if s != x), key=lambda s: (self.near[x][s], s))[:NEIGHBOURS]
            for x in range(n_stops)
        ]
        # ... and, for the longest tour, the stops its ship reaches soonest.
        self.reachable = [sorted(range(n_stops), key=lambda s: (c.approach[s], s))[:NEIGHBOURS] for c in self.costs]

    # --- state -----------------------------------------------------------------------------
    def key(self) -> Key:
        return max(self.prim), max(self.cost), sum(self.cost)

    def _pair(self, cycle: int, approach: int, empty: bool) -> Cost:
        if empty:
            return 0, 0
        tour = cycle + approach
        return (cycle if self.period else tour), tour

    def snapshot(self) -> list[list[int]]:
        return [list(t) for t in self.tours]

    def restore(self, tours: list[list[int]]) -> None:
        self.tours = [list(t) for t in tours]
        for ship in range(self.n_ships):
            self._refresh(ship)

    def _refresh(self, ship: int) -> None:
        c, t = self.costs[ship], self.tours[ship]
        self.cycle[ship] = c.cycle(t)
        self.min_approach[ship] = min((c.approach[s] for s in t), default=0)
        self.prim[ship], self.cost[ship] = self._pair(self.cycle[ship], self.min_approach[ship], not t)
        self._insert_row[ship] = None
        self._edge_cache[ship] = None

    def _insertion_row(self, ship: int) -> list[Cost]:
        row = self._insert_row[ship]
        if row is None:
            row = self._insert_row[ship] = [self._insertion(ship, x)[:2] for x in range(self.n_stops)]
        return row

    def _set(self, ship: int, order: list[int]) -> None:
        self.tours[ship] = optimise_loop(self.costs[ship].leg, order)
        self._refresh(ship)

    # --- insertion and removal --------------------------------------------------------------
    def _insertion(
        self, ship: int, stop: int, removed: tuple[list[int], int, int] | None = None
    ) -> tuple[int, int, int]:
        """(primary, tour cost, position) after inserting `stop` at its best place into the
        ship's tour, or into `removed` = (tour, its cycle, its nearest approach) from `_removal`."""
        c = self.costs[ship]
        if removed is None:
            t, cycle, approach = self.tours[ship], self.cycle[ship], self.min_approach[ship]
        else:
            t, cycle, approach = removed
        if not t:
            return (*self._pair(c.alone[stop], c.approach[stop], False), 0)
        leg = c.leg
        row = leg[stop]
        new_approach = min(c.approach[stop], approach)
        if len(t) == 1:
            loop = row[t[0]] + leg[t[0]][stop] + c.visit[t[0]] + c.visit[stop]
            return (*self._pair(loop, new_approach, False), 1)
        # Inserting before t[k] replaces the edge (t[k-1], t[k]); computed with map() over
        # cached edges rather than a Python loop: this is the search's innermost operation.
        if removed is None:
            prev, base = self._edges(ship)
        else:
            prev = t[-1:] + t[:-1]
            base = list(map(_leg_of(leg), prev, t))
        col = self.leg_t[ship][stop]
        deltas = list(map(sub, map(add, map(col.__getitem__, prev), map(row.__getitem__, t)), base))
        best = min(deltas)
        return (*self._pair(cycle + best + c.visit[stop], new_approach, False), deltas.index(best))

    def _edges(self, ship: int) -> tuple[list[int], list[int]]:
        """(the stop before each stop, the leg from it) of the ship's loop, cached."""
        edges = self._edge_cache[ship]
        if edges is None:
            t = self.tours[ship]
            prev = t[-1:] + t[:-1]
            edges = self._edge_cache[ship] = (prev, list(map(_leg_of(self.costs[ship].leg), prev, t)))
        return edges

    def _removal(self, ship: int, stop: int) -> tuple[list[int], int, int]:
        """(tour without `stop`, its cycle, its nearest approach)."""
        c, t = self.costs[ship], self.tours[ship]
        k = t.index(stop)
        rest = t[:k] + t[k + 1 :]
        if len(rest) <= 1:
            cycle = c.cycle(rest)
        else:
            prev, nxt = t[k - 1], t[(k + 1) % len(t)]
            cycle = self.cycle[ship] - c.leg[prev][stop] - c.leg[stop][nxt] + c.leg[prev][nxt] - c.visit[stop]
        approach = self.min_approach[ship]
        if c.approach[stop] <= approach:
            approach = min((c.approach[s] for s in rest), default=0)
        return rest, cycle, approach

    def _cost(self, removed: tuple[list[int], int, int]) -> Cost:
        rest, cycle, approach = removed
        return self._pair(cycle, approach, not rest)

    def recreate(self, stops: list[int]) -> None:
        """Insert stops one by one where they raise the key least; ships that must not
        stay idle take the last stops if nothing else filled them."""
        for idx, stop in enumerate(stops):
            empties = [s for s in range(self.n_ships) if len(self.tours[s]) < self.min_size]
            must_fill = len(empties) >= len(stops) - idx
            max_prim, max_cost = max(self.prim), max(self.cost)
            best: tuple[int, int, int, int, int] | None = None
            for ship in empties if must_fill else range(self.n_ships):
                new_prim, new_cost, where = self._insertion(ship, stop)
                cand = (max(new_prim, max_prim), max(new_cost, max_cost), new_cost - self.cost[ship], ship, where)
                if best is None or cand < best:
                    best = cand
            assert best is not None
            *_, ship, where = best
            self.tours[ship].insert(where, stop)
            self._refresh(ship)

    def ruin(self) -> list[int]:
        """Remove a random stop and its nearest neighbours; return them in insertion order."""
        assigned = [s for t in self.tours for s in t]
        longest = max(range(self.n_ships), key=lambda s: (self.prim[s], self.cost[s], -s))
        # Half the time ruin round the longest tour: that is the one to shorten.
        size = self.rng.randint(1, max(1, min(12, self.n_stops // 3)))
        kind = self.rng.random()
        if kind < RANDOM_RUIN:  # scattered stops: moves no neighbourhood of one region reaches
            removed = self.rng.sample(assigned, size)
        else:
            centre = self.rng.choice(self.tours[longest] if kind < 0.6 else assigned)
            removed = sorted(assigned, key=lambda s: (self.near[centre][s], s))[:size]
        gone = set(removed)
        for ship, t in enumerate(self.tours):
            if gone.intersection(t):
                self.tours[ship] = [s for s in t if s not in gone]
                self._refresh(ship)
        self.rng.shuffle(removed)
        return removed

    # --- descent ----------------------------------------------------------------------------
    @staticmethod
    def _others_max(top3: list[tuple[int, int]], a: int, b: int) -> int:
        """The largest value of ships other than a and b, from the three largest."""
        for cost, ship in top3:
            if ship != a and ship != b:
                return cost
        return 0

    @staticmethod
    def _top3(values: list[int]) -> list[tuple[int, int]]:
        return sorted(((c, s) for s, c in enumerate(values)), reverse=True)[:3]

    def _candidate(self, key: Key, a: int, b: int, new_a: Cost, new_b: Cost, tops: tuple[list[tuple[int, int]], ...]) -> Key:
        return (
            max(new_a[0], new_b[0], self._others_max(tops[0], a, b)),
            max(new_a[1], new_b[1], self._others_max(tops[1], a, b)),
            key[2] - self.cost[a] - self.cost[b] + new_a[1] + new_b[1],
        )

    def _best_relocate(self, key: Key) -> tuple[Key, int, int, int] | None:
        best: tuple[Key, int, int, int] | None = None
        tops = (self._top3(self.prim), self._top3(self.cost))
        insertion = [self._insertion_row(b) for b in range(self.n_ships)]
        for a, tour_a in enumerate(self.tours):
            if len(tour_a) <= self.min_size:
                continue
            for x in tour_a:
                new_a = self._cost(self._removal(a, x))
                for b in range(self.n_ships):
                    new_b = insertion[b][x]
                    if b == a or new_b[0] > key[0]:
                        continue
                    if self._others_max(tops[0], a, b) > key[0]:
                        continue
                    cand = self._candidate(key, a, b, new_a, new_b, tops)
                    if cand < key and (best is None or cand < best[0]):
                        best = (cand, a, x, b)
        return best

    def _best_swap(self, key: Key) -> tuple[Key, int, int, int, int] | None:
        """Best exchange of one stop of the longest tour with one stop of another."""
        a = max(range(self.n_ships), key=lambda s: (self.prim[s], self.cost[s], -s))
        best: tuple[Key, int, int, int, int] | None = None
        tops = (self._top3(self.prim), self._top3(self.cost))
        owner = {s: ship for ship, t in enumerate(self.tours) for s in t}
        removals: dict[int, tuple[list[int], int, int]] = {}
        for x in self.tours[a]:
            rest_a = self._removal(a, x)
            for y in dict.fromkeys(self.neighbours[x] + self.reachable[a]):
                b = owner[y]
                if b == a:
                    continue
                if y not in removals:
                    removals[y] = self._removal(b, y)
                rest_b = removals[y]
                new_a = self._insertion(a, y, rest_a)[:2]
                if new_a[0] > key[0] or (new_a[0] == key[0] and new_a[1] >= key[1]):
                    continue
                new_b = self._insertion(b, x, rest_b)[:2]
                cand = self._candidate(key, a, b, new_a, new_b, tops)
                if cand < key and (best is None or cand < best[0]):
                    best = (cand, a, x, b, y)
        return best

    def _best_exchange(self, key: Key) -> tuple[Key, int, int] | None:
        """Best swap of two ships' whole loops: ships differ in speed and position, so a
        loop may suit another ship better (it mostly shortens approaches)."""
        best: tuple[Key, int, int] | None = None
        tops = (self._top3(self.prim), self._top3(self.cost))
        for a in range(self.n_ships):
            for b in range(a + 1, self.n_ships):
                ta, tb = self.tours[a], self.tours[b]
                if not ta and not tb:
                    continue
                ca, cb = self.costs[a], self.costs[b]
                new_a = self._pair(ca.cycle(tb), min((ca.approach[s] for s in tb), default=0), not tb)
                new_b = self._pair(cb.cycle(ta), min((cb.approach[s] for s in ta), default=0), not ta)
                cand = self._candidate(key, a, b, new_a, new_b, tops)
                if cand < key and (best is None or cand < best[0]):
                    best = (cand, a, b)
        return best

    def descend(self) -> None:
        while True:
            key = self.key()
            move = self._best_relocate(key)
            if move is not None:
                _, a, x, b = move
                self._set(a, [s for s in self.tours[a] if s != x])
                where = self._insertion(b, x)[2]
                self._set(b, self.tours[b][:where] + [x] + self.tours[b][where:])
                continue
            swap = self._best_swap(key)
            if swap is not None:
                _, a, x, b, y = swap
                rest_a, rest_b = self._removal(a, x), self._removal(b, y)
                wa = self._insertion(a, y, rest_a)[2]
                wb = self._insertion(b, x, rest_b)[2]
                self._set(a, rest_a[0][:wa] + [y] + rest_a[0][wa:])
                self._set(b, rest_b[0][:wb] + [x] + rest_b[0][wb:])
                continue
            return

    def polish(self, score: Callable[[], Key]) -> None:
        """Exchange whole loops between ships while that improves the score. Run once on
        the final solution: it mostly fixes the second criterion (long approaches)."""
        current = score()
        while True:
            exchange = self._best_exchange(self.key())
            if exchange is None:
                return
            _, a, b = exchange
            before = self.snapshot()
            self.tours[a], self.tours[b] = before[b], before[a]
            self._refresh(a)
            self._refresh(b)
            new = score()
            if not new < current:
                self.restore(before)
                return
            current = new

    # --- driver -----------------------------------------------------------------------------
    def _construct(self, restart: int) -> None:
        """Restart 0: greedy insertion in stop order; with several ships and the period
        objective, restart 1 cuts one giant loop into arcs (route-first, cluster-second);
        others: greedy insertion in a random order."""
        self.tours = [[] for _ in self.costs]
        self.restore(self.tours)
        if restart == 1 and self.period and 1 < self.n_ships <= self.n_stops:
            giant = self._giant_loop()
            self.restore(split_giant_loop(self.costs, giant))
        else:
            order = list(range(self.n_stops))
            if restart:
                self.rng.shuffle(order)
            self.recreate(order)
        for ship in range(self.n_ships):
            self._set(ship, self.tours[ship])

    def _giant_loop(self) -> list[int]:
        """A short loop through every stop: the best of 2-opt/or-opt from a few nearest-
        neighbour tours (different first stops)."""
        near = self.near
        best: list[int] | None = None
        best_len = 0
        for first in sorted(self.rng.sample(range(self.n_stops), min(GIANT_STARTS, self.n_stops))):
            tour, left = [first], set(range(self.n_stops)) - {first}
            while left:
                nxt = min(left, key=lambda s: (near[tour[-1]][s], s))
                tour.append(nxt)
                left.remove(nxt)
            tour = optimise_loop(near, tour)
            length = sum(near[a][b] for a, b in zip(tour, tour[1:] + tour[:1]))
            if best is None or length < best_len:
                best, best_len = tour, length
        assert best is not None
        return best

    def run(
        self,
        iterations: int,
        deadline: float,
        exact: Callable[[list[list[int]]], Key] | None = None,
        restarts: int = 1,
    ) -> list[list[int]]:
        """Search; return the best tours. The iterations are shared among `restarts`
        independent searches from different constructions. `exact` re-times a solution as
        flown: where fuel stretches between fuel markets make the matrices approximate, the
        searches accept and keep solutions by it (the descent still uses the matrices)."""

        def score() -> Key:
            return exact(self.tours) if exact else self.key()

        best: list[list[int]] | None = None
        best_score: Key | None = None
        for restart in range(max(1, restarts)):
            self._construct(restart)
            self.descend()
            tours, tours_score = self._iterate(iterations // max(1, restarts), deadline, score)
            if best_score is None or tours_score < best_score:
                best, best_score = tours, tours_score
        assert best is not None
        self.restore(best)
        self.polish(score)
        return self.snapshot()

    def _iterate(self, iterations: int, deadline: float, score: Callable[[], Key]) -> tuple[list[list[int]], Key]:
        best, best_score = self.snapshot(), score()
        current_score = best_score
        for it in range(iterations):
            if time.thread_time() > deadline:
                break
            # Threshold acceptance: early on, accept a primary cost slightly worse than the
            # best one to leave local optima; the threshold shrinks to zero.
            threshold = best_score[0] * THRESHOLD * (1 - it / iterations)
            before = self.snapshot()
            self.recreate(self.ruin())
            for ship in range(self.n_ships):
                if self.tours[ship] != before[ship]:
                    self._set(ship, self.tours[ship])
            self.descend()
            new_score = score()
            if new_score <= current_score or new_score[0] < best_score[0] + threshold:
                current_score = new_score
                if new_score < best_score:
                    best, best_score = self.snapshot(), new_score
            else:
                self.restore(before)
        return best, best_score
