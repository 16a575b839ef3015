"""The handler registry of the sandbox: one function per ``infno``.

A handler module registers its transactions with the decorator::

    from yibao.sandbox.handlers import CallContext, Refusal, handler

    @handler("2102", changes_state=True)
    def settle(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any] | None:
        ...                      # inp is the envelope's ``input`` object
        raise Refusal("...")     # business error: infcode -1 with this err_msg, nothing committed
        return {"setlinfo": ..., "setldetail": [...]}   # the reply's ``output``

The dispatcher (:mod:`yibao.sandbox.dispatch`) runs every handler inside
``ctx.store.transaction()``: a :class:`Refusal` (or any other exception) rolls back everything
the call wrote, including its ``msgid``.  ``changes_state=True`` means the envelope's
``sign_no`` must come from a current sign-in (9001) of the same institution and operator;
queries may send it empty.

Plugging in: :func:`load_handler_modules` imports the modules named in :data:`MODULES` from
this package, each one only if its file exists.  Another engineer's module (``recon.py``,
``files.py``, ``catalogs.py``, ``clearing.py``, ``extras.py``) plugs in by just being created.
A raw (non-JSON) reply, such as the file of a 9102 download, is registered with
``ctx.respond_bytes(data, content_type)`` or, streamed, ``ctx.respond_stream(chunks, ...)``.

``prepare=func`` gives a handler a first step that runs *before* the transaction, outside the
store's lock: ``func(ctx, inp)`` may read files and many rows (through
``ctx.store.reader()``, a connection of its own) and raise :class:`Refusal`; what it returns is
``ctx.prepared`` for the handler (its ``close()``, if any, is called afterwards).  3201 / 3202
use it so that a big detail file never holds other terminals' calls.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..config import SandboxConfig
    from ..ids import IdGenerator
    from ..rules import RegionRules
    from ..store import Store

__all__ = [
    "FAILED_MODULES",
    "MODULES",
    "CallContext",
    "HandlerFunc",
    "HandlerResult",
    "HandlerSpec",
    "PrepareFunc",
    "RawResponse",
    "Refusal",
    "get_handler",
    "handler",
    "load_handler_modules",
    "registered",
    "schema",
    "schemas",
]

#: Handler modules of this package, imported in this order when they exist.
MODULES: tuple[str, ...] = (
    "identity",
    "evoucher",
    "signin",
    "pharmacy",
    "outpatient",
    "inpatient",
    "reversal",
    "queries",
    "settlement_queries",
    "recon",
    "files",
    "catalogs",
    "clearing",
    "trace",
    "audit",
    "filings",
    "dongguan_city",
    "uploads",
    "selfpay",
    "rx_hospital",
    "rx_pharmacy",
    "catalog_map",
    "basics",
    "extras",
)

HandlerResult = Mapping[str, Any] | Sequence[Any] | None


class Refusal(Exception):
    """A business refusal: the reply is ``infcode`` -1 (or ``infcode``) with ``err_msg``."""

    def __init__(self, err_msg: str, *, infcode: int = -1) -> None:
        super().__init__(err_msg)
        self.err_msg = err_msg
        self.infcode = infcode


@attrs.frozen
class RawResponse:
    """A non-JSON reply body (9102 file download): ``data``, or ``chunks`` streamed."""

    data: bytes
    content_type: str = "application/octet-stream"
    filename: str | None = None
    chunks: Iterable[bytes] | None = None


@attrs.define
class CallContext:
    """Everything a handler may use about the call being served.

    :ivar store: the books (:class:`yibao.sandbox.store.Store`), already in a transaction.
    :ivar envelope: the request envelope as received (``input`` included).
    :ivar region: the envelope's ``mdtrtarea_admvs`` (the config's region when empty).
    :ivar insuplc_admdvs: the envelope's ``insuplc_admdvs`` ("" when absent).
    :ivar now: the centre's local time (Asia/Shanghai, :mod:`yibao.sandbox.clock`) from the injectable clock.
    :ivar rules: the region rules (:class:`yibao.sandbox.rules.RegionRules`).
    :ivar ids: id generator (``ids.mdtrt_id()``, ``ids.setl_id()``, ``ids.file_qury_no()``...).
    :ivar message: set it to answer ``infcode`` 0 with an ``err_msg`` (e.g. "原交易已冲正").
    """

    store: Store
    envelope: Mapping[str, Any]
    infno: str
    msgid: str
    fixmedins_code: str
    fixmedins_name: str
    region: str
    insuplc_admdvs: str
    opter: str
    opter_name: str
    sign_no: str
    now: datetime
    rules: RegionRules
    ids: IdGenerator
    config: SandboxConfig
    message: str = ""
    raw: RawResponse | None = None
    #: what the handler's ``prepare`` step returned (``None`` without one)
    prepared: Any = None
    #: ``now`` as ``yyyy-MM-dd HH:mm:ss`` (the spec's DT format) and as ``yyyy-MM-dd``; computed
    #: once per call because handlers use them many times.
    now_text: str = attrs.field(init=False)
    today: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        n = self.now
        self.today = f"{n.year:04d}-{n.month:02d}-{n.day:02d}"
        self.now_text = f"{self.today} {n.hour:02d}:{n.minute:02d}:{n.second:02d}"

    def respond_bytes(
        self, data: bytes, content_type: str = "application/octet-stream", filename: str | None = None
    ) -> None:
        """Answer with these bytes instead of the JSON envelope (9102)."""
        self.raw = RawResponse(data=data, content_type=content_type, filename=filename)

    def respond_stream(
        self, chunks: Iterable[bytes], content_type: str = "application/octet-stream", filename: str | None = None
    ) -> None:
        """Answer with a stream of bytes (read after the transaction, chunk by chunk)."""
        self.raw = RawResponse(data=b"", content_type=content_type, filename=filename, chunks=chunks)


HandlerFunc = Callable[[CallContext, Mapping[str, Any]], HandlerResult]
PrepareFunc = Callable[[CallContext, Mapping[str, Any]], Any]


@attrs.frozen
class HandlerSpec:
    """A registered handler."""

    infno: str
    func: HandlerFunc
    changes_state: bool
    needs_sign_in: bool
    module: str
    prepare: PrepareFunc | None = None


_REGISTRY: dict[str, HandlerSpec] = {}
log = logging.getLogger("yibao.sandbox")


def handler(
    infno: str,
    *,
    changes_state: bool = False,
    needs_sign_in: bool | None = None,
    prepare: PrepareFunc | None = None,
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register ``func`` for ``infno``.

    :param changes_state: the transaction changes the centre's books.
    :param needs_sign_in: ``sign_no`` must be a current sign-in; defaults to ``changes_state``
        (9001 itself changes state without needing one).
    :param prepare: a first step outside the store's lock (see the module docstring).
    A second registration of the same infno replaces the first (a region's extras may
    specialise a national handler); the replacement is visible in ``registered()``.
    """

    def deco(func: HandlerFunc) -> HandlerFunc:
        _REGISTRY[infno] = HandlerSpec(
            infno=infno,
            func=func,
            changes_state=changes_state,
            needs_sign_in=changes_state if needs_sign_in is None else needs_sign_in,
            module=getattr(func, "__module__", ""),
            prepare=prepare,
        )
        return func

    return deco


def get_handler(infno: str) -> HandlerSpec | None:
    """The handler of ``infno``, or ``None`` when no module registered one."""
    return _REGISTRY.get(infno)


def registered() -> dict[str, HandlerSpec]:
    """A copy of the registry (infno -> spec)."""
    return dict(_REGISTRY)


_SCHEMAS: list[str] = []


def schema(ddl: str) -> None:
    """Declare the tables of a handler module (``CREATE TABLE IF NOT EXISTS ...``); the app
    creates them when it opens the books (never inside a call: DDL would end its transaction)."""
    if ddl not in _SCHEMAS:
        _SCHEMAS.append(ddl)


def schemas() -> list[str]:
    """The DDL the loaded handler modules declared, in declaration order."""
    return list(_SCHEMAS)


#: Modules that exist but failed to import (name -> error text); the centre serves without them.
FAILED_MODULES: dict[str, str] = {}


def load_handler_modules() -> list[str]:
    """Import every module of :data:`MODULES` that exists; returns the names imported.

    A module that exists but fails to import is logged and listed in :data:`FAILED_MODULES`:
    one broken extension must not take the whole centre down with it.
    """
    loaded = []
    for name in MODULES:
        full = f"{__name__}.{name}"
        if importlib.util.find_spec(full) is None:
            continue
        try:
            importlib.import_module(full)
        except Exception as exc:
            FAILED_MODULES[name] = f"{type(exc).__name__}: {exc}"
            log.error("sandbox handler module %s failed to import: %s", full, exc)
            continue
        loaded.append(name)
    return loaded
