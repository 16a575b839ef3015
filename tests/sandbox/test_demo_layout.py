"""``yibao demo`` as a person reads it in an 80-column terminal: each step on a line of its own
(``ok``, the step, its infno), what came of it indented below, no line wider than the terminal
and no trailing blanks on them (a detail after padded columns used to wrap ids across lines)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from rich.cells import cell_len

YIBAO = shutil.which("yibao", path=str(Path(sys.executable).parent)) or "yibao"


def test_steps_and_details_fit_80_columns(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    run = subprocess.run([YIBAO, "demo", "--state", str(tmp_path)], capture_output=True, text=True, timeout=300,
                         env=env)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    lines = (run.stdout + run.stderr).splitlines()
    steps = [i for i, line in enumerate(lines) if line.startswith("      ok ")]
    assert len(steps) >= 12
    for i in steps:
        assert lines[i + 1].startswith(" " * 9) and lines[i + 1].strip(), lines[i:i + 2]
    sale = next(i for i in steps if lines[i].startswith("      ok pharmacy sale  2101→2102"))
    assert lines[sale + 1].lstrip().startswith("setl_id S")  # the id whole, on the line it starts
    for line in lines:
        assert cell_len(line) <= 80, repr(line)
    for i in steps:
        assert lines[i] == lines[i].rstrip() and lines[i + 1] == lines[i + 1].rstrip(), lines[i:i + 2]
