"""Gansu §3.8: the institution's 6201 / 6202 receiver checks x-tif and hands the order to the HIS."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pluggy
import pytest

from yibao.core.errors import BusinessError
from yibao.core.gateway import NONCE_REUSED
from yibao.core.plugins import get_plugin_manager, hookimpl, load_registry
from yibao.provinces.gansu.receiver import TifVerifier, create_receiver

from .served import ServedClient

NOW = 1_790_000_000.0


def _headers(ts: int, nonce: str, secret: str = "s3cret", paasid: str = "centre") -> dict[str, str]:
    sig = hashlib.sha256(f"{ts}{secret}{nonce}{ts}".encode()).hexdigest()
    return {"x-tif-paasid": paasid, "x-tif-timestamp": str(ts), "x-tif-nonce": nonce, "x-tif-signature": sig}


def _envelope(infno: str, order: Mapping[str, Any]) -> bytes:
    body = {"infno": infno, "msgid": "620000202601011200000000000001", "input": order}
    return json.dumps(body, ensure_ascii=False).encode()


class HIS:
    """A HIS plugin that confirms orders and remembers what it was given."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Mapping[str, Any]]] = []

    @hookimpl
    def yibao_online_order(self, profile: Any, infno: str, order: Mapping[str, Any]) -> Mapping[str, Any] | None:
        self.seen.append((profile.code, infno, order))
        if order.get("refuse"):
            raise BusinessError("订单金额不符")
        return {"ord_stas": "1", "medfee_sumamt": order["medfee_sumamt"]}


@pytest.fixture
def his_pm() -> tuple[pluggy.PluginManager, HIS]:
    pm = get_plugin_manager(load_entrypoints=False)
    his = HIS()
    pm.register(his, name="test-his")
    return pm, his


def test_signed_6201_reaches_the_his_and_is_answered(his_pm: tuple[pluggy.PluginManager, HIS]) -> None:
    """A correctly signed 6201 is handed to the hook; the reply is the platform envelope with infcode 0."""
    pm, his = his_pm
    app = create_receiver(paasid="centre", secret="s3cret", fixmedins_code="H62010000001",
                          registry=load_registry(pm), clock=lambda: NOW)
    client = ServedClient(app)
    r = client.post("/H62010000001/online/6201", content=_envelope("6201", {"medfee_sumamt": 12.30}),
                    headers=_headers(int(NOW), "n-1"))  # fmt: skip
    assert r.status_code == 200
    body = r.json(parse_float=Decimal)
    assert body["infcode"] == 0 and body["err_msg"] == ""
    assert body["output"] == {"ord_stas": "1", "medfee_sumamt": Decimal("12.30")}
    assert body["inf_refmsgid"].startswith("H62010000001") and len(body["inf_refmsgid"]) == 12 + 14 + 10
    assert len(body["refmsg_time"]) == 17 and len(body["respond_time"]) == 17
    assert his.seen == [("620000", "6201", {"medfee_sumamt": Decimal("12.30")})]
    # amounts reach the HIS as Decimal, never float
    assert isinstance(his.seen[0][2]["medfee_sumamt"], Decimal)


def test_6202_refusal_and_missing_handler(his_pm: tuple[pluggy.PluginManager, HIS]) -> None:
    """A BusinessError from the HIS is infcode -1 with its err_msg; without a handler, -1 too."""
    pm, _ = his_pm
    app = create_receiver(paasid="centre", secret="s3cret", fixmedins_code="H62010000001",
                          registry=load_registry(pm), clock=lambda: NOW)
    r = ServedClient(app).post("/", content=_envelope("6202", {"refuse": True}), headers=_headers(int(NOW), "n-2"))
    assert r.json()["infcode"] == -1 and r.json()["err_msg"] == "订单金额不符"
    bare = create_receiver(
        paasid="centre", secret="s3cret", fixmedins_code="H62010000001",
        registry=load_registry(get_plugin_manager(load_entrypoints=False)), clock=lambda: NOW,
    )  # fmt: skip
    r = ServedClient(bare).post("/", content=_envelope("6202", {"x": "1"}), headers=_headers(int(NOW), "n-3"))
    assert r.json()["infcode"] == -1 and "yibao_online_order" in r.json()["err_msg"]
    r = ServedClient(bare).post("/", content=_envelope("2102", {"x": "1"}), headers=_headers(int(NOW), "n-4"))
    assert r.json()["infcode"] == -1 and "2102" in r.json()["err_msg"]
    r = ServedClient(bare).post("/", content=b"{not json", headers=_headers(int(NOW), "n-5"))
    assert r.status_code == 200 and r.json()["infcode"] == -1


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "缺少服务调用的请求头!"),
        (_headers(int(NOW) - 31 * 60, "n-a"), "签名时间戳超时!"),
        (_headers(int(NOW), "n-b", paasid="stranger"), "非法用户!"),
        (_headers(int(NOW), "n-c", secret="wrong"), "签名不一致!"),
    ],
)
def test_gateway_checks_refuse_bad_calls(headers: dict[str, str], message: str) -> None:
    """Missing headers, stale timestamp, unknown paasid and wrong signature are refused with errcode 401."""
    called: list[str] = []

    def handler(infno: str, order: Mapping[str, Any]) -> Mapping[str, Any]:
        called.append(infno)
        return {}

    app = create_receiver(
        paasid="centre", secret="s3cret", fixmedins_code="H62010000001", handler=handler, clock=lambda: NOW
    )
    r = ServedClient(app).post("/", content=_envelope("6201", {"a": "1"}), headers=headers)
    assert r.status_code == 401 and r.json() == {"errcode": 401, "message": message}
    assert called == []


def test_nonce_replay_is_refused_within_ten_minutes() -> None:
    """The same nonce is refused within 10 minutes and accepted again after."""
    now = [NOW]
    v = TifVerifier({"centre": "s3cret"}, clock=lambda: now[0])
    assert v.check(_headers(int(NOW), "same")) is None
    assert v.check(_headers(int(NOW), "same")) == NONCE_REUSED
    now[0] += 11 * 60
    assert v.check(_headers(int(now[0]), "same")) is None


def test_prescription_feedback_is_served_too(his_pm: tuple[pluggy.PluginManager, HIS]) -> None:
    """§3.9: 7102 / 7103 (feedback to the prescribing hospital) reach the same hook."""
    pm, his = his_pm
    app = create_receiver(paasid="centre", secret="s3cret", fixmedins_code="H62010000001",
                          registry=load_registry(pm), clock=lambda: NOW)
    r = ServedClient(app).post("/", content=_envelope("7102", {"medfee_sumamt": 1}), headers=_headers(int(NOW), "rx-1"))
    assert r.json()["infcode"] == 0 and his.seen[-1][1] == "7102"
