"""Minimal API-shaped JSON bodies for scripting a fake server in the client tests."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
SYSTEM = "X1-TS98"


def route_point(symbol: str, x: int = 0, y: int = 0) -> Json:
    return {"symbol": symbol, "type": "PLANET", "systemSymbol": SYSTEM, "x": x, "y": y}


def nav(waypoint: str = f"{SYSTEM}-A1", status: str = "DOCKED", destination: str | None = None) -> Json:
    return {
        "systemSymbol": SYSTEM,
        "waypointSymbol": destination or waypoint,
        "status": status,
        "flightMode": "CRUISE",
        "route": {
            "origin": route_point(waypoint),
            "destination": route_point(destination or waypoint, 10, 0),
            "departureTime": "2025-04-09T17:24:38.980Z",
            "arrival": "2025-04-09T17:25:34.980Z",
        },
    }


def fuel(current: int = 400, capacity: int = 400) -> Json:
    return {"current": current, "capacity": capacity}


def ship(symbol: str, waypoint: str = f"{SYSTEM}-A1", status: str = "DOCKED") -> Json:
    return {
        "symbol": symbol,
        "registration": {"name": symbol, "factionSymbol": "COSMIC", "role": "COMMAND"},
        "nav": nav(waypoint, status),
        "frame": {"symbol": "FRAME_FRIGATE", "fuelCapacity": 400},
        "engine": {"symbol": "ENGINE_ION_DRIVE_II", "speed": 36},
        "cargo": {"capacity": 40, "units": 3, "inventory": []},
        "fuel": fuel(),
    }


def agent(symbol: str = "COOPER", credits: int = 175_000) -> Json:
    return {
        "accountId": "acc-1",
        "symbol": symbol,
        "headquarters": f"{SYSTEM}-A1",
        "credits": credits,
        "startingFaction": "COSMIC",
        "shipCount": 2,
    }


def waypoint(symbol: str, traits: tuple[str, ...] = (), orbits: str | None = None) -> Json:
    return {
        "symbol": symbol,
        "type": "PLANET",
        "systemSymbol": SYSTEM,
        "x": 3,
        "y": -4,
        "orbitals": [],
        "orbits": orbits,
        "traits": [{"symbol": t, "name": t.title(), "description": ""} for t in traits],
        "isUnderConstruction": False,
    }


def market(symbol: str, with_prices: bool) -> Json:
    good = {"symbol": "FUEL", "name": "Fuel", "description": ""}
    body: Json = {"symbol": symbol, "exports": [], "imports": [], "exchange": [good]}
    if with_prices:
        body["tradeGoods"] = [
            {
                "symbol": "FUEL",
                "type": "EXCHANGE",
                "tradeVolume": 100,
                "supply": "MODERATE",
                "activity": "WEAK",
                "purchasePrice": 72,
                "sellPrice": 68,
            }
        ]
        body["transactions"] = []
    return body


def page(items: list[Json], page_number: int, total: int, limit: int = 20) -> Json:
    return {"data": items, "meta": {"total": total, "page": page_number, "limit": limit}}


def error(code: int, message: str = "nope", data: Json | None = None) -> Json:
    envelope: Json = {"message": message, "code": code}
    if data is not None:
        envelope["data"] = data
    return {"error": envelope}
