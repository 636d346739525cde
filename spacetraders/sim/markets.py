"""One market's state: its economy rows (`economy.Row`), recent transactions, and its API shapes.

The rules live in `economy` (pure); this class only holds the current rows and caches the
rendered `tradeGoods` for a game minute, so a burst of reads costs one advance.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.sim import economy
from spacetraders.sim.catalogue import GOODS, trade_good
from spacetraders.sim.economy import ACTIVITY_LEVELS, SUPPLY_LEVELS, stable_hash
from spacetraders.sim.universe import MarketSpec

__all__ = ["ACTIVITY_LEVELS", "SUPPLY_LEVELS", "Market", "stable_hash"]

TRANSACTIONS_KEPT = 20
READ_STEP_S = 60  # reads within one game minute share one rendering


@dataclass
class Market:
    waypoint_symbol: str
    spec: MarketSpec
    rows: dict[str, economy.Row]
    transactions: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=TRANSACTIONS_KEPT))
    _view: tuple[int, list[dict[str, Any]]] | None = field(default=None, repr=False)
    _catalogue: dict[str, Any] | None = field(default=None, repr=False)
    _rendered: dict[str, tuple[economy.Row, dict[str, Any]]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, seed: int, waypoint_symbol: str, spec: MarketSpec, now: datetime) -> Market:
        """The market as a fresh reset has it; `now` is the game time of the reset."""
        prices = {s: float(g.base_price) for s, g in GOODS.items()}
        return cls(waypoint_symbol, spec, economy.reset_market(seed, waypoint_symbol, spec.goods(), now, prices))

    def catalogue(self) -> dict[str, Any]:
        if self._catalogue is None:  # the catalogue never changes
            self._catalogue = {
                "exports": [trade_good(s) for s in self.spec.exports],
                "imports": [trade_good(s) for s in self.spec.imports],
                "exchange": [trade_good(s) for s in self.spec.exchange],
            }
        return {"symbol": self.waypoint_symbol, **self._catalogue}

    def trade_goods(self, game_time: datetime) -> list[dict[str, Any]]:
        step = int(game_time.timestamp()) // READ_STEP_S
        if self._view is None or self._view[0] != step:
            self.rows = economy.advance_market(self.rows, game_time)
            self._view = (step, [self._render(r) for r in self.rows.values()])
        return self._view[1]

    def _render(self, row: economy.Row) -> dict[str, Any]:
        """A row's tradeGoods entry, re-rendered only when the row changed (quiet rows stay put)."""
        cached = self._rendered.get(row.symbol)
        if cached is None or cached[0] is not row:
            cached = (row, _priced(row))
            self._rendered[row.symbol] = cached
        return cached[1]

    def row(self, symbol: str) -> economy.Row | None:
        return self.rows.get(symbol)

    def quote(self, symbol: str, game_time: datetime) -> tuple[int, int] | None:
        """(purchasePrice, sellPrice) at exactly `game_time`, or None if the good is not traded here."""
        if symbol not in self.rows:
            return None
        self.rows = economy.advance_market(self.rows, game_time)
        return economy.quote(self.rows[symbol])

    def purchase_price(self, symbol: str, game_time: datetime) -> int | None:
        quoted = self.quote(symbol, game_time)
        return quoted[0] if quoted else None

    def trade(self, symbol: str, units: int, buying: bool, game_time: datetime) -> int:
        """Fill one call (validated by the caller) and move the market; the price per unit paid."""
        self.rows, price = economy.trade(self.rows, symbol, units, buying, game_time)
        self._view = None
        return price

    def record(self, transaction: dict[str, Any]) -> None:
        self.transactions.append(transaction)


def _priced(row: economy.Row) -> dict[str, Any]:
    ask, bid = economy.quote(row)
    good: dict[str, Any] = {
        "symbol": row.symbol,
        "type": row.type,
        "tradeVolume": row.trade_volume,
        "supply": row.supply_level,
        "purchasePrice": ask,
        "sellPrice": bid,
    }
    activity = row.activity
    if activity is not None:
        good["activity"] = activity
    return good

