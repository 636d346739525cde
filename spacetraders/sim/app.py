"""FastAPI application serving the simulated SpaceTraders v2 API under /v2."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from spacetraders.sim import control, routes, routes_extraction, routes_misc, routes_trade, routes_travel
from spacetraders.sim.config import SimConfig
from spacetraders.sim.errors import SimError, error_envelope
from spacetraders.sim.middleware import SimMiddleware
from spacetraders.sim.operations import operation_of
from spacetraders.sim.simulator import Simulator


def create_app(config: SimConfig | None = None) -> FastAPI:
    sim = Simulator(config or SimConfig())
    app = FastAPI(
        title="SpaceTraders simulator",
        description="In-memory simulation of the SpaceTraders v2 API for demos, tests and benchmarks.",
        version="2.3.0-sim",
    )
    app.state.sim = sim
    app.include_router(routes.router)
    app.include_router(routes_trade.router)
    app.include_router(routes_travel.router)
    app.include_router(routes_extraction.router)
    app.include_router(routes_misc.router)
    app.include_router(control.router)
    app.add_middleware(SimMiddleware, sim=sim)

    @app.exception_handler(SimError)
    async def game_error(_: Request, exc: SimError) -> JSONResponse:
        return JSONResponse(exc.envelope(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        operation = operation_of(request.method, request.url.path) if exc.status_code in (404, 405) else None
        if operation is not None:  # an operation of the spec that no route serves: say so
            message = f"The simulator does not model {operation}."
            return JSONResponse(error_envelope(501, message, {"operation": operation}), status_code=501)
        return JSONResponse(error_envelope(exc.status_code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = {".".join(map(str, e["loc"])): [e["msg"]] for e in exc.errors()}
        body = error_envelope(422, "Request could not be processed due to an invalid payload.", fields)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Same envelope as the real server's unexpected failures (NOTES.md §9).
        return JSONResponse(error_envelope(500, f"Something unexpected went wrong: {type(exc).__name__}"), status_code=500)

    return app
