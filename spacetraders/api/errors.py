"""Typed API errors built from the server's envelope (NOTES.md §9).

`{"error": {"message", "code", "data"}}` becomes an `ApiError` subclass chosen by game code
first, then HTTP status. `str(err)` is always one human-readable line.
"""

from __future__ import annotations

from typing import Any

from spacetraders.errors import SpacetradersError


class ApiError(SpacetradersError):
    """A request the API (or the way to it) refused. `status`/`code` are None when no
    HTTP response was received. A user-facing error: the CLI prints it as one line."""

    def __init__(
        self,
        status: int | None,
        code: int | None,
        message: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = " ".join(str(message).split()) or "no message"
        self.data: dict[str, Any] = data or {}
        # True when an earlier attempt of the same request was lost in transit and may have
        # been executed by the server (see client.navigate).
        self.after_lost_attempt = False
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [f"HTTP {self.status}"] if self.status is not None else []
        if self.code is not None and self.code != self.status:
            parts.append(f"code {self.code}")
        return f"{self.message} ({', '.join(parts)})" if parts else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class CooldownError(ApiError):
    """4000: the ship is cooling down."""

    @property
    def remaining_seconds(self) -> float | None:
        cooldown = self.data.get("cooldown") or {}
        value = cooldown.get("remainingSeconds")
        return float(value) if value is not None else None


class InsufficientFuelError(ApiError):
    """4203: not enough fuel for that hop in that flight mode."""


class AlreadyAtDestinationError(ApiError):
    """4204: navigate to the waypoint the ship is already at (callers may treat as success)."""


class InTransitError(ApiError):
    """4214 (any action mid-flight) or 4200 (navigate mid-flight)."""

    @property
    def seconds_to_arrival(self) -> float | None:
        value = self.data.get("secondsToArrival")
        return float(value) if value is not None else None


class NotInOrbitError(ApiError):
    """4236: the action needs the ship in orbit."""


class NotDockedError(ApiError):
    """4244: the action needs the ship docked."""


class AuthError(ApiError):
    """The token is missing, invalid, or from an older reset of the universe."""

    def __str__(self) -> str:
        hint = "the API rejected the token: it is missing, invalid, or from an older reset"
        expected, actual = self.data.get("expected"), self.data.get("actual")
        if expected and actual:
            hint += f" (token is for reset {actual}, server is on reset {expected})"
        return f"{hint}; register a new agent or set the right token [{super().__str__()}]"


class RegistrationConflictError(ApiError):
    """4109–4111: that agent symbol is taken or reserved."""


class NotFoundError(ApiError):
    """Unknown system, waypoint, ship or market."""


class RateLimitError(ApiError):
    """429 still received after every retry."""


class ServerError(ApiError):
    """5xx still received after every retry."""


class ApiUnavailableError(ApiError):
    """No usable response at all (connection refused, timeouts) after every retry."""

    def __init__(self, base_url: str, reason: str, attempts: int) -> None:
        super().__init__(None, None, f"cannot reach the SpaceTraders API at {base_url} after {attempts} attempt(s): {reason}")
        self.base_url = base_url


_BY_CODE: dict[int, type[ApiError]] = {
    4000: CooldownError,
    4200: InTransitError,
    4203: InsufficientFuelError,
    4204: AlreadyAtDestinationError,
    4214: InTransitError,
    4236: NotInOrbitError,
    4244: NotDockedError,
    4603: NotFoundError,  # marketNotFoundError
    **{code: AuthError for code in range(4100, 4109)},  # token and account problems
    **{code: RegistrationConflictError for code in (4109, 4110, 4111)},
}


def error_class(status: int, code: int | None) -> type[ApiError]:
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if status == 401 or code == 401:
        return AuthError
    if status == 404 or code == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    return ApiError


def error_from_response(status: int, body: Any) -> ApiError:
    """Build the typed error for a non-2xx response body (parsed JSON, or anything else)."""
    envelope = body.get("error") if isinstance(body, dict) else None
    if not isinstance(envelope, dict):
        envelope = {}
    code = envelope.get("code")
    code = code if isinstance(code, int) else None
    message = envelope.get("message") or f"unexpected HTTP {status} response without an error body"
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else None
    return error_class(status, code)(status, code, message, data)
