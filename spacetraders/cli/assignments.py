"""`spacetraders assignments ...`: which ship runs which container, and repairs."""

from __future__ import annotations

import typer
from rich.table import Table

from spacetraders.application.assignments import (
    BAD_ROW,
    FixAction,
    fix_assignments,
    release_ship,
)
from spacetraders.application.queries_assignments import list_assignments
from spacetraders.application.universe import parse_ship_symbol
from spacetraders.cli.context import app_context
from spacetraders.clock import utcnow

app = typer.Typer(help="Ship assignments: list, release, fix.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include idle (released) assignments."),
) -> None:
    """Ships and the container each one is assigned to."""
    app = app_context(ctx)
    player = app.player(required=False)
    with app.database().read() as session:
        rows = list_assignments(session, player_id=player.player_id if player else None, include_idle=all_)

    def render(console) -> None:
        table = Table(title="Ship assignments")
        for column in ("player", "ship", "container", "container status", "operation", "status", "assigned", "released / reason"):
            table.add_column(column)
        for r in rows:
            released = f"{r['released_at']:%Y-%m-%d %H:%M:%S} {r['release_reason'] or ''}" if r["released_at"] else ""
            table.add_row(
                str(r["player_id"]), r["ship_symbol"], r["container_id"] or "-", r["container_status"] or "-",
                r["operation"], r["status"], f"{r['assigned_at']:%Y-%m-%d %H:%M:%S}", released,
            )
        console.print(table if rows else "no assignments")

    app.emit({"assignments": rows}, render)


@app.command()
def release(
    ctx: typer.Context,
    ship: str = typer.Argument(..., help="Ship symbol, e.g. COOPER-2."),
    force: bool = typer.Option(
        False, "--force", help="The ship's live container is stopped in the same transaction (never left running)."
    ),
) -> None:
    """Release a ship. With --force its live container is stopped too: at once if it is not running (or its
    daemon is gone), else its daemon releases the ship when the run has stopped."""
    app = app_context(ctx)
    ship = parse_ship_symbol(ship)  # a malformed symbol is one clear line, not "ship  has no assignment"
    player = app.player()
    assert player is not None
    with app.database().transaction() as uow:
        result = release_ship(uow, player.player_id, ship.upper(), now=utcnow(), force=force)

    def render(c) -> None:
        if result.released:
            c.print(f"released {result.ship_symbol} (was assigned to {result.container_id}, "
                    f"now {result.container_status})")
        else:
            c.print(f"stop requested for {result.container_id}: its daemon releases {result.ship_symbol} "
                    "when the run has stopped; no other container can take the ship meanwhile")

    app.emit({"ship_symbol": result.ship_symbol, "released_from": result.container_id, **result.as_dict()}, render)


@app.command()
def fix(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
) -> None:
    """Repair assignments so they match the live containers (idempotent)."""
    app = app_context(ctx)
    with app.database().transaction() as uow:
        actions = fix_assignments(uow, now=utcnow(), dry_run=dry_run)
    render_fix(app, actions, dry_run=dry_run)
    if any(a.action == BAD_ROW for a in actions):  # rows a person must look at (named above)
        raise typer.Exit(3)


def render_fix(app, actions: list[FixAction], *, dry_run: bool) -> None:
    def render(console) -> None:
        if not actions:
            console.print("assignments are consistent: nothing to fix")
            return
        table = Table(title="Would change" if dry_run else "Changed")
        for column in ("action", "player", "ship", "container", "previous", "reason"):
            table.add_column(column)
        for a in actions:
            table.add_row(a.action, str(a.player_id), a.ship_symbol or "-", a.container_id or "-",
                          a.previous_container_id or "-", a.reason)
        console.print(table)

    app.emit({"dry_run": dry_run, "actions": [a.as_dict() for a in actions]}, render)
