"""httpx client for the SpaceTraders v2 API: auth, rate limit, retries, typed errors."""

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
