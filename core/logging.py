"""structlog set-up with redaction; every log line goes to stderr, never stdout.

stdout carries only a command's result (contract, "Output and configuration discipline"): a
``--json`` command's whole stdout must parse, even when start-up reversals logged warnings
first.  structlog's own default prints to stdout, so yibao configures it the first time a
:class:`~yibao.core.client.Client` opens unless the application configured structlog itself
(:func:`ensure_configured`); the CLI configures it explicitly (:func:`configure_logging`).

The :class:`Redactor` processor masks values by key (the field lists of
:mod:`yibao.core.masking`) and scrubs free text for ID numbers and signature-shaped hex, so no
ID number, name, card number, token, secret, signature or diagnosis reaches a log line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from .masking import (
    CARD_FIELDS,
    DIAGNOSIS_FIELDS,
    ID_FIELDS,
    NAME_FIELDS,
    TOKEN_FIELDS,
    mask_id,
    mask_input,
    mask_name,
    scrub_text,
)

__all__ = ["Redactor", "configure_logging", "ensure_configured", "scrub_text"]

_SECRET_KEYS = frozenset({"secret", "secretkey", "secret_key", "x-tif-signature", "signature", "password",
                          "x-tif-nonce", "sign_no_secret", "token", "authorization"})


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


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time (a test runner swaps it per test)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _processors(json: bool) -> list[Any]:
    renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False) if json else \
        structlog.dev.ConsoleRenderer(colors=False)
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        Redactor(),
        renderer,
    ]


def configure_logging(*, json: bool = False, level: str = "WARNING", stream: TextIO | None = None) -> None:
    """Configure structlog for the CLI and the service: redaction first, rendering to stderr."""
    numeric = getattr(logging, level.upper(), logging.WARNING)
    out: Any = stream or _CurrentStderr()
    logging.basicConfig(stream=out, level=numeric, format="%(message)s")
    structlog.configure(
        processors=_processors(json),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


def ensure_configured() -> None:
    """The library default: redacted WARNING lines on stderr, unless the application already
    configured structlog (then its choice stands)."""
    if not structlog.is_configured():
        configure_logging()
