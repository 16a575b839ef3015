"""The electronic prescription as the centre keeps it: one state machine for both sides.

Dongguan's hospital-side calls (CFYLJG001-007, the national 7101-7107) and pharmacy-side calls
(CFYYJG101-110, the national 7201-7210) act on the same prescription::

    prechecked (001) -> uploaded (003) -> reviewed (106, 审核通过) -> dispensed (107)
                                      \\-> rejected (106, 审核不通过)
    revoked (004): from prechecked, uploaded, rejected or reviewed; never once dispensed
    108 (出库撤销): dispensed -> reviewed

A pharmacy sees a prescription only through an authorisation (101 电子处方线下流转授权: the
patient's e-voucher token; it gives ``auth_rxno`` + ``epc_token``, valid until the
prescription's ``vali_end_time``), and only with its access token (111).  The other facts the
two sides exchange (``rx_trace_code``, ``sign_digest`` of 002, ``rx_sign_verify_sn`` of 105,
``rx_chk_biz_sn`` of 106, ``sel_stoout_sn`` of 107, deliveries of 109 / 110) live in the
prescription's JSON.  ``POST /_sandbox/prescriptions`` creates an uploaded prescription from a
synthetic hospital so a pharmacy can rehearse without one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from .codec import dumps_text, loads_stored
from .handlers import Refusal, schema
from .store import Store

__all__ = ["REHEARSAL_HOSPITAL", "STATE_NAMES", "create", "digest", "get", "need", "put", "rx_for_person"]

schema(
    "CREATE TABLE IF NOT EXISTS rx (hi_rxno TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, hosp_rxno TEXT, "
    "psn_no TEXT NOT NULL, certno TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL, created TEXT NOT NULL, "
    "updated TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS rx_person ON rx(psn_no, state);"
)

#: rx_stas_codg (national dictionary: 1 有效, 2 已失效, 3 已撤销) by state.
STATE_NAMES: Mapping[str, tuple[str, str]] = {
    "prechecked": ("1", "有效"), "uploaded": ("1", "有效"), "reviewed": ("1", "有效"), "rejected": ("1", "有效"),
    "dispensed": ("1", "有效"), "revoked": ("3", "已撤销"), "expired": ("2", "已失效"),
}  # fmt: skip
#: The hospital ``POST /_sandbox/prescriptions`` prescribes in (synthetic, Dongguan).
REHEARSAL_HOSPITAL = ("H44190099991", "测试电子处方医院")


def digest(text: str) -> str:
    """The ``sign_digest`` of 002 (医保电子签名): SHA-256 of the original value, upper-case hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest().upper()


def get(store: Store, hi_rxno: str) -> dict[str, Any] | None:
    r = store.query_one("SELECT * FROM rx WHERE hi_rxno = ?", (hi_rxno,))
    if r is None:
        return None
    out = dict(r)
    out["data"] = loads_stored(r["data"])
    return out


def need(store: Store, hi_rxno: str, field: str, *, prescriber: str | None = None,
         states: Sequence[str] = ()) -> dict[str, Any]:  # fmt: skip
    """The prescription, refusing an unknown one (another prescriber's counts as unknown) or a wrong state."""
    rx = get(store, hi_rxno)
    if rx is None or (prescriber is not None and rx["fixmedins_code"] != prescriber):
        raise Refusal(f"{field}: 医保处方编号[{hi_rxno}]不存在")
    if states and rx["state"] not in states:
        raise Refusal(f"{field}: 处方[{hi_rxno}]当前状态为{rx['state']}，不能办理")
    return rx


def create(store: Store, *, prescriber: str, hosp_rxno: str, psn_no: str, certno: str, now_text: str,
           data: Mapping[str, Any], state: str = "prechecked") -> dict[str, Any]:  # fmt: skip
    """A new prescription (001, or the control API); ``hi_rxno`` and ``rx_trace_code`` are the centre's."""
    n = store.next_seq("rx")
    hi_rxno = f"RX{prescriber[:6]}{n:012d}"
    trace = f"RT{n:010d}{secrets.token_hex(4).upper()}"  # C20
    full = {**data, "rx_trace_code": trace}
    store.execute(
        "INSERT INTO rx(hi_rxno, fixmedins_code, hosp_rxno, psn_no, certno, state, data, created, updated) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (hi_rxno, prescriber, hosp_rxno, psn_no, certno, state, dumps_text(full), now_text, now_text),
    )
    rx = get(store, hi_rxno)
    assert rx is not None
    return rx


def put(store: Store, rx: Mapping[str, Any], now_text: str, *, state: str | None = None, **data: Any) -> None:
    """Move ``rx`` to ``state`` and merge ``data`` into its JSON."""
    merged = {**rx["data"], **data}
    store.execute("UPDATE rx SET state = ?, data = ?, updated = ? WHERE hi_rxno = ?",
                  (state or rx["state"], dumps_text(merged), now_text, rx["hi_rxno"]))  # fmt: skip


def rx_for_person(store: Store, psn_no: str, now_text: str) -> dict[str, Any] | None:
    """The person's oldest uploaded prescription still valid and not yet authorised to a pharmacy."""
    for r in store.query("SELECT hi_rxno FROM rx WHERE psn_no = ? AND state = 'uploaded' ORDER BY created, rowid",
                         (psn_no,)):  # fmt: skip
        rx = get(store, r["hi_rxno"])
        if rx is None:  # pragma: no cover
            continue
        if str(rx["data"].get("vali_end_time") or "9999") < now_text:
            continue
        if not rx["data"].get("auth"):
            return rx
    return None
