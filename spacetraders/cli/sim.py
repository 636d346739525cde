"""`spacetraders sim`: run the local simulator of the game server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from spacetraders.cli.numbers import float_option, int_option

app = typer.Typer(help="Run the local simulator of the game server.", no_args_is_help=True, add_completion=False)


@app.callback()
def _group() -> None:
    """Keep `serve` a named sub-command even while it is the only one."""


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (loopback by default)."),
    port: int = int_option(8777, "--port", low=1, high=65535, help="TCP port."),
    seed: int = int_option(1, "--seed", low=0, help="Seed of the generated universe, markets and faults."),
    time_scale: float = float_option(
        1.0, "--time-scale", low=0.001, high=1_000_000, help="Game seconds per real second."),
    universe: Optional[Path] = typer.Option(
        None, "--universe", exists=True, dir_okay=False, readable=True, help="JSON list of recorded waypoints."
    ),
    probes: int = int_option(3, "--probes", low=0, high=1000, help="Probes each new agent starts with."),
    no_rate_limit: bool = typer.Option(False, "--no-rate-limit", help="Disable the 2/s + 30/60s limiter."),
) -> None:
    """Serve the simulated SpaceTraders v2 API over HTTP."""
    from spacetraders.sim.app import create_app
    from spacetraders.sim.config import SimConfig
    from spacetraders.web import server

    config = SimConfig(
        seed=seed, time_scale=time_scale, universe_file=universe, probes_per_agent=probes,
        enforce_rate_limit=not no_rate_limit,
    )
    try:
        application = create_app(config)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    sim = application.state.sim
    sock = server.bind(host, port)  # a busy port is one error line, before the URL is printed
    api_url = f"http://{host}:{port}/v2"
    root = ctx.find_root().obj
    if getattr(root, "json", False):  # `spacetraders --json sim serve`: one JSON document, then serve
        typer.echo(json.dumps({"api_url": api_url, "systems": len(sim.universe.systems),
                               "waypoints": sim.universe.waypoint_count, "time_scale": time_scale,
                               "rate_limit": not no_rate_limit, "seed": seed}))
    else:
        typer.echo(
            f"SpaceTraders simulator: {len(sim.universe.systems)} systems, {sim.universe.waypoint_count} waypoints, "
            f"time scale {time_scale:g}, rate limit {'off' if no_rate_limit else 'on'}"
        )
        typer.echo(f"export SPACETRADERS_API_URL={api_url}", color=False)
    # The app writes its own Date header from the simulator's clock.
    server.serve(application, sock, date_header=False, server_header=False)
