"""The built-in regions honour the plugin contract of yibao.core.testing (against the fake centre)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from yibao.core.testing import region_contract
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre


@pytest.mark.parametrize("code", ["620000", "440000", "441900", "350000", "350200"])
def test_builtin_region_contract(code: str, yibao_contract: Callable[..., None]) -> None:
    """Profile complete, hooks documented, extras in the catalogue, flows green against the sandbox."""
    yibao_contract(code)


def test_yunnan_contract_over_http(yibao_contract: Callable[..., None]) -> None:
    """Yunnan rehearses over HTTP (transport kind http): 1191 runs before 1101 in its identify flow."""
    yibao_contract("530000", transport={"kind": "http"})


def test_contract_reports_broken_rules(fake_centre: FakeCentre) -> None:
    """An unknown region, or a flow that cannot run, is reported rather than passed."""
    assert region_contract("990099") == ["no installed plugin registers region 990099"]
    # Yunnan without a transport section needs its library: the flows must fail, and say why.
    problems = region_contract("530000", fake_centre)
    assert any("transport.library" in p for p in problems)
