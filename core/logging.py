"""structlog set-up with redaction: no ID number, name, card number, token, secret, signature
or diagnosis reaches a log line.

Per call the engine binds ``region``, ``infno`` and ``msgid``.  The :class:`Redactor`
processor masks values by key (the field lists of :mod:`yibao.core.journal.masking`) and
also scrubs free text for 18-digit ID numbers and signature-shaped hex, so an ID that slips
into a message string is masked too.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from .journal.masking import (
    CARD_FIELDS,
    DIAGNOSIS_FIELDS,
    ID_FIELDS,
    NAME_FIELDS,
    TOKEN_FIELDS,
    mask_id,
    mask_input,
    mask_name,
)

__all__ = ["Redactor", "configure_logging", "scrub_text"]

_SECRET_KEYS = frozenset({"secret", "secretkey", "secret_key", "x-tif-signature", "signature", "password",
                          "x-tif-nonce", "sign_no_secret"})
# An 18-character ID (17 digits + digit or X) not glued to other digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def scrub_text(text: str) -> str:
    """Mask ID numbers and signature-shaped hex inside free text."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    return _HEX64.sub("<signature>", text)


class Redactor:
    """structlog processor: masks personal data and secrets in every event."""

    __slots__ = ()

    def __call__(self, logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key in list(event_dict):
            event_dict[key] = self._value(key, event_dict[key])
        return event_dict

    def _value(self, key: str, value: Any) -> Any:
        k = key.lower()
        if k in _SECRET_KEYS:
            return "***"
        if k in DIAGNOSIS_FIELDS:
            return "<omitted>"
        if isinstance(value, str):
            if k in ID_FIELDS or k in CARD_FIELDS or k in TOKEN_FIELDS:
                return mask_id(value)
            if k in NAME_FIELDS:
                return mask_name(value)
            return scrub_text(value)
        if isinstance(value, dict | list):
            return mask_input(value)
        return value


def configure_logging(*, json: bool = False, level: str = "WARNING") -> None:
    """Configure structlog once for the CLI: redaction first, then rendering to stderr."""
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level.upper(), logging.WARNING),
                        format="%(message)s")
    renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False) if json else \
        structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            Redactor(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper(), logging.WARNING)),
        cache_logger_on_first_use=False,
    )
