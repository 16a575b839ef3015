"""yibao where the system has no time-zone database (Windows; slim containers): the centre's clock,
Asia/Shanghai, comes from the tzdata package, so yibao starts there (pyproject.toml)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: PYTHONTZPATH empty: zoneinfo looks in no system directory, as on Windows
NO_SYSTEM_ZONES = {**os.environ, "PYTHONTZPATH": ""}
YIBAO = str(Path(sys.executable).with_name("yibao"))


def test_the_clocks_of_client_and_sandbox_without_a_system_database() -> None:
    code = ("import zoneinfo; assert zoneinfo.TZPATH == ();"
            "from yibao.core.clock import SHANGHAI, now; from yibao.sandbox.clock import CENTRE_TZ;"
            "print(now().utcoffset(), SHANGHAI.key, CENTRE_TZ.key)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=NO_SYSTEM_ZONES,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["8:00:00", "Asia/Shanghai", "Asia/Shanghai"]


def test_a_command_runs_without_a_system_database() -> None:
    proc = subprocess.run([YIBAO, "schema", "1101", "--json"], capture_output=True, text=True, env=NO_SYSTEM_ZONES,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["infno"] == "1101"
