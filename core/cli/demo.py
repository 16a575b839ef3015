"""``yibao demo``: a full cycle through the workflows against an embedded sandbox.

It starts the simulated centre in-process on a free loopback port, then runs — printing
each step with its infno, result and amounts — sign-in; identify by ID number, e-voucher and
card; a pharmacy sale; an outpatient visit with two fee batches; an inpatient stay (admit, two
fee uploads, a change, discharge, settle); a cancel of each kind; one settlement whose answer
is lost (sandbox fault) and its automatic 2601; and a 3201 for the day.  Exit 0 only when
every step behaved as it must.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        keep: Annotated[str | None, typer.Option("--state", help="keep the sandbox state and journal in DIR")] = None,
        json_: Annotated[bool, typer.Option("--json", help="print the steps as JSON")] = False,
    ) -> None:
        """Start an embedded sandbox and run a full cycle; exit 0 when every step behaved."""
        from .demo_steps import run_demo

        workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="yibao-demo-"))
        workdir.mkdir(parents=True, exist_ok=True)
        from ..logging import configure_logging

        # The steps print what happened; the warnings they provoke on purpose (the lost answer)
        # would only repeat it.
        configure_logging(level=os.environ.get("YIBAO_LOG_LEVEL", "ERROR"))
        ok = run_demo(workdir, as_json=json_)
        raise typer.Exit(0 if ok else 1)
