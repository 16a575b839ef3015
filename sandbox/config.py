"""Configuration of one sandbox instance (``yibao sandbox serve`` options, ``create_app``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import attrs

__all__ = ["DEFAULT_PAASID", "DEFAULT_SECRET", "SandboxConfig"]

# Obviously-not-production credentials for demos and tests; `serve` prints whatever is in use.
DEFAULT_PAASID = "sandbox"
DEFAULT_SECRET = "sandbox-secret-not-for-production"


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
    :param validate: check inputs against the spec catalogue (``yibao.core.catalog``).
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
