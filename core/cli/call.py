"""``yibao call INFNO --input JSON``: one transaction, validated, journaled, signed, sent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import wire
from ..errors import ValidationError, ValidationIssue
from ._common import client_from_ctx, handle_errors, note, print_json

__all__ = ["read_input", "register"]


def read_input(infno: str, text: str) -> Any:
    """``--input`` as JSON text, ``@file.json`` or ``-`` for stdin; amounts decode as Decimal."""
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise ValidationError([ValidationIssue(infno, "input", "--input", "file", f"no file {path}")], infno=infno)
        text = path.read_text(encoding="utf-8")
    try:
        return wire.loads(text)
    except ValueError as exc:
        raise ValidationError([ValidationIssue(infno, "input", "--input", "json", f"not valid JSON: {exc}")],
                              infno=infno) from None


def register(app: typer.Typer) -> None:
    @app.command("call")
    def call(
        ctx: typer.Context,
        infno: Annotated[str, typer.Argument(help="transaction number, e.g. 1101")],
        input_: Annotated[str, typer.Option("--input", help='the envelope input: JSON, @file.json or -')] = "{}",
        insuplc: Annotated[str | None, typer.Option("--insuplc", help="参保地医保区划 for the envelope")] = None,
        full: Annotated[bool, typer.Option("--reply", help="print the whole reply, not only output")] = False,
        json_errors: Annotated[bool, typer.Option("--json-errors", help="errors as JSON on stderr")] = False,
    ) -> None:
        """Validate, journal (when it changes state), sign and send one transaction; print its output."""
        with handle_errors(json_errors=json_errors):
            data = read_input(infno, input_)
            client = client_from_ctx(ctx)
            reply = client.reply(infno, data, insuplc_admdvs=insuplc)
            if reply.warn_msg:
                note(f"warn_msg: {reply.warn_msg}")
            for warning in reply.settlement.warnings if reply.settlement else ():
                note(f"warning: {warning}")
            if full:
                print_json({"infcode": reply.infcode, "inf_refmsgid": reply.inf_refmsgid,
                            "err_msg": reply.err_msg, "warn_msg": reply.warn_msg, "output": reply.output})
            else:
                print_json(reply.output if reply.output is not None else {})
