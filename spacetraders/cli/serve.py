"""`spacetraders serve`: the visualiser (map page + read-only JSON API) over the CLI's database."""

from __future__ import annotations

import ipaddress

import typer

from spacetraders.cli.context import app_context

LOOPBACK = "127.0.0.1"


def serve(
    ctx: typer.Context,
    host: str = typer.Option(LOOPBACK, "--host", help="Interface to bind (loopback by default)."),
    port: int = typer.Option(4000, "--port", min=1, max=65535, help="TCP port."),
) -> None:
    """Serve the scout-tour map and the read-only API until Ctrl-C."""
    # FastAPI and uvicorn load only for this command, not for every CLI start.
    from spacetraders.web import server
    from spacetraders.web.app import create_app

    app = app_context(ctx)
    db = app.database()
    url = f"http://{host}:{port}/"
    app.emit(
        {"url": url, "api": f"{url}api/", "openapi": f"{url}openapi.json", "database": db.display_url},
        lambda c: c.print(f"visualiser on [bold]{url}[/] (API docs {url}docs, database {db.display_url}); Ctrl-C stops"),
    )
    if not _is_loopback(host):
        typer.echo(f"warning: {host} is not a loopback address: anyone who can reach it can read the fleet's state",
                   err=True)
    server.serve(create_app(db), host=host, port=port)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
