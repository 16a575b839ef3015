"""The ``yibao`` command.  Commands and exit codes are the public contract (shared/contract.md)."""

from __future__ import annotations

import importlib
import os
from typing import Annotated

import typer

from .. import __version__
from ._common import State
from .streams import guard_streams

__all__ = ["app", "main"]

app = typer.Typer(
    name="yibao",
    help="两定医药机构接口: connect a HIS to the national medical-insurance platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each command group lives in its own module with ``register(app)``; other packages add theirs
# through the entry-point group ``yibao.commands`` (the sandbox's ``sandbox`` and ``demo``).
_COMMAND_MODULES = ("basic", "call", "schema", "journal_cmd", "reconcile", "acceptance", "serve", "console_cmd")
COMMANDS_GROUP = "yibao.commands"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"yibao {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        str | None, typer.Option("--config", help="configuration file (else $YIBAO_CONFIG, else ./yibao.toml)")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")
    ] = False,
    log_json: Annotated[bool, typer.Option("--log-json", help="structured JSON logs on stderr")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="log INFO and above")] = False,
) -> None:
    from ..logging import configure_logging

    configure_logging(json=log_json, level="INFO" if verbose else os.environ.get("YIBAO_LOG_LEVEL", "WARNING"))
    ctx.obj = State(config)


for _name in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def _load_command_plugins() -> None:
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        ep.load()(app)


_load_command_plugins()


def main() -> None:
    """Console entry point."""
    guard_streams()
    app()
