"""``yibao sandbox serve`` (and ``python -m yibao.sandbox serve``): the simulated centre in front.

Prints its URL and credentials, then serves until stopped (Ctrl+C).  Without ``--state`` the
books live in a temporary directory and are gone when it stops.

The control API (``/_sandbox/...``) has no gateway in front of it.  Bound to loopback (the
default) that is fine; a bind to any other host needs ``--control-token`` (or the environment
variable ``YIBAO_SANDBOX_CONTROL_TOKEN``), and then every control request must carry the
header ``X-Sandbox-Token`` with it (contract.md, "The sandbox, further").  Without it such a
bind is refused: a message on stderr and exit code 2.

The ``yibao`` command adds this group with :func:`register`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["main", "register", "sandbox_app"]

sandbox_app = typer.Typer(
    name="sandbox", help="The simulated insurance centre (yibao.sandbox).", no_args_is_help=True
)


@sandbox_app.callback()
def _group() -> None:
    """The simulated insurance centre (yibao.sandbox)."""


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
    control_token: Annotated[
        str | None,
        typer.Option(
            "--control-token",
            envvar="YIBAO_SANDBOX_CONTROL_TOKEN",
            help="required header X-Sandbox-Token of the control API; needed to bind a non-loopback host",
        ),
    ] = None,
) -> None:
    """Run the simulated centre until stopped; prints its URL and credentials."""
    from .config import DEFAULT_PAASID, DEFAULT_SECRET, SandboxConfig
    from .server import ControlTokenRequired, check_bind, listen
    from .server import serve as run

    if not (len(region) == 6 and region.isdigit()):
        typer.echo(f"--region: {region!r} is not a 6-digit admdvs code", err=True)
        raise typer.Exit(2)
    if control_token is not None and not control_token:
        typer.echo("--control-token: must not be empty", err=True)
        raise typer.Exit(2)
    config = SandboxConfig(
        paasid=paasid or DEFAULT_PAASID,
        secret=secret or DEFAULT_SECRET,
        state_dir=state,
        region=region,
        control_token=control_token,
    )
    try:
        check_bind(host, config)
    except ControlTokenRequired as exc:
        typer.echo(f"--host: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        sock = listen(host, port)
    except OSError as exc:
        typer.echo(f"--port: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    port = sock.getsockname()[1]
    typer.echo(f"yibao sandbox: url=http://{host}:{port} paasid={config.paasid} secret={config.secret}")
    typer.echo(f"  state: {state if state else '(temporary directory)'}  region: {region}")
    typer.echo(
        "  control API: /_sandbox/persons /_sandbox/catalog /_sandbox/ectoken /_sandbox/faults "
        "/_sandbox/ledger /_sandbox/reset"
    )
    run(config, host, port, sock)


def register(app: typer.Typer) -> None:
    """Add the ``sandbox`` command group to the main CLI."""
    app.add_typer(sandbox_app, name="sandbox")


def main() -> None:
    """``python -m yibao.sandbox``: the group on its own."""
    sandbox_app(prog_name="python -m yibao.sandbox")
