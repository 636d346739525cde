"""Response shapes, for the OpenAPI schema (/openapi.json, /docs) and for tests to validate against.

Handlers build plain dicts and send them as JSON directly (no per-item model validation on
the hot path); tests check that every payload validates against these models.
"""

from __future__ import annotations

from pydantic import BaseModel


class RoutePoint(BaseModel):
    symbol: str
    x: int
    y: int


class ShipPosition(BaseModel):
    x: float
    y: float
    waypoint: str
    nav_status: str


class Tour(BaseModel):
    ship_symbol: str
    container_id: str
    player_id: int
    status: str
    markets: list[str]
    current_market: str | None
    next_market: str | None
    ship: ShipPosition | None
    route: list[RoutePoint]
    total_distance: float
    assigned_at: str
    iterations: int | None
    period_seconds: int | None = None  # planned loop time: markets refreshed at least this often


class ToursResponse(BaseModel):
    system: str
    generated_at: str
    tours: list[Tour]


class Run(BaseModel):
    container_id: str
    player_id: int
    command_type: str
    status: str
    ship_symbol: str
    ship: ShipPosition | None
    next_stop: str | None
    route: list[RoutePoint]
    phase: str | None
    progress: dict[str, object] | None


class RunsResponse(BaseModel):
    system: str
    generated_at: str
    runs: list[Run]


class PlayerOut(BaseModel):
    player_id: int
    agent_symbol: str
    faction: str | None
    headquarters: str | None


class PlayersResponse(BaseModel):
    players: list[PlayerOut]


class AssignmentOut(BaseModel):
    player_id: int
    ship_symbol: str
    container_id: str | None
    operation: str
    status: str
    assigned_at: str
    released_at: str | None
    release_reason: str | None


class AssignmentsResponse(BaseModel):
    assignments: list[AssignmentOut]


class ContainerOut(BaseModel):
    container_id: str
    player_id: int
    status: str
    command_type: str
    ship_symbol: str | None
    assigned_ship: str | None
    system: str | None
    restart_count: int
    restarted_from: str | None
    created_at: str
    started_at: str | None
    stopped_at: str | None
    exit_code: int | None
    exit_reason: str | None


class ContainersResponse(BaseModel):
    containers: list[ContainerOut]


class GoodOut(BaseModel):
    symbol: str
    type: str | None
    supply: str | None
    activity: str | None
    purchase_price: int | None
    sell_price: int | None
    trade_volume: int | None


class MarketOut(BaseModel):
    waypoint_symbol: str
    x: int | None
    y: int | None
    last_updated: str
    age_seconds: int
    goods: list[GoodOut]


class MarketsResponse(BaseModel):
    system: str
    generated_at: str
    markets: list[MarketOut]


class WaypointOut(BaseModel):
    symbol: str
    type: str
    x: int
    y: int
    traits: list[str]
    orbits: str | None
    is_market: bool


class SystemResponse(BaseModel):
    symbol: str
    type: str | None
    x: int | None
    y: int | None
    waypoints: list[WaypointOut]


class SystemSummary(BaseModel):
    symbol: str
    waypoints: int
    live_tours: int


class SystemsResponse(BaseModel):
    systems: list[SystemSummary]


class ErrorResponse(BaseModel):
    detail: str


class LedgerEntryOut(BaseModel):
    entry_id: int
    at: str
    player_id: int
    ship_symbol: str | None
    container_id: str | None
    kind: str
    good: str | None
    units: int | None
    unit_price: int | None
    total: int
    credits_after: int
    waypoint_symbol: str | None
    reference: str | None


class LedgerResponse(BaseModel):
    entries: list[LedgerEntryOut]


class LedgerSums(BaseModel):
    entries: int
    income: int
    spend: int
    net: int


class LedgerGroup(LedgerSums):
    key: str | None


class LedgerReportResponse(BaseModel):
    by: str
    groups: list[LedgerGroup]
    total: LedgerSums
