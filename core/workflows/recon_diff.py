"""The three-way diff of a 3202 detail reconciliation, in bounded memory.

【3202】 (national baseline 表150/表151; spec_reference.md §11): we upload our rows, the centre
answers one row per settlement it compared, with its own amounts in columns 8-10 (DG names
them ``HICENT_*``) and the original ``msgid`` (column 4, "用于冲正时填写原发送方报文ID").
Every difference falls in one of three kinds, each with a suggested action:

- ``only_centre``: the centre has a settlement the HIS lacks.  If its ``msgid`` is one of
  ours (our ``fixmedins_code`` prefix) the reply was lost: reverse it with 2601
  (``omsgid`` = that msgid).  Otherwise it was made outside the HIS: record it.
- ``only_his``: the HIS books a settlement the centre does not have: investigate (a
  reversal the HIS missed, a settlement of another period).
- ``amounts_differ``: both have it, the amounts differ (even by one fen): investigate.

A row the centre marks 不平 for a reason we cannot see (equal amounts, or several centre rows
for one key: ids empty, 3202 重点说明 7) is ``centre_flagged``: investigate.

Memory stays bounded for a month of a million rows: while the detail file is written the
HIS rows are spilled into ``buckets`` files by a hash of ``setl_id``; the result file is
split the same way, then each bucket is joined with a small dict.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

import attrs

from .recon_files import NULL, DetailRow, ResultRow, read_result, write_detail

__all__ = ["Difference", "Spill"]

Kind = Literal["only_his", "only_centre", "amounts_differ", "centre_flagged"]
Action = Literal["reverse_2601", "record", "investigate"]
Amounts = tuple[Decimal, Decimal, Decimal]


@attrs.frozen
class Difference:
    """One explained difference between the HIS and the centre."""

    kind: Kind
    setl_id: str | None
    mdtrt_id: str | None
    psn_no: str | None
    refd_setl_flag: str
    action: Action
    advice: str
    msgid: str | None = None
    his: Amounts | None = None
    centre: tuple[Decimal | None, Decimal | None, Decimal | None] | None = None
    memo: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (amounts stay Decimal; :func:`yibao.core.wire.dumps` writes them exactly)."""
        names = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
        return {
            "kind": self.kind,
            "setl_id": self.setl_id,
            "mdtrt_id": self.mdtrt_id,
            "psn_no": self.psn_no,
            "refd_setl_flag": self.refd_setl_flag,
            "msgid": self.msgid,
            "action": self.action,
            "advice": self.advice,
            "his": dict(zip(names, self.his, strict=True)) if self.his else None,
            "centre": dict(zip(names, self.centre, strict=True)) if self.centre else None,
            "memo": self.memo,
        }


def _bucket(setl_id: str, n: int) -> int:
    return zlib.crc32(setl_id.encode()) % n


class Spill:
    """HIS rows spilled by bucket while the detail file is written, then joined with the result.

    Use ``write_detail(rows, out, tap=spill.add)``: each bucket file then holds the exact
    detail lines that went to the centre, so the diff compares what was really sent.
    """

    def __init__(self, workdir: Path, buckets: int = 16, own_msgid_prefix: str = "") -> None:
        self.dir = workdir
        self.n = max(1, buckets)
        self.own = own_msgid_prefix
        self.dir.mkdir(parents=True, exist_ok=True)
        self._his = [open(self.dir / f"his.{i}", "wb") for i in range(self.n)]

    def add(self, setl_id: str, line: bytes) -> None:
        """Spill one detail line (the ``tap`` of :func:`write_detail`)."""
        self._his[zlib.crc32(setl_id.encode()) % self.n].write(line)

    def tee(self, rows: Iterable[DetailRow]) -> Iterator[DetailRow]:
        """Pass ``rows`` through unchanged, spilling each (when no ``tap`` can be used)."""
        for r in rows:
            write_detail((r,), self._his[zlib.crc32(r.setl_id.encode()) % self.n])
            yield r

    def _close_his(self) -> None:
        for f in self._his:
            if not f.closed:
                f.close()

    def close(self) -> None:
        """Close the spill files (the workspace that holds them is removed by its owner)."""
        self._close_his()

    def diff(self, result: IO[bytes]) -> Iterator[Difference]:
        """Split ``result`` (the 3202 result TXT) by bucket, then join bucket by bucket."""
        self._close_his()
        outs = [open(self.dir / f"res.{i}", "wb") for i in range(self.n)]
        try:
            for line in result:
                # Column 3 is setl_id; an empty one (several centre rows, 3202 重点说明 7) goes to 0.
                parts = line.split(b"\t", 3)
                key = parts[2] if len(parts) > 3 else b""
                outs[0 if key in (b"", b"null") else zlib.crc32(key) % self.n].write(line)
        finally:
            for f in outs:
                f.close()
        for i in range(self.n):
            yield from self._join(i)

    def _join(self, i: int) -> Iterator[Difference]:
        # Bytes throughout: decoding happens only for a row that differs (the slow path).
        his: dict[tuple[bytes, bytes], list[bytes]] = {}
        with open(self.dir / f"his.{i}", "rb") as f:
            for raw in f:
                p = raw.rstrip(b"\r\n").split(b"\t")  # detail columns, 表150 order
                k = (p[0], p[6])
                if k in his:
                    t = [x.decode() for x in p]
                    yield Difference(
                        "centre_flagged", t[0], _o(t[1]), _o(t[2]), t[6], "investigate",
                        "the HIS books this settlement twice in the period", his=_amounts(t[3:6]),
                    )
                    continue
                his[k] = p
        with open(self.dir / f"res.{i}", "rb") as f:
            for raw in f:
                c = raw.rstrip(b"\r\n").split(b"\t")
                if len(c) == 10 and c[4] == b"0":
                    # The common case, kept cheap: balanced at the centre and the same amount text.
                    q = his.get((c[2], c[5]))
                    if q is not None and q[3] == c[7] and q[4] == c[8] and q[5] == c[9]:
                        del his[(c[2], c[5])]
                        continue
                if c == [b""]:
                    continue
                (r,) = read_result(io.BytesIO(raw))
                yield from self._match(r, his)
        for q in his.values():
            t = [x.decode() for x in q]
            yield Difference(
                "only_his", t[0], _o(t[1]), _o(t[2]), t[6], "investigate",
                "the centre has no such settlement: check for a 2601 reversal the HIS missed "
                "or a settlement booked in another period",
                his=_amounts(t[3:6]),
            )

    def _match(self, r: ResultRow, his: dict[tuple[bytes, bytes], list[bytes]]) -> Iterator[Difference]:
        centre = (r.medfee_sumamt, r.fund_pay_sumamt, r.acct_pay)
        has_centre = any(a is not None for a in centre)
        if r.setl_id is None:
            if r.stmt_rslt != "0":
                yield Difference(
                    "centre_flagged", None, r.mdtrt_id, r.psn_no, r.refd_setl_flag, "investigate",
                    "the centre holds several settlements for this person and visit",
                    msgid=r.msgid, centre=centre if has_centre else None, memo=r.memo,
                )
            return
        q = his.pop((r.setl_id.encode(), r.refd_setl_flag.encode()), None)
        if q is None:
            ours = bool(self.own) and r.msgid.startswith(self.own)
            yield Difference(
                "only_centre", r.setl_id, r.mdtrt_id, r.psn_no, r.refd_setl_flag,
                "reverse_2601" if ours else "record",
                f"our message whose reply was lost: reverse with 2601 omsgid={r.msgid}"
                if ours
                else "made outside the HIS: record this settlement in the HIS",
                msgid=r.msgid, centre=centre if has_centre else None, memo=r.memo,
            )
            return
        p = [x.decode() for x in q]
        mine = _amounts(p[3:6])
        ids = (r.setl_id, r.mdtrt_id or _o(p[1]), r.psn_no or _o(p[2]), r.refd_setl_flag)
        if has_centre and mine != centre:
            yield Difference(
                "amounts_differ", *ids, "investigate", "amounts differ between the HIS and the centre",
                msgid=r.msgid, his=mine, centre=centre, memo=r.memo,
            )
        elif r.stmt_rslt != "0":
            kind: Kind = "centre_flagged" if has_centre else "only_his"
            advice = "the centre has no such settlement"
            if has_centre:
                advice = "the centre marks this settlement 不平"
            yield Difference(
                kind, *ids, "investigate", advice,
                msgid=r.msgid, his=mine, centre=centre if has_centre else None, memo=r.memo,
            )


def _o(text: str) -> str | None:
    return None if text == NULL else text


def _amounts(texts: list[str]) -> Amounts:
    return (Decimal(texts[0]), Decimal(texts[1]), Decimal(texts[2]))
