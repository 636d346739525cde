"""The /v2 routes of trade: cargo, market trades, contracts, ship purchases.

Each parses the request and calls one rule (`trading`, `contracts`, `shipyards`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spacetraders.sim import trading
from spacetraders.sim.routes import _body, _caller, _data, _page

router = APIRouter(prefix="/v2")


@router.get("/my/ships/{ship_symbol}/cargo")
async def ship_cargo(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(trading.cargo(sim, agent, ship_symbol))


@router.post("/my/ships/{ship_symbol}/purchase")
async def purchase_cargo(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(trading.purchase(sim, agent, ship_symbol, await _body(request)), status=201)


@router.post("/my/ships/{ship_symbol}/sell")
async def sell_cargo(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(trading.sell(sim, agent, ship_symbol, await _body(request)), status=201)


@router.post("/my/ships/{ship_symbol}/jettison")
async def jettison(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(trading.jettison(sim, agent, ship_symbol, await _body(request)))


@router.post("/my/ships/{ship_symbol}/transfer")
async def transfer_cargo(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(trading.transfer(sim, agent, ship_symbol, await _body(request)))


@router.post("/my/ships/{ship_symbol}/negotiate/contract")
async def negotiate_contract(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.contracts.negotiate(agent, ship_symbol), status=201)


@router.get("/my/contracts")
async def contracts(request: Request) -> JSONResponse:
    sim, agent = _caller(request)
    page, limit = _page(request)
    data, meta = sim.contracts.list_page(agent, page, limit)
    return _data(data, meta=meta)


@router.get("/my/contracts/{contract_id}")
async def contract(request: Request, contract_id: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.contracts.get(agent, contract_id).api())


@router.post("/my/contracts/{contract_id}/accept")
async def accept_contract(request: Request, contract_id: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.contracts.accept(agent, contract_id))


@router.post("/my/contracts/{contract_id}/deliver")
async def deliver_contract(request: Request, contract_id: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.contracts.deliver(agent, contract_id, await _body(request)))


@router.post("/my/contracts/{contract_id}/fulfill")
async def fulfill_contract(request: Request, contract_id: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.contracts.fulfill(agent, contract_id))


@router.post("/my/ships")
async def purchase_ship(request: Request) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(sim.shipyards.purchase(sim, agent, await _body(request)), status=201)
