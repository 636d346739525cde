"""Command types -> operations. Modules register at import; the daemon imports them at start."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from spacetraders.errors import NotFound
from spacetraders.operations.base import Operation

logger = logging.getLogger(__name__)

_OPERATIONS: dict[str, Operation] = {}

# Modules that define command types.
MODULES = (
    "spacetraders.operations.builtin",
    "spacetraders.operations.scout_tour",
    "spacetraders.operations.navigate",
    "spacetraders.operations.ship_purchase",
    "spacetraders.operations.contract_run",
    "spacetraders.operations.trade_run",
)


def register(command_type: str) -> Callable[[Operation], Operation]:
    """Decorator: `@register("SleepCommand") async def run(ctx): ...`."""

    def decorate(operation: Operation) -> Operation:
        existing = _OPERATIONS.get(command_type)
        if existing is not None and existing is not operation:
            raise ValueError(f"command type {command_type!r} is already registered to {existing!r}")
        _OPERATIONS[command_type] = operation
        return operation

    return decorate


def get(command_type: str) -> Operation:
    try:
        return _OPERATIONS[command_type]
    except KeyError:
        known = ", ".join(sorted(_OPERATIONS)) or "none"
        raise NotFound(f"unknown command type {command_type!r} (known: {known})") from None


def known() -> list[str]:
    return sorted(_OPERATIONS)


def load_all() -> list[str]:
    """Import every module that registers command types; returns the known command types."""
    for name in MODULES:
        importlib.import_module(name)
    return known()
