"""yibao.sandbox: a simulated insurance centre (x-tif gateway + centre) for demos and tests.

Public entry points (imported lazily, so that ``import yibao.sandbox.handlers`` stays light)::

    from yibao.sandbox import SandboxConfig, create_app, run_in_thread

See ``docs/sandbox.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .config import SandboxConfig
    from .server import RunningSandbox, run_in_thread

__all__ = ["RunningSandbox", "SandboxConfig", "create_app", "run_in_thread"]

_WHERE = {"create_app": "app", "SandboxConfig": "config", "RunningSandbox": "server", "run_in_thread": "server"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
