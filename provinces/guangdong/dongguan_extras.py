"""Catalogue entries of the transactions Dongguan requires beyond the national baseline.

Same JSON shape as ``core/catalog/data/catalog.json`` (``infno``, ``name``, ``kind``,
``verified``, ``source``, ``input``/``output`` nodes), merged by ``Catalog.with_extra``.  The
tables are built by :mod:`.dongguan_tables` and checked in as ``data/dongguan_extras.json``:

- ``verified: true``: the fields come from a published spec table (``source`` says which):
  CFYYJG106 (表 53 of a public copy of the e-prescription interface);
- ``verified: false``: no public field table was found; ``source`` says what the table rests on
  (the national table of the same name in snake_case for the e-prescription calls, the nearest
  national table for the city's services and the self-pay uploads).  Every one has real
  fields, so the client checks its input before sending and the sandbox refuses junk.

Transactions the national baseline already has (3505A, 3506A, 3501A, 3502A, 3512, 3513,
3101-3103, 4103, 2503-2506, 5301-5304) come from the national catalogue, and 3260-3262 from the
Guangdong supplementary document there; they are not repeated here.  6101 is repeated: Dongguan
requires it, and over HTTP its input must carry the QR content (``ecQrCode``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

__all__ = ["CITY_CODES", "EXTRA_INFNOS", "EXTRA_TRANSACTIONS"]


def _load() -> tuple[Mapping[str, Any], ...]:
    text = resources.files(__package__).joinpath("data", "dongguan_extras.json").read_text(encoding="utf-8")
    return tuple(json.loads(text))


#: Codes the city uses that the national code tables lack (注意事项（一））: the profile's
#: ``dictionaries`` supplement, so validation accepts them in Dongguan only.
CITY_CODES: Final[Mapping[str, Mapping[str, str]]] = {
    "clr_type": {"9903": "省内异地门诊", "9904": "省内异地药店购药"},
    "med_type": {"9935": "独立门诊部个人账户支付"},
}

#: The city's own entries (its codes 9903 / 9904 / 9935 go to the profile's ``dictionaries``).
EXTRA_TRANSACTIONS: Final[tuple[Mapping[str, Any], ...]] = _load()
EXTRA_INFNOS: Final[frozenset[str]] = frozenset(str(e["infno"]) for e in EXTRA_TRANSACTIONS)
