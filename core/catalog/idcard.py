"""居民身份证 numbers (GB 11643-1999): the birth date and check character of an 18-character number.

The 18th character is ISO 7064 MOD 11-2 of the first 17 digits, weights 7 9 10 5 8 4 2 1 6 3 7
9 10 5 8 4 2, mapped through ``10X98765432``.  A wrong check character is a typo or an invented
number: refused locally, before anything is sent (issue 10 #6; reliability.md §2 case 20).
15-digit numbers of the 1984 scheme have no check character and are accepted as 15 digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

__all__ = ["bad_ids", "check_character", "is_resident_id"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MAP = "10X98765432"


def check_character(first17: str) -> str:
    """The check character of the first 17 digits."""
    return _MAP[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@lru_cache(maxsize=512)  # a person's number comes with every message of their visit
def is_resident_id(number: str) -> bool:
    """Whether ``number`` is a well-formed 居民身份证 number: 18 characters with a real birth date and
    the right check character, or 15 digits (the 1984 scheme)."""
    if len(number) == 15:
        return number.isascii() and number.isdigit()
    if len(number) != 18 or not number.isascii() or not number[:17].isdigit():
        return False
    try:  # characters 7-14: the birth date yyyyMMdd, a day of the calendar
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17].upper() == check_character(number[:17])


def bad_ids(row: Mapping[str, Any], certno: bool, mdtrt_cert_no: bool) -> list[str]:
    """The fields of ``row`` that say they hold a 居民身份证 number and do not: ``certno`` with
    ``psn_cert_type`` 01, ``mdtrt_cert_no`` with ``mdtrt_cert_type`` 02 (each checked only where
    the row's table has both fields, as the flags say)."""
    get = row.get
    bad = []
    if certno and get("psn_cert_type") == "01" and get("certno") and not is_resident_id(str(get("certno"))):
        bad.append("certno")
    if mdtrt_cert_no and get("mdtrt_cert_type") == "02" and get("mdtrt_cert_no") and \
            not is_resident_id(str(get("mdtrt_cert_no"))):
        bad.append("mdtrt_cert_no")
    return bad
