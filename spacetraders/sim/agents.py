"""Registered agents and their opaque, JWT-looking tokens."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from spacetraders.sim.errors import SimError
from spacetraders.sim.ships import Ship

STARTING_CREDITS = 175_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(agent_symbol: str, reset_date: str, issued_at: int) -> str:
    """header.payload.signature like a JWT; the signature is random, so tokens can't be forged."""
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    payload = _b64(
        json.dumps(
            {"identifier": agent_symbol, "version": "v2.3.0", "reset_date": reset_date, "iat": issued_at, "sub": "agent-token"}
        ).encode()
    )
    return f"{header}.{payload}.{_b64(secrets.token_bytes(32))}"


def token_reset_date(token: str) -> str | None:
    """The reset date a well-formed token claims, or None if it is not one of ours."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError):
        return None
    value = claims.get("reset_date") if isinstance(claims, dict) else None
    return value if isinstance(value, str) else None


@dataclass(eq=False)
class Agent:
    symbol: str
    faction: str
    headquarters: str
    account_id: str
    account_token_digest: str = field(repr=False)
    token: str = field(repr=False)
    credits: int = STARTING_CREDITS
    ships: dict[str, Ship] = field(default_factory=dict, repr=False)
    next_ship_number: int = 1

    def spend(self, amount: int, what: str) -> None:
        """Pay `amount` credits for `what`, or 4600 without changing anything."""
        if amount > self.credits:
            raise SimError(400, 4600, f"Agent has insufficient funds for {what}: {amount} credits needed, "
                           f"{self.credits} available.", {"creditsAvailable": self.credits, "totalPrice": amount})
        self.credits -= amount

    def new_ship_symbol(self) -> str:
        symbol = f"{self.symbol}-{self.next_ship_number:X}"
        self.next_ship_number += 1
        return symbol

    def public_api(self) -> dict[str, Any]:
        """The agent as others see it (GET /agents): no accountId."""
        body = self.api()
        del body["accountId"]
        return body

    def api(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "symbol": self.symbol,
            "headquarters": self.headquarters,
            "credits": self.credits,
            "startingFaction": self.faction,
            "shipCount": len(self.ships),
        }
