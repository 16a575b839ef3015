"""Shared plumbing of the commands: the global ``--config``, the client, output and exit codes.

stdout carries only a command's result; everything else (logs, warnings, progress, the
start-up reversals' summary, errors) goes to stderr.  Text that comes from the centre
(``err_msg``, ``warn_msg``) is printed verbatim, never through rich markup, so
``参数[psn_no]错误`` keeps its brackets.
"""

from __future__ import annotations

import signal
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
    "startup_reversals",
]

err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
F = TypeVar("F", bound=Callable[..., Any])
#: The clients this command made (one process, one command): where an interrupt is looked up.
_clients: list[Any] = []


class Terminated(BaseException):
    """SIGTERM, raised where the process is (a BaseException, like KeyboardInterrupt, so that
    no ``except Exception`` on the way swallows it and the engine journals the message UNKNOWN)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


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
    _clients.append(client)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        # SIGTERM's default ends the process on the spot, leaving a money row SENT with no word:
        # as an exception, it reaches the engine (UNKNOWN, 2601 scheduled) and handle_errors.
        signal.signal(signal.SIGTERM, _on_sigterm)
    if recover:
        report = client.recover()
        state = _state(ctx)
        state.startup = list(report.reversed)
        if report.reversed:
            note(f"start-up: reversed {len(report.reversed)} earlier unknown outcome(s) with 2601: "
                 + ", ".join(report.reversed))
    return client


def startup_reversals(ctx: typer.Context) -> list[str]:
    """The msgids this command's start-up run reversed (``journal recover`` lists them)."""
    return list(_state(ctx).startup)


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
    except (KeyboardInterrupt, Terminated) as exc:
        _interrupted(exc, json_errors)
    except YibaoError as exc:
        from ..masking import scrub_text

        if json_errors:
            sys.stderr.write(scrub_text(wire.dumps(exc.to_dict(), check_floats=False)) + "\n")
            raise typer.Exit(exc.exit_code) from None
        fail(scrub_text(str(exc)), exc.exit_code)


def _interrupted(exc: BaseException, json_errors: bool) -> NoReturn:
    """Ctrl-C / SIGTERM: what was on the wire, and what to do (exit 4); else exit 130 / 143."""
    caught = next((c.engine.interrupted for c in reversed(_clients) if c.engine.interrupted is not None), None)
    if caught is not None and caught.reversal_at is not None:
        if json_errors:
            sys.stderr.write(wire.dumps({"kind": "outcome_unknown", "exit_code": 4, "infno": caught.infno,
                                         "msgid": caught.msgid, "message": caught.explain()}) + "\n")
            raise typer.Exit(4) from None
        fail(caught.explain(), 4)
    code = 143 if isinstance(exc, Terminated) else 130
    what = "SIGTERM" if code == 143 else "interrupted"
    note(f"{what}: nothing that changes state was on the wire" if caught is None else f"{what}: {caught.explain()}")
    raise typer.Exit(code) from None
