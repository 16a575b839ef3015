"""``yibao serve [--host H] [--port P]``: the HIS service (contract "``yibao serve``: the HIS service")."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import config_from_ctx, handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: Annotated[str | None, typer.Option(
            "--host", help="bind address (default: service.host of the file, else 127.0.0.1)")] = None,
        port: Annotated[int | None, typer.Option(
            "--port", help="TCP port (default: service.port of the file, else 8765)")] = None,
    ) -> None:
        """Serve the HTTP API for HIS systems in any language, with this configuration."""
        from ..service.runner import serve as run

        with handle_errors():
            run(config_from_ctx(ctx), host, port)
