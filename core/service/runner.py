"""Serving the application with uvicorn (contract "``yibao serve``"): loopback by default, TLS
required anywhere else, graceful on SIGTERM.

SIGTERM (or Ctrl-C): uvicorn stops accepting connections and waits up to ``[service]
shutdown_grace_seconds`` for the requests in hand; a worker thread is never abandoned, so every
money call in flight still journals its outcome (an answer that does not come within the
gateway's read timeout is UNKNOWN, queued for 2601).  Then the lease is handed back, so another
instance takes the reversal queue at once.  A second signal, or SIGKILL, cuts the process off:
what it left SENT is made UNKNOWN and reversed by whichever instance holds the lease next
(after ``reversal.interrupted_after_seconds``).
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import sys
from typing import Any

import uvicorn

from ..config import Config
from ..errors import ConfigurationError
from .app import create_app
from .auth import load_tokens
from .runtime import Service, check_config

__all__ = ["KEEP_ALIVE_SECONDS", "UpgradeNoise", "check_bind", "is_loopback", "listen", "serve", "uvicorn_config"]


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1 (a host name may resolve anywhere)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(config: Config, host: str) -> None:
    """Off loopback, bearer tokens cross the network: TLS (``[service] tls_cert`` / ``tls_key``) or no start."""
    svc = config.service
    if bool(svc.tls_cert) != bool(svc.tls_key):
        raise ConfigurationError("service.tls_cert" if not svc.tls_cert else "service.tls_key",
                                 "tls_cert and tls_key go together")
    if not is_loopback(host) and not svc.tls_cert:
        raise ConfigurationError("service.tls_cert", f"listening on {host} (not loopback) needs TLS: set "
                                                     "[service] tls_cert and tls_key (PEM files)")


class UpgradeNoise(logging.Filter):
    """Drops uvicorn's two warnings on a request that asks to upgrade (``Upgrade: h2c``).

    Java's ``java.net.http`` client asks that of every plain-text request by default; the request
    is served as HTTP/1.1 (a server may ignore Upgrade: RFC 9110 section 7.8), so nothing is
    wrong. Left in, an operator would read two warnings per HIS call, one of them advising a
    WebSocket library the service has no use for."""

    NOISE = ("Unsupported upgrade request.", "No supported WebSocket library detected.")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOISE)


#: seconds an idle HIS connection stays open (nginx keeps them 75 s too)
KEEP_ALIVE_SECONDS = 75


def uvicorn_config(app: Any, host: str, port: int, *, grace: int = 30, cert: str = "", key: str = ""
                   ) -> uvicorn.Config:
    """uvicorn as the service runs it.

    ``http="h11"``: Java's ``java.net.http`` client (HTTP/2 by default) asks a plain-text server to
    upgrade (``Upgrade: h2c``); uvicorn's httptools parser then drops the request body (the request
    fails as an empty body), while its h11 parser ignores the upgrade and serves HTTP/1.1.  A HIS
    with default client settings must just work, so h11 it is.

    ``timeout_keep_alive``: an idle connection is kept :data:`KEEP_ALIVE_SECONDS`, not uvicorn's
    5 s.  A HIS's pool keeps its connections a minute (.NET) or twenty (Java 17) and may reuse
    one just as the service closes it; the POST then fails on the HIS's side, to be sent again
    under its Idempotency-Key.  The longer the service keeps them, the rarer that is."""
    config = uvicorn.Config(app, host=host, port=port, http="h11", log_level="warning", access_log=False,
                            lifespan="on", timeout_graceful_shutdown=grace, server_header=False,
                            timeout_keep_alive=KEEP_ALIVE_SECONDS,
                            ssl_certfile=cert or None, ssl_keyfile=key or None)
    error_log = logging.getLogger("uvicorn.error")  # configured by uvicorn.Config above; the filter goes after
    if not any(isinstance(f, UpgradeNoise) for f in error_log.filters):
        error_log.addFilter(UpgradeNoise())
    return config


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything starts (as uvicorn binds it).

    Left to uvicorn, a port in use would end the process with uvicorn's own exit code 3, which
    the contract gives to a business error; here it is a configuration error naming
    ``service.port`` (exit 2), and no lease is taken by an instance that cannot serve."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, as getaddrinfo gives it to uvicorn: asyncio sets TCP_NODELAY only on sockets
    # that say so, and without it a reply in two writes waits out the peer's delayed ACK (40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # POSIX: SO_REUSEADDR, so a restart need not wait out TIME_WAIT.  Windows: there SO_REUSEADDR
        # would let a second process bind the same port and take some of its connections, so the
        # port is held exclusively instead, and a second instance meets "port in use".
        if sys.platform == "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)  # uvicorn's default backlog
    except OSError as exc:
        sock.close()
        key = "service.host" if exc.errno == errno.EADDRNOTAVAIL else "service.port"  # no such local address
        raise ConfigurationError(key, f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def serve(config: Config, host: str | None = None, port: int | None = None) -> None:
    """Run one instance until SIGTERM / Ctrl-C."""
    svc = config.service
    host = host or svc.host
    port = port if port is not None else svc.port
    # every configuration error first (TLS off loopback, the recovery age, the tokens), then the
    # port: an operator fixing the file should not meet "address in use" before the file's own errors
    check_bind(config, host)
    check_config(config)
    tokens = load_tokens(config.service)
    sock = listen(host, port)
    try:
        service = Service(config, tokens=tokens)
    except BaseException:
        sock.close()
        raise
    app = create_app(service)

    def stopped() -> None:  # the counterpart of the start line (after service.stop, the app's last hook)
        left = service.inflight
        sys.stderr.write("yibao serve: stopped\n" if not left else
                         f"yibao serve: stopped with {left} request(s) in hand (the journal resolves them)\n")
        sys.stderr.flush()

    app.on_shutdown.append(stopped)
    uv = uvicorn_config(app, host, port, grace=svc.shutdown_grace_seconds, cert=svc.tls_cert, key=svc.tls_key)
    scheme = "https" if svc.tls_cert else "http"
    sys.stderr.write(f"yibao serve: {scheme}://{host}:{port} (region {config.region}, terminals "
                     f"{','.join(service.tokens.terminals)}; docs at /docs)\n")
    sys.stderr.flush()
    uvicorn.Server(uv).run(sockets=[sock])
