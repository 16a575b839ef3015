"""Fixtures of the catalogue tests: the spec folder (skipped visibly when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs"
BASELINE = SPECS / "national_baseline_hunan_v1.1.27.md"
GUANGDONG = SPECS / "004_623e0e444b3b734e.txt"


@pytest.fixture(scope="session")
def specs() -> Path:
    """The shared spec folder next to the repository; the test is skipped without it."""
    if not BASELINE.is_file() or not GUANGDONG.is_file():
        pytest.skip(f"spec documents not found at {SPECS} (the ../shared folder is absent)")
    return SPECS


@pytest.fixture(scope="session")
def baseline_text(specs: Path) -> str:
    return (specs / BASELINE.name).read_text(encoding="utf-8")


def spec_rows(text: str, infno: str, caption_contains: str) -> dict[str, list[str]]:
    """The pipe rows of one table of a section, straight from the spec text (code -> cells).

    Used to check the parsed catalogue against the document itself rather than against
    values copied into the test.
    """
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"【{infno}】"))
    rows: dict[str, list[str]] = {}
    inside = False
    for line in lines[start + 1 :]:
        if line.startswith("【"):
            break
        if caption_contains in line and not line.startswith("|"):
            inside = True
            continue
        if inside:
            if line.startswith("| 序号"):
                continue
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[1]] = cells
    return rows
