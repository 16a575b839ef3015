"""Fixtures for the province tests: compiling the fake vendor libraries with gcc."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def build_lib(tmp_path: Path) -> Callable[[str], Path]:
    """Compile ``fixtures/<name>.c`` into a shared library in ``tmp_path``; skip without gcc."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed: the fake vendor libraries cannot be built")

    def build(name: str) -> Path:
        out = tmp_path / f"lib{name}.so"
        subprocess.run(
            [gcc, "-shared", "-fPIC", "-O1", "-o", str(out), str(FIXTURES / f"{name}.c")],
            check=True,
            capture_output=True,
        )
        return out

    return build
