"""Guangdong's own catalogue entries: 异地清分 3260 / 3261 / 3262 (补充接口文档 §7, 表5-表9).

The national baseline has no 3260-3262; the Guangdong guide prints their field tables, which
:mod:`.clearing_spec` turns into catalogue entries once (with the document's corrections:
``otransid`` 30 and ``mdtrt_id`` 30, see its override table) and checks in as
``data/clearing.json``.  Dongguan inherits them with the rest of the province's profile.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

__all__ = ["EXTRA_TRANSACTIONS"]


def _load() -> tuple[Mapping[str, Any], ...]:
    text = resources.files(__package__).joinpath("data", "clearing.json").read_text(encoding="utf-8")
    return tuple(json.loads(text))


EXTRA_TRANSACTIONS: Final[tuple[Mapping[str, Any], ...]] = _load()
