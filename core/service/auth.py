"""Bearer tokens per terminal (contract "``yibao serve``" → Authentication).

The environment variable named by ``[service] tokens_env`` (default ``YIBAO_SERVICE_TOKENS``)
holds ``TERMINAL=TOKEN`` pairs separated by commas, e.g. ``T01=9f2c...,T02=41ab...``.  The token
decides the terminal: it is recorded on every journal row the request writes, and sign-in
sessions (9001) are kept per operator and terminal.  Tokens are compared in constant time, each
against every known token, so the time of an answer tells nothing about a near miss.
"""

from __future__ import annotations

import hmac
import os
import re

from ..config import ServiceConfig
from ..errors import ConfigurationError
from .problems import ProblemError

__all__ = ["Tokens", "load_tokens"]

_TERMINAL = re.compile(r"^T(0[1-9]|[1-9]\d)$")
MIN_TOKEN = 16


class Tokens:
    """token -> terminal."""

    def __init__(self, pairs: dict[str, str]) -> None:
        self._pairs = [(token.encode(), terminal) for token, terminal in pairs.items()]

    @property
    def terminals(self) -> list[str]:
        return sorted(t for _, t in self._pairs)

    def terminal_for(self, authorization: str | None) -> str:
        """The terminal of an ``Authorization: Bearer TOKEN`` header; 401 otherwise."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ProblemError("unauthorized", "missing bearer token: send Authorization: Bearer TOKEN",
                               headers={"WWW-Authenticate": 'Bearer realm="yibao"'})
        given = token.strip().encode()
        found: str | None = None
        for known, terminal in self._pairs:
            if hmac.compare_digest(known, given):
                found = terminal
        if found is None:
            raise ProblemError("unauthorized", "unknown bearer token",
                               headers={"WWW-Authenticate": 'Bearer realm="yibao", error="invalid_token"'})
        return found


def load_tokens(service: ServiceConfig, environ: dict[str, str] | None = None) -> Tokens:
    """Parse the tokens variable; a missing, empty or malformed one stops the service (exit 2)."""
    env = os.environ if environ is None else environ
    key = "service.tokens_env"
    text = env.get(service.tokens_env, "").strip()
    if not text:
        raise ConfigurationError(key, f"environment variable {service.tokens_env} is not set or empty "
                                      "(TERMINAL=TOKEN pairs separated by commas, e.g. T01=...,T02=...)")
    pairs: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        terminal, sep, token = part.partition("=")
        terminal, token = terminal.strip(), token.strip()
        if not sep or not _TERMINAL.match(terminal):
            raise ConfigurationError(key, f"{service.tokens_env}: {terminal or part[:3]!r} is not TERMINAL=TOKEN "
                                          "with a terminal T01 ... T99")
        if len(token) < MIN_TOKEN:
            raise ConfigurationError(key, f"{service.tokens_env}: the token of {terminal} is shorter than "
                                          f"{MIN_TOKEN} characters")
        if token in pairs:
            raise ConfigurationError(key, f"{service.tokens_env}: {terminal} and {pairs[token]} share a token")
        pairs[token] = terminal
    return Tokens(pairs)
