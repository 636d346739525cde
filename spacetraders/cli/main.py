"""The `spacetraders` command: global options, one sub-app per noun, clean errors."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Optional

import typer
from rich.console import Console

from spacetraders import __version__
from spacetraders.cli import (
    assignments,
    container,
    contract,
    daemon,
    db,
    market,
    player,
    scout,
    ship,
    sim,
    waypoint,
)
from spacetraders.cli.context import AppContext
from spacetraders.cli.demo import demo
from spacetraders.cli.reconcile import reconcile
from spacetraders.cli.serve import serve
from spacetraders.errors import SpacetradersError
from spacetraders.settings import Settings

app = typer.Typer(
    name="spacetraders",
    help="Run a SpaceTraders fleet through an embedded container supervisor.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(container.app, name="container")
app.add_typer(daemon.app, name="daemon")
app.add_typer(assignments.app, name="assignments")
app.add_typer(player.app, name="player")
app.add_typer(ship.app, name="ship")
app.add_typer(sim.app, name="sim")
app.command()(reconcile)
app.command()(demo)
app.add_typer(waypoint.app, name="waypoint")
app.add_typer(market.app, name="market")
app.add_typer(scout.app, name="scout")
app.command("serve")(serve)
app.add_typer(contract.app, name="contract")


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
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = AppContext(Settings.load(db=db_url, player=player), json=json_output, verbose=verbose)
    ctx.call_on_close(ctx.obj.close)


def run(argv: list[str] | None = None) -> int:
    """Console-script entry point: one clear line on stderr for any error; traceback with -v."""
    args = sys.argv[1:] if argv is None else argv
    verbose = any(a in ("-v", "--verbose") for a in args)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        result = app(args=args, prog_name="spacetraders", standalone_mode=False)
    except SpacetradersError as exc:
        _fail(err, str(exc), verbose)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        err.print("error: interrupted")
        return 130
    except Exception as exc:
        if _is_usage_error(exc):
            _fail(err, exc.format_message(), verbose)  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        # Anything else is our bug: still one line unless -v.
        _fail(err, f"{type(exc).__name__}: {exc}", verbose)
        return 1
    return result if isinstance(result, int) else 0


def _is_usage_error(exc: Exception) -> bool:
    # Click's (or Typer's vendored Click's) ClickException family.
    return hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)


def _fail(err: Console, message: str, verbose: bool) -> None:
    if verbose:
        traceback.print_exc()
    if message.strip():  # help shown for a bare group carries no message
        err.print(f"error: {message.strip().splitlines()[0]}", markup=False)


def entry() -> None:
    sys.exit(run())


if __name__ == "__main__":
    entry()
