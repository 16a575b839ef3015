"""``yibao sandbox serve``: run the simulated centre in the foreground (contract.md, Commands).

Prints its URL and credentials, then serves until stopped (Ctrl+C).  Without ``--state`` the
books live in a temporary directory and are gone when it stops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]

sandbox_app = typer.Typer(
    name="sandbox", help="The simulated insurance centre (yibao.sandbox).", no_args_is_help=True
)


@sandbox_app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to bind (0: a free port)")] = 8080,
    paasid: Annotated[str | None, typer.Option("--paasid", help="the x-tif-paasid it accepts")] = None,
    secret: Annotated[
        str | None, typer.Option("--secret", help="the secretKey of the x-tif signature")
    ] = None,
    state: Annotated[Path | None, typer.Option("--state", help="directory of its SQLite books")] = None,
    region: Annotated[str, typer.Option("--region", help="default region (admdvs code)")] = "440000",
) -> None:
    """Run the simulated centre until stopped; prints its URL and credentials."""
    import socket

    from yibao.sandbox.config import DEFAULT_PAASID, DEFAULT_SECRET, SandboxConfig
    from yibao.sandbox.server import serve as run

    if not (len(region) == 6 and region.isdigit()):
        typer.echo(f"--region: {region!r} is not a 6-digit admdvs code", err=True)
        raise typer.Exit(2)
    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    config = SandboxConfig(
        paasid=paasid or DEFAULT_PAASID, secret=secret or DEFAULT_SECRET, state_dir=state, region=region
    )
    typer.echo(f"yibao sandbox: url=http://{host}:{port} paasid={config.paasid} secret={config.secret}")
    typer.echo(f"  state: {state if state else '(temporary directory)'}  region: {region}")
    typer.echo(
        "  control API: /_sandbox/persons /_sandbox/catalog /_sandbox/ectoken /_sandbox/faults "
        "/_sandbox/ledger /_sandbox/reset"
    )
    run(config, host, port)


def register(app: typer.Typer) -> None:
    """Add the ``sandbox`` command group to the main CLI."""
    app.add_typer(sandbox_app, name="sandbox")
