"""`/api/ledger` and `/api/ledger/report`: the CLI's ledger queries over HTTP (same handlers).

Bad query parameters are a 422 with one `detail` line, like FastAPI's own validation.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from spacetraders.application.ledger import (
    LedgerFilter,
    LedgerKind,
    ReportBy,
    list_view,
    parse_since,
    report_view,
)
from spacetraders.clock import Clock
from spacetraders.persistence.database import Database
from spacetraders.web import read_models, schemas

Since = Annotated[str | None, Query(max_length=40, description="A duration back from now (30m, 2h, 1d) or ISO time.")]
Ship = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Only this ship's entries.")]
PlayerId = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only this player's entries.")]
NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": schemas.ErrorResponse}}


def router(db: Database, clock: Clock) -> APIRouter:
    api = APIRouter(tags=["ledger"])

    def _filter(player_id: int | None, since: str | None, ship: str | None, kind: LedgerKind | None) -> LedgerFilter:
        try:
            since_at = None if since is None else parse_since(since, clock.now())
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=f"since: {exc}") from None
        with db.read() as session:
            read_models.require_player(session, player_id)
        return LedgerFilter(player_id=player_id, since=since_at, ship_symbol=ship.upper() if ship else None, kind=kind)

    @api.get("/api/ledger", response_model=schemas.LedgerResponse, responses=NOT_FOUND)
    def ledger(
        player_id: PlayerId = None, since: Since = None, ship: Ship = None, kind: LedgerKind | None = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 500,
    ) -> Response:
        """Ledger entries, newest first."""
        return _json(list_view(db, _filter(player_id, since, ship, kind), limit=limit))

    @api.get("/api/ledger/report", response_model=schemas.LedgerReportResponse, responses=NOT_FOUND)
    def ledger_report(
        by: ReportBy = ReportBy.DAY, player_id: PlayerId = None, since: Since = None, ship: Ship = None,
        kind: LedgerKind | None = None,
    ) -> Response:
        """Income, spend and net per day, kind, ship or container."""
        return _json(report_view(db, _filter(player_id, since, ship, kind), by))

    return api


def _json(data: object) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), media_type="application/json")
