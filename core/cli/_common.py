"""Shared plumbing of the commands: the global ``--config``, the client, output and exit codes.

stdout carries only a command's result; everything else (logs, warnings, progress, the
start-up reversals' summary, errors) goes to stderr.  Text that comes from the centre
(``err_msg``, ``warn_msg``) is printed verbatim, never through rich markup, so
``参数[psn_no]错误`` keeps its brackets.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from .. import wire
from ..config import Config, load_config
from ..errors import YibaoError

__all__ = [
    "State",
    "client_from_ctx",
    "config_from_ctx",
    "err_console",
    "fail",
    "handle_errors",
    "note",
    "print_json",
]

err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
F = TypeVar("F", bound=Callable[..., Any])


class State:
    """What the global options put into ``ctx.obj``."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self.startup: list[str] = []

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


def _state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State(None)
    return root.obj


def config_from_ctx(ctx: typer.Context) -> Config:
    """The configuration named by ``--config`` / ``YIBAO_CONFIG`` / ``./yibao.toml``."""
    return _state(ctx).config()


def note(text: str) -> None:
    """One line for the operator, on stderr, verbatim."""
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


def client_from_ctx(ctx: typer.Context, *, recover: bool = True) -> Any:
    """A :class:`yibao.core.Client` for the configuration, closed when the command ends.

    With ``recover`` (every command that sends) the start-up run goes first: rows a crashed
    process left, then the 2601s due now; what it did is said on stderr and kept for a
    command's own report (``journal recover`` lists them).
    """
    from ..client import Client

    client = Client(config_from_ctx(ctx))
    ctx.call_on_close(client.close)
    if recover:
        report = client.recover()
        state = _state(ctx)
        state.startup = list(report.reversed)
        if report.reversed:
            note(f"start-up: reversed {len(report.reversed)} earlier unknown outcome(s) with 2601: "
                 + ", ".join(report.reversed))
    return client


def print_json(obj: Any) -> None:
    """JSON on stdout with exact Decimal numbers and unescaped Chinese."""
    sys.stdout.write(wire.dumps(obj, check_floats=False) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int) -> NoReturn:
    err_console.print(f"error: {message}")
    raise typer.Exit(code)


@contextmanager
def handle_errors(*, json_errors: bool = False) -> Iterator[None]:
    """Turn a :class:`YibaoError` into its message on stderr and its contract exit code."""
    try:
        yield
    except YibaoError as exc:
        from ..masking import scrub_text

        if json_errors:
            sys.stderr.write(scrub_text(wire.dumps(exc.to_dict(), check_floats=False)) + "\n")
            raise typer.Exit(exc.exit_code) from None
        fail(scrub_text(str(exc)), exc.exit_code)
