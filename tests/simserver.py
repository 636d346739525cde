"""Run the simulator on a free loopback port in a background thread, for tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from spacetraders.web.server import BackgroundServer


def free_port() -> int:
    """A loopback port for a server started in another process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def sim_server(**config: Any) -> Iterator[tuple[str, Any]]:
    """The simulator on loopback: yields (API base URL ending in /v2, the Simulator state)."""
    from spacetraders.sim.app import create_app
    from spacetraders.sim.config import SimConfig

    app = create_app(SimConfig(**config))
    with BackgroundServer(app) as server:
        yield f"{server.url}/v2", app.state.sim
