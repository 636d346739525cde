"""`spacetraders db ...`: schema migrations."""

from __future__ import annotations

import typer

from spacetraders.cli.context import app_context
from spacetraders.persistence import migrations

app = typer.Typer(help="Database schema: upgrade, current revision.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    app = app_context(ctx)
    db = app.database(migrate=False)
    before = migrations.current_revision(db)
    notes = migrations.upgrade(db, revision)
    after = migrations.current_revision(db)

    def render(c) -> None:
        c.print(f"database {db.display_url}: {before or 'empty'} -> [bold]{after}[/]")
        for note in notes:  # rows a migration had to repair (also logged)
            c.print(f"repaired: {note}", markup=False)

    app.emit(
        {"database": db.display_url, "from": before, "to": after, "head": migrations.head_revision(db),
         "repaired": notes},
        render,
    )


@app.command()
def current(ctx: typer.Context) -> None:
    """Show the schema revision of the database and the newest one this version knows."""
    app = app_context(ctx)
    db = app.database(migrate=False)
    current = migrations.current_revision(db)
    migrations.check_not_newer(db, current)
    head = migrations.head_revision(db)
    app.emit(
        {"database": db.display_url, "current": current, "head": head, "up_to_date": current == head},
        lambda c: c.print(
            f"database {db.display_url}: revision {current or 'none'}"
            + ("" if current == head else f" (newest is {head}: run `spacetraders db upgrade`)")
        ),
    )
