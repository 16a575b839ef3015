"""Sockets for the tests: what asyncio makes of a listening socket bound by yibao (the service's and
the sandbox's ``listen``), and a loopback server for hand-written HTTP peers."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def nodelay_of_accepted(listen: Callable[[str, int], socket.socket]) -> int:
    """TCP_NODELAY of a connection accepted through asyncio on ``listen("127.0.0.1", 0)``."""
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            seen.append(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def main() -> None:
        sock = listen("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname())
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert seen, "no connection was accepted"
    return seen[0]


def reuse_options(listen: Callable[[str, int], socket.socket], monkeypatch: Any, platform: str) -> set[str]:
    """The address-reuse options ``listen`` sets when ``sys.platform`` is ``platform`` (Windows is
    played here by a recording socket: this machine has no SO_EXCLUSIVEADDRUSE to set)."""
    names = {socket.SO_REUSEADDR: "SO_REUSEADDR", -0x5: "SO_EXCLUSIVEADDRUSE"}  # winsock: ~SO_REUSEADDR
    seen: set[str] = set()

    class Recording(socket.socket):
        def setsockopt(self, level: int, option: int, value: Any, *rest: Any) -> None:
            if level == socket.SOL_SOCKET and option in names:
                seen.add(names[option])
            if option != -0x5:
                super().setsockopt(level, option, value, *rest)

    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(socket, "SO_EXCLUSIVEADDRUSE", -0x5, raising=False)
    monkeypatch.setattr(socket, "socket", Recording)
    listen("127.0.0.1", 0).close()
    return seen


@contextmanager
def loopback_server(serve: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on a free 127.0.0.1 port for hand-written HTTP peers: each accepted connection
    goes to ``serve`` in a thread of its own.  Yields ``http://127.0.0.1:PORT``."""
    listener = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # closed: the server is done
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
