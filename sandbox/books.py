"""Shared bookkeeping of the handlers: input access, persons, visits, fee lines, sign-ins.

Input helpers raise :class:`~yibao.sandbox.handlers.Refusal` with an ``err_msg`` that names
the node and field, so a bad input is always an ``infcode`` -1 and never an HTTP 500, even
when the spec catalogue is not available to validate it first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .codec import dumps_text, loads_stored
from .handlers import CallContext, Refusal
from .store import Store

__all__ = [
    "add_fee",
    "create_visit",
    "dec",
    "fees",
    "node",
    "node_rows",
    "opt",
    "person_for",
    "req",
    "require_visit",
    "set_fees",
    "update_visit",
    "valid_sign_no",
    "visit",
]


def node(inp: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The object node ``name`` of ``input`` (a one-row list is accepted too)."""
    value = inp.get(name)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        raise Refusal(f"input.{name}: 节点缺失或不是对象")
    return value


def node_rows(inp: Mapping[str, Any], name: str, *, allow_empty: bool = False) -> list[Mapping[str, Any]]:
    """The list node ``name`` of ``input`` (a single object is taken as one row)."""
    value = inp.get(name)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise Refusal(f"input.{name}: 节点缺失或不是列表")
    if not value and not allow_empty:
        raise Refusal(f"input.{name}: 至少需要一行")
    return value


def req(data: Mapping[str, Any], field: str, where: str = "data") -> str:
    """A required string field; refuses naming ``where.field`` when missing or empty."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Refusal(f"{where}.{field}: 必填字段为空")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Refusal(f"{where}.{field}: 类型错误，应为字符型")
    return str(value).strip()


def opt(data: Mapping[str, Any], field: str) -> str:
    """An optional string field ("" when missing, null or "null")."""
    value = data.get(field)
    if value is None or isinstance(value, bool | dict | list):
        return ""
    text = str(value).strip()
    return "" if text.lower() == "null" else text


def dec(data: Mapping[str, Any], field: str, where: str = "data", *, required: bool = True) -> Decimal:
    """A numeric field as Decimal (a JSON number or a numeric string); floats never reach here."""
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise Refusal(f"{where}.{field}: 必填字段为空")
        return Decimal("0")
    if isinstance(value, bool):
        raise Refusal(f"{where}.{field}: 类型错误，应为数值型")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise Refusal(f"{where}.{field}: 类型错误，应为数值型") from None
    if not result.is_finite():
        raise Refusal(f"{where}.{field}: 不是有限数值")
    return result


def dt(data: Mapping[str, Any], field: str, where: str = "data") -> str:
    """A required DT field ``yyyy-MM-dd HH:mm:ss``."""
    text = req(data, field, where)
    try:
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Refusal(f"{where}.{field}: 格式应为yyyy-MM-dd HH:mm:ss") from None
    return text


# ---------------------------------------------------------------------- persons


def person_for(ctx: CallContext, psn_no: str, insutype: str | None = None) -> dict[str, Any]:
    """The person of ``psn_no`` with the insurance row of ``insutype`` as ``insu``.

    Refuses an unknown person, an insurance type the person does not have, a suspended
    insurance, and an envelope ``insuplc_admdvs`` that is not the person's.
    """
    person = ctx.store.person(psn_no)
    if person is None:
        raise Refusal(f"人员编号[{psn_no}]不存在")
    rows = person.get("insuinfo", [])
    insu = next((r for r in rows if insutype is None or r["insutype"] == insutype), None)
    if insu is None:
        raise Refusal(f"人员未参加险种[{insutype}]")
    if insu.get("psn_insu_stas") != "1":
        raise Refusal(f"人员参保状态[{insu.get('psn_insu_stas')}]非正常参保，不能享受待遇")
    if ctx.insuplc_admdvs and ctx.insuplc_admdvs != insu["insuplc_admdvs"]:
        raise Refusal(f"insuplc_admdvs: 参保地医保区划[{ctx.insuplc_admdvs}]与人员参保地不符")
    person["insu"] = insu
    return person


# ---------------------------------------------------------------------- sign-ins


def valid_sign_no(store: Store, fixmedins_code: str, opter: str, sign_no: str, day: str) -> bool:
    """A current sign-in: this institution and operator, today, not signed out."""
    row = store.query_one(
        "SELECT 1 AS ok FROM signins WHERE sign_no = ? AND fixmedins_code = ? AND opter = ? "
        "AND sign_day = ? AND state = 'in'",
        (sign_no, fixmedins_code, opter, day),
    )
    return row is not None


# ---------------------------------------------------------------------- visits


def visit(store: Store, fixmedins_code: str, mdtrt_id: str) -> dict[str, Any] | None:
    row = store.query_one(
        "SELECT * FROM visits WHERE fixmedins_code = ? AND mdtrt_id = ?", (fixmedins_code, mdtrt_id)
    )
    if row is None:
        return None
    row["data"] = loads_stored(row["data"])
    return row


def require_visit(ctx: CallContext, mdtrt_id: str, psn_no: str, kind: str) -> dict[str, Any]:
    """The visit of this institution, refusing unknown ids, another person or another kind."""
    v = visit(ctx.store, ctx.fixmedins_code, mdtrt_id)
    if v is None:
        raise Refusal(f"就诊ID[{mdtrt_id}]不存在")
    if v["psn_no"] != psn_no:
        raise Refusal(f"就诊ID[{mdtrt_id}]不属于人员[{psn_no}]")
    if v["kind"] != kind:
        raise Refusal(f"就诊ID[{mdtrt_id}]不是{ {'clinic': '门诊', 'hospital': '住院'}.get(kind, kind) }就诊")
    return v


def create_visit(
    ctx: CallContext,
    *,
    psn_no: str,
    kind: str,
    insutype: str,
    state: str,
    insuplc_admdvs: str,
    med_type: str = "",
    ipt_otp_no: str = "",
    begntime: str = "",
    data: Mapping[str, Any] | None = None,
) -> str:
    mdtrt_id = ctx.ids.mdtrt_id()
    ctx.store.execute(
        "INSERT INTO visits(mdtrt_id, fixmedins_code, psn_no, kind, insutype, med_type, state, "
        "insuplc_admdvs, "
        "ipt_otp_no, begntime, created_msgid, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            mdtrt_id,
            ctx.fixmedins_code,
            psn_no,
            kind,
            insutype,
            med_type,
            state,
            insuplc_admdvs,
            ipt_otp_no,
            begntime,
            ctx.msgid,
            dumps_text(dict(data or {})),
        ),
    )
    return mdtrt_id


def update_visit(store: Store, mdtrt_id: str, **fields: Any) -> None:
    if "data" in fields:
        fields["data"] = dumps_text(fields["data"])
    sets = ", ".join(f"{k} = ?" for k in fields)
    store.execute(f"UPDATE visits SET {sets} WHERE mdtrt_id = ?", (*fields.values(), mdtrt_id))


# ---------------------------------------------------------------------- fee lines


def add_fee(
    ctx: CallContext,
    mdtrt_id: str,
    psn_no: str,
    row: Mapping[str, Any],
    *,
    chrg_bchno: str = "",
    state: str = "uploaded",
    setl_id: str | None = None,
) -> None:
    """Keep one fee line (its input row and split result are kept whole in ``data``)."""
    ctx.store.execute(
        "INSERT INTO fees(mdtrt_id, feedetl_sn, fixmedins_code, psn_no, chrg_bchno, med_list_codg, "
        "det_item_fee_sumamt, state, setl_id, fee_ocur_time, seq, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            mdtrt_id,
            str(row["feedetl_sn"]),
            ctx.fixmedins_code,
            psn_no,
            chrg_bchno,
            str(row["med_list_codg"]),
            format(Decimal(str(row["det_item_fee_sumamt"])), "f"),
            state,
            setl_id,
            opt(row, "fee_ocur_time"),
            0,  # order is the rowid's (insertion order); the column stays for old state dirs
            dumps_text(dict(row)),
        ),
    )


def fees(
    store: Store,
    mdtrt_id: str,
    *,
    states: Sequence[str] = ("uploaded",),
    chrg_bchno: str | None = None,
    setl_id: str | None = None,
) -> list[dict[str, Any]]:
    """Fee lines of a visit in the given states (input rows with ``state``/``setl_id`` added)."""
    sql = f"SELECT * FROM fees WHERE mdtrt_id = ? AND state IN ({', '.join('?' for _ in states)})"
    params: list[Any] = [mdtrt_id, *states]
    if chrg_bchno is not None:
        sql += " AND chrg_bchno = ?"
        params.append(chrg_bchno)
    if setl_id is not None:
        sql += " AND setl_id = ?"
        params.append(setl_id)
    out = []
    for r in store.query(sql + " ORDER BY rowid", params):
        row: dict[str, Any] = loads_stored(r["data"])
        row.update(state=r["state"], setl_id=r["setl_id"], chrg_bchno=r["chrg_bchno"])
        out.append(row)
    return out


def set_fees(
    store: Store,
    mdtrt_id: str,
    state: str,
    *,
    where_state: Sequence[str],
    setl_id: str | None = None,
    only_setl_id: str | None = None,
    chrg_bchno: str | None = None,
    feedetl_sn: str | None = None,
) -> int:
    """Move fee lines of a visit from ``where_state`` to ``state``; returns how many moved."""
    # Back to "uploaded" forgets the settlement; any other move keeps it unless a new one is given.
    marks = ", ".join("?" for _ in where_state)
    sql = (
        "UPDATE fees SET state = ?, "
        "setl_id = CASE WHEN ? = 'uploaded' THEN NULL ELSE COALESCE(?, setl_id) END "
        f"WHERE mdtrt_id = ? AND state IN ({marks})"
    )
    params: list[Any] = [state, state, setl_id, mdtrt_id, *where_state]
    for col, val in (("setl_id", only_setl_id), ("chrg_bchno", chrg_bchno), ("feedetl_sn", feedetl_sn)):
        if val is not None:
            sql += f" AND {col} = ?"
            params.append(val)
    return store.execute(sql, params).rowcount
