"""Game errors and their JSON envelope (NOTES.md §9)."""

from __future__ import annotations

from typing import Any


class SimError(Exception):
    """An error the server answers with `{"error": {message, code, data?}}`."""

    def __init__(self, status: int, code: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def envelope(self) -> dict[str, Any]:
        return error_envelope(self.code, self.message, self.data)


def error_envelope(code: int, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": code}
    if data is not None:
        error["data"] = data
    return {"error": error}


def not_found(what: str, symbol: str) -> SimError:
    return SimError(404, 404, f"{what} {symbol} not found.", {"symbol": symbol})


def validation_error(field_name: str, problem: str) -> SimError:
    return SimError(422, 422, "Request could not be processed due to an invalid payload.", {field_name: [problem]})
