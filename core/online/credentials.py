"""The keys of the online parties, read from environment variables or key files (never the file).

For each party that speaks the SM4 / SM2 envelope (the 医保移动支付 centre; the e-prescription
centre and the channel fall back to it key by key) the institution holds ``appId`` (in the
configuration: it is no secret), ``appSecret`` (an environment variable), its own SM2 private
key and the platform's public key (each an environment variable or a file).  Where the
configuration names nothing, the region's :class:`~.profile.CredentialDefaults` give the
variable names.  A key that cannot be read is a configuration error naming the key of the
file and where it looked, never the key (:func:`yibao.core.gm.key_from_env`).
"""

from __future__ import annotations

import os

from .. import gm
from ..errors import ConfigurationError
from ..gm.keys import KeyKind
from .profile import CredentialDefaults
from .settings import EnvelopeSettings, OnlineConfig, PartySettings

__all__ = ["envelope_options", "invoice_key", "party_credentials"]


def envelope_options(settings: EnvelopeSettings) -> gm.EnvelopeOptions:
    """``[online.envelope]`` as the envelope's options."""
    return gm.EnvelopeOptions(
        user_id=settings.sm2_user_id, user_id_is_app_secret=settings.user_id_is_app_secret,
        signed_data=settings.signed_data,  # type: ignore[arg-type]  # checked by the settings' rule
        signature_encoding=settings.signature_encoding,  # type: ignore[arg-type]
        timestamp_format=settings.timestamp_format,  # type: ignore[arg-type]
        version=settings.version, max_clock_skew=float(settings.max_clock_skew),
    )  # fmt: skip


def _key(table: str, env_key: str, env: str, file_key: str, path: str, kind: KeyKind) -> str:
    """A key from ``path`` when the file names one, else from the environment variable ``env``."""
    try:
        if path:
            return gm.key_from_file(path, kind=kind)
        return gm.key_from_env(env, kind=kind)
    except gm.KeyLoadError as exc:
        raise ConfigurationError(f"{table}.{file_key if path else env_key}", str(exc)) from None


def party_credentials(config: OnlineConfig, defaults: CredentialDefaults, party: str = "") -> gm.Credentials:
    """The credentials of ``party`` (``""`` for the centre itself, ``"rx"`` or ``"channel"``),
    each empty key of its table falling back to ``[online]``'s, then to the region's defaults."""
    own: PartySettings = getattr(config, party) if party else PartySettings()
    table = f"online.{party}" if party else "online"

    def pick(name: str) -> tuple[str, str]:
        value = getattr(own, name) or getattr(config, name)
        where = table if getattr(own, name) else "online"
        return value, where

    app_id, where = pick("app_id")
    if not app_id:
        raise ConfigurationError(f"{where}.app_id", "is required for online settlement (the appId the centre issued)")
    secret_env = own.app_secret_env or config.app_secret_env or defaults.app_secret_env
    try:
        secret = gm.secret_from_env(secret_env)
    except gm.KeyLoadError as exc:
        raise ConfigurationError(f"{table}.app_secret_env", str(exc)) from None
    priv_file, priv_where = pick("private_key_file")
    pub_file, pub_where = pick("platform_key_file")
    private = _key(priv_where, "private_key_env", own.private_key_env or config.private_key_env
                   or defaults.private_key_env, "private_key_file", priv_file, "private")
    public = _key(pub_where, "platform_key_env", own.platform_key_env or config.platform_key_env
                  or defaults.platform_key_env, "platform_key_file", pub_file, "public")
    try:
        return gm.Credentials(app_id=app_id, app_secret=secret, private_key=private, peer_public_key=public)
    except ValueError as exc:
        raise ConfigurationError(f"{where}.app_id", str(exc)) from None


def invoice_key(config: OnlineConfig, defaults: CredentialDefaults) -> str:
    """The e-invoice vendor's appKey (the MD5 signature's ``key``), from its environment variable."""
    name = config.invoice.app_key_env or defaults.invoice_key_env
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError("online.invoice.app_key_env", f"environment variable {name}: not set or empty")
    return value
