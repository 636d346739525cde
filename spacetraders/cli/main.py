"""The `spacetraders` command: global options, one sub-app per noun, clean errors."""

from __future__ import annotations

import gc
import sys
from typing import Optional

import typer

from spacetraders import __version__
from spacetraders.cli.lazy import LazyCommand, lazy_group
from spacetraders.errors import Interrupted, SpacetradersError

# Each command's module is imported only when that command runs (see cli/lazy.py); the help
# line here is what `spacetraders --help` shows (tests/cli/test_startup.py keeps it true).
COMMANDS: dict[str, LazyCommand] = {
    "reconcile": LazyCommand(
        "spacetraders.cli.reconcile", "reconcile",
        "Recover work of dead daemons, fix assignments, prune old logs. Exit 0 when consistent.",
    ),
    "demo": LazyCommand(
        "spacetraders.cli.demo", "demo",
        "The whole story offline: simulator, daemon, scout tours, a failure and its restart, the map API.",
    ),
    "serve": LazyCommand("spacetraders.cli.serve", "serve", "Serve the scout-tour map and the read-only API until Ctrl-C."),
    "db": LazyCommand("spacetraders.cli.db", "app", "Database schema: upgrade, current revision."),
    "container": LazyCommand(
        "spacetraders.cli.container", "app", "Supervised containers: list, inspect, logs, stop, restart, remove."
    ),
    "daemon": LazyCommand(
        "spacetraders.cli.daemon", "app", "The supervisor daemon that runs containers: start, stop, run, status."
    ),
    "assignments": LazyCommand("spacetraders.cli.assignments", "app", "Ship assignments: list, release, fix."),
    "player": LazyCommand("spacetraders.cli.player", "app", "Players (agents): register, add, token, list, info, use."),
    "ship": LazyCommand(
        "spacetraders.cli.ship", "app", "Ships: list, info, navigate, and one-off actions (orbit, dock, refuel, trade...)."
    ),
    "sim": LazyCommand("spacetraders.cli.sim", "app", "Run the local simulator of the game server."),
    "waypoint": LazyCommand("spacetraders.cli.waypoint", "app", "Waypoints of a system (cached from the API)."),
    "market": LazyCommand("spacetraders.cli.market", "app", "Market data gathered by scout tours."),
    "scout": LazyCommand("spacetraders.cli.scout", "app", "Scout markets with probes or other ships."),
    "shipyard": LazyCommand("spacetraders.cli.shipyard", "app", "Shipyards: list the yards and their prices, buy ships."),
    "ledger": LazyCommand("spacetraders.cli.ledger", "app", "The ledger: every credit change the bot caused."),
    "trade": LazyCommand("spacetraders.cli.trade", "app", "Trading: run a ship on the best lanes the scouted prices show."),
    "contract": LazyCommand(
        "spacetraders.cli.contract", "app", "Contracts: list, show, accept, negotiate, deliver, fulfil, evaluate, run."
    ),
}

app = typer.Typer(
    name="spacetraders",
    cls=lazy_group(COMMANDS),
    help="Run a SpaceTraders fleet through an embedded container supervisor.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"spacetraders {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db_url: Optional[str] = typer.Option(
        None, "--db", envvar="SPACETRADERS_DATABASE_URL", help="Database URL (default: SQLite in the data directory)."
    ),
    player: Optional[str] = typer.Option(
        None, "--player", envvar="SPACETRADERS_PLAYER", help="Player id or agent symbol."
    ),
    json_output: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Debug logging and tracebacks."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    import logging

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from spacetraders.cli.context import AppContext
    from spacetraders.settings import Settings

    ctx.obj = AppContext(Settings.load(db=db_url, player=player), json=json_output, verbose=verbose)
    ctx.call_on_close(ctx.obj.close)


def run(argv: list[str] | None = None) -> int:
    """Console-script entry point: one clear line on stderr for any error; traceback with -v."""
    args = sys.argv[1:] if argv is None else argv
    verbose = any(a in ("-v", "--verbose") for a in args)
    try:
        result = app(args=args, prog_name="spacetraders", standalone_mode=False)
    except (Interrupted, KeyboardInterrupt, typer.Abort):
        sys.stderr.write("interrupted\n")
        return 130
    except SpacetradersError as exc:
        _fail(str(exc), verbose)
        return exc.exit_code
    except Exception as exc:
        if _is_usage_error(exc):
            _fail(exc.format_message(), verbose)  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        # Anything else is our bug: still one line unless -v.
        _fail(f"{type(exc).__name__}: {exc}", verbose)
        return 1
    return result if isinstance(result, int) else 0


def _is_usage_error(exc: Exception) -> bool:
    # Click's (or Typer's vendored Click's) ClickException family.
    return hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)


def _fail(message: str, verbose: bool) -> None:
    if verbose:
        import traceback

        traceback.print_exc()
    if message.strip():  # help shown for a bare group carries no message
        sys.stderr.write(f"error: {message.strip().splitlines()[0]}\n")
        sys.stderr.flush()


def entry() -> None:
    # Importing a command's libraries creates a few hundred thousand objects that live as long as
    # the process; collecting cycles among them while they load costs ~15% of the start-up.
    # cli.lazy.load freezes them and turns the collector back on before the command runs.
    gc.disable()
    try:
        code = run()
    finally:
        gc.enable()
    sys.exit(code)


if __name__ == "__main__":
    entry()
