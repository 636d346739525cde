"""The visualiser's FastAPI app: a read-only JSON API over the database and the map page.

FastAPI because typed query parameters give 422s for bad input for free and the OpenAPI
schema (/openapi.json, /docs) is generated from the same signatures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from spacetraders import __version__
from spacetraders.application import tours as tours_model
from spacetraders.application.runs import live_runs
from spacetraders.clock import Clock, SystemClock
from spacetraders.domain.containers import AssignmentStatus, ContainerStatus
from spacetraders.errors import DatabaseUnavailable, NotFound
from spacetraders.persistence.database import Database
from spacetraders.web import ledger, market, read_models, schemas, security

STATIC = Path(__file__).resolve().parent / "static"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": schemas.ErrorResponse}}

SystemSymbol = Annotated[
    str, PathParam(pattern=r"^[A-Za-z0-9]+-[A-Za-z0-9]+$", max_length=32, description="e.g. X1-TS98")
]
# Player ids are 32-bit integers in the schema: a larger one is a 422, not a database overflow.
PlayerId = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only this player's rows.")]


def create_app(
    db: Database, *, clock: Clock | None = None, allowed_hosts: Sequence[str] = security.LOOPBACK_HOSTS
) -> FastAPI:
    """The app for one database. `clock` (default: system time) dates ship positions and market ages;
    only requests whose Host is in `allowed_hosts` are answered (see web/security.py)."""
    clock = clock or SystemClock()
    plans = tours_model.TourPlans()
    app = FastAPI(
        title="spacetraders visualiser",
        version=__version__,
        description="Read-only view of live scout tours, assignments, containers, markets, trade lanes and systems.",
    )
    security.install(app, allowed_hosts)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(DatabaseUnavailable)
    async def unavailable(_: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get("/api/bot/tours/{system}", response_model=schemas.ToursResponse, responses=NOT_FOUND, tags=["bot"])
    def tours(system: SystemSymbol, player_id: PlayerId = None) -> Response:
        """Live scout tours of a system: route, ship position, current and next market."""
        system = system.upper()
        now = clock.now()
        with db.read() as session:
            read_models.require_player(session, player_id)
            found = tours_model.live_tours_json(session, system, now=now, player_id=player_id, plans=plans)
        head = json.dumps({"system": system, "generated_at": read_models.iso(now)}, separators=(",", ":"))
        return Response(f'{head[:-1]},"tours":{found}}}', media_type="application/json")

    @app.get("/api/bot/runs/{system}", response_model=schemas.RunsResponse, responses=NOT_FOUND, tags=["bot"])
    def runs(system: SystemSymbol, player_id: PlayerId = None) -> Response:
        """Live navigation, contract, trade and ship-purchase runs in the system, with their next stop."""
        with db.read() as session:
            read_models.require_player(session, player_id)
            now = clock.now()
            found = live_runs(session, system.upper(), now=now, player_id=player_id)
        return _json({"system": system.upper(), "generated_at": read_models.iso(now), "runs": found})

    @app.get("/api/bot/assignments", response_model=schemas.AssignmentsResponse, responses=NOT_FOUND, tags=["bot"])
    def assignments(player_id: PlayerId = None, status: AssignmentStatus | None = None) -> Response:
        """Ship assignments (active and idle), by player and ship."""
        with db.read() as session:
            read_models.require_player(session, player_id)
            rows = read_models.assignments(session, player_id=player_id, status=status.value if status else None)
        return _json({"assignments": rows})

    @app.get("/api/bot/containers", response_model=schemas.ContainersResponse, responses=NOT_FOUND, tags=["bot"])
    def containers(
        player_id: PlayerId = None,
        status: Annotated[list[ContainerStatus] | None, Query(description="Repeat to allow several.")] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> Response:
        """Containers, newest first."""
        with db.read() as session:
            read_models.require_player(session, player_id)
            rows = read_models.containers(
                session, player_id=player_id, statuses=[s.value for s in status or []], limit=limit
            )
        return _json({"containers": rows})

    @app.get("/api/markets/{system}", response_model=schemas.MarketsResponse, responses=NOT_FOUND, tags=["universe"])
    def markets(system: SystemSymbol) -> Response:
        """Cached markets of a system with the age of their data and their goods."""
        system = system.upper()
        now = clock.now()
        with db.read() as session:
            rows = read_models.markets(session, system, now=now)
        return _json({"system": system, "generated_at": read_models.iso(now), "markets": rows})

    @app.get("/api/systems", response_model=schemas.SystemsResponse, tags=["universe"])
    def systems() -> Response:
        """Systems with cached waypoints, those with the most live tours first."""
        with db.read() as session:
            return _json({"systems": read_models.systems(session)})

    @app.get("/api/systems/{system}", response_model=schemas.SystemResponse, responses=NOT_FOUND, tags=["universe"])
    def system_detail(system: SystemSymbol) -> Response:
        """A system's cached waypoints."""
        with db.read() as session:
            return _json(read_models.system(session, system.upper()))

    @app.get("/api/players", response_model=schemas.PlayersResponse, tags=["bot"])
    def players() -> Response:
        """Players (never their tokens)."""
        with db.read() as session:
            return _json({"players": read_models.players(session)})

    app.include_router(ledger.router(db, clock))
    app.include_router(market.router(db, clock))

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _json(data: Any) -> Response:
    # Encoded once by the stdlib's C encoder: the payloads are plain dicts already.
    return Response(json.dumps(data, separators=(",", ":"), default=_encode), media_type="application/json")


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        return read_models.iso(value) or ""
    raise TypeError(f"cannot encode {type(value).__name__}")
