"""Container rows. Status changes are compare-and-set, fenced by expected status and owner."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, cast, delete, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from spacetraders.domain.containers import ContainerStatus
from spacetraders.persistence.models import Container

_UNSET: Any = object()


def container_config(command_type: str, params: dict[str, Any]) -> str:
    """The config column: JSON that PostgreSQL can cast (`config::jsonb->'params'`)."""
    return json.dumps({"command_type": command_type, "params": params}, sort_keys=True, allow_nan=False)


def config_params(container: Container) -> dict[str, Any]:
    return dict(json.loads(container.config).get("params") or {})


def config_param_sql(dialect: str, key: str) -> ColumnElement[str]:
    """SQL for `config.params.<key>` as text, for set-based queries on both databases."""
    if dialect == "postgresql":
        return cast(Container.config, JSONB)["params"][key].astext
    return func.json_extract(Container.config, f"$.params.{key}")


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
        return result.rowcount == 1

    def delete(self, container_id: str) -> None:
        self._session.execute(delete(Container).where(Container.container_id == container_id))
