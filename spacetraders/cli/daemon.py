"""`spacetraders daemon ...`: start/stop/run the supervisor and show its status."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from spacetraders.application import daemons
from spacetraders.cli.context import app_context
from spacetraders.cli.numbers import float_option
from spacetraders.clock import utcnow
from spacetraders.errors import ConfigError
from spacetraders.supervisor import pidfile, process
from spacetraders.supervisor.config import DaemonConfig

app = typer.Typer(help="The supervisor daemon that runs containers: start, stop, run, status.", no_args_is_help=True)

_DEFAULTS = DaemonConfig()
LeaseOpt = float_option(_DEFAULTS.lease_s, "--lease", low=0.1, high=86400, unit="seconds",
                        help="Seconds after the last heartbeat before others declare this daemon dead.")
HeartbeatOpt = float_option(_DEFAULTS.heartbeat_s, "--heartbeat", low=0.05, high=3600, unit="seconds",
                            help="Seconds between heartbeats.")
PollOpt = float_option(_DEFAULTS.poll_s, "--poll", low=0.01, high=3600, unit="seconds",
                       help="Seconds between polls for work and stop requests.")
GraceOpt = float_option(_DEFAULTS.stop_grace_s, "--grace", low=0, high=3600, unit="seconds",
                        help="Seconds containers get to wind down on stop.")


def _config(lease: float, heartbeat: float, poll: float, grace: float) -> DaemonConfig:
    try:
        return DaemonConfig(lease_s=lease, heartbeat_s=heartbeat, poll_s=poll, stop_grace_s=grace)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@app.command()
def start(
    ctx: typer.Context,
    lease: float = LeaseOpt,
    heartbeat: float = HeartbeatOpt,
    poll: float = PollOpt,
    grace: float = GraceOpt,
    another: bool = typer.Option(False, "--another", help="PostgreSQL: start one more daemon beside live ones."),
    timeout: float = float_option(15.0, "--timeout", low=0.1, high=3600, unit="seconds",
                                  help="Seconds to wait for the daemon's first heartbeat."),
) -> None:
    """Start the daemon in the background (log: <data dir>/daemon.log); returns once it is up."""
    app = app_context(ctx)
    config = _config(lease, heartbeat, poll, grace)
    db = app.database()
    process.refuse_if_running(db, allow_another=another)
    if app.json:
        started = process.start_detached(app.settings, db, config, timeout=timeout)
    else:
        with app.console.status("starting the daemon..."):
            started = process.start_detached(app.settings, db, config, timeout=timeout)
    app.emit(
        {"started": True, "pid": started.pid, "daemon_id": started.daemon_id, "log": started.log,
         "database": db.display_url},
        lambda c: c.print(f"daemon [bold]{started.daemon_id}[/] started (pid {started.pid}); log: {started.log}"),
    )


@app.command()
def run(
    ctx: typer.Context,
    lease: float = LeaseOpt,
    heartbeat: float = HeartbeatOpt,
    poll: float = PollOpt,
    grace: float = GraceOpt,
) -> None:
    """Run the daemon in the foreground (systemd, terminals); SIGTERM or Ctrl-C stops it gracefully."""
    from spacetraders.supervisor.runner import configure_logging, run_daemon

    app = app_context(ctx)
    config = _config(lease, heartbeat, poll, grace)
    db = app.database()
    process.refuse_if_running(db, allow_another=not db.is_sqlite)
    configure_logging(app.verbose)
    code = run_daemon(app.settings.database_url, app.settings.api_url, config)
    if code:
        raise typer.Exit(code)


@app.command()
def stop(
    ctx: typer.Context,
    daemon_id: str = typer.Option(None, "--id", help="Stop only this daemon (default: every live one)."),
    timeout: float = float_option(15.0, "--timeout", low=0.1, high=3600, unit="seconds",
                                  help="Seconds to wait for the daemon(s) to exit."),
) -> None:
    """Stop the daemon(s) gracefully: running containers are interrupted and resumed on the next start."""
    app = app_context(ctx)
    db = app.database()
    if app.json:
        stopped = process.stop(db, daemon_id=daemon_id, timeout=timeout)
    else:
        with app.console.status("stopping the daemon..."):
            stopped = process.stop(db, daemon_id=daemon_id, timeout=timeout)
    app.emit(
        {"stopped": stopped},
        lambda c: c.print(f"stopped {', '.join(stopped)}" if stopped else "no daemon was running"),
    )


@app.command()
def status(ctx: typer.Context) -> None:
    """Live daemons (pid, host, uptime, heartbeat age) and containers by status."""
    app = app_context(ctx)
    db = app.database()
    with db.read() as session:
        report = daemons.daemon_report(session, now=utcnow())
    local = pidfile.read()
    report["local"] = (
        {"pid": local.pid, "daemon_id": local.daemon_id, "alive": _proven(local), "log": str(pidfile.log_path())}
        if local is not None else None
    )
    app.emit(report, lambda c: _render_status(c, report))


def _proven(local: pidfile.PidInfo) -> bool:
    """Alive = this directory's daemon holds its lock and the pidfile names that very process."""
    return pidfile.lock_held() and pidfile.unproven(local) is None


def _render_status(console: Console, report: dict[str, Any]) -> None:
    if not report["daemons"]:
        console.print("no daemon is running ([bold]spacetraders daemon start[/] starts one)")
    else:
        table = Table(title="daemons")
        table.add_column("daemon", no_wrap=True)
        for column in ("host", "pid", "status", "uptime", "heartbeat age", "containers"):
            table.add_column(column)
        for d in report["daemons"]:
            table.add_row(d["daemon_id"], d["hostname"], str(d["pid"]), d["status"], _duration(d["uptime_s"]),
                          f"{d['heartbeat_age_s']:.1f}s", str(d["containers_owned"]))
        console.print(table)
    counts = ", ".join(f"{status.lower()} {n}" for status, n in report["containers"].items() if n) or "none"
    console.print(f"containers: {counts}")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"
