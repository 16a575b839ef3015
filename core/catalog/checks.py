"""Single-value checks of the catalogue types, used by :mod:`yibao.core.catalog.validate`.

One factory per type of the spec tables (national baseline 参数类型: 字符型 C, 数值型 N, 数字型 NUM,
整型 INT, 日期型 D, 日期时间型 DT); each returns a small closure ``value -> (rule, message) | None``
compiled once per field.  ``""`` is "empty" for every check: required-ness is a separate rule.
Regexes use ``re.ASCII`` (``\\d`` would otherwise accept full-width digits) and ``\\Z`` (``$``
accepts a trailing newline).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .schema import Field
from .values import FLOAT, value_problems

__all__ = ["CONTROL", "DATE", "DATETIME", "FLOAT", "Check", "decimal_ok", "field_check", "real_date"]

Check = Callable[[Any], tuple[str, str] | None]

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMERIC = re.compile(r"^[+-]?(\d*)(?:\.(\d*))?\Z", re.ASCII)
_DIGITS = re.compile(r"^\d+\Z", re.ASCII)
_INTEGER = re.compile(r"^[+-]?\d+\Z", re.ASCII)
DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\Z", re.ASCII)
DATETIME = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d\Z", re.ASCII
)
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def real_date(v: str) -> bool:
    """Whether a value that matched :data:`DATE` / :data:`DATETIME` is a day of the calendar
    (the patterns let 2026-02-31 through: the month's length and leap years are checked here)."""
    if v[8] < "2" or v[8:10] <= "28":  # every month has 28 days: no arithmetic for most dates
        return True
    year, month, day = int(v[0:4]), int(v[5:7]), int(v[8:10])
    if day <= _DAYS[month]:
        return True
    return month == 2 and day == 29 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def decimal_ok(v: Decimal, scale: int, int_digits: int, nonneg: bool) -> bool:
    """The common valid amount, cheaply: plain notation, finite, at most ``scale`` decimals and
    ``int_digits`` integer digits, not negative where ``nonneg``.  False is no verdict: the value
    then takes :func:`field_check`'s full check (``str()`` is several times cheaper than
    ``as_tuple()``; NaN / Infinity end in a letter, exponent notation has an "E")."""
    text = str(v)
    if "E" in text or text[-1] > "9":
        return False
    dot = text.find(".")
    decimals = len(text) - dot - 1 if dot >= 0 else 0
    return decimals <= scale and v.adjusted() < int_digits and (not nonneg or text[0] != "-")


def _text_check(length: int | None) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is not str:
            return FLOAT if type(v) is float else ("type", f"expected text, got {type(v).__name__}")
        if length is not None and len(v) > length:
            return "length", f"{len(v)} characters, at most {length}"
        if CONTROL.search(v):
            return "type", "contains a control character"
        if not v.isascii():
            for _path, rule, message in value_problems(v):
                return rule, message  # a lone surrogate: not Unicode, cannot be encoded
        return None

    return check


def _shown(v: Any) -> str:
    """A value for a message: short codes as they are, anything longer only by its size.

    Issue messages end up in logs and journals; a misplaced ID number or name must not.
    """
    if type(v) is str:
        return repr(v) if len(v) <= 10 else f"text of {len(v)} characters"
    return type(v).__name__


def _pattern_check(pattern: re.Pattern[str], what: str) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return FLOAT
        if v == "":
            return None
        if type(v) is not str or pattern.match(v) is None:
            return "type", f"expected {what}, got {_shown(v)}"
        if (pattern is DATE or pattern is DATETIME) and not real_date(v):
            return "date", f"{v[:10]} is not a day of the calendar"
        return None

    return check


def _digit_counts(v: Any) -> tuple[int, int] | None:
    """(integer digits, decimals) of a Decimal / int / numeric string; ``None`` if not a number."""
    if type(v) is int:
        return len(str(abs(v))), 0
    if isinstance(v, Decimal):
        if not v.is_finite():
            return None
        _sign, digits, exponent = v.as_tuple()
        assert isinstance(exponent, int)
        if exponent >= 0:
            return len(digits) + exponent, 0
        return max(len(digits) + exponent, 0), -exponent
    if type(v) is str:
        m = _NUMERIC.match(v)
        if m is None or not (m.group(1) or m.group(2)):
            return None
        whole = m.group(1).lstrip("0")
        return len(whole), len(m.group(2) or "")
    return None


def _number_check(length: int | None, scale: int | None) -> Check:
    int_limit = None if length is None else length - (scale or 0)
    dec_limit = scale or 0

    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return FLOAT
        if type(v) is str and v == "":
            return None
        counts = _digit_counts(v)
        if counts is None:
            if isinstance(v, Decimal):
                return "type", f"{v} is not a finite number"
            return "type", f"expected a number (Decimal, int or numeric text), got {type(v).__name__}"
        if counts[1] > dec_limit:
            return "precision", f"{counts[1]} decimals, at most {dec_limit}"
        if int_limit is not None and counts[0] > int_limit:
            return "length", f"{counts[0]} integer digits, at most {int_limit}"
        return None

    return check


def _digits_check(length: int | None) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return FLOAT
        if v == "":
            return None
        text = str(v) if type(v) is int and v >= 0 else v
        if type(text) is not str or _DIGITS.match(text) is None:
            return "type", "expected digits only"
        if length is not None and len(text) > length:
            return "length", f"{len(text)} digits, at most {length}"
        return None

    return check


def _int_check(length: int | None) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return FLOAT
        if v == "":
            return None
        if type(v) is int or (type(v) is str and _INTEGER.match(v)):
            if length is not None and len(str(v).lstrip("+-")) > length:
                return "length", f"more than {length} digits"
            return None
        return "type", f"expected an integer, got {type(v).__name__}"

    return check


def _any_check(v: Any) -> tuple[str, str] | None:
    """bytes, BOOL, OBJ fields: any JSON value (floats still refused), depth-bounded."""
    for _path, rule, message in value_problems(v):
        return rule, message
    return None


def field_check(f: Field, dictionaries: Mapping[str, Mapping[str, str]]) -> Check:
    if f.type == "N":
        base = _number_check(f.length, f.scale)
    elif f.type == "NUM":
        base = _digits_check(f.length)
    elif f.type == "INT":
        base = _int_check(f.length)
    elif f.type == "D":
        base = _pattern_check(DATE, "a date yyyy-MM-dd")
    elif f.type == "DT":
        base = _pattern_check(DATETIME, "a date-time yyyy-MM-dd HH:mm:ss")
    elif f.type == "C":
        base = _text_check(f.length)
    else:  # bytes, BOOL, OBJ: any JSON value, floats still refused
        base = _any_check
    table = dictionaries.get(f.code) if f.dict else None
    if not table:
        return base
    allowed = frozenset(table)

    def check(v: Any) -> tuple[str, str] | None:
        problem = base(v)
        if problem is None and v != "" and str(v) not in allowed:
            return "dictionary", f"{_shown(v)} is not a code of {f.code}"
        return problem

    return check
