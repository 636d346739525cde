"""Route-first, cluster-second: cut one loop through every stop into one arc per ship.

A construction for the period objective (the longest loop): a short giant loop already
keeps nearby stops together, and cutting it into contiguous arcs whose closed loops are all
under a threshold is a one-dimensional problem. Binary search on the threshold; for each
candidate start of the first arc, ships take, in a fixed order (fastest first), the
longest arc whose closed loop fits. The search then improves the result like any other
construction.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacetraders.domain.tour_costs import ShipCosts

MAX_STARTS = 40  # candidate starts of the first arc (all of them for small systems)


def split_giant_loop(costs: Sequence[ShipCosts], giant: Sequence[int]) -> list[list[int]]:
    """One stop order per ship (same order as `costs`); every ship gets a stop when there
    are at least as many stops as ships."""
    n, k = len(giant), len(costs)
    ships = sorted(range(k), key=lambda v: (sum(map(sum, costs[v].leg)), v))  # fastest first
    doubled = list(giant) * 2
    # prefix[v][i]: legs along doubled[0..i] plus co-located hops of doubled[0..i-1], for ship v
    prefix: list[list[int]] = []
    for c in costs:
        row, total = [0], 0
        for i in range(2 * n - 1):
            total += c.leg[doubled[i]][doubled[i + 1]] + c.visit[doubled[i]]
            row.append(total)
        prefix.append(row)

    def arc(v: int, i: int, j: int) -> int:
        """Closed loop of ship v through doubled[i..j] (inclusive)."""
        c = costs[v]
        if i == j:
            return c.alone[doubled[i]]
        return prefix[v][j] - prefix[v][i] + c.visit[doubled[j]] + c.leg[doubled[j]][doubled[i]]

    step = max(1, n // MAX_STARTS)
    starts = range(0, n, step)

    def cut(limit: int) -> list[tuple[int, int, int]] | None:
        """Arcs (ship, first, last) covering the loop, each ship's loop <= limit, or None."""
        for start in starts:
            arcs, i, end = [], start, start + n
            for v in ships:
                if i >= end:
                    break
                j = i
                while j + 1 < end and arc(v, i, j + 1) <= limit:
                    j += 1
                if arc(v, i, j) > limit:
                    break
                arcs.append((v, i, j))
                i = j + 1
            if i >= end:
                return arcs
        return None

    # A partial arc's closing leg can make it longer than the whole loop: allow one leg more.
    low, high = 0, max(arc(v, 0, n - 1) + max(map(max, costs[v].leg)) for v in range(k))
    best = cut(high)
    assert best is not None  # one ship can always take the whole loop
    while low < high:
        mid = (low + high) // 2
        found = cut(mid)
        if found is None:
            low = mid + 1
        else:
            high, best = mid, found
    tours: list[list[int]] = [[] for _ in range(k)]
    for v, i, j in best:
        tours[v] = [doubled[x] for x in range(i, j + 1)]
    # Ships left without an arc take half of the largest one (a ship idles only if it must).
    for v in range(k):
        if not tours[v] and n >= k:
            donor = max(range(k), key=lambda u: (len(tours[u]), -u))
            half = len(tours[donor]) // 2
            tours[v], tours[donor] = tours[donor][half:], tours[donor][:half]
    return tours
