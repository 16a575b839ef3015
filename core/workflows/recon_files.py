"""The 3202 detail file and result file, written and read as streams.

Layouts: national baseline 【3202】 表150 (upload) and 表151 (result); Guangdong guide 004 §6;
spec_reference.md §11.  Rules kept here, byte for byte:

- UTF-8, no BOM, one record per line, fields separated by a TAB, no header line;
- columns in the documented order, an empty value written as ``null`` (004 重点说明:
  "TXT文件中空值使用null");
- amounts as plain decimals with two places (``N 16,2``), never through ``float``;
- a refunded settlement appears twice (3202 重点说明 2): its forward row with
  ``refd_setl_flag`` 0 and its reverse row with flag 1 and the amounts negated.

Lines end with ``\\n``; the reader also accepts ``\\r\\n`` because centres built on Windows
answer that way.  Both sides are generators so a month of a million rows never sits in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, NamedTuple

__all__ = [
    "DETAIL_COLUMNS",
    "NULL",
    "RESULT_COLUMNS",
    "DetailRow",
    "FileFormatError",
    "ResultRow",
    "format_amount",
    "parse_amount",
    "read_detail",
    "read_result",
    "write_detail",
    "write_result",
]

NULL = "null"

DETAIL_COLUMNS = (
    "setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag",
)
RESULT_COLUMNS = (
    "psn_no", "mdtrt_id", "setl_id", "msgid", "stmt_rslt", "refd_setl_flag", "memo",
    "medfee_sumamt", "fund_pay_sumamt", "acct_pay",
)


class FileFormatError(ValueError):
    """A line of a 3202 file does not have the documented shape; ``line`` is 1-based."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


class DetailRow(NamedTuple):
    """One row of the 3202 upload file (表150), in column order."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    refd_setl_flag: str = "0"

    def reverse(self) -> DetailRow:
        """The reverse row of a refund: same ids, amounts negated, flag 1 (3202 重点说明 2)."""
        zero = Decimal(0)  # 0 - x, not -x: a zero amount stays 0.00, never -0.00
        return self._replace(
            medfee_sumamt=zero - self.medfee_sumamt,
            fund_pay_sumamt=zero - self.fund_pay_sumamt,
            acct_pay=zero - self.acct_pay,
            refd_setl_flag="1",
        )


class ResultRow(NamedTuple):
    """One row of the 3202 result file (表151); amounts are the centre's, ``None`` when null."""

    psn_no: str
    mdtrt_id: str | None
    setl_id: str | None
    msgid: str
    stmt_rslt: str
    refd_setl_flag: str
    memo: str | None
    medfee_sumamt: Decimal | None
    fund_pay_sumamt: Decimal | None
    acct_pay: Decimal | None


def format_amount(value: Decimal | None) -> str:
    """``N 16,2``: two decimal places, ``null`` when absent; a float is refused."""
    if value is None:
        return NULL
    if not isinstance(value, Decimal):
        raise TypeError(f"amount {value!r} must be Decimal")
    text = f"{value:.2f}"  # rounds half-even, like quantize(CENT), in one C call
    return "0.00" if text == "-0.00" else text


def parse_amount(text: str, line: int = 0) -> Decimal | None:
    """The inverse of :func:`format_amount`; ``null`` and an empty field are ``None``."""
    if text == NULL or text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FileFormatError(line, f"amount {text[:30]!r} is not a number") from None
    if not value.is_finite():
        raise FileFormatError(line, f"amount {text[:30]!r} is not finite")
    return value


def _text(value: str | None) -> str:
    # A TAB or line break inside a field would shift every later column at the centre;
    # the spec has no escape for them in TXT files, so such a value is refused outright.
    if value is None or value == "":
        return NULL
    if "\t" in value or "\n" in value or "\r" in value:
        raise ValueError(f"field value {value[:30]!r} contains a TAB or line break")
    return value


def _opt(text: str) -> str | None:
    return None if text == NULL or text == "" else text


def write_detail(
    rows: Iterable[DetailRow], out: IO[bytes], tap: Callable[[str, bytes], None] | None = None
) -> tuple[int, Decimal, Decimal, Decimal]:
    """Write the upload file; returns (rows, medfee total, fund total, account total).

    ``tap(setl_id, line)`` sees every line written (the diff's spill keeps them).
    """
    n = 0
    medfee = fund = acct = Decimal(0)
    write = out.write
    for r in rows:
        m, f, a = r.medfee_sumamt, r.fund_pay_sumamt, r.acct_pay
        if type(m) is not Decimal or type(f) is not Decimal or type(a) is not Decimal:
            raise TypeError(f"amounts of {r.setl_id!r} must be Decimal")
        medfee += m
        fund += f
        acct += a
        n += 1
        # The fast path formats in one f-string; the checks on the finished line send anything
        # unusual (an empty id, a TAB or line break inside a value, a -0.00) to the careful path.
        text = (f"{r.setl_id}\t{r.mdtrt_id or NULL}\t{r.psn_no or NULL}\t{m:.2f}\t{f:.2f}\t{a:.2f}\t"
                f"{r.refd_setl_flag or NULL}\n")  # fmt: skip
        if not r.setl_id or text.count("\t") != 6 or text.count("\n") != 1 or "\r" in text or "-0.00" in text:
            text = _careful_line(r)
        line = text.encode()
        write(line)
        if tap is not None:
            tap(r.setl_id, line)
    return n, medfee, fund, acct


def _careful_line(r: DetailRow) -> str:
    return (
        f"{_text(r.setl_id)}\t{_text(r.mdtrt_id)}\t{_text(r.psn_no)}\t"
        f"{format_amount(r.medfee_sumamt)}\t{format_amount(r.fund_pay_sumamt)}\t"
        f"{format_amount(r.acct_pay)}\t{_text(r.refd_setl_flag)}\n"
    )


def _lines(src: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    for no, raw in enumerate(src, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileFormatError(no, "not UTF-8") from None
        text = text.rstrip("\r\n")
        if no == 1 and text.startswith("\ufeff"):
            text = text[1:]  # tolerate a BOM from Windows tools; never write one
        if not text:
            continue
        yield no, text.split("\t")


def read_detail(src: IO[bytes]) -> Iterator[DetailRow]:
    """Parse an upload file (the sandbox's side of 3202, and tests)."""
    for no, f in _lines(src):
        if len(f) != len(DETAIL_COLUMNS):
            raise FileFormatError(no, f"{len(f)} columns, expected {len(DETAIL_COLUMNS)}")
        amounts = [parse_amount(x, no) for x in f[3:6]]
        if any(a is None for a in amounts) or f[0] == NULL:
            raise FileFormatError(no, "setl_id and the three amounts are required")
        yield DetailRow(
            f[0], f[1], f[2], amounts[0] or Decimal(0), amounts[1] or Decimal(0), amounts[2] or Decimal(0),
            f[6] if f[6] != NULL else "0",
        )


def write_result(rows: Iterable[ResultRow], out: IO[bytes]) -> int:
    """Write a result file (the sandbox's answer to 3202); returns the row count."""
    n = 0
    for r in rows:
        out.write(
            "\t".join(
                (
                    _text(r.psn_no), _text(r.mdtrt_id), _text(r.setl_id), _text(r.msgid),
                    _text(r.stmt_rslt), _text(r.refd_setl_flag), _text(r.memo),
                    format_amount(r.medfee_sumamt), format_amount(r.fund_pay_sumamt),
                    format_amount(r.acct_pay),
                )
            ).encode()
            + b"\n"
        )
        n += 1
    return n


def read_result(src: IO[bytes]) -> Iterator[ResultRow]:
    """Parse a 3202 result file.

    Older centres send only the first seven columns (BZ and the older national list); the
    amount columns are then ``None``.
    """
    for no, f in _lines(src):
        if len(f) not in (7, len(RESULT_COLUMNS)):
            raise FileFormatError(no, f"{len(f)} columns, expected 7 or {len(RESULT_COLUMNS)}")
        if len(f) == 7:
            f.extend((NULL, NULL, NULL))
        yield ResultRow(
            f[0], _opt(f[1]), _opt(f[2]), f[3], f[4], f[5], _opt(f[6]),
            parse_amount(f[7], no), parse_amount(f[8], no), parse_amount(f[9], no),
        )
