"""Credentials of the simulated 医保移动支付 centre, one set per sandbox state directory.

The contract (Fujian paragraph): ``GET /_sandbox/mobilepay/credentials`` answers ``{"appId",
"appSecret", "platform_public_key", "platform_private_key", "institution_public_key",
"institution_private_key"}``: keys as hex, private 64 hex digits, public 128 hex digits ``x‖y``
without ``04``; generated per sandbox state, for rehearsal only.  :func:`load_or_create` makes
them on first use and keeps them in ``<state>/mobilepay_credentials.json`` (mode 0600), so a
restarted sandbox keeps answering the institution it was set up with.  Both key pairs are here
because the sandbox plays the platform and hands the institution its pair for rehearsal; a real
centre never knows an institution's private key.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path
from typing import TypedDict, cast

from . import crypto

__all__ = ["FILE_NAME", "MobilePayCredentials", "credentials_payload", "generate", "load_or_create"]

FILE_NAME = "mobilepay_credentials.json"

_FIELDS = (
    "appId",
    "appSecret",
    "platform_public_key",
    "platform_private_key",
    "institution_public_key",
    "institution_private_key",
)
_ALNUM = string.ascii_uppercase + string.digits


class MobilePayCredentials(TypedDict):
    """The contract's shape of the credentials (keys as hex)."""

    appId: str
    appSecret: str
    platform_public_key: str
    platform_private_key: str
    institution_public_key: str
    institution_private_key: str


def generate() -> MobilePayCredentials:
    """A fresh set: a 32-character appId (its first 16 are an SM4 key), a 32-character appSecret."""
    platform_private, platform_public = crypto.generate_keypair()
    institution_private, institution_public = crypto.generate_keypair()
    return {
        "appId": "".join(secrets.choice(_ALNUM) for _ in range(32)),
        "appSecret": secrets.token_hex(16).upper(),
        "platform_public_key": platform_public,
        "platform_private_key": platform_private,
        "institution_public_key": institution_public,
        "institution_private_key": institution_private,
    }


def _check(obj: object, path: Path) -> MobilePayCredentials:
    """The stored set, or ``ValueError`` naming the file and the field (never a value)."""
    if not isinstance(obj, dict) or set(obj) != set(_FIELDS) or not all(isinstance(obj[f], str) for f in _FIELDS):
        raise ValueError(f"{path}: not a mobile-payment credentials file (fields {', '.join(_FIELDS)})")
    if len(obj["appId"]) < 16 or not obj["appId"][:16].isascii() or not obj["appSecret"]:
        raise ValueError(f"{path}: appId needs 16 ASCII characters and appSecret must not be empty")
    for side in ("platform", "institution"):
        private, public = obj[f"{side}_private_key"], obj[f"{side}_public_key"]
        if len(private) != 64 or not all(c in string.hexdigits for c in private):
            raise ValueError(f"{path}: {side}_private_key is not 64 hex digits")
        if not crypto.is_public_key(public) or crypto.public_of(private) != public.lower():
            raise ValueError(f"{path}: {side}_public_key is not the public key of {side}_private_key")
    return cast(MobilePayCredentials, obj)


def load_or_create(state_dir: str | os.PathLike[str]) -> MobilePayCredentials:
    """The state directory's credentials, made and stored (mode 0600) on first use.

    Two processes starting on one state at once end with the same set: the file appears by
    ``os.link``, which fails if another got there first, and then that one is read.
    """
    folder = Path(state_dir)
    path = folder / FILE_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        creds = generate()
        tmp = folder / f".{FILE_NAME}.{secrets.token_hex(6)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(creds, fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # someone widened it: private keys are in there
    try:
        stored = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{path}: not JSON") from None
    return _check(stored, path)


def credentials_payload(state_dir: str | os.PathLike[str]) -> dict[str, str]:
    """The body of ``GET /_sandbox/mobilepay/credentials`` for this state directory."""
    creds = load_or_create(state_dir)
    return {field: creds[field] for field in _FIELDS}  # type: ignore[literal-required]
