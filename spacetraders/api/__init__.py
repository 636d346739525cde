"""httpx client for the SpaceTraders v2 API: auth, rate limit, retries, typed errors.

The names below load on first use (PEP 562), so importing a light part such as
`spacetraders.api.tokens` does not import httpx and the whole client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacetraders.api.client import SpaceTradersClient
    from spacetraders.api.errors import (
        AlreadyAtDestinationError,
        ApiError,
        ApiUnavailableError,
        AuthError,
        CooldownError,
        InsufficientFuelError,
        InTransitError,
        NotDockedError,
        NotFoundError,
        NotInOrbitError,
        RateLimitError,
        RegistrationConflictError,
        ServerError,
    )
    from spacetraders.api.ratelimit import RateLimiter, limiter_for_token, limiter_for_url
    from spacetraders.api.retry import RetryPolicy
    from spacetraders.api.tokens import mask_token

_HOMES = {
    "SpaceTradersClient": "client",
    **dict.fromkeys(
        (
            "AlreadyAtDestinationError", "ApiError", "ApiUnavailableError", "AuthError", "CooldownError",
            "InTransitError", "InsufficientFuelError", "NotDockedError", "NotFoundError", "NotInOrbitError",
            "RateLimitError", "RegistrationConflictError", "ServerError",
        ),
        "errors",
    ),
    "RateLimiter": "ratelimit",
    "limiter_for_token": "ratelimit",
    "limiter_for_url": "ratelimit",
    "RetryPolicy": "retry",
    "mask_token": "tokens",
}

__all__ = [
    "AlreadyAtDestinationError",
    "ApiError",
    "ApiUnavailableError",
    "AuthError",
    "CooldownError",
    "InTransitError",
    "InsufficientFuelError",
    "NotDockedError",
    "NotFoundError",
    "NotInOrbitError",
    "RateLimitError",
    "RateLimiter",
    "RegistrationConflictError",
    "RetryPolicy",
    "ServerError",
    "SpaceTradersClient",
    "limiter_for_token",
    "limiter_for_url",
    "mask_token",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
