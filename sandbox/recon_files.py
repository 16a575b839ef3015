"""The centre's reader of the 3202 detail file and writer of its result file, as streams.

National baseline 【3202】 重点说明 3 and 表150 / 表151; Guangdong guide 004 §6 (TXT values
separated by TAB, zipped; "TXT文件中空值使用null").  The centre reads what the HIS wrote with
code of its own, so a format slip on the client's side shows here as a refusal naming the
line and the column.

Upload (表150), 7 columns, every one 非空::

    setl_id C30 | mdtrt_id C30 | psn_no C30 | medfee_sumamt N16,2 | fund_pay_sumamt N16,2 |
    acct_pay N16,2 | refd_setl_flag C3 (0 forward, 1 the reverse row of a refund, 重点说明 2)

Result (表151), 10 columns; ``mdtrt_id``, ``setl_id``, ``memo`` and the three amounts may be
empty (``null``), the amounts are the centre's::

    psn_no | mdtrt_id | setl_id | msgid | stmt_rslt | refd_setl_flag | memo |
    medfee_sumamt | fund_pay_sumamt | acct_pay

Read leniently where Windows tools differ (a UTF-8 BOM on the first line, ``\\r\\n`` line
ends, blank lines), strictly everywhere else: UTF-8, exactly 7 columns, amounts with at most
two decimals and fourteen integer digits, ids of at most 30 characters, flag 0 or 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, NamedTuple

__all__ = ["MAX_LINE_BYTES", "DetailFormatError", "HisRow", "read_detail", "result_line"]

MAX_LINE_BYTES = 1024  # a detail row is under 150 bytes; a longer "line" is not one of ours
NULL = "null"
_AMOUNT = re.compile(r"-?\d{1,14}(?:\.\d{1,2})?\Z", re.ASCII)
_FLAGS = frozenset({"0", "1"})
_COLUMNS = ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag")


class DetailFormatError(ValueError):
    """A line of the uploaded file breaks 表150; ``line`` is 1-based."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"第{line}行: {problem}")
        self.line = line


class HisRow(NamedTuple):
    """One row of the HIS's detail file (表150)."""

    line: int
    setl_id: str
    mdtrt_id: str
    psn_no: str
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    refd_setl_flag: str


def _amount(text: str, line: int, column: str) -> Decimal:
    if _AMOUNT.match(text) is None:
        raise DetailFormatError(line, f"{column}应为数值(16,2): 最多14位整数、2位小数")
    return Decimal(text)


def _text(text: str, line: int, column: str, *, required: bool = True) -> str:
    if text in ("", NULL):
        if not required:
            return ""
        raise DetailFormatError(line, f"{column}不能为空")
    if len(text) > 30:
        raise DetailFormatError(line, f"{column}长度超过30")
    return text


def read_detail(src: IO[bytes]) -> Iterator[HisRow]:
    """The rows of an upload file, one line at a time (never the whole file in memory)."""
    number = 0
    while True:
        raw = src.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise DetailFormatError(number, f"一行超过{MAX_LINE_BYTES}字节")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DetailFormatError(number, "不是UTF-8编码") from None
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        cells = text.split("\t")
        if len(cells) != len(_COLUMNS):
            raise DetailFormatError(number, f"有{len(cells)}列，应为{len(_COLUMNS)}列(以TAB分隔)")
        flag = cells[6]
        if flag not in _FLAGS:
            raise DetailFormatError(number, "refd_setl_flag应为0或1")
        yield HisRow(
            number,
            _text(cells[0], number, "setl_id"),
            _text(cells[1], number, "mdtrt_id", required=False),
            _text(cells[2], number, "psn_no"),
            _amount(cells[3], number, "medfee_sumamt"),
            _amount(cells[4], number, "fund_pay_sumamt"),
            _amount(cells[5], number, "acct_pay"),
            flag,
        )


def _cell(value: str | None) -> str:
    if value is None or value == "":
        return NULL
    # No escape exists in these files: a TAB or line break would shift the columns after it.
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _money(value: Decimal | None) -> str:
    if value is None:
        return NULL
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def result_line(
    psn_no: str,
    mdtrt_id: str | None,
    setl_id: str | None,
    msgid: str,
    stmt_rslt: str,
    refd_setl_flag: str,
    memo: str | None,
    amounts: tuple[Decimal, Decimal, Decimal] | None,
) -> bytes:
    """One line of the result file (表151), ``\\n``-ended; ``amounts`` ``None`` writes null."""
    medfee, fund, acct = amounts if amounts is not None else (None, None, None)
    cells = (
        _cell(psn_no), _cell(mdtrt_id), _cell(setl_id), _cell(msgid), _cell(stmt_rslt), _cell(refd_setl_flag),
        _cell(memo), _money(medfee), _money(fund), _money(acct),
    )  # fmt: skip
    return ("\t".join(cells) + "\n").encode("utf-8")
