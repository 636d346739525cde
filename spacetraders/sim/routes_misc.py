"""/v2 routes for factions, public agents, my account, the supply chain, scans, outfitting, repair and scrap."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spacetraders.sim import directory, outfitting
from spacetraders.sim.routes import _body, _caller, _data, _page, _sim
from spacetraders.sim.timefmt import iso

router = APIRouter(prefix="/v2")
SHIP = "/my/ships/{ship_symbol}"


@router.get("/factions")
async def factions(request: Request) -> JSONResponse:
    data, meta = directory.factions(_sim(request), *_page(request))
    return _data(data, meta=meta)


@router.get("/factions/{faction_symbol}")
async def faction(request: Request, faction_symbol: str) -> JSONResponse:
    return _data(directory.faction(_sim(request), faction_symbol))


@router.get("/agents")
async def agents(request: Request) -> JSONResponse:
    data, meta = directory.agents(_sim(request), *_page(request))
    return _data(data, meta=meta)


@router.get("/agents/{agent_symbol}")
async def agent(request: Request, agent_symbol: str) -> JSONResponse:
    return _data(directory.agent(_sim(request), agent_symbol))


@router.get("/my/account")
async def my_account(request: Request) -> JSONResponse:
    """Not in the v2.3.0 spec; later revisions answer the agent token's account like this."""
    sim, agent = _caller(request)
    return _data({"account": {"id": agent.account_id, "email": None, "createdAt": iso(sim.started_at)}})


@router.get("/market/supply-chain")
async def supply_chain(request: Request) -> JSONResponse:
    return _data(directory.supply_chain())


async def _scan(request: Request, ship_symbol: str, what: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(directory.scan(sim, agent, ship_symbol, what), status=201)


@router.post(SHIP + "/scan/systems")
async def scan_systems(request: Request, ship_symbol: str) -> JSONResponse:
    return await _scan(request, ship_symbol, "systems")


@router.post(SHIP + "/scan/waypoints")
async def scan_waypoints(request: Request, ship_symbol: str) -> JSONResponse:
    return await _scan(request, ship_symbol, "waypoints")


@router.post(SHIP + "/scan/ships")
async def scan_ships(request: Request, ship_symbol: str) -> JSONResponse:
    return await _scan(request, ship_symbol, "ships")


@router.get(SHIP + "/mounts")
async def mounts(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(outfitting.mounts(sim, agent, ship_symbol))


@router.get(SHIP + "/modules")
async def modules(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(outfitting.modules(sim, agent, ship_symbol))


async def _outfit(request: Request, ship_symbol: str, kind: str, install: bool) -> JSONResponse:
    sim, agent = _caller(request)
    body = await _body(request)
    return _data(outfitting.change(sim, agent, ship_symbol, body, kind=kind, install=install), status=201)


@router.post(SHIP + "/mounts/install")
async def install_mount(request: Request, ship_symbol: str) -> JSONResponse:
    return await _outfit(request, ship_symbol, "mounts", True)


@router.post(SHIP + "/mounts/remove")
async def remove_mount(request: Request, ship_symbol: str) -> JSONResponse:
    return await _outfit(request, ship_symbol, "mounts", False)


@router.post(SHIP + "/modules/install")
async def install_module(request: Request, ship_symbol: str) -> JSONResponse:
    return await _outfit(request, ship_symbol, "modules", True)


@router.post(SHIP + "/modules/remove")
async def remove_module(request: Request, ship_symbol: str) -> JSONResponse:
    return await _outfit(request, ship_symbol, "modules", False)


@router.get(SHIP + "/repair")
async def repair_quote(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(outfitting.repair(sim, agent, ship_symbol, quote=True))


@router.post(SHIP + "/repair")
async def repair(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(outfitting.repair(sim, agent, ship_symbol, quote=False))


@router.get(SHIP + "/scrap")
async def scrap_quote(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(outfitting.scrap(sim, agent, ship_symbol, quote=True))


@router.post(SHIP + "/scrap")
async def scrap(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(outfitting.scrap(sim, agent, ship_symbol, quote=False))
