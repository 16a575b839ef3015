"""One online order through the 医保移动支付 centre: 6201 → 6202 → (patient pays) → 6301 / 6302,
and its undoing: 6401 before payment, 6203 after (national 【6201】-【6401】, online_settlement.md
§2 steps 5-10, §4).  Keyed by the HIS's ``medOrgOrd``; every call is safe to repeat.

Money rules (``docs/money-safety.md``, "Online orders"):

- 6201 / 6202 / 6203 / 6401 are journaled (INTENT+SENT with the order's move) before they leave.
- A 6202 whose answer was lost leaves the order ``ORDER_UNKNOWN``: nothing is undone blindly.
  :meth:`Orders.resolve` asks 6301 first; :meth:`Orders.cancel` resolves first, then asks 6301
  for the current ``ordStas`` and sends 6401 (not paid) or 6203 for what is left (paid).
- A refund never takes more than is left of each part (done, in-flight and unknown refunds
  counted), its parts add up to its total, and its ``appRefdSn`` is its identity: a refund
  whose answer was lost is sent again *as it was*, so the centre answers the first one.
- A second money message of an order cannot be journaled while one is open (unique index).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ..errors import BusinessError, StateError
from .reconcile import Applied, Refundable, Report, Split, apply_report, refundable
from .refunds import RefundParts, Refunds
from .sender import Move, Sender
from .states import OrderState, category
from .store import OnlineStore, utc_now

__all__ = ["OnlineOrder", "Orders", "RefundParts"]

_ZERO = Decimal("0.00")


@attrs.frozen
class OnlineOrder:
    """An order as the journal knows it (``to_json`` for a service answer)."""

    med_org_ord: str
    state: str
    ord_stas: str
    pay_ord_id: str
    mdtrt_id: str
    split: Split | None
    refunded: Refundable
    settled_by: str
    trace_time: str
    cashier_url: str
    notes: str

    @classmethod
    def of(cls, row: Mapping[str, Any], cashier_url: str = "") -> OnlineOrder:
        return cls(med_org_ord=row["med_org_ord"], state=row["state"], ord_stas=row.get("ord_stas") or "",
                   pay_ord_id=row.get("pay_ord_id") or "", mdtrt_id=row.get("mdtrt_id") or "",
                   split=Split.of_row(row), refunded=Refundable(row["refd_cash"], row["refd_acct"], row["refd_fund"]),
                   settled_by=row.get("settled_by") or "", trace_time=row.get("trace_time") or "",
                   cashier_url=cashier_url, notes=row.get("notes") or "")

    @property
    def paid(self) -> bool:
        return self.state in (OrderState.SETTLED, OrderState.PART_REFUNDED, OrderState.REFUNDED)

    def to_json(self) -> dict[str, Any]:
        out = attrs.asdict(self, recurse=False)
        out["split"] = self.split.columns() if self.split else None
        out["refunded"] = {**attrs.asdict(self.refunded), "total": self.refunded.total}
        return out


class Orders(Refunds):
    """The orders of one institution (``client.online.orders``)."""

    def __init__(self, sender: Sender, store: OnlineStore, *, org_codg: str, region: str, lat_lng: str = "") -> None:
        #: called with the ``medOrgOrd`` of an order the centre reports settled for the first time
        self.on_settled: Callable[[str], None] | None = None
        self.sender = sender
        self.store = store
        self.org_codg = org_codg
        self.region = region
        self.lat_lng = lat_lng

    # ------------------------------------------------------------------ reading
    def row(self, med_org_ord: str) -> dict[str, Any]:
        row = self.store.one("online_orders", med_org_ord=med_org_ord)
        if row is None:
            raise StateError(f"no online order {med_org_ord}")
        return row

    def get(self, med_org_ord: str) -> OnlineOrder:
        return OnlineOrder.of(self.row(med_org_ord), self._cashier(med_org_ord))

    def by_pay_ord_id(self, pay_ord_id: str) -> dict[str, Any] | None:
        return self.store.one("online_orders", pay_ord_id=pay_ord_id) if pay_ord_id else None

    def list(self, state: str | None = None, limit: int = 200) -> list[OnlineOrder]:
        rows = self.store.many("online_orders", limit=limit, **({"state": state} if state else {}))
        return [OnlineOrder.of(r) for r in rows]

    def _cashier(self, med_org_ord: str) -> str:
        for msg in self.store.many("online_messages", med_org_ord=med_org_ord, interface="6201", state="SUCCEEDED"):
            out = msg.get("output")
            if isinstance(out, Mapping) and out.get("cashierUrl"):
                return str(out["cashierUrl"])
        return ""

    def _person(self, row: Mapping[str, Any]) -> dict[str, Any]:
        p = row["person"]
        return {"payOrdId": row["pay_ord_id"], "orgCodg": self.org_codg, "payToken": row["pay_token"],
                "idNo": p["idNo"], "userName": p["userName"], "idType": p.get("idType") or "01"}

    # ------------------------------------------------------------------ 6201
    def upload(self, med_org_ord: str, data: Mapping[str, Any]) -> OnlineOrder:
        """6201 费用明细上传 of ``data`` (its ``medOrgOrd`` is ``med_org_ord``); the same order again
        returns what it has, other content for the same ``medOrgOrd`` is refused."""
        body = {**data, "medOrgOrd": med_org_ord, "orgCodg": self.org_codg}
        if self.lat_lng:
            body.setdefault("uldLatlnt", self.lat_lng)
        ready = self.sender.prepare("6201", body)  # validate before any row exists
        person = {k: ready.get(k) for k in ("idNo", "userName", "idType", "payAuthNo", "ecToken")}
        row = self.store.one("online_orders", med_org_ord=med_org_ord)
        if row is None:
            now = utc_now()
            self.store.insert("online_orders", {
                "med_org_ord": med_org_ord, "region": self.region, "fixmedins_code": self.org_codg,
                "psn_no": ready.get("psnNo"), "mdtrt_id": ready.get("mdtrtId"), "chrg_bchno": ready.get("chrgBchno"),
                "state": OrderState.NEW.value, "order_input": ready, "person": person, "created_at": now,
                "updated_at": now,
            })  # fmt: skip
            row = self.row(med_org_ord)
        elif row["order_input"] != _plain(ready):
            raise StateError(f"order {med_org_ord} was uploaded with other content: revoke it (6401) and use a new "
                             "medOrgOrd", infno="6201")
        if row["state"] == OrderState.UPLOAD_UNKNOWN:
            return self.resolve(med_org_ord)
        if row["state"] != OrderState.NEW:
            return self.get(med_org_ord)
        move = Move(med_org_ord, [OrderState.NEW.value], OrderState.UPLOAD_UNKNOWN.value, failed=OrderState.NEW.value)
        _, reply = self.sender.send("6201", body, move=move)
        return self._uploaded(med_org_ord, reply.data)

    def _uploaded(self, med_org_ord: str, out: Any) -> OnlineOrder:
        if not isinstance(out, Mapping) or not out.get("payOrdId") or not out.get("payToken"):
            raise BusinessError("6201 answered without payOrdId / payToken", infno="6201")
        raw = out.get("extData")
        ext: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        values = {"pay_ord_id": str(out["payOrdId"]), "pay_token": str(out["payToken"]),
                  "state": OrderState.UPLOADED.value, "updated_at": utc_now()}
        if ext.get("mdtrtId"):
            values["mdtrt_id"] = str(ext["mdtrtId"])
        self.store.update("online_orders", {"med_org_ord": med_org_ord}, values, [OrderState.UPLOAD_UNKNOWN.value])
        return self.get(med_org_ord)

    # ------------------------------------------------------------------ 6202
    def pay(self, med_org_ord: str, *, acct_used_flag: str = "1") -> OnlineOrder:
        """6202 支付下单: the split and ``ordStas``; the patient then pays at the channel."""
        row = self.row(med_org_ord)
        if row["state"] != OrderState.UPLOADED:
            if row["state"] in (OrderState.ORDERED, OrderState.SETTLED):
                return self.get(med_org_ord)  # ordered already: nothing is sent again
            raise StateError(f"order {med_org_ord} is {row['state']}: 6202 needs UPLOADED", infno="6202")
        msg_id = self.sender.new_msgid(self.org_codg)
        p = row["person"]
        data = {"payAuthNo": p.get("payAuthNo"), "payOrdId": row["pay_ord_id"], "payToken": row["pay_token"],
                "orgCodg": self.org_codg, "orgBizSer": msg_id, "mdtrtId": row["mdtrt_id"],
                "chrgBchno": row["chrg_bchno"], "acctUsedFlag": acct_used_flag, "uldLatlnt": self.lat_lng or None}
        move = Move(med_org_ord, [OrderState.UPLOADED.value], OrderState.ORDER_UNKNOWN.value, failed="@prev")
        _, reply = self.sender.send("6202", data, move=move, biz_ser=msg_id, msg_id=msg_id)
        self._apply("6202", reply.data)
        return self.get(med_org_ord)

    # ------------------------------------------------------------------ 6301
    def query(self, med_org_ord: str) -> Applied:
        """6301 结算结果查询, reconciled into the order."""
        row = self.row(med_org_ord)
        if not row.get("pay_ord_id"):
            raise StateError(f"order {med_org_ord} has no payOrdId yet (6201 first)", infno="6301")
        _, reply = self.sender.send("6301", self._person(row))
        return self._apply("6301", reply.data, row)

    def _apply(self, source: str, data: Any, row: Mapping[str, Any] | None = None) -> Applied:
        if not isinstance(data, Mapping):
            raise BusinessError(f"{source} answered without data", infno=source)
        report = Report.of(source, data)
        order = self.by_pay_ord_id(report.pay_ord_id) if report.pay_ord_id else None
        if order is None or (row is not None and order["med_org_ord"] != row["med_org_ord"]):
            raise BusinessError(f"{source} answered for another order ({report.pay_ord_id})", infno=source)
        applied = apply_report(self.store, order, report)
        if applied.changed and applied.state == OrderState.SETTLED and self.on_settled is not None:
            self.on_settled(order["med_org_ord"])
        return applied

    def apply_report(self, source: str, data: Mapping[str, Any]) -> Applied:
        """A report pushed by the centre (6302 / 6204), reconciled like a 6301 answer."""
        return self._apply(source, data)

    # ------------------------------------------------------------------ resolution
    def resolve(self, med_org_ord: str) -> OnlineOrder:
        """Learn what became of an order whose last message is unknown (the centre decides)."""
        row = self.row(med_org_ord)
        state = OrderState(row["state"])
        if state is OrderState.UPLOAD_UNKNOWN:
            return self._resolve_upload(row)
        if state is OrderState.REFUND_UNKNOWN:
            return self._resolve_refund(row)
        if state in (OrderState.ORDER_UNKNOWN, OrderState.CANCEL_UNKNOWN):
            self.query(med_org_ord)
        return self.get(med_org_ord)

    def _open(self, med_org_ord: str, interface: str) -> dict[str, Any] | None:
        rows = self.store.many("online_messages", order="created_at DESC", med_org_ord=med_org_ord,
                               interface=interface)
        return rows[0] if rows else None

    def _resolve_upload(self, row: Mapping[str, Any]) -> OnlineOrder:
        msg = self._open(row["med_org_ord"], "6201")
        if msg is not None and msg["state"] == "SUCCEEDED":
            return self._uploaded(row["med_org_ord"], msg["output"])  # answered; the process stopped before
        if msg is None or msg["state"] not in ("UNKNOWN", "SENT"):
            raise StateError(f"order {row['med_org_ord']}: no 6201 to resolve", infno="6201")
        # 6201 moves no money: the same upload again (same medOrgOrd and content) gets the same order.
        move = Move(row["med_org_ord"], [OrderState.UPLOAD_UNKNOWN.value], OrderState.UPLOAD_UNKNOWN.value)
        if msg["state"] == "SENT":
            self.store.update("online_messages", {"msg_id": msg["msg_id"]}, {"state": "UNKNOWN"}, ["SENT"])
        _, reply = self.sender.send("6201", msg["input_full"], move=move, resend=msg["msg_id"])
        return self._uploaded(row["med_org_ord"], reply.data)

    def _resolve_refund(self, row: Mapping[str, Any]) -> OnlineOrder:
        msg = self._open(row["med_org_ord"], "6203")
        if msg is None or msg["state"] not in ("UNKNOWN", "SENT"):
            raise StateError(f"order {row['med_org_ord']}: no 6203 to resolve", infno="6203")
        if msg["state"] == "SENT":
            self.store.update("online_messages", {"msg_id": msg["msg_id"]}, {"state": "UNKNOWN"}, ["SENT"])
        parts = RefundParts(msg["refd_cash"] or _ZERO, msg["refd_acct"] or _ZERO, msg["refd_fund"] or _ZERO)
        return self._refund(row, parts, msg["input_full"], resend=msg["msg_id"])

    # ------------------------------------------------------------------ undoing
    def cancel(self, med_org_ord: str) -> OnlineOrder:
        """Undo the order by what the centre says it is: 6401 before payment, 6203 of all that is
        left after; an order with a lost answer is resolved first (never undone blindly)."""
        row = self.row(med_org_ord)
        if OrderState(row["state"]).unknown:
            row = self.row(self.resolve(med_org_ord).med_org_ord)
            if OrderState(row["state"]).unknown:
                raise StateError(f"order {med_org_ord} is still {row['state']}: resolve it first")
        state = OrderState(row["state"])
        if state is OrderState.NEW:
            return self.get(med_org_ord)  # nothing reached the centre
        if state.final:
            return self.get(med_org_ord)
        if state in (OrderState.ORDERED, OrderState.SETTLED, OrderState.PART_REFUNDED):
            self.query(med_org_ord)  # the patient may have paid since: the centre's ordStas decides
            row = self.row(med_org_ord)
            state = OrderState(row["state"])
        cat = category(row.get("ord_stas") or "0")
        if state in (OrderState.UPLOADED, OrderState.ORDERED) and cat in ("pending", "unknown"):
            move = Move(med_org_ord, [state.value], OrderState.CANCEL_UNKNOWN.value,
                        succeeded=OrderState.CANCELLED.value, failed="@prev")
            self.sender.send("6401", self._person(row), move=move)
            return self.get(med_org_ord)
        if state in (OrderState.SETTLED, OrderState.PART_REFUNDED):
            left = refundable(self.store, row)
            if left.total > 0:
                kind = "ALL" if left.cash and (left.acct or left.fund) else ("CASH" if left.cash else "HI")
                return self.refund(med_org_ord, RefundParts(left.cash, left.acct, left.fund, kind))
            return self.get(med_org_ord)
        raise StateError(f"order {med_org_ord} is {state.value} (ordStas {row.get('ord_stas')}): a person must look",
                         infno="6401")

def _plain(data: Mapping[str, Any]) -> Any:
    from .. import wire

    return wire.loads(wire.dumps(dict(data)))
