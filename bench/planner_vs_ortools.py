"""Our scout-tour planner against OR-Tools routing on the same min-max objective.

    python bench/planner_vs_ortools.py                 # OR-Tools 30 s per instance
    python bench/planner_vs_ortools.py --quick         # OR-Tools 2 s per instance

Objective (both solvers, see spacetraders.domain.planning): the longest ship tour, where
a tour = approach from the ship's position to its first market + one closed loop through
its markets. Both solvers see the same per-ship matrices (`ShipCosts`) and both results
are re-timed by the same `plan_from_orders`, leg by leg with fuel-valid modes.

How the closed loop is modelled in OR-Tools. Nodes: one per stop, one optional *closing
copy* per stop, and a start/end depot per ship. Transit for ship v: start -> stop j is
v's approach to j; stop i -> stop j is v's leg i->j plus i's co-located hops; stop i ->
copy(k) is the leg back to k (a lone stop's own loop if i == k); copy -> end is 0.
Constraints: copy(k) is active iff k is the first stop of some route, lies on the same
vehicle as k, and goes straight to the end; stops never go straight to an end. So every
non-empty route costs exactly approach + loop. A "time" dimension over those transits
with a large global span cost makes OR-Tools minimise the makespan, arc costs break ties
on the sum. Like our planner, ships may stay idle only if there are more ships than stops.
First solution: PATH_CHEAPEST_ARC (independent of our plan), or our plan with
--seed-from-ours (then OR-Tools can only match or improve it: a test of local optimality);
GUIDED_LOCAL_SEARCH after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from instances import Instance, default_instances  # noqa: E402
from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: E402

from spacetraders.domain.planning import Plan, plan_from_orders, plan_tours  # noqa: E402
from spacetraders.domain.tour_costs import ShipCosts, Stop, group_stops, ship_costs  # noqa: E402

SPAN_COEFFICIENT = 1000  # makespan dominates, the sum of tours only breaks ties


def lower_bound(costs: list[ShipCosts], stops: list[Stop]) -> int:
    """max(per-stop bound, fleet work bound), both valid for any plan.

    Per stop j: the ship that holds j spends at least either its loop alone at j plus the
    approach to j, or j's two cheapest legs plus j's co-located hops plus its cheapest
    approach to any stop. Fleet work: in a loop of two or more stops each stop costs at
    least its co-located hops plus half its two cheapest legs; a stop alone in its loop
    costs its own loop; at most one stop per ship is alone. The longest tour is at least
    the total of the cheapest shares (over ships) divided by the number of ships.
    """
    n = len(stops)
    per_stop = 0
    shared: list[float] = []
    alone: list[float] = []
    for j in range(n):
        stop_bound = None
        share = lone = None
        for c in costs:
            legs = sorted(c.leg[j][i] for i in range(n) if i != j)
            two = sum(legs[:2]) if len(legs) >= 2 else 2 * legs[0] if legs else 0
            bound = min(c.alone[j] + c.approach[j], c.visit[j] + two + min(c.approach))
            stop_bound = bound if stop_bound is None else min(stop_bound, bound)
            share = min(share, c.visit[j] + two / 2) if share is not None else c.visit[j] + two / 2
            lone = min(lone, c.alone[j]) if lone is not None else c.alone[j]
        per_stop = max(per_stop, stop_bound or 0)
        shared.append(share or 0)
        alone.append(lone or 0)
    savings = sorted((max(0.0, s - a) for s, a in zip(shared, alone)), reverse=True)
    work = sum(shared) - sum(savings[: len(costs)])
    return max(per_stop, int(work / len(costs)))


def solve_ortools(
    costs: list[ShipCosts], n_stops: int, seconds: float, initial: list[list[int]] | None = None
) -> tuple[list[list[int]], int]:
    """Stop orders per ship and OR-Tools' own makespan for them. `initial` (stop orders,
    each starting at its first stop) replaces PATH_CHEAPEST_ARC as the first solution."""
    n_ships = len(costs)
    copy = lambda k: n_stops + k  # noqa: E731
    starts = [2 * n_stops + v for v in range(n_ships)]
    ends = [2 * n_stops + n_ships + v for v in range(n_ships)]
    manager = pywrapcp.RoutingIndexManager(2 * n_stops + 2 * n_ships, n_ships, starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    def transit_for(c: ShipCosts):
        def transit(from_index: int, to_index: int) -> int:
            i, j = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
            if i >= 2 * n_stops:  # a depot
                return c.approach[j] if j < n_stops else 0
            if i >= n_stops:  # a closing copy: only the end follows
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
    copy_idx = [manager.NodeToIndex(copy(k)) for k in range(n_stops)]
    for k in range(n_stops):
        stop, closing = manager.NodeToIndex(k), copy_idx[k]
        routing.AddDisjunction([closing], 0)
        routing.NextVar(stop).RemoveValues(end_idx)
        routing.NextVar(closing).SetValues([closing] + end_idx)
        is_first = [solver.IsEqualCstVar(routing.NextVar(s), stop) for s in start_idx]
        solver.Add(routing.ActiveVar(closing) == solver.Sum(is_first))
        solver.Add(
            routing.ActiveVar(closing) * routing.VehicleVar(closing)
            == routing.ActiveVar(closing) * routing.VehicleVar(stop)
        )
    for v in range(n_ships):
        routing.NextVar(start_idx[v]).RemoveValues(copy_idx)
        if n_ships <= n_stops:
            routing.NextVar(start_idx[v]).RemoveValue(end_idx[v])

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    if initial is None:
        solution = routing.SolveWithParameters(params)
    else:
        routing.CloseModelWithParameters(params)
        routes = [order + [copy(order[0])] if order else [] for order in initial]
        start = routing.ReadAssignmentFromRoutes(routes, True)
        if start is None:
            raise RuntimeError("OR-Tools rejected our plan as a first solution")
        solution = routing.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        raise RuntimeError("OR-Tools found no solution")
    time_dim = routing.GetDimensionOrDie("time")
    orders = []
    for v in range(n_ships):
        order = []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node < n_stops:
                order.append(node)
            index = solution.Value(routing.NextVar(index))
        orders.append(order)
    makespan = max(solution.Value(time_dim.CumulVar(routing.End(v))) for v in range(n_ships))
    return orders, makespan


def stop_orders(plan: Plan, stops: list[Stop]) -> list[list[int]]:
    """Each tour as the cyclic order of its stops, from its first stop."""
    index = {m.symbol: k for k, stop in enumerate(stops) for m in stop.markets}
    return [list(dict.fromkeys(index[m] for m in tour.markets)) for tour in plan.tours]


def run(instance: Instance, ortools_seconds: float, time_limit: float, seed_from_ours: bool) -> dict:
    stops = group_stops(instance.markets)
    costs = [ship_costs(ship, stops) for ship in instance.ships]
    started = time.perf_counter()
    ours = plan_tours(instance.ships, instance.markets, time_limit_s=time_limit)
    ours_seconds = time.perf_counter() - started
    initial = stop_orders(ours, stops) if seed_from_ours else None
    orders, ortools_model_makespan = solve_ortools(costs, len(stops), ortools_seconds, initial)
    theirs = plan_from_orders(instance.ships, stops, orders)
    # The OR-Tools model must price its own routes exactly as our matrices do.
    model_makespan = max(c.tour(o) for c, o in zip(costs, orders))
    assert model_makespan == ortools_model_makespan, (model_makespan, ortools_model_makespan)
    return {
        "name": instance.name,
        "markets": len(instance.markets),
        "stops": len(stops),
        "ships": len(instance.ships),
        "ours": ours.makespan_seconds,
        "ortools": theirs.makespan_seconds,
        "ratio": ours.makespan_seconds / theirs.makespan_seconds,
        "time": ours_seconds,
        "bound": lower_bound(costs, stops),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ortools-seconds", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="2 s OR-Tools budget")
    parser.add_argument("--time-limit", type=float, default=1.0, help="our planner's time_limit_s")
    parser.add_argument(
        "--seed-from-ours", action="store_true", help="start OR-Tools from our plan: can it still improve it?"
    )
    args = parser.parse_args()
    budget = 2.0 if args.quick else args.ortools_seconds
    header = f"{'instance':<22}{'mkts':>5}{'stops':>6}{'ships':>6}{'ours s':>9}{'OR-Tools s':>11}{'ratio':>7}{'plan s':>8}{'bound s':>9}"
    first = "our plan" if args.seed_from_ours else "PATH_CHEAPEST_ARC"
    print(f"OR-Tools budget {budget:g} s per instance (first solution: {first}), our time limit {args.time_limit:g} s")
    print(header)
    rows = []
    for instance in default_instances():
        r = run(instance, budget, args.time_limit, args.seed_from_ours)
        rows.append(r)
        print(
            f"{r['name']:<22}{r['markets']:>5}{r['stops']:>6}{r['ships']:>6}{r['ours']:>9}{r['ortools']:>11}"
            f"{r['ratio']:>7.3f}{r['time']:>8.3f}{r['bound']:>9}",
            flush=True,
        )
    ratios = [r["ratio"] for r in rows]
    largest = [r["time"] for r in rows if r["markets"] >= 80 and r["ships"] >= 10]
    print(f"median ratio ours/OR-Tools {statistics.median(ratios):.3f} (target <= 1.00)")
    print(f"worst ratio ours/OR-Tools  {max(ratios):.3f} (target <= 1.05)")
    if largest:
        print(f"our max planning time, 80 markets / 10 ships: {max(largest):.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
