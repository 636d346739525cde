"""`SpaceTradersClient`: the async API client every fleet operation uses.

Endpoints and shapes: NOTES.md §2. Transport concerns (rate limit, retries, typed errors)
live in `requester.py`; this module only maps operations to requests and JSON to models.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from spacetraders.api.errors import (
    AlreadyAtDestinationError,
    ApiError,
    AuthError,
    InTransitError,
)
from spacetraders.api.models import (
    Agent,
    Market,
    NavigateResult,
    RefuelResult,
    RegisterResult,
    ServerStatus,
    Ship,
    ShipNav,
    Shipyard,
    System,
    Waypoint,
)
from spacetraders.api.ratelimit import RateLimiter, limiter_for_token, limiter_for_url
from spacetraders.api.requester import Call, Params, Requester
from spacetraders.api.retry import RetryPolicy
from spacetraders.api.tokens import mask_token
from spacetraders.api.trade_models import Cargo, Contract, ContractResult, DeliverResult, ShipPurchase, TradeResult
from spacetraders.api.travel_models import (
    ChartResult,
    Construction,
    Cooldown,
    JumpGate,
    JumpResult,
    SupplyResult,
    WarpResult,
)
from spacetraders.clock import Clock, SystemClock

logger = logging.getLogger("spacetraders.api")

PAGE_LIMIT = 20  # the server's maximum page size

Json = dict[str, Any]


def _seg(symbol: str) -> str:
    """A symbol as one path segment (symbols never need escaping, but never trust input)."""
    return quote(symbol, safe="")


class SpaceTradersClient:
    """Async client bound to one agent token (or none, for public reads and register).

    Retries on connection loss: reads, orbit, dock and flight-mode changes are idempotent,
    so they are resent. navigate is resent too: if the lost attempt did execute, the
    retry answers 4214/4200/4204, which `navigate` reconciles by reading the ship. refuel
    is resent only without `units` (filling the tank twice is still a full tank); register
    never is (a lost attempt may have created the agent and its token).
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        timeout: float = 15.0,
        max_attempts: int = 5,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._clock: Clock = clock or SystemClock()
        self._retry = retry or RetryPolicy(max_attempts=max_attempts)
        # An explicit limiter paces every call; otherwise the process-wide ones are used.
        self._public_limiter = limiter or limiter_for_url(self.base_url, self._clock)
        self._limiter = limiter or (limiter_for_token(token, self._clock) if token else self._public_limiter)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json"},
        )
        self._requester = Requester(self._http, self.base_url, self._clock, self._retry, (token,))

    def __repr__(self) -> str:
        return f"SpaceTradersClient(base_url={self.base_url!r}, token={mask_token(self._token)!r})"

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    async def __aenter__(self) -> SpaceTradersClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing -------------------------------------------------------------------------

    async def _body(
        self,
        method: str,
        path: str,
        *,
        public: bool = False,
        params: Params | None = None,
        json: Json | None = None,
        repeatable: bool = True,
    ) -> Any:
        """The whole JSON body of a call. Public reads still send our token when we have
        one (markets then show live prices); agent calls refuse to go out without one."""
        if not public and not self._token:
            raise AuthError(None, 4103, f"{method} {path} needs an agent token and none is configured")
        limiter = self._limiter if self._token else self._public_limiter
        call = Call(method, path, limiter, self._token, params=params, json=json, repeatable=repeatable)
        return await self._requester.send(call)

    async def _data(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._unwrap(await self._body(method, path, **kwargs))

    async def _paginate(self, path: str, *, public: bool) -> list[Json]:
        items: list[Json] = []
        page = 1
        while True:
            body = await self._body("GET", path, public=public, params=[("page", page), ("limit", PAGE_LIMIT)])
            batch = self._unwrap(body)
            items.extend(batch)
            total = int((body.get("meta") or {}).get("total", len(items)))
            if not batch or len(items) >= total:
                return items
            page += 1

    @staticmethod
    def _unwrap(body: Any) -> Any:
        if not isinstance(body, dict) or "data" not in body:
            raise ApiError(None, None, "the API answered without a `data` field")
        return body["data"]

    # -- server and agent -----------------------------------------------------------------

    async def get_status(self) -> ServerStatus:
        """GET / (unwrapped). Sent without a token so it works with a stale one after a reset."""
        body = await self._requester.send(Call("GET", "/", self._public_limiter))
        if not isinstance(body, dict):
            raise ApiError(None, None, "the API status answer was not a JSON object")
        return ServerStatus.from_json(body)

    async def register(
        self, symbol: str, faction: str, account_token: str, *, email: str | None = None
    ) -> RegisterResult:
        payload: Json = {"symbol": symbol, "faction": faction}
        if email:
            payload["email"] = email
        call = Call("POST", "/register", self._public_limiter, account_token, json=payload, repeatable=False)
        requester = Requester(self._http, self.base_url, self._clock, self._retry, (self._token, account_token))
        return RegisterResult.from_json(self._unwrap(await requester.send(call)))

    async def get_agent(self) -> Agent:
        return Agent.from_json(await self._data("GET", "/my/agent"))

    # -- ships ----------------------------------------------------------------------------

    async def list_ships(self) -> list[Ship]:
        return [Ship.from_json(s) for s in await self._paginate("/my/ships", public=False)]

    async def get_ship(self, ship: str) -> Ship:
        return Ship.from_json(await self._data("GET", f"/my/ships/{_seg(ship)}"))

    async def orbit(self, ship: str) -> ShipNav:
        return ShipNav.from_json((await self._data("POST", f"/my/ships/{_seg(ship)}/orbit"))["nav"])

    async def dock(self, ship: str) -> ShipNav:
        return ShipNav.from_json((await self._data("POST", f"/my/ships/{_seg(ship)}/dock"))["nav"])

    async def navigate(self, ship: str, waypoint: str) -> NavigateResult:
        try:
            data = await self._data("POST", f"/my/ships/{_seg(ship)}/navigate", json={"waypointSymbol": waypoint})
        except (InTransitError, AlreadyAtDestinationError) as err:
            if not err.after_lost_attempt:
                raise
            # An earlier attempt was lost after sending; if it executed, the ship is now
            # heading to (or already at) `waypoint`: that is the success we asked for.
            current = await self.get_ship(ship)
            if current.nav.waypoint_symbol != waypoint:
                raise
            logger.info("navigate %s -> %s: lost attempt had executed; using ship state", ship, waypoint)
            return NavigateResult(nav=current.nav, fuel=current.fuel)
        return NavigateResult.from_json(data)

    async def set_flight_mode(self, ship: str, mode: str) -> ShipNav:
        data = await self._data("PATCH", f"/my/ships/{_seg(ship)}/nav", json={"flightMode": str(mode)})
        return ShipNav.from_json(data["nav"] if "nav" in data else data)  # pre-2.3 servers: bare nav

    async def refuel(self, ship: str, units: int | None = None, from_cargo: bool = False) -> RefuelResult:
        payload: Json = {}
        if units is not None:
            if units < 1:
                raise ValueError("refuel units must be at least 1")
            payload["units"] = units
        if from_cargo:
            payload["fromCargo"] = True
        data = await self._data(
            "POST", f"/my/ships/{_seg(ship)}/refuel", json=payload, repeatable=units is None
        )
        return RefuelResult.from_json(data)

    # -- systems, waypoints, markets --------------------------------------------------------

    async def list_systems(self) -> list[System]:
        return [System.from_json(s) for s in await self._paginate("/systems", public=True)]

    async def get_system(self, system: str) -> System:
        return System.from_json(await self._data("GET", f"/systems/{_seg(system)}", public=True))

    async def list_waypoints(self, system: str, traits: Iterable[str] | None = None) -> list[Waypoint]:
        """Every waypoint of `system`; those having ALL `traits` if given.

        Filtering is local: the server's `traits` query has been seen to return wrong
        results (NOTES.md §2), and one unfiltered scan serves every later filter anyway.
        """
        wanted = frozenset((traits,) if isinstance(traits, str) else traits or ())
        raw = await self._paginate(f"/systems/{_seg(system)}/waypoints", public=True)
        waypoints = [Waypoint.from_json(w) for w in raw]
        return [w for w in waypoints if wanted.issubset(w.traits)]

    async def get_waypoint(self, system: str, waypoint: str) -> Waypoint:
        path = f"/systems/{_seg(system)}/waypoints/{_seg(waypoint)}"
        return Waypoint.from_json(await self._data("GET", path, public=True))

    async def get_market(self, system: str, waypoint: str) -> Market:
        path = f"/systems/{_seg(system)}/waypoints/{_seg(waypoint)}/market"
        return Market.from_json(await self._data("GET", path, public=True))

    async def get_shipyard(self, system: str, waypoint: str) -> Shipyard:
        path = f"/systems/{_seg(system)}/waypoints/{_seg(waypoint)}/shipyard"
        return Shipyard.from_json(await self._data("GET", path, public=True))

    # -- cargo, trade, contracts, ship purchases (ECONOMY.md §12-§14) -----------------------
    # Buying, selling, delivering and accepting move money or cargo and are never resent
    # after a lost attempt (repeatable=False): the caller re-reads cargo and agent first.

    async def get_cargo(self, ship: str) -> Cargo:
        return Cargo.from_json(await self._data("GET", f"/my/ships/{_seg(ship)}/cargo"))

    async def purchase_cargo(self, ship: str, symbol: str, units: int) -> TradeResult:
        """Buy `units` (<= the good's tradeVolume) at the market where `ship` is docked."""
        return TradeResult.from_json(await self._trade_call(ship, "purchase", symbol, units))

    async def sell_cargo(self, ship: str, symbol: str, units: int) -> TradeResult:
        return TradeResult.from_json(await self._trade_call(ship, "sell", symbol, units))

    async def jettison(self, ship: str, symbol: str, units: int) -> Cargo:
        return Cargo.from_json((await self._trade_call(ship, "jettison", symbol, units))["cargo"])

    async def transfer_cargo(self, ship: str, to_ship: str, symbol: str, units: int) -> Cargo:
        """Move cargo to another of our ships at the same waypoint; returns the sender's hold."""
        _positive(units)
        payload: Json = {"tradeSymbol": symbol, "units": units, "shipSymbol": to_ship}
        data = await self._data("POST", f"/my/ships/{_seg(ship)}/transfer", json=payload, repeatable=False)
        return Cargo.from_json(data["cargo"])

    async def _trade_call(self, ship: str, action: str, symbol: str, units: int) -> Any:
        _positive(units)
        payload: Json = {"symbol": symbol, "units": units}
        return await self._data("POST", f"/my/ships/{_seg(ship)}/{action}", json=payload, repeatable=False)

    async def list_contracts(self) -> list[Contract]:
        return [Contract.from_json(c) for c in await self._paginate("/my/contracts", public=False)]

    async def get_contract(self, contract_id: str) -> Contract:
        return Contract.from_json(await self._data("GET", f"/my/contracts/{_seg(contract_id)}"))

    async def accept_contract(self, contract_id: str) -> ContractResult:
        data = await self._data("POST", f"/my/contracts/{_seg(contract_id)}/accept", repeatable=False)
        return ContractResult.from_json(data)

    async def deliver_contract(self, contract_id: str, ship: str, symbol: str, units: int) -> DeliverResult:
        _positive(units)
        payload: Json = {"shipSymbol": ship, "tradeSymbol": symbol, "units": units}
        path = f"/my/contracts/{_seg(contract_id)}/deliver"
        return DeliverResult.from_json(await self._data("POST", path, json=payload, repeatable=False))

    async def fulfill_contract(self, contract_id: str) -> ContractResult:
        data = await self._data("POST", f"/my/contracts/{_seg(contract_id)}/fulfill", repeatable=False)
        return ContractResult.from_json(data)

    async def negotiate_contract(self, ship: str) -> Contract:
        """A new offer from the faction at the ship's waypoint (one open contract at a time: 4511)."""
        data = await self._data("POST", f"/my/ships/{_seg(ship)}/negotiate/contract", repeatable=False)
        return Contract.from_json(data["contract"])

    async def purchase_ship(self, ship_type: str, waypoint: str) -> ShipPurchase:
        """Buy a ship at the yard at `waypoint`, where one of our ships must be."""
        payload: Json = {"shipType": ship_type, "waypointSymbol": waypoint}
        return ShipPurchase.from_json(await self._data("POST", "/my/ships", json=payload, repeatable=False))

    # -- travel between systems (ECONOMY.md §15; models in travel_models.py) ----------------

    async def get_jump_gate(self, system: str, waypoint: str) -> JumpGate:
        path = f"/systems/{_seg(system)}/waypoints/{_seg(waypoint)}/jump-gate"
        return JumpGate.from_json(await self._data("GET", path, public=True))

    async def get_construction(self, system: str, waypoint: str) -> Construction:
        path = f"/systems/{_seg(system)}/waypoints/{_seg(waypoint)}/construction"
        return Construction.from_json(await self._data("GET", path, public=True))

    async def supply_construction(self, system: str, waypoint: str, ship: str, good: str, units: int) -> SupplyResult:
        """Not resent after a lost attempt: the goods may already have been delivered."""
        if units < 1:
            raise ValueError("units must be at least 1")
        path = f"/systems/{_seg(system)}/waypoints/{_seg(waypoint)}/construction/supply"
        payload: Json = {"shipSymbol": ship, "tradeSymbol": good, "units": units}
        return SupplyResult.from_json(await self._data("POST", path, json=payload, repeatable=False))

    async def jump(self, ship: str, gate: str) -> JumpResult:
        """Jump to a connected gate (another system). Costs credits and starts a cooldown,
        so a lost attempt is not resent (`CooldownError` would follow if it executed)."""
        data = await self._data("POST", f"/my/ships/{_seg(ship)}/jump", json={"waypointSymbol": gate}, repeatable=False)
        return JumpResult.from_json(data)

    async def warp(self, ship: str, waypoint: str) -> WarpResult:
        """Warp (warp drive needed) to a waypoint of another system; not resent when lost."""
        path = f"/my/ships/{_seg(ship)}/warp"
        return WarpResult.from_json(await self._data("POST", path, json={"waypointSymbol": waypoint}, repeatable=False))

    async def get_cooldown(self, ship: str) -> Cooldown | None:
        """The ship's cooldown, or None when it has none (the server answers 204)."""
        body = await self._body("GET", f"/my/ships/{_seg(ship)}/cooldown")
        return None if body is None else Cooldown.from_json(self._unwrap(body))

    async def chart(self, ship: str) -> ChartResult:
        """Chart the waypoint the ship is at; a resent lost attempt would answer 4230."""
        return ChartResult.from_json(await self._data("POST", f"/my/ships/{_seg(ship)}/chart", repeatable=False))


def _positive(units: int) -> None:
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValueError(f"units must be a whole number >= 1, got {units!r}")
