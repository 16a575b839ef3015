"""Credentials of the mobile-payment envelope and where its keys come from (online_settlement.md §3.2).

An institution holds ``appId`` and ``appSecret`` (issued by the centre), its own SM2 private
key (it signs requests and the replies to pushed notices) and the platform's SM2 public key (it
verifies replies and notices).  Keys and the secret come from files or environment variables,
never from the configuration file: :func:`key_from_env` and :func:`key_from_file` read one, check
its form, and name where they looked when they refuse; no message ever contains a key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import attrs

from .sm import normalize_private_key, normalize_public_key, sm2_public_key

__all__ = ["Credentials", "KeyLoadError", "key_from_env", "key_from_file", "secret_from_env"]

KeyKind = Literal["private", "public"]


class KeyLoadError(ValueError):
    """A key or secret is missing, empty or malformed; the message names where it was looked for."""


def _check(text: str, kind: KeyKind | None, where: str) -> str:
    text = text.strip()
    if not text:
        raise KeyLoadError(f"{where}: empty")
    try:
        if kind == "private":
            return normalize_private_key(text)
        if kind == "public":
            return normalize_public_key(text)
        return normalize_private_key(text) if len(text) == 64 else normalize_public_key(text)
    except ValueError as exc:
        # exc names the expected form and the length found, never the characters
        raise KeyLoadError(f"{where}: {exc}") from None


def key_from_env(name: str, *, kind: KeyKind | None = None) -> str:
    """The SM2 key in environment variable ``name``, as normalised hex.

    ``kind`` "private" wants 64 hex digits, "public" 128 (or 130 with ``04``); ``None`` takes
    either by its length.  ``KeyLoadError`` names the variable when it is unset, empty or malformed.
    """
    value = os.environ.get(name)
    if value is None:
        raise KeyLoadError(f"environment variable {name}: not set")
    return _check(value, kind, f"environment variable {name}")


def key_from_file(path: str | os.PathLike[str], *, kind: KeyKind | None = None) -> str:
    """The SM2 key in the text file ``path`` (hex, surrounding whitespace ignored); see :func:`key_from_env`."""
    where = f"key file {os.fspath(path)}"
    try:
        text = Path(path).read_text("ascii")
    except FileNotFoundError:
        raise KeyLoadError(f"{where}: no such file") from None
    except UnicodeDecodeError:
        raise KeyLoadError(f"{where}: not hex text") from None
    except OSError as exc:
        raise KeyLoadError(f"{where}: cannot be read ({exc.strerror})") from None
    return _check(text, kind, where)


def secret_from_env(name: str) -> str:
    """The text of environment variable ``name`` (an appSecret), refusing unset or empty."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise KeyLoadError(f"environment variable {name}: not set or empty")
    return value


def _app_id(_: object, __: object, value: str) -> None:
    head = value[:16]
    # §3.2: appId[0:16] as bytes is an SM4 key, so it needs 16 one-byte characters
    if len(head) != 16 or not head.isascii():
        raise ValueError("appId: needs at least 16 ASCII characters (its first 16 are an SM4 key)")


def _non_empty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value:
        raise ValueError(f"{attribute.name}: empty")


@attrs.frozen(repr=False)
class Credentials:
    """What one side of the envelope holds.

    On the institution's side (:mod:`yibao.core.gm.envelope`): ``private_key`` is the
    institution's own and ``peer_public_key`` the platform's.  Both keys are normalised (and
    checked) on construction; the matching public key of ``private_key`` is derived once, for
    the ``Z`` value of every signature.
    """

    app_id: str = attrs.field(validator=_app_id)
    app_secret: str = attrs.field(validator=_non_empty)
    private_key: str = attrs.field(converter=normalize_private_key)
    peer_public_key: str = attrs.field(converter=normalize_public_key)
    public_key: str = attrs.field(init=False)

    @public_key.default
    def _derive(self) -> str:
        return sm2_public_key(self.private_key)

    def __repr__(self) -> str:  # never show the secret or the private key
        return f"Credentials(app_id={self.app_id!r}, app_secret=***, private_key=***, public_key={self.public_key!r})"
