"""/v2 routes for travel between systems: jump gates, construction, jump, warp, cooldown, chart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from spacetraders.sim import travel
from spacetraders.sim.routes import _body, _caller, _data, _sim

router = APIRouter(prefix="/v2")
WAYPOINT = "/systems/{system_symbol}/waypoints/{waypoint_symbol}"


@router.get(WAYPOINT + "/jump-gate")
async def jump_gate(request: Request, system_symbol: str, waypoint_symbol: str) -> JSONResponse:
    return _data(travel.jump_gate(_sim(request), system_symbol, waypoint_symbol))


@router.get(WAYPOINT + "/construction")
async def construction(request: Request, system_symbol: str, waypoint_symbol: str) -> JSONResponse:
    return _data(travel.construction(_sim(request), system_symbol, waypoint_symbol))


@router.post(WAYPOINT + "/construction/supply")
async def supply_construction(request: Request, system_symbol: str, waypoint_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    body = await _body(request)
    return _data(travel.supply_construction(sim, agent, system_symbol, waypoint_symbol, body), status=201)


@router.post("/my/ships/{ship_symbol}/jump")
async def jump(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(travel.jump(sim, agent, ship_symbol, await _body(request)))


@router.post("/my/ships/{ship_symbol}/warp")
async def warp(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(travel.warp(sim, agent, ship_symbol, await _body(request)))


@router.get("/my/ships/{ship_symbol}/cooldown")
async def cooldown(request: Request, ship_symbol: str) -> Response:
    sim, agent = _caller(request)
    body = travel.cooldown(sim, agent, ship_symbol)
    return _data(body) if body is not None else Response(status_code=204)


@router.post("/my/ships/{ship_symbol}/chart")
async def chart(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(travel.chart(sim, agent, ship_symbol), status=201)
