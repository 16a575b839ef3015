"""The sandbox's commands of the ``yibao`` CLI, registered through the entry-point group
``yibao.commands`` (``yibao sandbox serve``, ``yibao demo``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def _demo(
    keep: Annotated[str | None, typer.Option("--state", help="keep the sandbox state and journal in DIR")] = None,
    json_: Annotated[bool, typer.Option("--json", help="print the steps as JSON")] = False,
    region: Annotated[str, typer.Option("--region", help="the region to rehearse (admdvs code)")] = "441900",
) -> None:
    """Start an embedded sandbox and run a full cycle; exit 0 when every step behaved."""
    from yibao.core import YibaoError, configure_logging, load_registry

    from .demo import run_demo

    try:
        load_registry().resolve(region)
    except YibaoError as exc:  # an unknown region is a usage error: exit 2, naming the known ones
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="yibao-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # The steps print what happened; the warnings they provoke on purpose (the lost answer)
    # would only repeat it.
    configure_logging(level=os.environ.get("YIBAO_LOG_LEVEL", "ERROR"))
    ok = run_demo(workdir, as_json=json_, region=region)
    raise typer.Exit(0 if ok else 1)


def register(app: typer.Typer) -> None:
    """Add ``sandbox`` and ``demo`` to the ``yibao`` command."""
    from ..cli import register as register_sandbox

    register_sandbox(app)
    app.command("demo")(_demo)
