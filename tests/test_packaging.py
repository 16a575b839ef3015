"""Packaging: every sub-package is installed under the one ``yibao`` namespace; the CLI is whole."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAP = {"core": "yibao.core", "provinces": "yibao.provinces", "sandbox": "yibao.sandbox"}


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """A folder with __init__.py that pyproject does not list would vanish from a wheel."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = set()
    for folder, name in MAP.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "fixtures" in rel.parts or "__pycache__" in rel.parts:
                continue
            found.add(".".join([name, *rel.parts]))
    assert found - listed == set()
    assert listed - found == set()


def test_every_command_module_imports() -> None:
    """The CLI registers each command group; none may be silently missing."""
    from yibao.core import cli

    for name in cli._COMMAND_MODULES:
        importlib.import_module(f"yibao.core.cli.{name}")
    names = {c.name for c in cli.app.registered_commands} | {g.name for g in cli.app.registered_groups}
    for command in ("plugins", "init", "schema", "call", "demo", "journal", "sandbox", "reconcile", "clear",
                    "catalog", "acceptance"):
        assert command in names, command
