"""yibao.sandbox.mobilepay: the simulated 医保移动支付 centre's SM4 / SM2 envelope and credentials.

The centre's own implementation of online_settlement.md §3 (Fujian / Xiamen), independent of
the client's ``yibao.core.gm``: it imports nothing of ``yibao.core``.  Functions only; the HTTP
routes (``{base}/org/local/api/hos/...``, ``GET /_sandbox/mobilepay/credentials``) are wired
by the sandbox app.  See ``docs/gm-crypto.md``.
"""

from __future__ import annotations

from .credentials import MobilePayCredentials, credentials_payload, generate, load_or_create
from .envelope import (
    DEFAULT_OPTIONS,
    CentreOptions,
    Refusal,
    build_notice,
    handle,
    open_notice_reply,
    open_request,
    reply,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "CentreOptions",
    "MobilePayCredentials",
    "Refusal",
    "build_notice",
    "credentials_payload",
    "generate",
    "handle",
    "load_or_create",
    "open_notice_reply",
    "open_request",
    "reply",
]
