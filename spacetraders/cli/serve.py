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
    allow_host: list[str] = typer.Option(
        [], "--allow-host", help="Also answer requests for this Host name (repeatable; loopback names always).",
        show_default=False,
    ),
) -> None:
    """Serve the scout-tour map and the read-only API until Ctrl-C."""
    # FastAPI and uvicorn load only for this command, not for every CLI start.
    from spacetraders.web import security, server
    from spacetraders.web.app import create_app

    app = app_context(ctx)
    hosts = security.allowed_hosts(allow_host, bind_host=host)
    db = app.database()
    sock = server.bind(host, port)  # a busy port is one error line, before anything claims to listen
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    app.emit(
        {"url": url, "api": f"{url}api/", "openapi": f"{url}openapi.json", "database": db.display_url,
         "allowed_hosts": hosts},
        lambda c: c.print(f"visualiser on [bold]{url}[/] (API docs {url}docs, database {db.display_url}); Ctrl-C stops"),
    )
    if not _is_loopback(host):
        typer.echo(f"warning: {host} is not a loopback address: anyone who can reach it can read the fleet's state "
                   f"(requests are answered for the Host names {', '.join(hosts)}; add yours with --allow-host)",
                   err=True)
    server.serve(create_app(db, allowed_hosts=hosts), sock)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
