from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from spacetraders.api import RateLimiter, RetryPolicy, SpaceTradersClient
from spacetraders.clock import FakeClock

BASE_URL = "https://api.test/v2"

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def token() -> str:
    """A unique JWT-looking secret per test (so process-wide limiters never collide)."""
    return f"eyJhbGciOiJIUzI1NiJ9.{uuid.uuid4().hex}{uuid.uuid4().hex}.SECRETSIG"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock, token: str) -> Callable[..., SpaceTradersClient]:
    def make(handler: Handler, **kwargs: Any) -> SpaceTradersClient:
        kwargs.setdefault("token", token)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("limiter", RateLimiter(clock))
        kwargs.setdefault("retry", RetryPolicy(max_attempts=kwargs.pop("max_attempts", 5), rng=random.Random(7)))
        return SpaceTradersClient(BASE_URL, transport=httpx.MockTransport(handler), **kwargs)

    return make

