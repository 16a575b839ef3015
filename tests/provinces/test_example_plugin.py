"""The example third-party plugin installs, registers through its entry point only, and shows up."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from yibao.core.testing import region_contract
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "yibao-example-region"


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """``pip install --no-deps --target`` of a copy of the example (the source tree stays clean).

    Offline: no index and no build isolation, so the environment's setuptools must be able to
    build a wheel (setuptools >= 70.1, or the ``wheel`` package).
    """
    import importlib.util

    import setuptools  # type: ignore[import-untyped,unused-ignore]

    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    if (major, minor) < (70, 1) and importlib.util.find_spec("wheel") is None:
        pytest.skip("building the example offline needs setuptools >= 70.1 or the `wheel` package")
    src = tmp_path / "src"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("tests", "*.egg-info", "build"))
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"pip install of the example failed:\n{done.stderr[-2000:]}")
    return site


def _env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_entry_point_is_the_only_registration(installed: Path) -> None:
    """The installed distribution declares the entry point group yibao -> example-region."""
    code = (
        "import json; from importlib.metadata import entry_points; "
        "print(json.dumps([[e.name, e.value] for e in entry_points(group='yibao')]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(installed), capture_output=True, text=True, check=True)
    assert ["example-region", "yibao_example_region.plugin"] in json.loads(out.stdout)
    bare = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "example-region" not in bare.stdout, "without the install the example must not be visible"


def test_yibao_plugins_lists_the_example(installed: Path) -> None:
    """`yibao plugins --json` shows 990000 from plugin example-region."""
    yibao = Path(sys.executable).with_name("yibao")
    if not yibao.exists():
        pytest.skip("the yibao console script is not installed in this environment")
    out = subprocess.run([str(yibao), "plugins", "--json"], env=_env(installed), capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    regions = {r["code"]: r for r in json.loads(out.stdout)}
    assert regions["990000"]["plugin"] == "example-region"
    assert regions["990000"]["parent"] is None


def test_example_honours_the_contract(
    installed: Path, fake_centre: FakeCentre, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the example on the path, the contract (incl. the flows) holds for 990000."""
    monkeypatch.syspath_prepend(str(installed))
    assert region_contract("990000", fake_centre) == []
