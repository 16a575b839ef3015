"""``yibao call INFNO --input JSON``: one transaction, validated, journaled, signed, sent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import wire
from ..errors import ValidationError, ValidationIssue
from ..masking import mask_input
from ._common import client_from_ctx, handle_errors, note, print_json

__all__ = ["read_input", "register"]


def read_input(infno: str, text: str) -> Any:
    """``--input`` as JSON text, ``@file.json`` or ``-`` for stdin; amounts decode as Decimal.

    Whatever it is given -- a missing file, bytes that are not UTF-8, text that is not JSON, a
    structure past the wire's depth limit -- is a ValidationError naming ``--input`` (exit 2)."""
    def bad(rule: str, message: str) -> ValidationError:
        return ValidationError([ValidationIssue(infno, "input", "--input", rule, message)], infno=infno)

    raw: str | bytes = text
    if text == "-":
        raw = sys.stdin.buffer.read()
    elif text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise bad("file", f"no file {path}")
        raw = path.read_bytes()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")  # a BOM, as Windows editors write it, is not content
        except UnicodeDecodeError as exc:
            raise bad("utf-8", f"not UTF-8 text (byte {exc.start})") from None
    try:
        return wire.loads(raw)
    except ValueError as exc:
        raise bad("json", f"not valid JSON: {str(exc)[:200]}") from None


def register(app: typer.Typer) -> None:
    @app.command("call")
    def call(
        ctx: typer.Context,
        infno: Annotated[str, typer.Argument(help="transaction number, e.g. 1101")],
        input_: Annotated[str, typer.Option("--input", help='the envelope input: JSON, @file.json or -')] = "{}",
        insuplc: Annotated[str | None, typer.Option("--insuplc", help="参保地医保区划 for the envelope")] = None,
        full: Annotated[bool, typer.Option("--reply", help="print the whole reply, not only output")] = False,
        json_errors: Annotated[bool, typer.Option("--json-errors", help="errors as JSON on stderr")] = False,
        show_personal: Annotated[bool, typer.Option(
            "--show-personal", help="print names, ID and card numbers as the centre sent them (default: "
            "masked, as in the journal and the logs)")] = False,
        idem_key: Annotated[str | None, typer.Option(
            "--idempotency-key", help="the bill's key: the same key and input replay the first outcome, "
            "never a second charge (money transactions; default: derived from the input)")] = None,
    ) -> None:
        """Validate, journal (when it changes state), sign and send one transaction; print its output.

        A money transaction (2102, 2207, 2304, their cancels, 2601) is sent under a bill key:
        ``--idempotency-key``, or one derived from the normalised input, so that running the
        same command twice charges once (the second prints the first outcome and says so).
        Personal data in the output is masked unless ``--show-personal``."""
        with handle_errors(json_errors=json_errors):
            data = read_input(infno, input_)
            from ..engine.call import Call

            client = client_from_ctx(ctx)
            reply = client.send(Call(infno, data, insuplc_admdvs=insuplc, idem_key=idem_key, derive_key=True))
            if reply.replayed:
                note(f"replayed: this bill was already sent as msgid {reply.msgid}; its outcome is shown "
                     "and nothing was sent again")
            if reply.warn_msg:
                note(f"warn_msg: {reply.warn_msg}")
            for warning in reply.settlement.warnings if reply.settlement else ():
                note(f"warning: {warning}")
            output = reply.output if reply.output is not None else {}
            if not show_personal:  # terminals keep scrollback, scripts keep logs
                output = mask_input(output)
            if full:
                print_json({"infcode": reply.infcode, "inf_refmsgid": reply.inf_refmsgid,
                            "err_msg": reply.err_msg, "warn_msg": reply.warn_msg, "output": output})
            else:
                print_json(output)
