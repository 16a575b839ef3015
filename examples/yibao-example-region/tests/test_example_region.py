"""The example plugin honours yibao's plugin contract (fixture from the yibao pytest plugin)."""

from __future__ import annotations

from collections.abc import Callable


def test_example_region_contract(yibao_contract: Callable[..., None]) -> None:
    """Profile, hooks, extra transaction and the flows against the fake centre."""
    yibao_contract("990000")
