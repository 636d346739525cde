"""Test/demo control routes, deliberately outside /v2 so a game client never hits them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spacetraders.sim.config import FaultConfig
from spacetraders.sim.errors import SimError
from spacetraders.sim.simulator import Simulator
from spacetraders.sim.timefmt import iso

router = APIRouter(prefix="/_sim", include_in_schema=False)


def _sim(request: Request) -> Simulator:
    return request.app.state.sim


async def _object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json() if (await request.body()).strip() else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SimError(422, 422, "Expected a JSON object.")
    return body


@router.post("/faults")
async def set_faults(request: Request) -> JSONResponse:
    try:
        faults = FaultConfig.from_mapping(await _object(request))
    except (TypeError, ValueError) as exc:
        raise SimError(422, 422, str(exc)) from None
    _sim(request).set_faults(faults)
    return JSONResponse({"data": faults.__dict__})


@router.post("/ships/{ship_symbol}/fail-next")
async def fail_next(request: Request, ship_symbol: str) -> JSONResponse:
    body = await _object(request)
    try:
        count, status = int(body.get("count", 1)), int(body.get("status", 500))
        code = int(body["code"]) if body.get("code") is not None else None
        message = body.get("message")
        _sim(request).fail_next(ship_symbol, count=count, status=status, code=code,
                                message=str(message) if message is not None else None)
    except (TypeError, ValueError) as exc:
        raise SimError(422, 422, str(exc)) from None
    return JSONResponse({"data": {"shipSymbol": ship_symbol.upper(), "count": count, "status": status}})


@router.post("/ships/{ship_symbol}/hold-next")
async def hold_next(request: Request, ship_symbol: str) -> JSONResponse:
    body = await _object(request)
    try:
        action, seconds = str(body["action"]), float(body.get("seconds", 30))
        _sim(request).faults.hold_next(ship_symbol, action, seconds)
    except (KeyError, TypeError, ValueError) as exc:
        raise SimError(422, 422, f"hold-next: {exc}") from None
    return JSONResponse({"data": {"shipSymbol": ship_symbol.upper(), "action": action, "seconds": seconds}})


@router.get("/ships/{ship_symbol}/held")
async def held(request: Request, ship_symbol: str) -> JSONResponse:
    """How many of the ship's held calls the server has executed."""
    return JSONResponse({"data": {"executed": _sim(request).faults.held.get(ship_symbol.upper(), 0)}})


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    sim = _sim(request)
    return JSONResponse(
        {
            "status": "ok",
            "agents": len(sim.agents),
            "ships": sum(len(a.ships) for a in sim.agents.values()),
            "systems": len(sim.universe.systems),
            "now": iso(sim.now()),
            "gameTime": iso(sim.game_now()),
            "timeScale": sim.config.time_scale,
        }
    )
