"""What pricing a contract reads from the database: the stored asks of the markets that sell
its good, and the fuel price. Shared by `contract evaluate` (application) and the
ContractCommand container (operations sit below application, so it lives here).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from spacetraders.domain.contract_pricing import Source
from spacetraders.domain.fuel import CAUTIOUS_FUEL_ASK, tank_unit_price
from spacetraders.domain.navigation import Point
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import MarketGood, MarketRow


def stored_sources(
    db: Database, system: str, good: str, positions: dict[str, Point], now: datetime
) -> tuple[list[Source], float]:
    """Markets of the system that sell `good` (as last stored), and the median fuel price per tank unit."""
    with db.read() as session:
        rows = session.execute(
            select(MarketGood.waypoint_symbol, MarketGood.symbol, MarketGood.purchase_price, MarketGood.trade_volume,
                   MarketGood.supply, MarketRow.updated_at)
            .join(MarketRow, MarketRow.waypoint_symbol == MarketGood.waypoint_symbol)
            .where(MarketRow.system_symbol == system, MarketGood.symbol.in_([good, "FUEL"]),
                   MarketGood.purchase_price.is_not(None))
        ).all()
    sources: list[Source] = []
    fuel: list[int] = []
    for waypoint, symbol, price, volume, supply, updated in rows:
        if price is None:
            continue
        if symbol == "FUEL":
            fuel.append(int(price))
        if symbol == good and waypoint in positions:
            sources.append(Source(waypoint, positions[waypoint], int(price), int(volume or 0), supply,
                                  max(0.0, (now - updated).total_seconds())))
    return sorted(sources, key=lambda s: s.waypoint), tank_unit_price(fuel, default=CAUTIOUS_FUEL_ASK)
