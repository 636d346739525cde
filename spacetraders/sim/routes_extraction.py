"""/v2 routes for survey, extract, siphon and refine."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spacetraders.sim import extraction
from spacetraders.sim.routes import _body, _caller, _data

router = APIRouter(prefix="/v2/my/ships/{ship_symbol}")


@router.post("/survey")
async def survey(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(extraction.survey(sim, agent, ship_symbol), status=201)


@router.post("/extract")
async def extract(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(extraction.extract(sim, agent, ship_symbol, await _body(request)), status=201)


@router.post("/extract/survey")
async def extract_with_survey(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(extraction.extract(sim, agent, ship_symbol, await _body(request), with_survey=True), status=201)


@router.post("/siphon")
async def siphon(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(extraction.siphon(sim, agent, ship_symbol), status=201)


@router.post("/refine")
async def refine(request: Request, ship_symbol: str) -> JSONResponse:
    sim, agent = _caller(request)
    return _data(extraction.refine(sim, agent, ship_symbol, await _body(request)), status=201)
