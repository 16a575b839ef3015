"""What asyncio makes of a listening socket bound by yibao (the service's and the sandbox's ``listen``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable


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
