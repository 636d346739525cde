from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spacetraders.persistence.database import Database
from tests.supervisor.harness import Agent, DaemonProcess, register_agent

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server  # noqa: E402

_agents = itertools.count(1)


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    with sim_server(seed=11, time_scale=50, enforce_rate_limit=False, probes_per_agent=4) as (url, _sim):
        yield url


@pytest.fixture
def agent(db: Database, api_url: str) -> Agent:
    return register_agent(db, api_url, f"SUPER{next(_agents)}")


@pytest.fixture
def new_daemon(db_url: str, api_url: str, tmp_path: Path) -> Iterator[Callable[[], DaemonProcess]]:
    """Makes daemon processes (each with its own data dir); all are killed at the end."""
    made: list[DaemonProcess] = []

    def make() -> DaemonProcess:
        d = DaemonProcess(db_url, api_url, tmp_path / f"daemon-{len(made)}")
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()
