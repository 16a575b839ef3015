"""Yunnan transport: the province's dynamic library instead of HTTP (接入说明 §1.2).

Yunnan's institutions call 医保接口动态库 rather than the gateway.  :class:`DllTransport` is an
``httpx.BaseTransport``: the engine builds, signs and journals the envelope exactly as for HTTP,
and the transport hands the envelope's JSON to the library and turns the output buffer back into
an ``httpx.Response``, so the client works unchanged.

The call, configurable through the ``[transport]`` table:

- ``function`` (default ``BUSINESS_HANDLE``) with ``signature``:
  ``"in_out"`` (default, the common vendor form) ``int __stdcall F(char *input, char *output)``:
  the library writes a NUL-terminated reply into a buffer we allocate (``output_size`` bytes,
  default 1 MiB, far above the spec's 40000-character output); or
  ``"in_out_len"`` ``int F(char *input, char *output, int output_len)`` for libraries that take
  the buffer length (safer, use it when the vendor offers it).
- ``encoding``: ``utf-8`` (default) or ``gbk`` for the bytes exchanged with the library.
- ``calling``: ``auto`` (``stdcall`` on Windows, ``cdecl`` elsewhere), ``cdecl`` or ``stdcall``.

How a return code reaches the engine (the reliability rule: never guess an outcome):

=========================================  ==============================================
library answer                             what the engine sees
=========================================  ==============================================
rc 0, JSON reply                           HTTP 200 with the reply (business errors by infcode)
rc != 0, output is a JSON reply            HTTP 200 with the reply (the centre answered)
rc != 0, no JSON, rc in ``not_sent_codes``  ``httpx.ConnectError`` -> NOT SENT (exit 6)
or text matches ``not_sent_patterns``      (the library says it could not connect)
rc != 0, no JSON, anything else            ``httpx.ReadError`` -> outcome UNKNOWN (exit 4)
rc 0 but no JSON                           HTTP 200 with the raw text -> UNKNOWN by the engine
=========================================  ==============================================
"""

from __future__ import annotations

import ctypes
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx

from yibao.core import ConfigurationError

from .._ctypes_lib import Calling, LibraryUnavailable, load_library

__all__ = ["DEFAULT_NOT_SENT_PATTERNS", "DllTransport"]

Signature = Literal["in_out", "in_out_len"]

#: Texts by which vendor libraries say the request never left (连接失败, 网络不通...).
DEFAULT_NOT_SENT_PATTERNS: tuple[str, ...] = (
    "连接失败", "无法连接", "连接超时", "网络不通", "网络异常", "connect", "refused",
)  # fmt: skip


class DllTransport(httpx.BaseTransport):
    """Send each envelope through the vendor library's business function.

    :param library: path of the library (``.dll`` / ``.so``).
    :param options: the rest of the ``[transport]`` table (see the module docstring).
    """

    def __init__(self, library: str, **options: Any) -> None:
        calling: Calling = options.get("calling", "auto")
        try:
            self._lib = load_library(library, calling)
        except LibraryUnavailable as exc:
            raise ConfigurationError("transport.library", f"{exc}; install the Yunnan interface library") from exc
        self.function_name = str(options.get("function", "BUSINESS_HANDLE"))
        self.signature: Signature = options.get("signature", "in_out")
        if self.signature not in ("in_out", "in_out_len"):
            raise ConfigurationError("transport.signature", f"{self.signature!r} is not in_out or in_out_len")
        self.encoding = str(options.get("encoding", "utf-8"))
        self.output_size = int(options.get("output_size", 1 << 20))
        self.not_sent_codes = frozenset(int(c) for c in options.get("not_sent_codes", ()))
        patterns: Sequence[str] = options.get("not_sent_patterns", DEFAULT_NOT_SENT_PATTERNS)
        self.not_sent_patterns = tuple(p.lower() for p in patterns)
        fn = getattr(self._lib, self.function_name, None)
        if fn is None:
            raise ConfigurationError("transport.function", f"the library has no function {self.function_name}")
        fn.restype = ctypes.c_int
        argtypes: list[Any] = [ctypes.c_char_p, ctypes.c_char_p]
        if self.signature == "in_out_len":
            argtypes.append(ctypes.c_int)
        fn.argtypes = argtypes
        self._fn = fn

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> DllTransport:
        """Build from the configuration's ``[transport]`` table (``library`` is required)."""
        library = options.get("library")
        if not library:
            raise ConfigurationError("transport.library", "Yunnan needs the path of its interface library")
        rest = {k: v for k, v in options.items() if k not in ("library", "name", "kind")}
        return cls(str(library), **rest)

    def _call(self, payload: bytes) -> tuple[int, bytes]:
        out = ctypes.create_string_buffer(self.output_size)
        if self.signature == "in_out_len":
            rc = self._fn(payload, out, self.output_size)
        else:
            rc = self._fn(payload, out)
        return int(rc), out.value

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Hand the envelope to the library; see the module docstring for the outcome mapping."""
        body = request.read()
        try:
            payload = body.decode("utf-8").encode(self.encoding)
        except (UnicodeDecodeError, UnicodeEncodeError) as exc:
            # Nothing reached the library: it is safe to call this not sent.
            raise httpx.ConnectError(f"envelope cannot be encoded as {self.encoding}: {exc}", request=request) from exc
        rc, raw = self._call(payload)
        text = raw.decode(self.encoding, errors="replace")
        reply = _json_object(text)
        if reply is not None or rc == 0:
            content = text.encode("utf-8")
            return httpx.Response(
                200,
                content=content,
                headers={"content-type": "application/json;charset=utf-8"},
                request=request,
            )
        lowered = text.lower()
        if rc in self.not_sent_codes or any(p in lowered for p in self.not_sent_patterns):
            raise httpx.ConnectError(f"interface library could not connect (rc={rc}): {text}", request=request)
        raise httpx.ReadError(f"interface library failed (rc={rc}) without a reply: {text}", request=request)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
