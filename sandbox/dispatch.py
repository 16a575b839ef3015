"""From request bytes to a reply: envelope, catalogue validation, sign-in, msgid, handler, faults.

Order of the checks for one POST (after the x-tif gateway):

1. JSON and envelope shape (:mod:`yibao.sandbox.envelope`); the path's last segment, when it
   routes by infno, must be the envelope's ``infno``;
2. a handler exists for the infno;
3. the input against the spec catalogue (``yibao.core.catalog.validate``), err_msg = the issues;
4. an armed fault (``reject``, ``error_500`` and ``html_page`` stop here: nothing committed);
5. in one transaction: ``sign_no`` (for state-changing transactions), ``msgid`` unique per
   institution, the handler.  A :class:`Refusal` or any error rolls it all back.

Every failure is an ``infcode`` -1 reply: bad input never causes an HTTP 500.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from yibao.core import wire

from . import envelope as env_mod
from .books import valid_sign_no
from .config import SandboxConfig
from .faults import COMMITTING_MODES, Fault, FaultPlan
from .handlers import CallContext, RawResponse, Refusal, get_handler
from .ids import IdGenerator
from .rules import rules_for
from .store import Store

__all__ = ["CST", "Dispatcher", "Outcome"]

log = logging.getLogger("yibao.sandbox")
CST = timezone(timedelta(hours=8), "CST")
ROUTE_ANY = ""  # the single endpoint: infno only from the body


@attrs.frozen
class Outcome:
    """What to send back: a reply envelope or raw bytes, and the fault to apply."""

    body: Mapping[str, Any] | None = None
    raw: RawResponse | None = None
    fault: Fault | None = None


class Dispatcher:
    """Serves envelopes for one sandbox instance."""

    def __init__(self, config: SandboxConfig, store: Store, faults: FaultPlan) -> None:
        self.config = config
        self.store = store
        self.faults = faults
        self._validators: dict[str, Callable[[str, Mapping[str, Any]], list[Any]] | None] = {}

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.config.clock(), CST)

    # ------------------------------------------------------------------ catalogue validation

    def _validator(self, region: str) -> Callable[[str, Mapping[str, Any]], list[Any]] | None:
        """``validate`` bound to the catalogue of ``region`` (with its extra transactions)."""
        key = region[:6]
        if key in self._validators:
            return self._validators[key]
        fn: Callable[[str, Mapping[str, Any]], list[Any]] | None = None
        try:
            from yibao.core.catalog import load_catalog, validate

            catalog = load_catalog()
            extras, codes = _region_extras(key)
            if extras or codes:
                catalog = catalog.with_extra(extras, codes)

            def fn(infno: str, inp: Mapping[str, Any], _c: Any = catalog) -> list[Any]:
                # A transaction the catalogue does not describe (a region's own, served by a
                # handler) is checked by its handler alone.
                if infno not in _c:
                    return []
                return list(validate(_c, infno, inp))

        except Exception as exc:  # the catalogue is another module: never let it stop the centre
            log.warning("spec catalogue unavailable, inputs are checked by the handlers only: %s", exc)
        self._validators[key] = fn
        return fn

    # ------------------------------------------------------------------ one call

    def handle(self, body: bytes, route_infno: str = ROUTE_ANY) -> Outcome:
        received = self.now()
        region = self.config.region
        if b"\\u0000" in body:
            # No field ever carries NUL; refusing it keeps the reply encoder's marks unambiguous.
            return self._refuse(region, received, "报文含有非法字符(\\u0000)")
        try:
            env = wire.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return self._refuse(region, received, f"报文不是合法的JSON: {exc}")
        if isinstance(env, dict) and isinstance(env.get("mdtrtarea_admvs"), str) and env["mdtrtarea_admvs"]:
            region = env["mdtrtarea_admvs"]
        try:
            env_mod.check_envelope(env)
            env_mod.check_msgid(env["msgid"], env["fixmedins_code"])
        except env_mod.EnvelopeError as exc:
            return self._refuse(region, received, str(exc))
        infno: str = env["infno"]
        if route_infno and route_infno != infno:
            return self._refuse(region, received, f"infno: 交易编号[{infno}]与请求地址[{route_infno}]不符")
        spec = get_handler(infno)
        if spec is None:
            return self._refuse(region, received, f"infno: 交易编号[{infno}]不存在或中心未开通")
        if self.config.validate:
            validator = self._validator(region)
            if validator is not None:
                try:
                    issues = validator(infno, env["input"])
                except Exception as exc:
                    log.warning("catalogue validation of %s failed: %s", infno, exc)
                    issues = []
                if issues:
                    text = "; ".join(str(i) for i in issues[:5])
                    return self._refuse(region, received, f"输入校验失败: {text}"[:1000])
        fault = self.faults.take(infno)
        if fault is not None and fault.mode == "reject":
            return self._refuse(region, received, fault.err_msg or "中心拒绝交易(模拟故障)")
        if fault is not None and fault.mode not in COMMITTING_MODES:
            return Outcome(fault=fault)
        ctx = self._context(env, region, received)
        try:
            with self.store.transaction():
                if spec.needs_sign_in and not valid_sign_no(
                    self.store, ctx.fixmedins_code, ctx.opter, ctx.sign_no, ctx.today
                ):
                    raise Refusal("sign_no: 签到信息无效或已过期(非当天本操作员签到)，请重新签到9001")
                try:
                    self.store.execute(
                        "INSERT INTO calls(fixmedins_code, msgid, infno, call_time, psn_no) "
                        "VALUES (?,?,?,?,?)",
                        (ctx.fixmedins_code, ctx.msgid, infno, ctx.now_text, None),
                    )
                except sqlite3.IntegrityError:
                    raise Refusal(f"msgid: 报文ID[{ctx.msgid}]重复") from None
                output = spec.func(ctx, env["input"])
        except Refusal as exc:
            return self._refuse(region, received, exc.err_msg, infcode=exc.infcode)
        except Exception as exc:  # a handler bug must still answer, not 500
            log.exception("handler %s failed", infno)
            return self._refuse(region, received, f"中心处理异常: {type(exc).__name__}: {exc}"[:500])
        if ctx.raw is not None:
            return Outcome(raw=ctx.raw, fault=fault)
        reply = env_mod.reply(
            region=region, received=received, now=self.now(), err_msg=ctx.message, output=output
        )
        return Outcome(body=reply, fault=fault)

    def _context(self, env: Mapping[str, Any], region: str, received: datetime) -> CallContext:
        return CallContext(
            store=self.store,
            envelope=env,
            infno=env["infno"],
            msgid=env["msgid"],
            fixmedins_code=env["fixmedins_code"],
            fixmedins_name=env["fixmedins_name"],
            region=region,
            insuplc_admdvs=env_mod.opt_str(env.get("insuplc_admdvs")),
            opter=env["opter"],
            opter_name=env["opter_name"],
            sign_no=env_mod.opt_str(env.get("sign_no")),
            now=received,
            rules=rules_for(region),
            ids=IdGenerator(self.store, region, received),
            config=self.config,
        )

    def _refuse(self, region: str, received: datetime, err_msg: str, *, infcode: int = -1) -> Outcome:
        return Outcome(
            body=env_mod.reply(
                region=region, received=received, now=self.now(), infcode=infcode, err_msg=err_msg
            )
        )


def _region_extras(
    code: str,
) -> tuple[tuple[Mapping[str, Any], ...], Mapping[str, Mapping[str, str]]]:
    """Extra transactions and local dictionary codes of the region's plugin profile
    (catalogue data only, no client code)."""
    try:
        from yibao.core.plugins import load_registry

        profile = load_registry().resolve(code)
        return tuple(profile.extra_transactions), profile.dictionaries
    except Exception as exc:
        log.warning("region plugins unavailable for %s: %s", code, exc)
        return (), {}
