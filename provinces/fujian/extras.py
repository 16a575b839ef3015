"""Fujian's catalogue entries for online settlement (``data/online_catalog.json``).

- 6201-6401 from the national baseline's tables (【6201】 表293-296 ... 【6401】 表306-307) as the
  SM envelope carries them: 6201's ``diseinfoList`` / ``feedetailList`` nested in ``data`` (the
  generated catalogue lost them), ``data`` one object for 6201 and 6401, and the fields the
  public implementations add (``payAuthNo`` beside ``ecToken``, ``uldLatlnt``: online_settlement.md
  §4, [C]); each entry says what it changed in its ``source``.
- The assumed shapes (``verified: false``) of Xiamen's local services (XM01-XM29), the HIS
  callbacks (HIS23-HIS25), the channel's authorisation exchange (CH10) and the e-invoice
  download (EB04); the e-invoice vendor's methods (EB01-EB03, §6 [S]).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

__all__ = ["EXTRA_TRANSACTIONS"]


def _load() -> tuple[Mapping[str, Any], ...]:
    text = resources.files("yibao.provinces.fujian").joinpath("data", "online_catalog.json").read_text("utf-8")
    return tuple(json.loads(text)["transactions"])


EXTRA_TRANSACTIONS: tuple[Mapping[str, Any], ...] = _load()
