"""Errors a user can act on. The CLI prints their message as one line and exits non-zero."""

from __future__ import annotations


class SpacetradersError(Exception):
    """Base of every error meant for the user; `str(err)` is one clear line."""

    exit_code = 1


class ConfigError(SpacetradersError):
    """Bad settings or input (a malformed URL, an unknown player, a bad symbol)."""

    exit_code = 2


class NotFound(SpacetradersError):
    """A named thing (container, ship, player, waypoint) does not exist."""


class DatabaseUnavailable(SpacetradersError):
    """The database cannot be reached or opened."""


class ShipBusyError(SpacetradersError):
    """The ship is actively assigned to another container."""

    def __init__(self, ship_symbol: str, container_id: str | None) -> None:
        self.ship_symbol = ship_symbol
        self.container_id = container_id
        super().__init__(f"ship {ship_symbol} is already assigned to container {container_id}")


class AssignmentConflict(SpacetradersError):
    """A compare-and-set on an assignment found it changed by someone else."""


class Interrupted(SpacetradersError):
    """The user pressed Ctrl-C (SIGINT): the CLI prints `interrupted` and exits 130."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("interrupted")
