"""The import contracts (``.importlinter``) hold, and their module lists cover every module of core.

A new module of ``core/`` is forbidden to the sandbox's centre and to provinces unless it is
part of the catalogue (the centre's only allowed source) or of yibao.core's public face (the
provinces' only allowed source): this test fails when a new module is missing from the lists.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
CORE_MODULES = sorted(
    f"yibao.core.{p.stem if p.is_file() else p.name}"
    for p in (ROOT / "core").iterdir()
    if (p.is_file() and p.suffix == ".py" and p.name != "__init__.py") or (p.is_dir() and (p / "__init__.py").exists())
)
PUBLIC_FACE = {"yibao.core.plugins", "yibao.core.catalog", "yibao.core.errors", "yibao.core.testing"}


def _forbidden(contract: str) -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return {m.strip() for m in parser[f"importlinter:contract:{contract}"]["forbidden_modules"].split() if m.strip()}


def test_the_centre_is_forbidden_every_client_module() -> None:
    """Every core module but the catalogue is forbidden to the sandbox."""
    forbidden = _forbidden("centre-shares-no-client-code")
    missing = [m for m in CORE_MODULES if m != "yibao.core.catalog" and m not in forbidden]
    assert missing == [], f"add to .importlinter (centre-shares-no-client-code): {missing}"


def test_provinces_are_forbidden_everything_but_the_public_face() -> None:
    """Every core module outside the public face is forbidden to provinces."""
    forbidden = _forbidden("provinces-use-the-public-face")
    missing = [m for m in CORE_MODULES if m not in PUBLIC_FACE and m not in forbidden]
    assert missing == [], f"add to .importlinter (provinces-use-the-public-face): {missing}"


def test_the_contracts_are_kept() -> None:
    """``lint-imports`` passes on the tree (CI also runs it on its own, before the tests)."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (it comes with the test extra)")
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout
