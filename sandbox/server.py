"""Serving the sandbox with uvicorn: in a background thread (demo, client tests) or in front.

``run_in_thread(config)`` binds 127.0.0.1 on a free port and returns once the server accepts
connections::

    with run_in_thread(SandboxConfig()) as sb:
        print(sb.url, sb.paasid, sb.secret)
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import SandboxConfig

__all__ = ["ControlTokenRequired", "RunningSandbox", "check_bind", "is_loopback", "listen", "run_in_thread",
           "serve", "serve_app"]


class ControlTokenRequired(ValueError):
    """A bind to a host other than loopback without a control token."""


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1); any other name or address is not."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def check_bind(host: str, config: SandboxConfig) -> None:
    """Refuse to expose the unauthenticated control API beyond loopback."""
    if not is_loopback(host) and not config.control_token:
        raise ControlTokenRequired(
            f"binding {host!r} (not loopback) exposes the control API /_sandbox/; "
            "give --control-token (every control request then needs the header X-Sandbox-Token)"
        )


class RunningSandbox:
    """A sandbox served by uvicorn in a daemon thread."""

    def __init__(
        self,
        app: Starlette,
        server: uvicorn.Server,
        thread: threading.Thread,
        host: str,
        port: int,
        config: SandboxConfig,
    ) -> None:
        self.app = app
        self.server = server
        self.thread = thread
        self.host = host
        self.port = port
        self.config = config

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def paasid(self) -> str:
        return self.config.paasid

    @property
    def secret(self) -> str:
        return self.config.secret

    def stop(self) -> None:
        """Stop serving and wait for the thread (at most 10 s)."""
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def run_in_thread(
    config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningSandbox:
    """Start a sandbox on ``host``:``port`` (a free port when 0) in a background thread."""
    config = config or SandboxConfig()
    check_bind(host, config)
    return serve_app(create_app(config), config, host=host, port=port)


def serve_app(app: Starlette, config: SandboxConfig | None = None, host: str = "127.0.0.1",
              port: int = 0) -> RunningSandbox:
    """Serve any ASGI app (an institution's notice receiver in a rehearsal) like the sandbox."""
    config = config or SandboxConfig()
    port = port or _free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
    # uvicorn leaves signal handlers alone outside the main thread, so a thread is safe here.
    thread = threading.Thread(target=server.run, name=f"yibao-sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox did not start on {host}:{port}")
        time.sleep(0.01)
    return RunningSandbox(app, server, thread, host, port, config)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket for ``yibao sandbox serve``, bound before the URL is printed: a port in
    use is the command's usage error (exit 2), not uvicorn's exit 3, and ``--port 0`` prints the
    port really held.  Raises ``OSError``."""
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so (else a reply in two
    # writes waits out the peer's delayed ACK, 40 ms).
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # Windows: SO_REUSEADDR would let a second sandbox bind the same port; hold it exclusively.
        if sys.platform == "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def serve(config: SandboxConfig, host: str, port: int, sock: socket.socket | None = None) -> None:
    """Serve in the foreground until interrupted (``yibao sandbox serve``), on ``sock`` when given."""
    check_bind(host, config)
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off"))
    server.run(sockets=[sock] if sock is not None else None)
