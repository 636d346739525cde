"""Start-up cost of the CLI as a ratio to `python -c pass`, measured in one run.

Every cron run of `spacetraders reconcile` and every command pays the start-up, so it is
measured as CPU time (user + system) of the child process, which a busy machine distorts less
than wall time; both are printed. Goals (issue #10): `--help` <= 6x, `reconcile` on a
consistent SQLite database <= 15x.

    python3 bench/startup.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = "from spacetraders.cli.main import entry; entry()"  # what the console script runs

GOALS = {"spacetraders --help": 6.0, "spacetraders reconcile": 15.0}


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `argv`, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs of each command (default 9)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="spacetraders-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPACETRADERS_")}
        env |= {"PYTHONPATH": str(ROOT), "SPACETRADERS_DATA_DIR": tmp}
        cli = [sys.executable, "-c", ENTRY]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import typer'": [sys.executable, "-c", "import typer"],
            "spacetraders --help": [*cli, "--help"],
            "spacetraders reconcile": [*cli, "reconcile"],
            "spacetraders --json player list": [*cli, "--json", "player", "list"],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.repeat):  # interleaved, so a burst of load hits every case alike
            for name, argv in cases.items():
                samples[name].append(measure(argv, env))

    base = samples["python -c pass"]
    base_cpu_min, base_cpu_med = min(c for c, _ in base), statistics.median(c for c, _ in base)
    print(f"{args.repeat} runs each; ratio = CPU time / CPU time of `python -c pass` (min, median)")
    print(f"{'command':36} {'cpu min':>8} {'cpu med':>8} {'wall med':>9} {'ratio min':>10} {'ratio med':>10}  goal")
    for name, runs in samples.items():
        cpu = [c for c, _ in runs]
        wall = statistics.median(w for _, w in runs)
        ratio_min, ratio_med = min(cpu) / base_cpu_min, statistics.median(cpu) / base_cpu_med
        goal = GOALS.get(name)
        verdict = "" if goal is None else f"<= {goal:g}x {'met' if ratio_med <= goal else 'MISSED'}"
        print(f"{name:36} {min(cpu) * 1000:7.0f}ms {statistics.median(cpu) * 1000:7.0f}ms {wall * 1000:8.0f}ms "
              f"{ratio_min:9.1f}x {ratio_med:9.1f}x  {verdict}")


if __name__ == "__main__":
    main()
