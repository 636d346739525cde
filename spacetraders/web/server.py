"""Running the visualiser: blocking (`spacetraders serve`) or in a background thread (tests, bench)."""

from __future__ import annotations

import errno
import gc
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from spacetraders.errors import ConfigError, Interrupted

LOOPBACK = "127.0.0.1"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or one clear line: taken first, so that nothing claims to
    listen on a port that is busy."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(f"cannot listen on {host!r}: {getattr(exc, 'strerror', None) or exc}") from None
    family, _, _, _, address = infos[0]
    try:
        return socket.create_server(address, family=family, backlog=128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use: stop what uses it or pick another --port") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise ConfigError(f"no permission to listen on {host}:{port} (ports below 1024 need privileges)") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(app: Any, sock: socket.socket, **options: Any) -> None:
    """Serve `app` on the bound `sock` until Ctrl-C (then Interrupted, after a graceful shutdown)."""
    # Everything loaded so far lives as long as the process: keep it out of the cyclic
    # collector's full passes, which otherwise add tens of ms to a large tours response.
    gc.freeze()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", **options))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if not server.started:
        raise ConfigError("the visualiser did not start (see the lines above)")
    if server.should_exit:  # set by uvicorn's handler of SIGINT / SIGTERM
        raise Interrupted()


class BackgroundServer:
    """uvicorn on a free loopback port in a daemon thread: `with BackgroundServer(app) as s: s.url`."""

    def __init__(self, app: Any, *, host: str = LOOPBACK) -> None:
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
