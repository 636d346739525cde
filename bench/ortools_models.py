"""OR-Tools formulations of scout planning, each returning stop orders (one cyclic order per
ship) that `plan_from_orders` then re-times exactly as flown, so every solver is judged by
the same clock.

- `vrp`: the standard min-max VRP. Each ship's route starts and ends at its own position,
  no side constraints; a global span cost on a time dimension (makespan first, arc costs
  break ties). The route's stops, flown as a closed loop, are the ship's tour.
- `rfcs`: route-first, cluster-second. A giant loop through all stops (OR-Tools TSP on
  the fastest ship's matrix, half the budget), cut into contiguous arcs minimising the
  longest closed loop (bisection on the threshold, every start tried, ships take arcs
  fastest first), each arc re-optimised as a closed loop (OR-Tools TSP, the other half).
- `closing`: the model of the previous benchmark: closed loops modelled exactly with one
  optional closing copy per stop tied to the route's first stop (ActiveVar/VehicleVar
  side constraints), objective approach + loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from spacetraders.domain.navigation import distance, travel_time
from spacetraders.domain.planning import ShipSpec
from spacetraders.domain.tour_costs import ShipCosts, Stop, full_tank_mode

SPAN_COEFFICIENT = 1000  # makespan dominates, the sum only breaks ties
Orders = list[list[int]]


def _params(seconds: float) -> pywrapcp.DefaultRoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(10, int(seconds * 1000)))
    return params


def _routes(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, solution, n_stops: int) -> Orders:
    if solution is None:
        raise RuntimeError("OR-Tools found no solution")
    orders = []
    for v in range(routing.vehicles()):
        order, index = [], solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node < n_stops:
                order.append(node)
            index = solution.Value(routing.NextVar(index))
        orders.append(order)
    return orders


# -- standard min-max VRP -------------------------------------------------------------------


def vrp(ships: Sequence[ShipSpec], stops: Sequence[Stop], costs: Sequence[ShipCosts], seconds: float) -> Orders:
    n, k = len(stops), len(ships)
    depots = [n + v for v in range(k)]
    manager = pywrapcp.RoutingIndexManager(n + k, k, depots, depots)
    routing = pywrapcp.RoutingModel(manager)

    def back(ship: ShipSpec, stop: Stop) -> int:
        d = distance(stop.position, ship.position)
        return 0 if d == 0 else travel_time(d, ship.speed, full_tank_mode(d, ship.fuel_capacity))

    def transit_for(ship: ShipSpec, c: ShipCosts) -> Callable[[int, int], int]:
        home = [back(ship, s) for s in stops]

        def transit(a: int, b: int) -> int:
            i, j = manager.IndexToNode(a), manager.IndexToNode(b)
            if i >= n:
                return c.approach[j] if j < n else 0
            return c.visit[i] + (c.leg[i][j] if j < n else home[i])

        return transit

    callbacks = [routing.RegisterTransitCallback(transit_for(s, c)) for s, c in zip(ships, costs)]
    for v, cb in enumerate(callbacks):
        routing.SetArcCostEvaluatorOfVehicle(cb, v)
    horizon = 10 * max(sum(max(row) for row in c.leg) + sum(c.alone) + 2 * max(c.approach) for c in costs)
    routing.AddDimensionWithVehicleTransits(callbacks, 0, horizon, True, "time")
    routing.GetDimensionOrDie("time").SetGlobalSpanCostCoefficient(SPAN_COEFFICIENT)
    return _routes(routing, manager, routing.SolveWithParameters(_params(seconds)), n)


# -- route-first, cluster-second ------------------------------------------------------------


def tsp_loop(leg: Sequence[Sequence[int]], visit: Sequence[int], nodes: Sequence[int], seconds: float) -> list[int]:
    """A short closed loop through `nodes` (OR-Tools, one vehicle, depot = nodes[0])."""
    if len(nodes) <= 3:
        return list(nodes)
    manager = pywrapcp.RoutingIndexManager(len(nodes), 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def transit(a: int, b: int) -> int:
        i, j = nodes[manager.IndexToNode(a)], nodes[manager.IndexToNode(b)]
        return leg[i][j] + visit[i]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(transit))
    solution = routing.SolveWithParameters(_params(seconds))
    (order,) = _routes(routing, manager, solution, len(nodes) + 1)
    return [nodes[0]] + [nodes[i] for i in order]


def cut_loop(costs: Sequence[ShipCosts], giant: Sequence[int]) -> Orders:
    """Contiguous arcs of `giant`, one per ship, minimising the longest closed loop."""
    n, k = len(giant), len(costs)
    ships = sorted(range(k), key=lambda v: (sum(map(sum, costs[v].leg)), v))
    doubled = list(giant) * 2

    def loop(v: int, i: int, j: int) -> int:
        return costs[v].cycle(doubled[i : j + 1])

    def cut(limit: int) -> Orders | None:
        for start in range(n):
            arcs: Orders = [[] for _ in range(k)]
            i, end = start, start + n
            for v in ships:
                j = i
                while j < end and loop(v, i, j) <= limit:
                    j += 1
                if j > i:
                    arcs[v] = doubled[i:j]
                i = j
                if i >= end:
                    return arcs
        return None

    # A partial arc's closing leg can make it longer than the whole loop: allow one leg more.
    low, high = 0, max(loop(v, 0, n - 1) + max(map(max, costs[v].leg)) for v in range(k))
    best = cut(high)
    while low < high:
        mid = (low + high) // 2
        found = cut(mid)
        if found is None:
            low = mid + 1
        else:
            high, best = mid, found
    assert best is not None
    return best


def rfcs(ships: Sequence[ShipSpec], stops: Sequence[Stop], costs: Sequence[ShipCosts], seconds: float) -> Orders:
    fastest = min(range(len(costs)), key=lambda v: sum(map(sum, costs[v].leg)))
    c = costs[fastest]
    giant = tsp_loop(c.leg, c.visit, list(range(len(stops))), seconds / 2)
    arcs = cut_loop(costs, giant)
    busy = [a for a in arcs if a]
    return [tsp_loop(costs[v].leg, costs[v].visit, a, seconds / 2 / len(busy)) if a else [] for v, a in enumerate(arcs)]


# -- the closing-copy model of the previous benchmark ----------------------------------------


def closing(ships: Sequence[ShipSpec], stops: Sequence[Stop], costs: Sequence[ShipCosts], seconds: float) -> Orders:
    """Nodes: one per stop, one optional closing copy per stop, a start and an end depot per
    ship. start -> j costs the approach, i -> copy(k) the leg back to k, copy -> end 0; copy(k)
    is active iff k is a route's first stop, on the same vehicle, straight before the end."""
    n_stops, n_ships = len(stops), len(costs)
    starts = [2 * n_stops + v for v in range(n_ships)]
    ends = [2 * n_stops + n_ships + v for v in range(n_ships)]
    manager = pywrapcp.RoutingIndexManager(2 * n_stops + 2 * n_ships, n_ships, starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    def transit_for(c: ShipCosts) -> Callable[[int, int], int]:
        def transit(from_index: int, to_index: int) -> int:
            i, j = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
            if i >= 2 * n_stops:
                return c.approach[j] if j < n_stops else 0
            if i >= n_stops:
                return 0
            if j < n_stops:
                return c.leg[i][j] + c.visit[i]
            if j < 2 * n_stops:
                k = j - n_stops
                return c.visit[i] + (c.leg[i][k] if i != k else c.alone[i] - c.visit[i])
            return 0

        return transit

    callbacks = [routing.RegisterTransitCallback(transit_for(c)) for c in costs]
    for v, cb in enumerate(callbacks):
        routing.SetArcCostEvaluatorOfVehicle(cb, v)
    horizon = 10 * max(sum(max(row) for row in c.leg) + sum(c.alone) + max(c.approach) for c in costs)
    routing.AddDimensionWithVehicleTransits(callbacks, 0, horizon, True, "time")
    routing.GetDimensionOrDie("time").SetGlobalSpanCostCoefficient(SPAN_COEFFICIENT)
    solver = routing.solver()
    start_idx = [routing.Start(v) for v in range(n_ships)]
    end_idx = [routing.End(v) for v in range(n_ships)]
    copy_idx = [manager.NodeToIndex(n_stops + k) for k in range(n_stops)]
    for k in range(n_stops):
        stop, closing_copy = manager.NodeToIndex(k), copy_idx[k]
        routing.AddDisjunction([closing_copy], 0)
        routing.NextVar(stop).RemoveValues(end_idx)
        routing.NextVar(closing_copy).SetValues([closing_copy] + end_idx)
        is_first = [solver.IsEqualCstVar(routing.NextVar(s), stop) for s in start_idx]
        solver.Add(routing.ActiveVar(closing_copy) == solver.Sum(is_first))
        solver.Add(
            routing.ActiveVar(closing_copy) * routing.VehicleVar(closing_copy)
            == routing.ActiveVar(closing_copy) * routing.VehicleVar(stop)
        )
    for v in range(n_ships):
        routing.NextVar(start_idx[v]).RemoveValues(copy_idx)
        if n_ships <= n_stops:
            routing.NextVar(start_idx[v]).RemoveValue(end_idx[v])
    return _routes(routing, manager, routing.SolveWithParameters(_params(seconds)), n_stops)


MODELS: dict[str, Callable[[Sequence[ShipSpec], Sequence[Stop], Sequence[ShipCosts], float], Orders]] = {
    "vrp": vrp,
    "rfcs": rfcs,
    "closing": closing,
}
