"""Our scout-tour planner against several OR-Tools formulations, on the same matrices.

    python bench/planner_vs_ortools.py                       # 30 s per OR-Tools model and instance
    python bench/planner_vs_ortools.py --ortools-seconds 3   # quicker

Every solver's stop orders are re-timed by the same `plan_from_orders` (leg by leg, with
fuel-valid modes) and judged on both objectives of `spacetraders.domain.planning`:

    period      the longest loop (how stale a market can get once tours run)
    first pass  the longest approach + loop (when every market has been read once)

The OR-Tools models (`ortools_models.py`): the standard min-max VRP from the ships'
positions, route-first/cluster-second, and the closing-copy model of the previous
benchmark. The reference of an instance is the best of them on the objective in question.
"Today" is the planner as it was before the period objective (commit d982fea, loaded
from git), on its own objective: the first pass.

Ratios printed: ours (period objective) period / best reference period; ours (first-pass
objective) first pass / best reference first pass and / today's planner; planning time.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

from instances import PROBE, Instance, default_instances  # noqa: E402
from ortools_models import MODELS  # noqa: E402

from spacetraders.domain.planning import (  # noqa: E402
    Objective,
    Plan,
    ShipSpec,
    _iterations,
    plan_from_orders,
    plan_tours,
)
from spacetraders.domain.sizing import fewest_ships  # noqa: E402
from spacetraders.domain.tour_costs import group_stops, ship_costs  # noqa: E402

TODAY = "d982fea"  # the last commit whose planner minimised the first pass only
REPO = Path(__file__).resolve().parents[1]


def today_search() -> ModuleType:
    """The search module of commit TODAY, imported from git (no copy in the tree)."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{TODAY}:spacetraders/domain/tour_search.py"],
        check=True, capture_output=True, text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("today_tour_search", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{TODAY}:tour_search.py", "exec"), module.__dict__)  # noqa: S102
    return module


def today_plan(module: ModuleType, instance: Instance, time_limit: float) -> Plan:
    """Today's `plan_tours`: the same search driver with the previous search."""
    stops = group_stops(instance.markets)
    costs = [ship_costs(s, stops) for s in instance.ships]
    search = module.TourSearch(costs, len(stops), 0)
    needs_exact = any(s.fuel_capacity > 0 for s in instance.ships) and not all(s.sells_fuel for s in stops)

    def exact(orders: list[list[int]]) -> int:
        return plan_from_orders(instance.ships, stops, orders, Objective.FIRST_PASS).makespan_seconds

    orders = search.run(
        iterations=_iterations(len(stops), len(instance.ships), time_limit),
        deadline=time.monotonic() + time_limit,
        exact=exact if needs_exact else None,
        restarts=3,
    )
    return plan_from_orders(instance.ships, stops, orders, Objective.FIRST_PASS)


def run(instance: Instance, seconds: float, time_limit: float, today: ModuleType) -> dict:
    stops = group_stops(instance.markets)
    costs = [ship_costs(s, stops) for s in instance.ships]
    started = time.thread_time()  # CPU time, like the planner's own limit: other processes share the machine
    ours = plan_tours(instance.ships, instance.markets, time_limit_s=time_limit)
    elapsed = time.thread_time() - started
    ours_fp = plan_tours(instance.ships, instance.markets, time_limit_s=time_limit, objective=Objective.FIRST_PASS)
    refs = {}
    for name, model in MODELS.items():
        orders = model(instance.ships, stops, costs, seconds)
        refs[name] = plan_from_orders(instance.ships, stops, orders)
    best_period = min(p.period_seconds for p in refs.values())
    best_fp = min(p.makespan_seconds for p in refs.values())
    was = today_plan(today, instance, time_limit)
    return {
        "instance": instance,
        "stops": len(stops),
        "ours": ours,
        "ours_fp": ours_fp,
        "refs": refs,
        "today": was,
        "period_ratio": ours.period_seconds / best_period,
        "fp_ratio": ours_fp.makespan_seconds / best_fp,
        "today_ratio": ours_fp.makespan_seconds / was.makespan_seconds,
        "time": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ortools-seconds", type=float, default=30.0, help="budget per OR-Tools model and instance")
    parser.add_argument("--time-limit", type=float, default=1.0, help="our planner's time_limit_s")
    parser.add_argument("--only", default="", help="run only instances whose name contains this")
    parser.add_argument("--max-age", type=float, default=600.0, help="target age for the sizing figures")
    args = parser.parse_args()
    today = today_search()
    names = list(MODELS)
    print(f"OR-Tools {args.ortools_seconds:g} s per model and instance; our time limit {args.time_limit:g} s")
    print("Seconds. period = longest loop, fp = longest first pass (approach + loop).")
    print(f"{'instance':<30}{'mkt':>4}{'stp':>4}{'shp':>4} | {'period: ours':>12}"
          + "".join(f"{n:>8}" for n in names) + f"{'ratio':>7} | {'fp: ours':>9}"
          + "".join(f"{n:>8}" for n in names) + f"{'ratio':>7}{'today':>7}{'÷today':>7} | {'ours fp':>8}{'cpu s':>7}")
    rows = []
    for instance in default_instances():
        if args.only not in instance.name:
            continue
        r = run(instance, args.ortools_seconds, args.time_limit, today)
        rows.append(r)
        refs = r["refs"]
        print(
            f"{instance.name:<30}{len(instance.markets):>4}{r['stops']:>4}{len(instance.ships):>4} | "
            f"{r['ours'].period_seconds:>12}" + "".join(f"{refs[n].period_seconds:>8}" for n in names)
            + f"{r['period_ratio']:>7.3f} | {r['ours_fp'].makespan_seconds:>9}"
            + "".join(f"{refs[n].makespan_seconds:>8}" for n in names)
            + f"{r['fp_ratio']:>7.3f}{r['today'].makespan_seconds:>7}{r['today_ratio']:>7.3f} | "
            f"{r['ours'].makespan_seconds:>8}{r['time']:>7.2f}",
            flush=True,
        )
    if not rows:
        return
    period = [r["period_ratio"] for r in rows]
    fp = [r["fp_ratio"] for r in rows]
    vs_today = [r["today_ratio"] for r in rows]
    largest = [r["time"] for r in rows if len(r["instance"].markets) >= 80 and len(r["instance"].ships) >= 10]
    print(f"period ours/best reference:      median {statistics.median(period):.3f} (target <= 0.97), "
          f"worst {max(period):.3f} (target <= 1.00)")
    print(f"first pass ours/best reference:  median {statistics.median(fp):.3f}, worst {max(fp):.3f}")
    print(f"first pass ours/today's planner: median {statistics.median(vs_today):.3f}, "
          f"worst {max(vs_today):.3f} (target <= 1.05)")
    for name in names:
        wins = sum(1 for r in rows if r["refs"][name].period_seconds < r["ours"].period_seconds)
        print(f"  {name}: beats our period on {wins} of {len(rows)} instances")
    if largest:
        print(f"our planning time (CPU), >= 80 markets and 10 ships: max {max(largest):.3f} s (target <= 1 s)")
    print(f"sizing: probes at the headquarters, --max-age {args.max_age:g} s (target <= 5 s for 90 markets)")
    for r in rows:
        instance = r["instance"]
        if len(instance.markets) < 80:
            continue
        home = instance.ships[0].position
        probes = [ShipSpec(f"P-{i}", home, PROBE[0], 0, 0) for i in range(r["stops"])]
        cpu, wall = time.thread_time(), time.perf_counter()
        sizing = fewest_ships(probes, instance.markets, int(args.max_age))
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        print(f"  {instance.name:<28} {len(instance.markets)} markets: {sizing.ships_needed} probes, longest loop "
              f"{sizing.best_age_seconds} s, {len(sizing.tried)} plans, {cpu:.2f} s CPU ({wall:.2f} s wall)")


if __name__ == "__main__":
    main()
