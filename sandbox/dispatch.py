"""From request bytes to a reply: limits, envelope, validation, sign-in, msgid, handler, faults.

Order of the checks for one POST (after the x-tif gateway):

1. the body: at most ``max_body_bytes`` (``max_upload_body_bytes`` for 9101), nested at most
   ``max_json_depth`` levels, UTF-8 JSON without ``\\u0000`` or lone surrogates
   (:mod:`yibao.sandbox.codec`);
2. envelope shape (:mod:`yibao.sandbox.envelope`); the path's last segment, when it routes by
   infno, must be the envelope's ``infno``; a handler exists for the infno;
3. the input against the region's catalogue (:mod:`yibao.sandbox.validation`), err_msg = the
   issues, each naming infno, node and field;
4. an armed fault (``reject``, ``error_500`` and ``html_page`` stop here: nothing committed);
5. the handler's ``prepare`` step, if it has one, outside the store's lock (3201 / 3202 read
   big files and many rows there, so that other terminals' calls go on meanwhile);
6. in one transaction: ``sign_no`` (the region's rule, :mod:`yibao.sandbox.rules`), ``msgid``
   unique per institution, the handler.  A :class:`Refusal` or any error rolls it all back.

Every failure is an ``infcode`` -1 reply: bad input never causes an HTTP 500.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs
import msgspec

from . import envelope as env_mod
from .books import valid_sign_no
from .clock import CENTRE_TZ, local
from .codec import BodyError, decode_untrusted, json_depth
from .config import SandboxConfig
from .faults import COMMITTING_MODES, Fault, FaultPlan
from .handlers import CallContext, HandlerSpec, RawResponse, Refusal, get_handler
from .ids import IdGenerator
from .regions import catalog_for, region_of
from .rules import RegionRules, rules_for
from .store import Store
from .validation import Validator

__all__ = ["CST", "ROUTE_ANY", "UPLOAD_INFNO", "Dispatcher", "Outcome"]

log = logging.getLogger("yibao.sandbox")
CST = CENTRE_TZ  # the name older code imports
ROUTE_ANY = ""  # the single endpoint: infno only from the body
UPLOAD_INFNO = "9101"  # the one transaction whose body carries a file

ValidatorFn = Callable[[str, Mapping[str, Any]], list[Any]]


class _Head(msgspec.Struct):
    """Just the infno of an envelope: msgspec skips the rest without building it."""

    infno: str = ""


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
        #: resolved region code (``region_of(code).code``) -> validator; tests may put their own here
        self._validators: dict[str, ValidatorFn | None] = {}

    def now(self) -> datetime:
        return local(self.config.clock())

    def _validator(self, region: str) -> ValidatorFn | None:
        """The region's catalogue check (national tables + the region's entries and codes).

        Keyed by the region the code resolves to (a handful), not by the code itself: an
        envelope may name any ``mdtrtarea_admvs``, and the cache must not grow with them.
        """
        key = region_of(region[:6]).code
        if key not in self._validators:
            try:
                self._validators[key] = Validator(catalog_for(key))
            except Exception as exc:  # the catalogue data is another module: never stop the centre
                log.warning("spec catalogue unavailable, inputs are checked by the handlers only: %s", exc)
                self._validators[key] = None
        return self._validators[key]

    # ------------------------------------------------------------------ the body

    def _decode(self, body: bytes, route_infno: str) -> Any:
        """The envelope of ``body``; :class:`BodyError` names what is wrong with it."""
        cfg = self.config
        if b"\\u0000" in body:
            # No field ever carries NUL; a centre that stores and echoes text must not take it.
            raise BodyError("报文含有非法字符(\\u0000)")
        small = cfg.max_body_bytes
        if len(body) > small:
            if route_infno not in (ROUTE_ANY, UPLOAD_INFNO):
                raise BodyError(f"报文超过大小限制(最大{small}字节)")
            if len(body) > cfg.max_upload_body_bytes:
                raise BodyError(f"报文超过大小限制(最大{cfg.max_upload_body_bytes}字节)")
            # Depth first: msgspec recurses even while it skips what _Head does not want.
            if json_depth(body, cfg.max_json_depth) > cfg.max_json_depth:
                raise BodyError(f"报文嵌套层数超过{cfg.max_json_depth}层")
            try:
                infno = msgspec.json.decode(body, type=_Head).infno
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                infno = ""
            if infno != UPLOAD_INFNO:
                raise BodyError(f"报文超过大小限制(最大{small}字节，仅9101文件上传可至{cfg.max_upload_body_bytes}字节)")
        return decode_untrusted(body, max_bytes=cfg.max_upload_body_bytes, max_depth=cfg.max_json_depth)

    # ------------------------------------------------------------------ one call

    def refuse_body(self, err_msg: str) -> Outcome:
        """A refusal for a body the app did not even read whole (too large)."""
        return self._refuse(self.config.region, self.now(), err_msg)

    def handle(self, body: bytes, route_infno: str = ROUTE_ANY) -> Outcome:
        received = self.now()
        region = self.config.region
        try:
            env = self._decode(body, route_infno)
        except BodyError as exc:
            return self._refuse(region, received, str(exc))
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
        problem = self._check_input(region, infno, env["input"])
        if problem:
            return self._refuse(region, received, problem)
        fault = self.faults.take(infno)
        if fault is not None and fault.mode == "reject":
            return self._refuse(region, received, fault.err_msg or "中心拒绝交易(模拟故障)")
        if fault is not None and fault.mode not in COMMITTING_MODES:
            return Outcome(fault=fault)
        ctx = self._context(env, region, received)
        try:
            output = self._run(spec, ctx, env["input"])
        except Refusal as exc:
            return self._refuse(region, received, exc.err_msg, infcode=exc.infcode)
        except Exception as exc:  # a handler bug must still answer, not 500
            log.exception("handler %s failed", infno)
            return self._refuse(region, received, f"中心处理异常: {type(exc).__name__}: {exc}"[:500])
        if ctx.raw is not None:
            return Outcome(raw=ctx.raw, fault=fault)
        reply = env_mod.reply(region=region, received=received, now=self.now(), err_msg=ctx.message, output=output)
        return Outcome(body=reply, fault=fault)

    def _check_input(self, region: str, infno: str, inp: Mapping[str, Any]) -> str:
        if not self.config.validate:
            return ""
        validator = self._validator(region)
        if validator is None:
            return ""
        try:
            issues = validator(infno, inp)
        except Exception as exc:
            log.warning("catalogue validation of %s failed: %s", infno, exc)
            return ""
        if not issues:
            return ""
        return f"输入校验失败: {'; '.join(str(i) for i in issues[:5])}"[:1000]

    def _run(self, spec: HandlerSpec, ctx: CallContext, inp: Mapping[str, Any]) -> Any:
        """``prepare`` off the lock, then the handler in one transaction; cleans ``prepared``."""
        try:
            if spec.prepare is not None:
                ctx.prepared = spec.prepare(ctx, inp)
            with self.store.transaction():
                self._check_sign_in(spec, ctx)
                try:
                    self.store.execute(
                        "INSERT INTO calls(fixmedins_code, msgid, infno, call_time, psn_no) VALUES (?,?,?,?,?)",
                        (ctx.fixmedins_code, ctx.msgid, ctx.infno, ctx.now_text, None),
                    )
                except sqlite3.IntegrityError:
                    raise Refusal(f"msgid: 报文ID[{ctx.msgid}]重复") from None
                return spec.func(ctx, inp)
        finally:
            close = getattr(ctx.prepared, "close", None)
            if callable(close):
                close()

    @staticmethod
    def _check_sign_in(spec: HandlerSpec, ctx: CallContext) -> None:
        """The region's sign-in rule (:meth:`RegionRules.sign_in_required`)."""
        if not spec.needs_sign_in:
            return
        rules: RegionRules = ctx.rules
        if not ctx.sign_no and not rules.sign_in_required:
            return  # 可为空 (national 表2 sign_no): only a region that demands sign-in refuses it
        if not valid_sign_no(ctx.store, ctx.fixmedins_code, ctx.opter, ctx.sign_no, ctx.today):
            raise Refusal("sign_no: 签到信息无效或已过期(非当天本操作员签到)，请重新签到9001")

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
            body=env_mod.reply(region=region, received=received, now=self.now(), infcode=infcode, err_msg=err_msg)
        )
