"""The institution side of Gansu's online payment (接入指引 §3.8; 表1 "2-定点医药机构提供接口").

In Gansu the centre *calls the institution* for two transactions:

- 6201 订单确认: the centre sends the online order's fees; the institution confirms it;
- 6202 医保结算结果通知: the centre notifies the settlement result;
- 7102 处方审核结果反馈 / 7103 处方购药结果反馈 (§3.9 steps 5, 9): the centre tells the
  prescribing hospital how the pharmacy reviewed and dispensed its prescription.

:func:`create_receiver` is a small Starlette app that the centre POSTs the national envelope to
(any path; the infno is taken from the body).  It checks the x-tif headers exactly as the
gateway does (§2.2, §2.3: missing headers, timestamp more than 30 minutes off, unknown paasid,
wrong signature, a nonce seen in the last 10 minutes -> ``{"errcode": 401, "message": ...}``),
hands the order to the HIS through the ``yibao_online_order`` hook, and answers with the
platform's reply shape (``infcode``, ``inf_refmsgid``, ``refmsg_time``, ``respond_time``,
``err_msg``, ``output``).  The check is the engine's one x-tif verifier
(:class:`yibao.core.TifVerifier`); the sandbox, the other side of the wire, has its own.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from yibao.core import (
    SHANGHAI,
    BusinessError,
    RegionHooks,
    RegionProfile,
    RegionRegistry,
    TifVerifier,
    load_registry,
    wire_dumps,
    wire_loads,
)

from .profile import GANSU, SERVED_BY_INSTITUTION

__all__ = ["OrderHandler", "create_receiver"]

OrderHandler = Callable[[str, Mapping[str, Any]], Mapping[str, Any] | None]

def _json(data: Any, status: int = 200) -> Response:
    return Response(wire_dumps(data), status_code=status, media_type="application/json")


def create_receiver(
    *,
    paasid: str,
    secret: str,
    fixmedins_code: str,
    handler: OrderHandler | None = None,
    registry: RegionRegistry | None = None,
    profile: RegionProfile = GANSU,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The receiver app for the centre's 6201 / 6202 calls.

    :param paasid / secret: the credentials the centre signs its calls with.
    :param fixmedins_code: our institution code; it prefixes ``inf_refmsgid`` (receiver's msgid).
    :param handler: ``handler(infno, order) -> output``; default: the ``yibao_online_order`` hook of
        the region's plugins (the installed plugins when ``registry`` is ``None``).
    """
    verifier = TifVerifier({paasid: secret}, clock)
    seq = itertools.count(1)
    if handler is None:
        hooks = RegionHooks.for_region(registry if registry is not None else load_registry(), profile)

        def handler(infno: str, order: Mapping[str, Any]) -> Mapping[str, Any] | None:
            return hooks.online_order(infno, order)

    hand = handler

    def reply(received: datetime, infcode: int, err_msg: str, output: Any) -> Response:
        now = datetime.fromtimestamp(clock(), SHANGHAI)
        # 接收方报文ID: code + time(14) + sequence, the receiver's own message id.
        ref = f"{fixmedins_code}{now:%Y%m%d%H%M%S}{next(seq) % 10**10:010d}"
        return _json({
            "infcode": infcode,
            "inf_refmsgid": ref,
            "refmsg_time": f"{received:%Y%m%d%H%M%S}{received.microsecond // 1000:03d}",
            "respond_time": f"{now:%Y%m%d%H%M%S}{now.microsecond // 1000:03d}",
            "err_msg": err_msg,
            "output": output,
        })  # fmt: skip

    async def receive(request: Request) -> Response:
        received = datetime.fromtimestamp(clock(), SHANGHAI)
        refusal = verifier.check(request.headers)
        if refusal is not None:
            return _json({"errcode": 401, "message": refusal}, status=401)
        try:
            envelope = wire_loads(await request.body())
        except ValueError:
            return reply(received, -1, "报文不是合法的JSON", None)
        if not isinstance(envelope, dict):
            return reply(received, -1, "报文不是JSON对象", None)
        infno = str(envelope.get("infno", ""))
        order = envelope.get("input")
        if infno not in SERVED_BY_INSTITUTION:
            return reply(received, -1, f"交易编号[{infno}]不由定点医药机构提供", None)
        if not isinstance(order, dict):
            return reply(received, -1, "input 节点缺失或不是对象", None)
        try:
            output = hand(infno, order)
        except BusinessError as exc:
            return reply(received, -1, exc.err_msg, None)
        if output is None:
            return reply(received, -1, f"{infno}: 定点医药机构未配置订单处理 (no yibao_online_order handler)", None)
        return reply(received, 0, "", dict(output))

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
