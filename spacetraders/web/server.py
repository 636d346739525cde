"""Running the visualiser: blocking (`spacetraders serve`) or in a background thread (tests, bench)."""

from __future__ import annotations

import gc
import socket
import threading
import time
from types import TracebackType

import uvicorn
from fastapi import FastAPI

LOOPBACK = "127.0.0.1"


def serve(app: FastAPI, *, host: str = LOOPBACK, port: int = 4000) -> None:
    """Serve until interrupted (Ctrl-C)."""
    # Everything loaded so far lives as long as the process: keep it out of the cyclic
    # collector's full passes, which otherwise add tens of ms to a large tours response.
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="off")


class BackgroundServer:
    """uvicorn on a free loopback port in a daemon thread: `with BackgroundServer(app) as s: s.url`."""

    def __init__(self, app: FastAPI, *, host: str = LOOPBACK) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))  # the port is ours before uvicorn starts: no race
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the visualiser server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
