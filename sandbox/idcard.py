"""GB 11643-1999 居民身份证号码: the centre's check of the numbers it is shown, and of its seed.

18 characters: a 6-digit address code, the birth date yyyyMMdd, a 3-digit sequence code (odd
for men, even for women) and a check character computed by ISO 7064 MOD 11-2: the sum of the
first 17 digits weighted 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, modulo 11, mapped through
1 0 X 9 8 7 6 5 4 3 2.  The 1101 handler refuses a 居民身份证 (``psn_cert_type`` 01, or
``mdtrt_cert_type`` 02) whose number fails this; other documents (99) are not checked here.
"""

from __future__ import annotations

from datetime import date

__all__ = ["check_character", "valid_resident_id"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MAP = "10X98765432"


def check_character(first17: str) -> str:
    """The check character of the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("the first 17 characters of an ID number are digits")
    return _MAP[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def valid_resident_id(number: str) -> bool:
    """18 characters, a real birth date and the right check character (upper-case ``X``)."""
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return check_character(number[:17]) == number[17]
