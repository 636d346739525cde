"""A command group that imports a sub-command's module only when that command runs.

Every cron run of `spacetraders reconcile` would otherwise pay for importing the web server,
the simulator, the supervisor and Alembic. The group knows each command's module and one-line
help, so `--help` lists them all without importing any.
"""

from __future__ import annotations

import gc
import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command

try:
    from typer._click.exceptions import UsageError  # newer Typer vendors Click
except ImportError:  # pragma: no cover - older Typer uses Click itself
    from click.exceptions import UsageError  # type: ignore[assignment, unused-ignore]

from spacetraders.errors import Interrupted


@dataclass(frozen=True)
class LazyCommand:
    module: str  # e.g. "spacetraders.cli.db"
    attribute: str  # a typer.Typer sub-app, or a command function
    help: str  # the one line `--help` shows; a test checks it against the module's own


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands come from `lazy_commands`, loaded on first use."""

    lazy_commands: dict[str, LazyCommand] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *self.lazy_commands]

    def get_command(self, ctx: Any, name: str) -> Any:
        if name in self.commands or name not in self.lazy_commands:
            return super().get_command(ctx, name)
        spec = self.lazy_commands[name]
        if self._listing:  # the help page only needs the name and one line
            return typer.core.TyperCommand(name, help=spec.help, short_help=spec.help)
        return load(name, spec)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:  # Typer suggests from loaded commands only: suggest from all
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in exc.message:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise

    def invoke(self, ctx: Any) -> Any:
        # Typer turns Ctrl-C into a silent exit 130; ours says so (see main.run).
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def load(name: str, spec: LazyCommand) -> Any:
    """The real Click command for `spec`: its module is imported now."""
    target = getattr(importlib.import_module(spec.module), spec.attribute)
    if not gc.isenabled():  # `entry` paused the collector for the imports (see main.entry)
        gc.freeze()
        gc.enable()
    holder = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
        return get_command(holder).commands[name]  # type: ignore[attr-defined]
    holder.command(name)(target)
    return get_command(holder)


def lazy_group(commands: dict[str, LazyCommand]) -> type[LazyGroup]:
    """A LazyGroup class bound to `commands` (Typer instantiates the class itself)."""
    return type("SpacetradersGroup", (LazyGroup,), {"lazy_commands": commands})
