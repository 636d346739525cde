"""`spacetraders container ...`: list, inspect, logs, stop, restart, remove."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spacetraders.application import containers as handlers
from spacetraders.application.container_ids import resolve_container_id
from spacetraders.application.queries import (
    container_logs,
    container_status,
    inspect_container,
    levels_from,
    list_containers,
    live_daemon_ids,
    successor_of,
)
from spacetraders.cli.context import AppContext, app_context
from spacetraders.cli.numbers import int_option
from spacetraders.clock import utcnow
from spacetraders.domain.containers import LIVE_STATUSES, ContainerStatus
from spacetraders.errors import ConfigError
from spacetraders.persistence.players import PlayerRepository

app = typer.Typer(help="Supervised containers: list, inspect, logs, stop, restart, remove.", no_args_is_help=True)

FOLLOW_POLL_S = 0.5
MAX_TAIL = 1_000_000
ID_HELP = "Container id, or a unique prefix of one (the acting player's containers only)."
_sleep = time.sleep  # tests replace it to drive `logs --follow`
NO_DAEMON = "no daemon is running: start one with `spacetraders daemon start`"


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", "-a", help="Include finished containers."),
    status: Optional[list[str]] = typer.Option(None, "--status", "-s", help="Only this status (repeatable)."),
    player: Optional[str] = typer.Option(None, "--player", "-p", help="This player (id or agent symbol)."),
    all_players: bool = typer.Option(False, "--all-players", help="Every player's containers (for operators)."),
) -> None:
    """The acting player's containers: live ones by default, every one with --all."""
    app = app_context(ctx)
    statuses = [_status(s) for s in status or []]
    if player and all_players:
        raise ConfigError("--player and --all-players exclude each other")
    player_id = None if all_players else _listing_player_id(app, player)
    now = utcnow()
    with app.database().read() as session:
        rows = list_containers(session, now=now, player_id=player_id, statuses=statuses, include_all=all_)

    def render(console: Console) -> None:
        if not rows:
            console.print("no containers" if all_ or statuses else "no live containers (use --all to see finished ones)")
            return
        table = Table(title="Containers")
        # In a narrow terminal the id (what every other command takes) folds onto a second
        # line instead of being cut with an ellipsis.
        table.add_column("id", overflow="fold")
        for column in ("player", "ship", "command", "status", "restarts", "age/uptime", "daemon"):
            table.add_column(column)
        for r in rows:
            table.add_row(
                r["container_id"], r["agent_symbol"], r["ship_symbol"] or "-", r["command_type"],
                _styled(r["status"]), str(r["restart_count"]), _duration(r["age_s"]), r["daemon_id"] or "-",
            )
        console.print(table)

    app.emit({"containers": rows}, render)


@app.command()
def inspect(ctx: typer.Context, container_id: str = typer.Argument(..., help=ID_HELP)) -> None:
    """Config, status, policy, timings, exit, status history, lineage and assignment of one container."""
    app = app_context(ctx)
    player_id = _acting_player_id(app)
    with app.database().read() as session:
        container_id = resolve_container_id(session, player_id, container_id)
        info = inspect_container(session, container_id, now=utcnow())
    app.emit(info, lambda console: _render_inspect(console, info))


@app.command()
def logs(
    ctx: typer.Context,
    container_id: str = typer.Argument(..., help=ID_HELP),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines until the container ends."),
    tail: Optional[int] = int_option(None, "--tail", "-n", low=0, high=MAX_TAIL, help="Only the last N lines."),
    level: Optional[str] = typer.Option(None, "--level", "-l", help="Minimum level: DEBUG, INFO, WARNING, ERROR."),
) -> None:
    """Log lines of one container (--follow polls every 0.5 s until Ctrl-C or the container ends)."""
    app = app_context(ctx)
    if level is not None:
        levels_from(level)  # a bad level is refused before anything is read
    player_id = _acting_player_id(app)
    db = app.database()
    with db.read() as session:
        container_id = resolve_container_id(session, player_id, container_id)
        lines = container_logs(session, container_id, tail=tail, level=level)
    if not follow:
        app.emit({"container_id": container_id, "logs": lines}, lambda console: _print_lines(console, lines))
        return
    last = lines[-1]["log_id"] if lines else None
    _emit_lines(app, lines)
    try:
        while True:
            with db.read() as session:
                status = container_status(session, container_id)
                new = container_logs(session, container_id, level=level, after_id=last)
                successor = None if status in LIVE_STATUSES else successor_of(session, container_id)
            _emit_lines(app, new)
            last = new[-1]["log_id"] if new else last
            if status not in LIVE_STATUSES:
                note = f"container {container_id} is {status}" + (f"; restarted as {successor}" if successor else "")
                if not app.json:
                    app.console.print(f"[dim]{note}[/dim]")
                return
            _sleep(FOLLOW_POLL_S)
    except KeyboardInterrupt:
        return


@app.command()
def stop(ctx: typer.Context, container_id: str = typer.Argument(..., help=ID_HELP)) -> None:
    """Stop a container and release its ship (a running one is stopped by its daemon)."""
    app = app_context(ctx)
    player_id = _acting_player_id(app)
    now = utcnow()
    with app.database().transaction() as uow:
        container_id = resolve_container_id(uow.session, player_id, container_id)
        container = handlers.request_stop(uow, container_id, now=now)
        alive = live_daemon_ids(uow.session, now=now)
        still_working = live_daemon_ids(uow.session, now=now, statuses=("running", "stopping"))
        if container.status == ContainerStatus.STOPPING and container.daemon_id not in still_working:
            # Its daemon is gone (lease expired): nobody else would finish the stop, so finish it here.
            handlers.recover_container(uow, container_id, now=now, reason="its daemon is not running")
        status = container_status(uow.session, container_id)
    if status == ContainerStatus.STOPPING:
        message = f"stopping {container_id}: daemon {container.daemon_id} stops it and releases its ship"
    else:
        message = f"stopped {container_id}; its ship is released"
    app.emit(
        {"container_id": container_id, "status": status, "daemon_running": bool(alive), "message": message},
        lambda console: console.print(message),
    )


@app.command()
def restart(ctx: typer.Context, container_id: str = typer.Argument(..., help=ID_HELP)) -> None:
    """Replace a container by a new one with the same config; its ship moves to the new one."""
    app = app_context(ctx)
    player_id = _acting_player_id(app)
    now = utcnow()
    with app.database().transaction() as uow:
        container_id = resolve_container_id(uow.session, player_id, container_id)
        new = handlers.restart_container(uow, container_id, now=now)
        alive = live_daemon_ids(uow.session, now=now)
    message = f"restarted {container_id} as {new.container_id}"
    if not alive:
        message += f"; queued: {NO_DAEMON}"
    app.emit(
        {"container_id": container_id, "new_container_id": new.container_id, "status": new.status,
         "daemon_running": bool(alive), "message": message},
        lambda console: console.print(message),
    )


@app.command()
def remove(ctx: typer.Context, container_id: str = typer.Argument(..., help=ID_HELP)) -> None:
    """Delete a finished container with its logs and history (refuses live ones)."""
    app = app_context(ctx)
    player_id = _acting_player_id(app)
    with app.database().transaction() as uow:
        container_id = resolve_container_id(uow.session, player_id, container_id)
        handlers.remove_container(uow, container_id)
    app.emit({"container_id": container_id, "removed": True}, lambda console: console.print(f"removed {container_id}"))


def _acting_player_id(app: AppContext) -> int:
    """Commands on one container act for one player (--player, the default, or the only one)."""
    player = app.player()
    assert player is not None
    return player.player_id


def _listing_player_id(app: AppContext, ident: str | None) -> int | None:
    """Whose containers `list` shows: list --player, else the acting player; None (everyone's)
    only while no player exists at all, when there are no containers either."""
    if ident:
        with app.database().read() as session:
            return PlayerRepository(session).resolve(ident).player_id
    chosen = app.player(required=False)
    if chosen is not None:
        return chosen.player_id
    with app.database().read() as session:
        if PlayerRepository(session).list():
            raise ConfigError(
                "no player chosen: pass --player ID|SYMBOL, run `spacetraders player use SYMBOL`, or use --all-players"
            )
    return None


# ---------------------------------------------------------------------------- rendering


def _render_inspect(console: Console, info: dict[str, Any]) -> None:
    summary = Table(show_header=False, title=f"Container {info['container_id']}")
    summary.add_column(style="bold")
    summary.add_column()
    exit_ = "-" if info["exit_code"] is None and not info["exit_reason"] else f"{info['exit_code']} {info['exit_reason'] or ''}"
    for key, value in (
        ("status", _styled(info["status"])),
        ("player", f"{info['agent_symbol']} ({info['player_id']})"),
        ("command", info["command_type"]),
        ("restart policy", f"{info['restart_policy']} (max {info['max_restarts']} in {info['restart_window_s']}s)"),
        ("restarts", str(info["restart_count"])),
        ("daemon", info["daemon_id"] or "-"),
        ("created", _when(info["created_at"])),
        ("not before", _when(info["not_before"])),
        ("started", _when(info["started_at"])),
        ("heartbeat", _when(info["heartbeat_at"])),
        ("stopped", _when(info["stopped_at"])),
        ("exit", exit_),
    ):
        summary.add_row(key, value)
    for key, value in sorted((info["params"] or {}).items()):
        summary.add_row(f"param {key}", str(value))
    if info.get("config_error"):  # a hand-written row: shown, not a traceback
        summary.add_row("config", f"[red]{escape(info['config_error'])}[/red]")
    assignment = info["assignment"]
    if assignment:
        held = "held by this container" if assignment["held_by_this"] else (
            f"{assignment['status'] or 'none'} -> {assignment['container_id'] or '-'}")
        summary.add_row("ship", f"{assignment['ship_symbol']}: {held}")
    for key, value in sorted((info.get("progress") or {}).items()):
        summary.add_row(f"progress {key}", escape(str(value)))
    step = info.get("open_money_step")
    if step:
        what = " ".join(str(step[k]) for k in ("units", "good") if step[k] is not None)
        summary.add_row("unsettled step", f"[yellow]{step['kind']} {what} at {step['waypoint_symbol'] or '-'} "
                                          f"since {_when(step['since'])}: reconciled on the next start[/yellow]")
    console.print(summary)

    history = Table(title="Status history")
    for column in ("at", "status", "detail"):
        history.add_column(column)
    for e in info["events"]:
        history.add_row(_when(e["at"]), e["status"], e["detail"] or "")
    console.print(history)

    chain = Table(title="Lineage (first run to latest)")
    for column in ("", "id", "status", "restarts", "created", "exit reason"):
        chain.add_column(column)
    for link in info["lineage"]:
        chain.add_row("*" if link["current"] else "", link["container_id"], link["status"],
                      str(link["restart_count"]), _when(link["created_at"]), link["exit_reason"] or "")
    console.print(chain)


def _emit_lines(app: AppContext, lines: list[dict[str, Any]]) -> None:
    """While following, one JSON object per line with --json (a stream), else formatted lines."""
    if app.json:
        for line in lines:
            app.emit(line)
    else:
        _print_lines(app.console, lines)


def _print_lines(console: Console, lines: list[dict[str, Any]]) -> None:
    for line in lines:
        console.print(f"{_when(line['timestamp'])} {line['level']:<8} {line['message']}", markup=False, highlight=False)


def _status(value: str) -> str:
    try:
        return ContainerStatus(value.upper()).value
    except ValueError:
        allowed = ", ".join(s.value for s in ContainerStatus)
        raise ConfigError(f"unknown status {value!r} (expected one of: {allowed})") from None


_COLOURS = {"RUNNING": "green", "STARTING": "cyan", "STOPPING": "yellow", "INTERRUPTED": "yellow",
            "FAILED": "red", "COMPLETED": "blue", "STOPPED": "dim"}


def _styled(status: str) -> str:
    return f"[{_COLOURS.get(status, 'white')}]{status}[/]"


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else "-"


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"
