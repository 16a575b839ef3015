"""Configuration of one sandbox instance (``yibao sandbox serve`` options, ``create_app``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import attrs

__all__ = [
    "CONTROL_MAX_BODY",
    "DEFAULT_PAASID",
    "DEFAULT_SECRET",
    "MAX_BODY",
    "MAX_JSON_DEPTH",
    "MAX_UPLOAD_BODY",
    "SandboxConfig",
]

# Obviously-not-production credentials for demos and tests; `serve` prints whatever is in use.
DEFAULT_PAASID = "sandbox"
DEFAULT_SECRET = "sandbox-secret-not-for-production"

# Limits of what the centre will parse (docs/sandbox.md, "Limits").  A real envelope is about
# five levels deep (envelope > input > node > rows > row > a nested node's rows > row) and a
# pharmacy's 2102 is a few kilobytes; only 9101 carries a file (a ZIP, Base64 or byte array).
MAX_JSON_DEPTH = 32
MAX_BODY = 8 * 1024 * 1024
MAX_UPLOAD_BODY = 96 * 1024 * 1024  # a 64 MiB ZIP (files.MAX_UPLOAD_BYTES) is ~86 MiB in Base64
CONTROL_MAX_BODY = 64 * 1024


@attrs.frozen
class SandboxConfig:
    """What a sandbox instance needs.

    :param paasid: the one ``x-tif-paasid`` accepted (any other is ``非法用户!``).
    :param secret: the secretKey of the x-tif signature.
    :param state_dir: where ``sandbox.db`` lives; ``None`` uses a fresh temporary directory.
    :param region: the default region (used when an envelope's ``mdtrtarea_admvs`` is empty).
    :param reversal_delay: seconds a 2601 must wait after its original before it is accepted
        (0: at once); models a centre that refuses to reverse what it is still committing.
    :param timestamp_window: the x-tif timestamp tolerance in seconds (30 minutes).
    :param nonce_window: how long a nonce is remembered (10 minutes).
    :param ectoken_ttl: e-voucher token lifetime in seconds (3 minutes).
    :param clock: unix time in seconds; injectable so tests can move time.
    :param validate: check inputs against the spec catalogue (:mod:`yibao.sandbox.validation`).
    :param max_json_depth: deepest nesting of a request body (wire and control API).
    :param max_body_bytes: largest request body of every transaction but 9101.
    :param max_upload_body_bytes: largest body of a 9101 文件上传.
    :param control_max_body_bytes: largest body of a control API request.
    :param control_token: when set, every control API request must carry it in the header
        ``X-Sandbox-Token``; a bind to a non-loopback host requires it (``serve``).
    """

    paasid: str = DEFAULT_PAASID
    secret: str = attrs.field(default=DEFAULT_SECRET, repr=False)
    state_dir: Path | None = None
    region: str = "440000"
    reversal_delay: float = 0.0
    timestamp_window: int = 30 * 60
    nonce_window: int = 10 * 60
    ectoken_ttl: int = 3 * 60
    clock: Callable[[], float] = time.time
    validate: bool = True
    max_json_depth: int = MAX_JSON_DEPTH
    max_body_bytes: int = MAX_BODY
    max_upload_body_bytes: int = MAX_UPLOAD_BODY
    control_max_body_bytes: int = CONTROL_MAX_BODY
    control_token: str | None = attrs.field(default=None, repr=False)
