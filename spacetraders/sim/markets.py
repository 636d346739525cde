"""Market prices: a cheap deterministic function of (seed, waypoint, good, game time).

Each good gets a fixed phase and amplitude from a hash; its price then follows a slow
wave in game time, stepped every PRICE_STEP game seconds so repeated reads agree. Supply
and activity are derived from where on the wave the price sits.
"""

from __future__ import annotations

import math
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.sim.catalogue import GOODS
from spacetraders.sim.universe import MarketSpec

PRICE_STEP_S = 600  # prices move every 10 game minutes
PRICE_PERIOD_S = 6 * 3600  # one full swing over ~6 game hours
SUPPLY_LEVELS = ("SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT")
ACTIVITY_LEVELS = ("WEAK", "GROWING", "STRONG", "RESTRICTED")
# What the market pays you, as a fraction of what it charges you, per trade type.
SPREAD = {"EXCHANGE": 0.94, "IMPORT": 0.47, "EXPORT": 0.5}
TYPE_FACTOR = {"EXCHANGE": 1.0, "IMPORT": 1.3, "EXPORT": 0.6}
TRANSACTIONS_KEPT = 20


def stable_hash(*parts: object) -> int:
    return zlib.crc32(":".join(map(str, parts)).encode())


@dataclass(frozen=True)
class GoodDynamics:
    symbol: str
    trade_type: str
    base: float
    phase: float
    amplitude: float  # 0.05 .. 0.3
    volume: int
    activity: str


@dataclass
class Market:
    waypoint_symbol: str
    spec: MarketSpec
    dynamics: list[GoodDynamics]
    transactions: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=TRANSACTIONS_KEPT))

    @classmethod
    def build(cls, seed: int, waypoint_symbol: str, spec: MarketSpec) -> Market:
        dynamics = []
        for symbol, trade_type in spec.goods():
            h = stable_hash(seed, waypoint_symbol, symbol)
            good = GOODS.get(symbol)
            base = (good.base_price if good else 500) * TYPE_FACTOR[trade_type] * (0.85 + (h % 300) / 1000)
            dynamics.append(
                GoodDynamics(
                    symbol=symbol,
                    trade_type=trade_type,
                    base=base,
                    phase=(h >> 8) % 6283 / 1000,
                    amplitude=0.05 + ((h >> 4) % 26) / 100,
                    volume=(6, 10, 20, 60, 100, 180)[(h >> 12) % 6] if symbol != "FUEL" else 180,
                    activity=ACTIVITY_LEVELS[(h >> 16) % 3],
                )
            )
        return cls(waypoint_symbol, spec, dynamics)

    def catalogue(self) -> dict[str, Any]:
        return {
            "symbol": self.waypoint_symbol,
            "exports": [GOODS[s].as_trade_good() if s in GOODS else _unknown(s) for s in self.spec.exports],
            "imports": [GOODS[s].as_trade_good() if s in GOODS else _unknown(s) for s in self.spec.imports],
            "exchange": [GOODS[s].as_trade_good() if s in GOODS else _unknown(s) for s in self.spec.exchange],
        }

    def trade_goods(self, game_time: datetime) -> list[dict[str, Any]]:
        step = int(game_time.timestamp()) // PRICE_STEP_S * PRICE_STEP_S
        return [_quote(d, step) for d in self.dynamics]

    def purchase_price(self, symbol: str, game_time: datetime) -> int | None:
        for good in self.trade_goods(game_time):
            if good["symbol"] == symbol:
                return int(good["purchasePrice"])
        return None

    def record(self, transaction: dict[str, Any]) -> None:
        self.transactions.append(transaction)


def _quote(d: GoodDynamics, step: int) -> dict[str, Any]:
    wave = math.sin(d.phase + 2 * math.pi * step / PRICE_PERIOD_S)
    purchase = max(2, round(d.base * (1 + d.amplitude * wave)))
    sell = max(1, min(purchase - 1, round(purchase * SPREAD[d.trade_type])))
    # High price means little supply: map the wave (-1..1) onto ABUNDANT..SCARCE.
    supply = SUPPLY_LEVELS[min(4, int((1 - wave) / 2 * 5))]
    good: dict[str, Any] = {
        "symbol": d.symbol,
        "type": d.trade_type,
        "tradeVolume": d.volume,
        "supply": supply,
        "purchasePrice": purchase,
        "sellPrice": sell,
    }
    if d.trade_type != "EXCHANGE":
        good["activity"] = d.activity
    return good


def _unknown(symbol: str) -> dict[str, str]:
    return {"symbol": symbol, "name": symbol.replace("_", " ").title(), "description": ""}
