"""Every hook is documented and tested (datasette's test_docs / test_plugins pattern).

- ``docs/write-a-province-plugin.md`` shows each hook's exact signature, as
  ``yibao_<name>(param, ...)`` with the parameter names of the hookspec;
- each hookspec has a docstring;
- some test module under ``tests/`` defines ``test_hook_<name>``.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from yibao.core.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "write-a-province-plugin.md"
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("yibao_"))


def test_there_are_hooks() -> None:
    """The hookspec module defines exactly the hooks of the design: behaviour that cannot be data.
    Person classification and 清算类别 are profile data (one mechanism each), so they are no hooks."""
    assert HOOKS == sorted([
        "yibao_register_regions", "yibao_gateway_auth", "yibao_transport", "yibao_before_send",
        "yibao_read_medium", "yibao_medium_input", "yibao_after_settle", "yibao_after_reversal",
        "yibao_online_order", "yibao_acceptance_notes", "yibao_acceptance_flows", "yibao_acceptance_form",
        "yibao_envelope_scheme", "yibao_his_request",
    ])


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented(name: str) -> None:
    """The plugin guide shows the hook with its exact parameter names, and the spec has a docstring."""
    fn = getattr(hookspecs, name)
    assert inspect.getdoc(fn), f"{name} has no docstring in hookspecs.py"
    params = ", ".join(inspect.signature(fn).parameters)
    text = DOC.read_text(encoding="utf-8")
    assert f"{name}({params})" in text, f"docs/write-a-province-plugin.md must show `{name}({params})`"


@pytest.mark.parametrize("name", HOOKS)
def test_hook_has_a_test(name: str) -> None:
    """Some test under tests/ is named test_hook_<name>."""
    pattern = re.compile(rf"^\s*def test_hook_{name}\b", re.MULTILINE)
    found = [p for p in (ROOT / "tests").rglob("test_*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert found, f"no test named test_hook_{name}"
