"""`spacetraders reconcile`: the cron one-shot (every minute) that keeps the database consistent."""

from __future__ import annotations

import sys
from datetime import timedelta

import typer

from spacetraders.application.reconcile import reconcile as run_reconcile
from spacetraders.cli.context import app_context
from spacetraders.cli.numbers import float_option
from spacetraders.clock import utcnow


def reconcile(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; change nothing."),
    # Under a day would prune the fresh logs of running containers (0 deleted them all).
    log_retention_days: float = float_option(
        7.0, "--log-retention-days", low=1, high=3650, unit="days", help="Keep container logs this many days."),
    stale_after: float = float_option(
        120.0, "--stale-after", low=1, high=7 * 86400, unit="seconds",
        help="Seconds without a container heartbeat to report it."),
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
