"""The 财政电子票据 vendor (online_settlement.md §6, [S]): its envelope as a scheme, and the
issue / write-off / status / download of an order's bill (Xiamen functions 26, 27).

Envelope ``base64-md5``: ``{"appid", "data", "noise", "version", "sign"}``, ``data`` the Base64
of the business JSON, ``noise`` a UUID, ``sign`` the upper-case MD5 of
``appid=…&data=…&noise=…&key=<appKey>&version=…`` (the source's order).  The answer
``{"data", "noise", "sign"}`` is checked the same way (``data=…&noise=…&key=…``); its ``data``
decodes to ``{"result", "message"}``: ``S0000`` with ``message`` the Base64 of the result JSON,
anything else a refusal.  An answer whose sign does not match is, like an SM reply that does not
verify, an unknown outcome.

The bill of an order: ``busNo`` = ``medOrgOrd`` (the vendor issues once per business number),
``totalAmt`` = the settled total, the pay channels 11 医保 (fund + account) and the cash channel,
one charge item per fee line.  The issue's answer is the EB01 message's output in the journal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from .. import gm, wire
from ..errors import StateError
from .channel import Channel, OnlineCall, timed
from .orders import Orders
from .sender import Sender
from .states import OrderState
from .store import OnlineStore

__all__ = ["Bill", "Invoices", "Md5Scheme"]


def _md5(parts: Sequence[tuple[str, str]]) -> str:
    return hashlib.md5("&".join(f"{k}={v}" for k, v in parts).encode("utf-8")).hexdigest().upper()


class Md5Scheme:
    """The vendor's Base64 + MD5 envelope (``base64-md5``)."""

    name = "base64-md5"

    def __init__(self, app_id: str, app_key: str, version: str = "1.0") -> None:
        self.app_id, self.app_key, self.version = app_id, app_key, version

    def seal(self, data: Any) -> bytes:
        text = base64.b64encode(wire.dumps_bytes(data)).decode("ascii")
        noise = str(uuid.uuid4())
        sign = _md5([("appid", self.app_id), ("data", text), ("noise", noise), ("key", self.app_key),
                     ("version", self.version)])
        return wire.dumps_bytes({"appid": self.app_id, "data": text, "noise": noise, "version": self.version,
                                 "sign": sign})

    def open_reply(self, body: bytes) -> gm.Reply:
        try:
            env = wire.loads(body)
        except ValueError as exc:
            raise gm.EnvelopeError(f"body is not JSON ({exc})") from None
        if not isinstance(env, dict) or not all(isinstance(env.get(k), str) for k in ("data", "noise", "sign")):
            raise gm.EnvelopeError("answer lacks data / noise / sign")
        if env["sign"] != _md5([("data", env["data"]), ("noise", env["noise"]), ("key", self.app_key)]):
            raise gm.SignatureError("the MD5 sign of the answer does not match")
        try:
            inner = wire.loads(base64.b64decode(env["data"], validate=True))
            result = str(inner["result"])
            message = inner.get("message", "")
            if result == "S0000":
                return gm.Reply(0, "成功", wire.loads(base64.b64decode(message, validate=True)))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise gm.PayloadError(f"answer data is not Base64 JSON ({exc})") from None
        return gm.Reply(1, f"{result}: {message}", None)

    def open_notice(self, body: bytes) -> Any:
        raise gm.EnvelopeError("the e-invoice vendor pushes nothing")

    def answer_notice(self, data: Any, *, code: int = 0, message: str = "成功") -> bytes:
        raise gm.EnvelopeError("the e-invoice vendor pushes nothing")


@attrs.frozen
class Bill:
    """An issued e-invoice (EB01's answer)."""

    med_org_ord: str
    bill_batch_code: str
    bill_no: str
    random: str
    picture_url: str
    total_amt: Decimal

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class Invoices:
    """``client.online.invoices``: EB01 issue, EB02 write-off, EB03 status, EB04 download."""

    def __init__(self, sender: Sender, store: OnlineStore, orders: Orders, channel: Channel, *, place_code: str,
                 payee: str, author: str) -> None:
        self.sender, self.store, self.orders, self.channel = sender, store, orders, channel
        self.place_code, self.payee, self.author = place_code, payee, author

    def bill(self, med_org_ord: str) -> Bill | None:
        for msg in self.store.many("online_messages", med_org_ord=med_org_ord, interface="EB01", state="SUCCEEDED"):
            out = msg["output"]
            return Bill(med_org_ord, str(out["billBatchCode"]), str(out["billNo"]), str(out.get("random", "")),
                        str(out.get("pictureNetUrl") or out.get("pictureUrl") or ""), msg["input_full"]["totalAmt"])
        return None

    def issue(self, med_org_ord: str, *, payer: str, cash_channel: str = "05") -> Bill:
        """EB01 开具电子票据 of a settled order (once: a second call returns the first bill)."""
        known = self.bill(med_org_ord)
        if known is not None:
            return known
        order = self.orders.row(med_org_ord)
        if order["state"] != OrderState.SETTLED or order.get("fee_sumamt") is None:
            raise StateError(f"order {med_org_ord} is {order['state']}: an e-invoice needs a settled order",
                             infno="EB01")
        lines = order["order_input"].get("feedetailList") or []
        hi = order["psn_acct_pay"] + order["fund_pay"]
        channels = [c for c in ({"payChannelCode": "11", "payChannelValue": hi},
                                {"payChannelCode": cash_channel, "payChannelValue": order["own_pay_amt"]})
                    if c["payChannelValue"] > 0]
        data = {
            "busNo": med_org_ord, "busType": "02", "payer": payer, "busDateTime": _now_ms(),
            "placeCode": self.place_code, "payee": self.payee, "author": self.author,
            "totalAmt": order["fee_sumamt"], "medicalCareType": "互联网医院问诊", "medCareInstitution": order["region"],
            "medicalInsuranceID": order.get("psn_no") or "", "accountPay": order["psn_acct_pay"],
            "fundPay": order["fund_pay"], "ownPay": order["own_pay_amt"], "selfCashPay": order["own_pay_amt"],
            "otherfundPay": Decimal("0.00"), "balancedNumber": order["pay_ord_id"],
            "chargeDetail": [{"chargeCode": ln.get("medListCodg"), "chargeName": ln.get("medListName") or
                              ln.get("medListCodg"), "number": ln.get("cnt"), "std": ln.get("pric"),
                              "amt": ln.get("detItemFeeSumamt")} for ln in lines],
            "payChannelDetail": channels,
        }  # fmt: skip
        self.sender.send("EB01", data, move=None, biz_ser=med_org_ord, order=med_org_ord)
        bill = self.bill(med_org_ord)
        assert bill is not None
        return bill

    def write_off(self, bill: Bill, *, reason: str, operator: str) -> Mapping[str, Any]:
        """EB02 电子票据冲红 (a refunded or cancelled settlement)."""
        _, reply = self.sender.send("EB02", {"billBatchCode": bill.bill_batch_code, "billNo": bill.bill_no,
                                             "reason": reason, "operator": operator, "busDateTime": _now_ms()},
                                    order=bill.med_org_ord)
        return dict(reply.data or {})

    def status(self, bill: Bill) -> Mapping[str, Any]:
        """EB03 getEBillStatesByBillInfo."""
        _, reply = self.sender.send("EB03", {"billBatchCode": bill.bill_batch_code, "billNo": bill.bill_no,
                                             "random": bill.random})
        return dict(reply.data or {})

    def download(self, bill: Bill) -> bytes:
        """EB04: the bill's file from its ``pictureNetUrl`` (the usual download, §6 [?])."""
        stopwatch = timed()
        data = self.channel.get(bill.picture_url, interface="EB04")
        self.sender.tell(OnlineCall("EB04", "", {"pictureNetUrl": bill.picture_url}, {"bytes": len(data)}, True, "",
                                    stopwatch(), "invoice"))
        return data


def _now_ms() -> str:
    from ..clock import now

    return now().strftime("%Y%m%d%H%M%S%f")[:17]
