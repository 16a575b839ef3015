"""pytest plugin of the sandbox (entry point ``pytest11: yibao-sandbox``): ``fake_centre``.

Loaded in every pytest run, so importing it has no side effects and pulls in nothing heavy
(the sandbox and the client are imported inside the fixture).  In a plugin package's tests::

    def test_settles(fake_centre):
        with fake_centre.client("990000") as client:
            ...

``fake_centre`` is the simulated centre on 127.0.0.1 with a fresh state, plus helpers to
build a configuration and a client of any region against it.  yibao's own contract check
for plugin authors (``yibao_contract``, from ``yibao.core.testing``) uses it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from yibao.core import Client, Config

    from ..server import RunningSandbox

__all__ = ["SECRET_ENV", "FakeCentre", "fake_centre"]

SECRET_ENV = "YIBAO_FAKE_CENTRE_SECRET"


class FakeCentre:
    """A running sandbox and the helpers a plugin test needs around it."""

    def __init__(self, sandbox: RunningSandbox, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sandbox = sandbox
        self.workdir = workdir
        monkeypatch.setenv(SECRET_ENV, sandbox.secret)

    @property
    def url(self) -> str:
        return self.sandbox.url

    def config(self, region: str, *, fixmedins_code: str = "H99000000001", kind: str = "pharmacy",
               mdtrtarea_admvs: str | None = None, **tables: Mapping[str, Any]) -> Config:  # fmt: skip
        """A configuration of ``region`` pointed at this centre (journal in the work directory)."""
        from yibao.core import parse_config

        data: dict[str, Any] = {
            "region": region,
            "gateway": {"url": self.url, "paasid": self.sandbox.paasid, "secret_env": SECRET_ENV},
            "institution": {"fixmedins_code": fixmedins_code, "fixmedins_name": "插件测试机构",
                            "mdtrtarea_admvs": mdtrtarea_admvs or region, "kind": kind},
            "operator": {"opter": "0001", "opter_name": "测试员"},
            "journal": {"url": f"sqlite:///{self.workdir / f'journal-{region}.db'}"},
            "reversal": {"delay_seconds": 0},
        }  # fmt: skip
        for name, table in tables.items():
            data[name] = {**data.get(name, {}), **table}
        return parse_config(data, source="fake_centre")

    def client(self, region: str, **kwargs: Any) -> Client:
        """A client of ``region`` against this centre (close it, or use it as a context manager)."""
        from yibao.core import Client

        return Client(self.config(region, **kwargs))

    def _get(self, path: str) -> Any:
        import httpx

        from yibao.core import wire_loads

        return wire_loads(httpx.get(f"{self.url}{path}", timeout=10).content)

    def persons(self) -> list[dict[str, Any]]:
        """The seeded persons (``GET /_sandbox/persons``)."""
        return list(self._get("/_sandbox/persons"))

    def items(self) -> list[dict[str, Any]]:
        """The priced catalogue (``GET /_sandbox/catalog``)."""
        return list(self._get("/_sandbox/catalog"))

    def ectoken(self, certno: str) -> str:
        """A single-use e-voucher token for ``certno``."""
        import httpx

        return str(httpx.post(f"{self.url}/_sandbox/ectoken", json={"certno": certno}, timeout=10).json()["ectoken"])


@pytest.fixture
def fake_centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCentre]:
    """The simulated centre on a free loopback port, fresh for each test."""
    from ..config import SandboxConfig
    from ..server import run_in_thread

    sandbox = run_in_thread(SandboxConfig(state_dir=tmp_path / "fake-centre"))
    try:
        yield FakeCentre(sandbox, tmp_path, monkeypatch)
    finally:
        sandbox.stop()
