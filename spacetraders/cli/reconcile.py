"""`spacetraders reconcile`: the cron one-shot (every minute) that keeps the database consistent."""

from __future__ import annotations

import sys
from datetime import timedelta

import typer

from spacetraders.application.reconcile import reconcile as run_reconcile
from spacetraders.cli.context import app_context
from spacetraders.clock import utcnow


def reconcile(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; change nothing."),
    log_retention_days: float = typer.Option(7.0, "--log-retention-days", min=0.0, help="Keep container logs this long."),
    stale_after: float = typer.Option(120.0, "--stale-after", min=1.0, help="Seconds without a container heartbeat to report it."),
) -> None:
    """Recover work of dead daemons, fix assignments, prune old logs. Exit 0 when consistent."""
    app = app_context(ctx)
    report = run_reconcile(
        app.database(),
        now=utcnow(),
        dry_run=dry_run,
        log_retention=timedelta(days=log_retention_days),
        stale_after=timedelta(seconds=stale_after),
    )
    app.emit(report.as_dict(), lambda c: c.print(report.summary(), markup=False, highlight=False, soft_wrap=True))
    if not report.consistent:
        print(f"error: database not consistent: {report.problems[0]}", file=sys.stderr)
        raise typer.Exit(1)
