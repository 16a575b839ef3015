"""pytest plugin for region-plugin authors (entry point ``pytest11: yibao``): the contract check.

Loaded in every pytest run, so it only defines fixtures and functions: importing it has no
side effects and pulls in nothing heavy.  In a plugin package's tests::

    def test_my_region_honours_the_contract(yibao_contract):
        yibao_contract("990000")

Fixtures:

- ``yibao_registry``: the regions of the installed plugins.
- ``yibao_contract``: ``yibao_contract(code, **config)`` fails the test with every broken rule of
  :func:`region_contract` (profile complete, hooks documented, extra transactions in the
  catalogue, identify / settle / reconcile green against the simulated centre).  The centre
  comes from the ``fake_centre`` fixture of the sandbox's pytest plugin (``yibao-sandbox``);
  this module never imports the sandbox.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from .client import Client
    from .plugins import RegionProfile, RegionRegistry

__all__ = ["Centre", "region_contract", "yibao_contract", "yibao_registry"]


class Centre(Protocol):
    """What the contract check needs of a simulated centre (the sandbox's ``fake_centre``)."""

    def client(self, region: str, **kwargs: Any) -> Client: ...

    def persons(self) -> list[dict[str, Any]]: ...

    def items(self) -> list[dict[str, Any]]: ...


@pytest.fixture
def yibao_registry() -> RegionRegistry:
    """The regions of every installed plugin (entry-point group ``yibao``)."""
    from .plugins import load_registry

    return load_registry()


# ---------------------------------------------------------------------------- the contract


def _profile_problems(profile: RegionProfile, registry: RegionRegistry) -> list[str]:
    from .catalog import load_catalog

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
    from .plugins import hookspecs

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


class _HolderReader:
    """A medium reader holding one fake-centre person's ID card (the contract's settlements)."""

    def __init__(self, person: Mapping[str, Any]) -> None:
        self.person = person

    def read(self, source: str) -> Any:
        from .workflows.identify import Medium

        return Medium.id_card(str(self.person["certno"]), str(self.person.get("psn_name", "")))

    def verify_password(self, source: str) -> None:
        return None


def _flow_problems(code: str, centre: Centre, config: Mapping[str, Any]) -> list[str]:
    from .errors import YibaoError
    from .workflows.fees import FeeItem
    from .workflows.identify import Medium

    try:
        client = centre.client(code, **config)
    except YibaoError as exc:
        return [f"client: {type(exc).__name__}: {exc}"]
    out: list[str] = []
    try:
        person = next((p for p in centre.persons()), None)
        if person is None:
            return ["the fake centre has no person"]
        identity = client.identify(Medium.id_card(str(person["certno"]), str(person.get("psn_name", ""))))
        item = centre.items()[0]
        fee = FeeItem(feedetl_sn="1", med_list_codg=str(item["med_list_codg"]), medins_list_codg="HIS-1",
                      cnt=Decimal("1"), pric=Decimal("10.00"))  # fmt: skip
        # A region that reads the medium again at every settlement (Gansu §3.1.5) gets it re-read
        # from the same person: the holder's card password is taken as right.
        settled = client.pharmacy.settle(identity, [fee], med_type="41", reader=_HolderReader(person))
        if not settled.setl_id:
            out.append("settle: 2102 answered without setl_id")
        report = client.reconcile.day()
        out += [f"reconcile: group {g.totals.key} does not balance" for g in report.groups if not g.balanced]
    except YibaoError as exc:
        out.append(f"flows: {type(exc).__name__}: {exc}")
    finally:
        client.close()
    return out


def region_contract(code: str, centre: Centre | None = None, **config: Mapping[str, Any]) -> list[str]:
    """Every broken rule of region ``code``'s plugin; empty when it honours the contract.

    :param centre: run the identify / settle / reconcile flows against it (skipped when ``None``).
    :param config: extra configuration tables, e.g. ``transport={"kind": "http"}`` for a region
        whose production transport is not HTTP.
    """
    from .plugins import load_registry

    registry = load_registry()
    profile = registry.get(code)
    if profile is None:
        return [f"no installed plugin registers region {code}"]
    problems = _profile_problems(profile, registry) + _hook_problems(profile, registry)
    if centre is not None:
        problems += _flow_problems(code, centre, config)
    return problems


@pytest.fixture
def yibao_contract(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``yibao_contract(code, **config)``: fail with every broken rule of the region's plugin."""
    centre: Centre = request.getfixturevalue("fake_centre")

    def check(code: str, **config: Mapping[str, Any]) -> None:
        problems = region_contract(code, centre, **config)
        if problems:
            pytest.fail(f"region {code} breaks the plugin contract:\n- " + "\n- ".join(problems))

    return check
