"""The institution's receiver for what the 医保移动支付 centre pushes: 6302 医保结算结果通知 and
6204 医保订单信息同步 (national 【6302】 表304-305, 【6204】 表301; online_settlement.md §3.3).

An ASGI app (Starlette): ``POST {notice_path}`` or ``{notice_path}/6302`` takes a 6302,
``{notice_path}/6204`` a 6204.  For each push, in order:

1. the envelope opens: the platform's signature verifies, the ``appId`` is ours, the
   ``timestamp`` is within ``[online.envelope] max_clock_skew`` (a forged, altered or stale
   notice is refused: code 1001 签名 / 1002 时间戳 / 1000 报文);
2. it was never accepted before (the digest of its ``signData`` is kept in the journal): a
   replayed notice is refused (code 1003) and changes nothing.  The centre's own retries are
   fresh envelopes (new timestamp, new signature) and are answered as the first was;
3. its fields pass 表304 / 表301 and it names one of our orders (code 1004 / 1005 otherwise);
4. it is reconciled into the order with the 6301 answers (:func:`.reconcile.apply_report`):
   one outcome whichever comes first; a disagreement puts the order in ``NEEDS_ATTENTION``
   and is answered ``success`` false;
5. a newly settled order is handed to the HIS (结算结果确认, kept until taken: :mod:`.his`).

Every answer is signed with the institution's key: ``code`` 0 with ``data`` ``{"success":
true, "message": ...}`` (表305) when the notice is taken, otherwise a non-zero ``code``.  A push
is idempotent: the same order reported again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import gm, wire
from ..catalog import Catalog, validate
from .channel import OnlineCall, timed
from .orders import Orders
from .schemes import EnvelopeScheme
from .store import OnlineStore

__all__ = ["NoticeReceiver", "create_receiver"]

log = structlog.get_logger("yibao.online")

_CODES = {"signature": 1001, "timestamp": 1002}


class NoticeReceiver:
    """Opens, checks, applies and answers one push (the ASGI app calls :meth:`receive`)."""

    def __init__(self, *, scheme: EnvelopeScheme, store: OnlineStore, orders: Orders, catalog: Catalog,
                 tell: Callable[[OnlineCall], None]) -> None:
        self.scheme = scheme
        self.store = store
        self.orders = orders
        self.catalog = catalog
        self.tell = tell

    def _answer(self, code: int, success: bool, message: str) -> bytes:
        return self.scheme.answer_notice({"success": success, "message": message}, code=code,
                                         message="成功" if code == 0 else message)

    def receive(self, body: bytes, interface: str = "6302") -> bytes:
        """The signed answer to one pushed notice (see the module docstring)."""
        stopwatch = timed()
        code, success, message, data = self._handle(body, interface)
        self.tell(OnlineCall(interface=interface, msg_id="", request={"notice": data} if data else None,
                             reply={"code": code, "success": success, "message": message}, ok=code == 0 and success,
                             error="" if code == 0 else message, seconds=stopwatch(), party="notice"))
        return self._answer(code, success, message)

    def _handle(self, body: bytes, interface: str) -> tuple[int, bool, str, Any]:
        try:
            data = self.scheme.open_notice(body)
        except gm.EnvelopeError as exc:
            log.warning("online_notice_refused", interface=interface, problem=exc.part)
            return _CODES.get(exc.part, 1000), False, f"通知被拒绝: {exc}"[:500], None
        if not isinstance(data, Mapping):
            return 1004, False, "通知缺少业务数据", None
        issues = validate(self.catalog, interface, {"data": dict(data)}, incoming=True)
        if issues:
            return 1004, False, "通知字段不符: " + "; ".join(str(i) for i in issues[:3]), data
        digest = hashlib.sha256(str(_signature(body)).encode("utf-8")).hexdigest()
        order = self.orders.by_pay_ord_id(str(data.get("payOrdId") or ""))
        if order is None or (data.get("medOrgOrd") and data["medOrgOrd"] != order["med_org_ord"]):
            return 1005, False, f"订单不存在({data.get('payOrdId')})", data
        if not self.store.remember_notice(digest, interface, str(data["payOrdId"]), "received"):
            log.warning("online_notice_replayed", interface=interface, pay_ord_id=data.get("payOrdId"))
            return 1003, False, "重复的通知报文(已接收过), 不予处理", data
        applied = self.orders.apply_report(interface, data)  # a newly settled order goes to the HIS from there
        if applied.conflict:
            return 0, False, f"金额与订单不符, 待人工核对: {applied.note}"[:500], data
        return 0, True, "成功" if applied.changed else "已处理", data


def _signature(body: bytes) -> Any:
    try:
        env = wire.loads(body)
    except ValueError:
        return body
    return env.get("signData") if isinstance(env, dict) else body


def create_receiver(receiver: NoticeReceiver, notice_path: str = "/yibao/online/notify") -> Starlette:
    """The receiver as an ASGI app (serve it with any ASGI server, e.g. uvicorn)."""
    base = notice_path.rstrip("/")

    def endpoint(interface: str) -> Callable[[Request], Any]:
        async def post(request: Request) -> Response:
            body = await request.body()
            answer = await run_in_threadpool(receiver.receive, body, interface)
            return Response(answer, media_type="application/json; charset=utf-8")

        return post

    return Starlette(routes=[
        Route(base, endpoint("6302"), methods=["POST"]),
        Route(f"{base}/6302", endpoint("6302"), methods=["POST"]),
        Route(f"{base}/6204", endpoint("6204"), methods=["POST"]),
    ])
