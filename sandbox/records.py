"""Keyed records of the centre's filings, uploads and reviews (备案, 结算清单, 自费, 审核...).

One table serves every handler that keeps "a thing the institution filed" with a state:
``records(sn, fixmedins_code, kind, infno, msgid, psn_no, ref, state, data, created, updated)``.
``sn`` is the number the centre hands out (``trt_dcla_detl_sn``, ``setl_list_id``, ``jr_id``...),
``kind`` what the record is (``refl`` 转院, ``opsp`` 慢特病, ``fix`` 定点, ``matn`` 生育...),
``ref`` the key the business looks it up by (a ``setl_id``, an ``mdtrt_sn``), ``data`` the
input as received (JSON) plus what the centre added.  Every read and write belongs to the
calling institution: another institution's record does not exist for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .codec import dumps_text, loads_stored
from .handlers import CallContext, Refusal, schema

__all__ = ["add", "find", "get", "need", "update"]

schema(
    "CREATE TABLE IF NOT EXISTS records (sn TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, kind TEXT NOT NULL, "
    "infno TEXT NOT NULL, msgid TEXT NOT NULL, psn_no TEXT, ref TEXT, state TEXT NOT NULL, data TEXT NOT NULL, "
    "created TEXT NOT NULL, updated TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS records_kind ON records(fixmedins_code, kind, psn_no);"
    "CREATE INDEX IF NOT EXISTS records_ref ON records(fixmedins_code, kind, ref);"
)


def _row(r: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(r)
    out["data"] = loads_stored(r["data"])
    return out


def add(ctx: CallContext, kind: str, data: Mapping[str, Any], *, psn_no: str = "", ref: str = "",
        state: str = "active", sn: str | None = None, prefix: str = "R") -> str:  # fmt: skip
    """Keep one record; returns its ``sn`` (a new one unless given)."""
    sn = sn or f"{prefix}{ctx.region[:6]}{ctx.now:%y%m%d}{ctx.store.next_seq('record_' + prefix):08d}"
    ctx.store.execute(
        "INSERT INTO records(sn, fixmedins_code, kind, infno, msgid, psn_no, ref, state, data, created, updated) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (sn, ctx.fixmedins_code, kind, ctx.infno, ctx.msgid, psn_no, ref, state, dumps_text(dict(data)),
         ctx.now_text, ctx.now_text),
    )  # fmt: skip
    return sn


def get(ctx: CallContext, sn: str, kinds: Sequence[str] = ()) -> dict[str, Any] | None:
    """The record ``sn`` of this institution (of one of ``kinds`` when given), or ``None``."""
    r = ctx.store.query_one("SELECT * FROM records WHERE sn = ? AND fixmedins_code = ?", (sn, ctx.fixmedins_code))
    if r is None or (kinds and r["kind"] not in kinds):
        return None
    return _row(r)


def need(ctx: CallContext, sn: str, kinds: Sequence[str], field: str, *, psn_no: str = "",
         states: Sequence[str] = ("active",)) -> dict[str, Any]:  # fmt: skip
    """:func:`get`, refusing (naming ``field``) an unknown record, another person's or one in another state."""
    r = get(ctx, sn, kinds)
    if r is None:
        raise Refusal(f"{field}: [{sn}]不存在")
    if psn_no and r["psn_no"] != psn_no:
        raise Refusal(f"{field}: [{sn}]不属于人员[{psn_no}]")
    if states and r["state"] not in states:
        raise Refusal(f"{field}: [{sn}]状态为[{r['state']}]，不能办理")
    return r


def find(ctx: CallContext, kinds: Sequence[str], *, psn_no: str | None = None, ref: str | None = None,
         states: Sequence[str] = ()) -> list[dict[str, Any]]:  # fmt: skip
    """This institution's records of ``kinds`` (oldest first), narrowed by person, ref and state."""
    sql = f"SELECT * FROM records WHERE fixmedins_code = ? AND kind IN ({','.join('?' for _ in kinds)})"
    params: list[Any] = [ctx.fixmedins_code, *kinds]
    for column, value in (("psn_no", psn_no), ("ref", ref)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    if states:
        sql += f" AND state IN ({','.join('?' for _ in states)})"
        params.extend(states)
    return [_row(r) for r in ctx.store.query(sql + " ORDER BY created, rowid", params)]


def update(ctx: CallContext, sn: str, *, state: str | None = None, **data: Any) -> None:
    """Change a record's state and merge ``data`` into its JSON."""
    r = get(ctx, sn)
    if r is None:  # pragma: no cover - callers look the record up first
        raise Refusal(f"[{sn}]不存在")
    merged = {**r["data"], **data}
    ctx.store.execute(
        "UPDATE records SET state = ?, data = ?, updated = ? WHERE sn = ?",
        (state or r["state"], dumps_text(merged), ctx.now_text, sn),
    )
