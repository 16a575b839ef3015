"""pytest plugin for region-plugin authors (entry point ``pytest11: yibao``).

Loaded in every pytest run, so it only defines fixtures and functions: importing it has no
side effects and pulls in nothing heavy (the sandbox, the client and the workflows are
imported inside the fixtures).  In a plugin package's tests::

    def test_my_region_honours_the_contract(yibao_contract):
        yibao_contract("990000")

Fixtures:

- ``fake_centre``: the sandbox (a simulated centre) on 127.0.0.1 with a fresh state, plus
  helpers to build a configuration and a client for any region against it.
- ``yibao_registry``: the regions of the installed plugins.
- ``yibao_contract``: ``yibao_contract(code, **config)`` fails the test with every broken rule of
  :func:`region_contract` (profile complete, hooks documented, extra transactions in the
  catalogue, identify / settle / reconcile green against the fake centre).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from yibao.core.client import Client
    from yibao.core.config import Config
    from yibao.core.plugins import RegionProfile, RegionRegistry
    from yibao.sandbox.server import RunningSandbox

__all__ = ["FakeCentre", "fake_centre", "region_contract", "yibao_contract", "yibao_registry"]

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
        from yibao.core.config import parse_config

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
        return parse_config(data, source="yibao.core.testing")

    def client(self, region: str, **kwargs: Any) -> Client:
        """A client of ``region`` against this centre (close it, or let the fixture end)."""
        from yibao.core.client import Client

        return Client(self.config(region, **kwargs))

    def persons(self) -> list[dict[str, Any]]:
        import httpx

        persons: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/persons", timeout=10).json()
        return persons

    def items(self) -> list[dict[str, Any]]:
        import httpx

        items: list[dict[str, Any]] = httpx.get(f"{self.url}/_sandbox/catalog", timeout=10).json()
        return items

    def ectoken(self, certno: str) -> str:
        import httpx

        return str(httpx.post(f"{self.url}/_sandbox/ectoken", json={"certno": certno}, timeout=10).json()["ectoken"])


@pytest.fixture
def fake_centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCentre]:
    """The simulated centre on a free loopback port, fresh for each test."""
    from yibao.sandbox.config import SandboxConfig
    from yibao.sandbox.server import run_in_thread

    sandbox = run_in_thread(SandboxConfig(state_dir=tmp_path / "fake-centre"))
    try:
        yield FakeCentre(sandbox, tmp_path, monkeypatch)
    finally:
        sandbox.stop()


@pytest.fixture
def yibao_registry() -> RegionRegistry:
    """The regions of every installed plugin (entry-point group ``yibao``)."""
    from yibao.core.plugins import load_registry

    return load_registry()


# ---------------------------------------------------------------------------- the contract


def _profile_problems(profile: RegionProfile, registry: RegionRegistry) -> list[str]:
    from yibao.core.catalog import load_catalog

    out: list[str] = []
    if not profile.name:
        out.append("profile.name is empty")
    if not profile.plugin:
        out.append("profile.plugin is empty (register through an entry point)")
    if profile.parent is not None and profile.parent not in registry:
        out.append(f"parent {profile.parent} is not a registered region")
    if not profile.routing.path_for("1101").startswith("/"):
        out.append("routing.path_for('1101') must start with '/'")
    catalog = load_catalog()
    try:
        catalog = catalog.with_extra(profile.extra_transactions)
    except (KeyError, TypeError, ValueError) as exc:
        out.append(f"extra_transactions do not load: {exc}")
        return out
    for entry in profile.extra_transactions:
        if "verified" not in entry or not entry.get("source"):
            out.append(f"extra transaction {entry.get('infno')}: say whether it is verified and give its source")
    for infno, nodes in profile.fixed_fields.items():
        t = catalog.get(infno)
        if t is None and infno != "*":
            out.append(f"fixed_fields: {infno} is not in the catalogue")
            continue
        for node in nodes:
            if t is not None and node != "envelope" and t.input_node(node) is None:
                out.append(f"fixed_fields: {infno} has no input node {node!r}")
    listed = [i for infnos in profile.institution_kinds.values() for i in infnos]
    listed += [i for steps in profile.token_steps.values() for i in steps]
    out += [f"{infno} is listed but not in the catalogue" for infno in dict.fromkeys(listed) if infno not in catalog]
    return out


def _hook_problems(profile: RegionProfile, registry: RegionRegistry) -> list[str]:
    from yibao.core.plugins import hookspecs

    pm = registry.pm
    if pm is None:
        return []
    plugin = pm.get_plugin(profile.plugin)
    if plugin is None:
        return [f"plugin {profile.plugin!r} is not loaded"]
    out = []
    for name, impl in inspect.getmembers(plugin):
        if name.startswith("yibao_") and callable(impl):
            if not hasattr(hookspecs, name):
                out.append(f"{name} is not a yibao hook")
            elif not inspect.getdoc(impl):
                out.append(f"{name} has no docstring")
    return out


def _flow_problems(code: str, centre: FakeCentre, config: Mapping[str, Any]) -> list[str]:
    from yibao.core.errors import YibaoError
    from yibao.core.workflows.identify import Medium, identify
    from yibao.core.workflows.reconcile import reconcile
    from yibao.core.workflows.settle import FeeItem, settle_pharmacy

    try:
        client = centre.client(code, **config)
    except YibaoError as exc:
        return [f"client: {type(exc).__name__}: {exc}"]
    out: list[str] = []
    try:
        person = next((p for p in centre.persons()), None)
        if person is None:
            return ["the fake centre has no person"]
        identity = identify(client, Medium.id_card(str(person["certno"]), str(person.get("psn_name", ""))))
        item = centre.items()[0]
        fee = FeeItem(feedetl_sn="1", med_list_codg=str(item["med_list_codg"]), medins_list_codg="HIS-1",
                      cnt=Decimal("1"), pric=Decimal("10.00"))  # fmt: skip
        settled = settle_pharmacy(client, identity, [fee], med_type="41")
        if not settled.setl_id:
            out.append("settle: 2102 answered without setl_id")
        today = client.clock().date()
        report = reconcile(client, today, today)
        out += [f"reconcile: group {g.totals.key} does not balance" for g in report.groups if not g.balanced]
    except YibaoError as exc:
        out.append(f"flows: {type(exc).__name__}: {exc}")
    finally:
        client.close()
    return out


def region_contract(code: str, centre: FakeCentre | None = None, **config: Mapping[str, Any]) -> list[str]:
    """Every broken rule of region ``code``'s plugin; empty when it honours the contract.

    :param centre: run the identify / settle / reconcile flows against it (skipped when ``None``).
    :param config: extra configuration tables, e.g. ``transport={"kind": "http"}`` for a region
        whose production transport is not HTTP.
    """
    from yibao.core.plugins import load_registry

    registry = load_registry()
    profile = registry.get(code)
    if profile is None:
        return [f"no installed plugin registers region {code}"]
    problems = _profile_problems(profile, registry) + _hook_problems(profile, registry)
    if centre is not None:
        problems += _flow_problems(code, centre, config)
    return problems


@pytest.fixture
def yibao_contract(fake_centre: FakeCentre) -> Callable[..., None]:
    """``yibao_contract(code, **config)``: fail with every broken rule of the region's plugin."""

    def check(code: str, **config: Mapping[str, Any]) -> None:
        problems = region_contract(code, fake_centre, **config)
        if problems:
            pytest.fail(f"region {code} breaks the plugin contract:\n- " + "\n- ".join(problems))

    return check
