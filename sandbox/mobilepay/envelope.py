"""The simulated centre's side of the SM4 / SM2 envelope (online_settlement.md §3; contract, Fujian).

It verifies a request with the institution's public key and decrypts it, and answers with a
reply signed by the platform key and encrypted under the application's work key::

    {"code": 0, "message": "成功", "encType": "SM4", "encData": "...", "signData": "..."}

A request it cannot accept gets a signed reply with a non-zero ``code`` and no data:

====== ==========================================================
code   message
====== ==========================================================
1000   报文格式错误: a field is missing or has the wrong type
1001   签名验证失败 (the contract: a message containing 签名)
1002   时间戳超出允许范围 (more than 10 minutes off) or unreadable
1003   encData解密失败
1004   业务数据不是合法JSON
1005   appId不存在
====== ==========================================================

Those codes are the sandbox's own; the real centre's are not public.  For 6302 结算结果通知 it
goes the other way: :func:`build_notice` pushes a request-shaped notice signed by the platform,
:func:`open_notice_reply` checks the institution's signed reply.

Nothing here imports ``yibao.core``: this is the second, independent implementation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from . import crypto
from .credentials import MobilePayCredentials

__all__ = [
    "DEFAULT_OPTIONS",
    "CentreOptions",
    "Refusal",
    "build_notice",
    "handle",
    "open_notice_reply",
    "open_request",
    "reply",
    "string_to_sign",
]

_UNSIGNED = ("signData", "encData", "extra")
_INT = re.compile(r"-?[0-9]+")


@attrs.frozen
class CentreOptions:
    """The centre's choices; the defaults are the contract's."""

    user_id: str = crypto.DEFAULT_USER_ID
    user_id_is_app_secret: bool = False
    signed_data: str = attrs.field(default="plaintext", validator=attrs.validators.in_(("plaintext", "ciphertext")))
    version: str = "1.0.0"
    timestamp_window_ms: int = 10 * 60 * 1000

    def uid(self, creds: MobilePayCredentials) -> str:
        return creds["appSecret"] if self.user_id_is_app_secret else self.user_id


DEFAULT_OPTIONS = CentreOptions()


class Refusal(Exception):
    """The centre refuses an envelope: ``code`` (non-zero) and ``message`` for the reply."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def string_to_sign(env: Mapping[str, Any], data_text: str | None, app_secret: str) -> str:
    """§3.2: the fields but signData / encData / extra, with ``data`` = ``data_text``, sorted, ``k=v`` by ``&``,
    then ``&key=`` + appSecret; empty values are left out."""
    pairs = {k: v for k, v in env.items() if k not in _UNSIGNED}
    pairs["data"] = data_text
    kept = []
    for name in sorted(pairs):
        value = pairs[name]
        if value is None or value == "":
            continue  # 空值不参与签名
        kept.append(name + "=" + (value if isinstance(value, str) else crypto.dump_json(value)))
    return "&".join([*kept, "key=" + app_secret])


def _seal(data: Any, creds: MobilePayCredentials) -> tuple[str | None, str]:
    if data is None:
        return None, ""
    text = crypto.dump_json(data)
    key = crypto.work_key(creds["appId"], creds["appSecret"])
    return text, crypto.sm4_encrypt(key, text.encode("utf-8")).hex().upper()


def _decrypt(enc: str, creds: MobilePayCredentials) -> Any:
    key = crypto.work_key(creds["appId"], creds["appSecret"])
    try:
        plain = crypto.sm4_decrypt(key, bytes.fromhex(enc))
    except ValueError:
        raise Refusal(1003, "encData解密失败") from None
    try:
        return crypto.parse_json(plain.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        raise Refusal(1004, "业务数据不是合法JSON") from None


def _signed(fields: dict[str, Any], data: Any, private: str, public: str, creds: MobilePayCredentials,
            opts: CentreOptions) -> dict[str, Any]:
    text, enc = _seal(data, creds)
    signed_data = enc if opts.signed_data == "ciphertext" else text
    sign_data = crypto.sign(private, public, string_to_sign(fields, signed_data, creds["appSecret"]), opts.uid(creds))
    return {**fields, "encData": enc, "signData": sign_data}


def _verified_data(env: Mapping[str, Any], public: str, creds: MobilePayCredentials, opts: CentreOptions) -> Any:
    enc = env.get("encData")
    sign_data = env.get("signData")
    if not isinstance(sign_data, str) or not sign_data:
        raise Refusal(1001, "签名验证失败: 缺少signData")
    if not isinstance(enc, str) or not enc:
        raise Refusal(1000, "报文格式错误: encData必填")
    if opts.signed_data == "ciphertext":
        signed_text, data = enc, None
    else:
        data = _decrypt(enc, creds)
        signed_text = crypto.dump_json(data)
    message = string_to_sign(env, signed_text, creds["appSecret"])
    if not crypto.verify(public, message, sign_data, opts.uid(creds)):
        raise Refusal(1001, "签名验证失败")
    return _decrypt(enc, creds) if opts.signed_data == "ciphertext" else data


def _as_mapping(body: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    try:
        parsed = crypto.parse_json(body.decode("utf-8") if isinstance(body, bytes) else body)
    except ValueError:
        raise Refusal(1000, "报文格式错误: 不是JSON") from None
    if not isinstance(parsed, dict):
        raise Refusal(1000, "报文格式错误: 不是JSON对象")
    return parsed


def open_request(
    body: Mapping[str, Any] | bytes | str,
    creds: MobilePayCredentials,
    *,
    options: CentreOptions = DEFAULT_OPTIONS,
    now_ms: int | None = None,
) -> Any:
    """The business ``data`` of an institution's request (its JSON body, raw or parsed), or :class:`Refusal`."""
    body = _as_mapping(body)
    for name in ("appId", "encType", "signType", "timestamp", "version"):
        if not isinstance(body.get(name), str):
            raise Refusal(1000, f"报文格式错误: {name}必填")
    if body["appId"] != creds["appId"]:
        raise Refusal(1005, "appId不存在")
    if body["encType"] != "SM4" or body["signType"] != "SM2" or body["version"] != options.version:
        raise Refusal(1000, "报文格式错误: encType须为SM4, signType须为SM2, version须为" + options.version)
    stamp = body["timestamp"]
    now = round(time.time() * 1000) if now_ms is None else now_ms
    if not (stamp.isascii() and stamp.isdigit()) or abs(int(stamp) - now) > options.timestamp_window_ms:
        raise Refusal(1002, "时间戳超出允许范围")
    return _verified_data(body, creds["institution_public_key"], creds, options)


def reply(
    data: Any,
    creds: MobilePayCredentials,
    *,
    code: int = 0,
    message: str = "成功",
    options: CentreOptions = DEFAULT_OPTIONS,
) -> dict[str, Any]:
    """A reply signed by the platform key; ``data`` ``None`` sends an empty ``encData``."""
    fields: dict[str, Any] = {"code": code, "message": message, "encType": "SM4"}
    return _signed(fields, data, creds["platform_private_key"], creds["platform_public_key"], creds, options)


def handle(
    body: Mapping[str, Any] | bytes | str,
    creds: MobilePayCredentials,
    business: Callable[[Any], Any],
    *,
    options: CentreOptions = DEFAULT_OPTIONS,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """Open ``body``, run ``business(data)`` and reply with what it returns; a refusal (from the
    envelope or raised by ``business``) becomes a signed reply with its code and message."""
    try:
        data = open_request(body, creds, options=options, now_ms=now_ms)
        return reply(business(data), creds, options=options)
    except Refusal as refusal:
        return reply(None, creds, code=refusal.code, message=refusal.message, options=options)


def build_notice(
    data: Any,
    creds: MobilePayCredentials,
    *,
    options: CentreOptions = DEFAULT_OPTIONS,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """A pushed notice (6302 结算结果通知): request-shaped, signed by the platform key."""
    fields: dict[str, Any] = {
        "appId": creds["appId"],
        "encType": "SM4",
        "signType": "SM2",
        "timestamp": str(round(time.time() * 1000) if now_ms is None else now_ms),
        "version": options.version,
    }
    return _signed(fields, data, creds["platform_private_key"], creds["platform_public_key"], creds, options)


def open_notice_reply(
    body: Mapping[str, Any] | bytes | str,
    creds: MobilePayCredentials,
    *,
    options: CentreOptions = DEFAULT_OPTIONS,
) -> tuple[int, str, Any]:
    """``(code, message, data)`` of the institution's reply to a notice, verified with its key."""
    body = _as_mapping(body)
    code = body.get("code")
    if isinstance(code, str) and _INT.fullmatch(code):
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int):
        raise Refusal(1000, "报文格式错误: code必填且为整数")
    enc = body.get("encData")
    if enc in (None, ""):  # a reply without data: the signature covers the other fields only
        message = string_to_sign(body, None, creds["appSecret"])
        sign_data = str(body.get("signData", ""))
        if not crypto.verify(creds["institution_public_key"], message, sign_data, options.uid(creds)):
            raise Refusal(1001, "签名验证失败")
        data = None
    else:
        data = _verified_data(body, creds["institution_public_key"], creds, options)
    text = body.get("message")
    return code, text if isinstance(text, str) else "", data
