"""Every field of RegionProfile is read by the engine: a profile promises nothing that is not there.

A field no code reads (as ``auth`` and ``card_readers`` once were) tells a plugin author that
setting it changes something.  This test finds, for each field, a read ``.<field>`` in the
engine's code (the profile's own methods count: ``fixed_for`` and ``classify`` read their fields and
are called by the engine).
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from yibao.core.plugins import RegionProfile

CORE = Path(__file__).resolve().parents[1] / "core"
SOURCES = {p: p.read_text(encoding="utf-8") for p in CORE.rglob("*.py")}
FIELDS = [f.name for f in attrs.fields(RegionProfile)]


@pytest.mark.parametrize("field", FIELDS)
def test_profile_field_is_read_by_the_engine(field: str) -> None:
    """Some module of core/ reads ``<something>.<field>`` (a declaration is not a read)."""
    read = re.compile(rf"\.{field}\b(?!\s*=[^=])")
    readers = [p.relative_to(CORE) for p, text in SOURCES.items() if read.search(text)]
    assert readers, f"RegionProfile.{field} is read nowhere in core/: remove it or make the engine honour it"
