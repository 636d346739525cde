"""One API call end to end: rate limit, send, retry, and turn failures into typed errors.

Retry rules:
- 429: wait `Retry-After` / `error.data.retryAfter` (else backoff), pausing the shared
  limiter so every caller with the same token backs off, then retry.
- 5xx: backoff (longer for 502, the DDoS layer), then retry; but a call that is not
  `repeatable` (a purchase, a sale...) may have been executed before the 5xx, so it is raised
  at once, flagged `after_lost_attempt`, for the caller to reconcile.
- Connection never established: always safe to retry. A refused connection or an unknown host
  (`ConnectError`) gets only `RetryPolicy.connect_attempts` quick tries; a connect timeout the
  full backoff.
- Lost after sending (read timeout, dropped connection): the server may have executed the
  request. Retried only when `Call.repeatable` says repeating it is harmless; otherwise
  `ApiUnavailableError` at once. A later error on the same call is flagged
  `after_lost_attempt` so the caller can reconcile (see `SpaceTradersClient.navigate`).
- Any other 4xx: never retried.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from spacetraders.api.errors import ApiError, ApiUnavailableError, error_from_response
from spacetraders.api.ratelimit import Priority, RateLimiter
from spacetraders.api.retry import RetryPolicy, ratelimit_headers, retry_after_seconds
from spacetraders.api.tokens import redact
from spacetraders.clock import Clock

logger = logging.getLogger("spacetraders.api")

# The request cannot have reached the server: retrying is always safe.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Nothing answered at all (refused, unknown host): worth a quick second try, not a long backoff.
_NOBODY_THERE = httpx.ConnectError
# Retrying cannot help (bad URL scheme, malformed request).
_HOPELESS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)

Params = list[tuple[str, str | int]]


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # relative to the base URL, starting with "/"
    limiter: RateLimiter
    token: str | None = None  # bearer token to send, if any
    params: Params | None = None
    json: dict[str, Any] | None = None
    repeatable: bool = True  # harmless to resend if a previous attempt may have been executed
    priority: Priority | None = None  # None: the calling task's (ratelimit.current_priority)

    def __repr__(self) -> str:  # never show the token
        return f"Call({self.method} {self.path})"


class Requester:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        clock: Clock,
        retry: RetryPolicy,
        secrets: tuple[str | None, ...] = (),
    ) -> None:
        self._http = http
        self._base_url = base_url
        self._clock = clock
        self._retry = retry
        self._secrets = secrets

    async def send(self, call: Call) -> Any:
        """Perform `call`; the parsed JSON body on success (None if empty), else raise."""
        lost_attempt = False
        attempts = self._retry.max_attempts
        for attempt in range(1, attempts + 1):
            await call.limiter.acquire(call.priority)
            started = self._clock.monotonic()
            try:
                response = await self._http.request(
                    call.method,
                    call.path,
                    params=tuple(call.params) if call.params else None,
                    json=call.json,
                    headers={"Authorization": f"Bearer {call.token}"} if call.token else None,
                )
            except httpx.TransportError as exc:
                reason = self._describe(exc)
                # INFO, not WARNING: the final failure is raised as one clear error; the CLI shows
                # the attempts with -v.
                logger.info("%s %s failed: %s (attempt %d/%d)", call.method, call.path, reason, attempt, attempts)
                if isinstance(exc, _HOPELESS):
                    raise ApiUnavailableError(self._base_url, reason, attempt) from None
                if isinstance(exc, _NOBODY_THERE):
                    if attempt >= min(attempts, self._retry.connect_attempts):
                        raise ApiUnavailableError(self._base_url, reason, attempt) from None
                    await self._clock.sleep(self._retry.connect_delay)
                    continue
                if not isinstance(exc, _NOT_SENT):
                    if not call.repeatable:
                        raise ApiUnavailableError(
                            self._base_url,
                            f"{reason}; the request may have been executed, so it was not repeated",
                            attempt,
                        ) from None
                    lost_attempt = True
                if attempt == attempts:
                    raise ApiUnavailableError(self._base_url, reason, attempt) from None
                await self._clock.sleep(self._retry.backoff(attempt))
                continue

            status = response.status_code
            elapsed_ms = (self._clock.monotonic() - started) * 1000
            logger.debug("%s %s -> %d in %.0f ms (attempt %d)", call.method, call.path, status, elapsed_ms, attempt)
            call.limiter.observe(*ratelimit_headers(response, self._clock.now()))
            body = self._parse(response)
            if response.is_success:
                return body

            if attempt < attempts:
                if status == 429:
                    wait = retry_after_seconds(response, body, self._clock.now())
                    wait = self._retry.backoff(attempt) if wait is None else wait
                    logger.info("%s %s rate limited; waiting %.2f s", call.method, call.path, wait)
                    call.limiter.penalize(wait)  # acquire() at the top of the loop waits it out
                    continue
                if status >= 500 and status != 501 and not call.repeatable:
                    # A 5xx may come after the server executed the call (a proxy timing out):
                    # repeating a purchase could buy twice. The caller reconciles instead.
                    lost_attempt = True
                elif status >= 500 and status != 501:  # 501 Not Implemented will not change on a retry
                    wait = self._retry.backoff(attempt, protection=status == 502)
                    logger.info("%s %s -> %d; retrying in %.2f s", call.method, call.path, status, wait)
                    await self._clock.sleep(wait)
                    continue
            raise self._error(status, body, lost_attempt)
        raise AssertionError("unreachable: the loop returns or raises")

    def _error(self, status: int, body: Any, lost_attempt: bool) -> ApiError:
        if any(secret and secret in json.dumps(body, default=str) for secret in self._secrets):
            body = json.loads(redact(json.dumps(body, default=str), self._secrets))
        error = error_from_response(status, body)
        error.after_lost_attempt = lost_attempt
        return error

    @staticmethod
    def _parse(response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:  # e.g. an HTML error page from a proxy
            return None

    def _describe(self, exc: Exception) -> str:
        text = str(exc) or type(exc).__name__
        return redact(f"{type(exc).__name__}: {text}" if str(exc) else text, self._secrets)
