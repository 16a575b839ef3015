"""Serving the sandbox with uvicorn: in a background thread (demo, client tests) or in front.

``run_in_thread(config)`` binds 127.0.0.1 on a free port and returns once the server accepts
connections::

    with run_in_thread(SandboxConfig()) as sb:
        print(sb.url, sb.paasid, sb.secret)
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import SandboxConfig

__all__ = ["RunningSandbox", "run_in_thread", "serve"]


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
    app = create_app(config)
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


def serve(config: SandboxConfig, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (``yibao sandbox serve``)."""
    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_level="info", lifespan="off")
