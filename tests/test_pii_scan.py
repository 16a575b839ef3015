"""The personal-data scan can fail (tests/pii_scan.py): a run whose test prints a seeded person's
name, or leaves a file with an ID number, fails, naming where -- and the report masks them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from yibao.sandbox.seed import persons

ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    # The inner run (its test file, its temp dir) holds the data it leaks on purpose: it sits where
    # the outer scan does not look (his-input).
    folder = tmp_path / "his-input"
    folder.mkdir()
    (folder / "test_leak.py").write_text(body, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.pii_scan", "--rootdir", str(ROOT),
                           "--basetemp", str(folder / "inner"), str(folder / "test_leak.py")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_a_leak_in_captured_output_or_a_file_fails_the_run(tmp_path: Path) -> None:
    p = next(p for p in persons() if p["psn_cert_type"] == "01")
    leak = _run(tmp_path, f'''
def test_prints(capsys):
    print("settled for {p["psn_name"]}")

def test_writes(tmp_path):
    (tmp_path / "report.json").write_text('{{"certno": "{p["certno"]}"}}')
''')
    assert leak.returncode == 1, leak.stdout
    assert "personal-data scan FAILED" in leak.stdout
    assert "test_prints" in leak.stdout and "report.json" in leak.stdout
    assert p["psn_name"] not in leak.stdout and p["certno"] not in leak.stdout  # the report masks them


def test_a_clean_run_passes(tmp_path: Path) -> None:
    clean = _run(tmp_path, "def test_nothing():\n    print('nothing personal')\n")
    assert clean.returncode == 0, clean.stdout
    assert "no hit" in clean.stdout
