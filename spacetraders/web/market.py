"""`/api/market/spreads`: `market spreads` over HTTP (same query), for the map's lane overlay.

Ranked for a light hauler starting at each lane's source (no ship is read from the game: the
web API is read-only and offline). Bad query parameters are a 422 with a `detail`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from spacetraders.application import market_queries as mq
from spacetraders.clock import Clock
from spacetraders.persistence.database import Database
from spacetraders.web import read_models

MAX_AGE_S = 30 * 86400

System = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]+-[A-Za-z0-9]+$", max_length=32,
                                     description="Only this system, e.g. X1-TS98 (default: every system with data).")]
Good = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_]{1,64}$", description="Only this good, e.g. IRON_ORE.")]
MinProfit = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only lanes earning more than this (default: any profit).")]
MaxAge = Annotated[int, Query(ge=1, le=MAX_AGE_S, description="Ignore market data older than this many seconds.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Lanes to return, best profit per hour first.")]


class Lane(BaseModel):
    good: str
    buy_at: str
    sell_at: str
    units: int
    buy_price: int
    sell_price: int
    buy_limit: int
    sell_limit: int
    goods_cost: int
    revenue: int
    fuel_cost: int
    expected_profit: int
    seconds: float
    profit_per_hour: float
    data_age_seconds: float
    route: list[str]


class SpreadsResponse(BaseModel):
    generated_at: str
    systems: list[str]
    ship: str  # what the lanes are ranked for
    fuel_price_per_unit: float
    max_age_seconds: int
    lanes: list[Lane]


def router(db: Database, clock: Clock) -> APIRouter:
    api = APIRouter(tags=["market"])

    @api.get("/api/market/spreads", response_model=SpreadsResponse)
    def spreads(system: System = None, good: Good = None, min_profit: MinProfit = None, max_age: MaxAge = 3600,
                limit: Limit = 20) -> Response:
        """Trade lanes ranked by expected profit per hour for a light hauler (see `market spreads`)."""
        now = clock.now()
        with db.read() as session:
            result = mq.spreads(session, now=now, max_age=timedelta(seconds=max_age), system=system, good=good,
                                min_profit=min_profit or 0, limit=limit)
        body = {
            "generated_at": read_models.iso(now),
            "systems": list(result.systems),
            "ship": mq.DEFAULT_SHIP_NOTE,
            "fuel_price_per_unit": result.fuel_price,
            "max_age_seconds": max_age,
            "lanes": [mq.lane_view(p) for p in result.lanes],
        }
        return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")

    return api
