"""Container rows. Status changes are compare-and-set, fenced by expected status and owner."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, case, delete, func, select, update
from sqlalchemy.orm import Session

from spacetraders.domain.containers import ContainerStatus
from spacetraders.errors import ConfigError, SpacetradersError
from spacetraders.persistence.models import Container
from spacetraders.persistence.types import rows_affected

_UNSET: Any = object()


class BadConfig(SpacetradersError):
    """A container row whose config cannot be read (hand-written or from an old tool)."""

    def __init__(self, container_id: str, why: str) -> None:
        self.container_id = container_id
        self.why = why
        super().__init__(f"container {container_id}: config {why}")


def container_config(command_type: str, params: dict[str, Any]) -> str:
    """The config column: JSON that PostgreSQL can cast (`config::jsonb->'params'`).

    NaN and Infinity are refused: they are not JSON, and PostgreSQL could not cast the row."""
    try:
        return json.dumps({"command_type": command_type, "params": params}, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"container parameters must be plain JSON with finite numbers: {exc}") from None


def parse_params(config: Any) -> dict[str, Any]:
    """The params object of a config; ValueError (one line) when the config is not a JSON
    object, holds NaN/Infinity, or its params are not an object."""
    if not isinstance(config, str):
        raise ValueError("is not text")
    try:
        parsed = json.loads(config, parse_constant=_not_json)
    except ValueError as exc:
        raise ValueError(f"is not JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"is a JSON {type(parsed).__name__}, not an object")
    params = parsed.get("params")
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ValueError(f"has params of type {type(params).__name__}, not an object")
    return params


def config_params(container: Container) -> dict[str, Any]:
    """The container's params; BadConfig (naming the container) when they cannot be read."""
    try:
        return dict(parse_params(container.config))
    except ValueError as exc:
        raise BadConfig(container.container_id, str(exc)) from None


def config_problem(container: Container) -> str | None:
    """Why the config cannot be read, or None when it can."""
    try:
        parse_params(container.config)
    except ValueError as exc:
        return str(exc)
    return None


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# PostgreSQL function (migration 0005): config::jsonb->'params'->>key, NULL instead of an error
# for a config that is not JSON, so one hand-written row cannot fail a query over all of them.
CONFIG_PARAM_FUNCTION = "spacetraders_config_param"


def config_param_sql(dialect: str, key: str) -> ColumnElement[str]:
    """SQL for `config.params.<key>` as text, for set-based queries on both databases;
    NULL (never an error) for a config that is not valid JSON."""
    if dialect == "postgresql":
        return getattr(func, CONFIG_PARAM_FUNCTION)(Container.config, key, type_=String())
    return case((func.json_valid(Container.config) == 1, func.json_extract(Container.config, f"$.params.{key}")))


class ContainerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, container: Container) -> Container:
        self._session.add(container)
        self._session.flush()
        return container

    def get(self, container_id: str, *, for_update: bool = False) -> Container | None:
        query = select(Container).where(Container.container_id == container_id)
        if for_update:
            query = query.with_for_update()
        return self._session.scalars(query.execution_options(populate_existing=True)).one_or_none()

    def list(
        self,
        *,
        player_id: int | None = None,
        statuses: Iterable[str] | None = None,
        command_type: str | None = None,
    ) -> list[Container]:
        query = select(Container).order_by(Container.created_at, Container.container_id)
        if player_id is not None:
            query = query.where(Container.player_id == player_id)
        if statuses is not None:
            query = query.where(Container.status.in_([str(s) for s in statuses]))
        if command_type is not None:
            query = query.where(Container.command_type == command_type)
        return list(self._session.scalars(query))

    def set_status(
        self,
        container_id: str,
        *,
        expected: Iterable[ContainerStatus | str],
        new: ContainerStatus | str,
        owner: str | None = _UNSET,
        **fields: Any,
    ) -> bool:
        """Move to `new` only if the row is still in one of `expected` (and owned by `owner`).

        Returns False when someone else changed it first; the caller decides what that means.
        """
        query = update(Container).where(
            Container.container_id == container_id,
            Container.status.in_([str(s) for s in expected]),
        )
        if owner is not _UNSET:
            query = query.where(Container.daemon_id.is_(None) if owner is None else Container.daemon_id == owner)
        result = self._session.execute(
            query.values(status=str(new), **fields).execution_options(synchronize_session=False)
        )
        return rows_affected(result) == 1

    def live_driver(self, player_id: int, ship_symbol: str) -> str | None:
        """The live container that drives the ship (the schema allows at most one)."""
        return self._session.scalar(
            select(Container.container_id).where(
                Container.player_id == player_id, Container.live_ship == ship_symbol
            )
        )

    def delete(self, container_id: str) -> None:
        self._session.execute(delete(Container).where(Container.container_id == container_id))
