"""Running ``yibao serve`` for the tests: in a thread of the test process (uvicorn on a real
loopback socket), or as real processes (``python -m yibao.core.cli serve``) for the multi-instance
and SIGTERM tests.  Kept free of pytest so ``bench/service.py`` builds the very same service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from yibao.core.config import parse_config

from ..workflows.support import SECRET_ENV, config_dict

__all__ = ["TOKENS", "RunningService", "ServiceProcess", "free_port", "service_config", "start_service",
           "wait_healthy", "write_config"]

#: terminal -> token of the test services
TOKENS = {"T01": "tok-T01-0123456789abcdef", "T02": "tok-T02-0123456789abcdef", "T03": "tok-T03-0123456789abcdef"}
TOKENS_ENV = "YIBAO_TEST_SERVICE_TOKENS"


def tokens_text(n: int = 3) -> str:
    pairs = {f"T{i:02d}": f"tok-T{i:02d}-0123456789abcdef" for i in range(1, n + 1)}
    return ",".join(f"{t}={k}" for t, k in pairs.items())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_dict(url: str, paasid: str, journal_url: str, *, port: int = 0, lease: int = 3, **cfg: Any
                 ) -> dict[str, Any]:
    cfg.setdefault("interrupted_after_seconds", 20)  # > the timeouts below (yibao serve checks it)
    cfg.setdefault("read_timeout", "5")
    d = config_dict(url, paasid, journal_url, **cfg)
    d["gateway"]["timeout"].update({"connect": 2, "write": 2, "pool": 2})
    d["service"] = {"host": "127.0.0.1", "port": port or 8765, "tokens_env": TOKENS_ENV,
                    "leader_lease_seconds": lease, "shutdown_grace_seconds": 20}
    return d


def service_config(url: str, paasid: str, journal_url: str, **cfg: Any) -> Any:
    return parse_config(service_dict(url, paasid, journal_url, **cfg), source="test")


def write_config(path: Path, data: dict[str, Any]) -> Path:
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            lines.append(f"{k} = {value(v)}")
    while tables:
        name, table = tables.pop(0)
        lines.append(f"[{name}]")
        for k, v in table.items():
            if isinstance(v, dict):
                tables.append((f"{name}.{k}", v))
            else:
                lines.append(f"{k} = {value(v)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class RunningService:
    """``yibao serve`` in a daemon thread of this process (its own uvicorn server, real socket)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, port: int, service: Any) -> None:
        self.server, self.thread, self.port, self.service = server, thread, port, service

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    def __enter__(self) -> RunningService:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start_service(config: Any, **kwargs: Any) -> RunningService:
    """Start the service for ``config`` on a free loopback port; returns once /healthz answers."""
    from yibao.core.service import Service, create_app
    from yibao.core.service.auth import load_tokens
    from yibao.core.service.runner import uvicorn_config

    service = Service(config, tokens=load_tokens(config.service, {TOKENS_ENV: tokens_text()}), **kwargs)
    port = free_port()
    server = uvicorn.Server(uvicorn_config(create_app(service), "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_healthy(f"http://127.0.0.1:{port}")
    return RunningService(server, thread, port, service)


def wait_healthy(url: str, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"service exited with {proc.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy")


class ServiceProcess:
    """``yibao serve`` as a real process (``yibao serve``, through the console entry point), stderr kept in a file."""

    def __init__(self, config_path: Path, port: int, secret: str, log: Path) -> None:
        env = {**os.environ, SECRET_ENV: secret, TOKENS_ENV: tokens_text(16), "YIBAO_CONFIG": str(config_path)}
        self.port = port
        self.log = log
        self._out = log.open("wb")
        argv = [sys.executable, "-c", "from yibao.core.cli import main; main()", "serve", "--port", str(port)]
        self.proc = subprocess.Popen(argv, env=env, stdout=self._out, stderr=subprocess.STDOUT)
        wait_healthy(self.url, proc=self.proc)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig: int | None = None, timeout: float = 40.0) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig if sig is not None else signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        finally:
            self._out.close()
        return rc
