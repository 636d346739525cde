"""The /v2 routes: parse the request, call one Simulator method, wrap the answer."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spacetraders.sim.errors import validation_error
from spacetraders.sim.simulator import Simulator, parse_page

router = APIRouter(prefix="/v2")


def _sim(request: Request) -> Simulator:
    return request.app.state.sim


def _caller(request: Request) -> tuple[Simulator, Any]:
    """The simulator and the agent whose token authorises this request (401 otherwise)."""
    sim = _sim(request)
    return sim, sim.agent_for(request.headers.get("authorization"))


def _data(data: Any, status: int = 200, meta: dict[str, int] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"data": data}
    if meta is not None:
        body["meta"] = meta
    return JSONResponse(body, status_code=status)


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise validation_error("body", "not valid JSON") from None


def _page(request: Request) -> tuple[int, int]:
    q = request.query_params
    return parse_page(q.get("page"), q.get("limit"))


@router.get("", include_in_schema=False)
@router.get("/")
async def server_status(request: Request) -> JSONResponse:
    return JSONResponse(_sim(request).status())


@router.post("/register")
async def register(request: Request) -> JSONResponse:
    sim = _sim(request)
    return _data(sim.register(request.headers.get("authorization"), await _body(request)), status=201)


@router.get("/my/agent")
async def my_agent(request: Request) -> JSONResponse:
    _, agent = _caller(request)
    return _data(agent.api())


@router.get("/my/ships")
async def my_ships(request: Request) -> JSONResponse:
    sim, agent = _caller(request)
    page, limit = _page(request)
    data, meta = sim.list_ships(agent, page, limit)
    return _data(data, meta=meta)


@router.get("/my/ships/{ship_symbol}")
async def my_ship(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.ship(agent, ship_symbol).api())


@router.post("/my/ships/{ship_symbol}/orbit")
async def orbit(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.orbit(agent, ship_symbol))


@router.post("/my/ships/{ship_symbol}/dock")
async def dock(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.dock(agent, ship_symbol))


@router.post("/my/ships/{ship_symbol}/navigate")
async def navigate(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.navigate(agent, ship_symbol, await _body(request)))


@router.get("/my/ships/{ship_symbol}/nav")
async def ship_nav(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.ship(agent, ship_symbol).nav_api())


@router.patch("/my/ships/{ship_symbol}/nav")
async def patch_nav(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.set_flight_mode(agent, ship_symbol, await _body(request)))


@router.post("/my/ships/{ship_symbol}/refuel")
async def refuel(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.refuel(agent, ship_symbol, await _body(request)))


@router.get("/systems")
async def systems(request: Request) -> JSONResponse:
    page, limit = _page(request)
    data, meta = _sim(request).list_systems(page, limit)
    return _data(data, meta=meta)


@router.get("/systems/{system_symbol}")
async def system(request: Request, system_symbol: str) -> JSONResponse:
    return _data(_sim(request).system(system_symbol).api)


@router.get("/systems/{system_symbol}/waypoints")
async def waypoints(request: Request, system_symbol: str) -> JSONResponse:
    page, limit = _page(request)
    q = request.query_params
    traits = [t for value in q.getlist("traits") for t in value.split(",") if t]
    data, meta = _sim(request).list_waypoints(system_symbol, page, limit, q.get("type"), traits)
    return _data(data, meta=meta)


@router.get("/systems/{system_symbol}/waypoints/{waypoint_symbol}")
async def waypoint(request: Request, system_symbol: str, waypoint_symbol: str) -> JSONResponse:
    return _data(_sim(request).waypoint(system_symbol, waypoint_symbol).api)


@router.get("/systems/{system_symbol}/waypoints/{waypoint_symbol}/market")
async def market(request: Request, system_symbol: str, waypoint_symbol: str) -> JSONResponse:
    sim = _sim(request)
    viewer = sim.optional_agent(request.headers.get("authorization"))
    return _data(sim.market(viewer, system_symbol, waypoint_symbol))


@router.get("/systems/{system_symbol}/waypoints/{waypoint_symbol}/shipyard")
async def shipyard(request: Request, system_symbol: str, waypoint_symbol: str) -> JSONResponse:
    sim = _sim(request)
    viewer = sim.optional_agent(request.headers.get("authorization"))
    return _data(sim.shipyard(viewer, system_symbol, waypoint_symbol))
