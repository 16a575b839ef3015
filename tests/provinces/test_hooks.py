"""One test per hook of yibao.core.plugins.hookspecs, each through the engine where it is called.

tests/test_hooks_meta.py checks that every hook has a ``test_hook_<name>`` here (or elsewhere).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pluggy
import pytest

from yibao.core import FeeItem, Medium, Settlement
from yibao.core.client import Client
from yibao.core.errors import PluginError
from yibao.core.gateway import TifSignatureAuth
from yibao.core.plugins import RegionHooks, RegionProfile, RegionRegistry, get_plugin_manager, hookimpl, load_registry
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre

from .served import ServedClient

TEST_REGION = RegionProfile(code="990001", name="测试地区", plugin="test-region")


class Spy:
    """A throwaway plugin: registers 990001 and records the hooks it is given."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.seen: list[tuple[str, Any]] = []

    @hookimpl
    def yibao_register_regions(self, register: RegionRegistry) -> None:
        register.add(self.answers.get("profile", TEST_REGION))


def _registry(*plugins: object) -> RegionRegistry:
    pm = get_plugin_manager()
    for n, plugin in enumerate(plugins):
        pm.register(plugin, name=f"test-plugin-{n}")
    return load_registry(pm)


def _client(centre: FakeCentre, registry: RegionRegistry, region: str = "990001", **kw: Any) -> Client:
    return Client(centre.config(region, **kw), registry=registry)


def _identity(centre: FakeCentre, client: Client) -> Any:
    person = centre.persons()[0]
    return client.identify(Medium.id_card(person["certno"], person["psn_name"]))


def _fee(centre: FakeCentre) -> FeeItem:
    item = centre.items()[0]
    return FeeItem(feedetl_sn="1", med_list_codg=item["med_list_codg"], medins_list_codg="HIS-1",
                   cnt=Decimal("1"), pric=Decimal("10.00"))  # fmt: skip


def test_hook_yibao_register_regions() -> None:
    """A plugin's regions are registered; a second plugin with the same code stops start-up."""
    registry = _registry(Spy())
    assert registry.get("990001") is not None and registry.get("990001").plugin == "test-region"  # type: ignore[union-attr]
    with pytest.raises(PluginError, match="registered twice"):
        _registry(Spy(), Spy())


def test_hook_yibao_gateway_auth(fake_centre: FakeCentre) -> None:
    """The Auth a plugin supplies signs every request (here: x-tif plus a marker it counts)."""

    class CountingAuth(TifSignatureAuth):
        calls = 0

        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            CountingAuth.calls += 1
            yield from super().auth_flow(request)

    class Plugin(Spy):
        @hookimpl
        def yibao_gateway_auth(self, profile: RegionProfile, paasid: str, secret: str) -> httpx.Auth | None:
            return CountingAuth(paasid, secret) if profile.code == "990001" else None

    client = _client(fake_centre, _registry(Plugin()))
    _identity(fake_centre, client)
    assert CountingAuth.calls >= 1
    client.close()


def test_hook_yibao_transport(fake_centre: FakeCentre) -> None:
    """A region with a non-HTTP transport gets the plugin's transport, and the client uses it."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"infcode": 0, "inf_refmsgid": "990001x", "err_msg": "",
                                         "output": {"echo": "via plugin transport"}})  # fmt: skip

    class Plugin(Spy):
        @hookimpl
        def yibao_transport(self, profile: RegionProfile, options: Mapping[str, Any]) -> httpx.BaseTransport | None:
            return httpx.MockTransport(answer) if profile.transport == "mock" else None

    profile = attrs.evolve(TEST_REGION, transport="mock")
    client = _client(fake_centre, _registry(Plugin(profile=profile)))
    assert client.call("1201", {"medinsinfo": {"fixmedins_type": "1", "fixmedins_name": "x"}}) == {
        "echo": "via plugin transport"
    }
    assert seen and seen[0].endswith("/callService")
    client.close()


def test_hook_yibao_before_send(fake_centre: FakeCentre) -> None:
    """Observers see each envelope just before it leaves, with its msgid."""

    class Plugin(Spy):
        @hookimpl
        def yibao_before_send(self, profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
            self.seen.append((infno, envelope.get("msgid")))

    plugin = Plugin()
    client = _client(fake_centre, _registry(plugin))
    _identity(fake_centre, client)
    assert [i for i, _ in plugin.seen] == ["1101"] and plugin.seen[0][1]
    client.close()


def test_hook_yibao_read_medium(fake_centre: FakeCentre) -> None:
    """Yunnan's 1191 runs before 1101: an e-voucher read through it yields the person."""
    registry = _registry()
    client = _client(fake_centre, registry, region="530000", transport={"kind": "http"})
    identity = client.identify(Medium("01", ""))
    assert identity.psn_no and identity.medium.mdtrt_cert_type == "01"
    assert identity.medium.mdtrt_cert_no.startswith("ECT")
    client.close()


def test_profile_prefixes_classify_the_person(fake_centre: FakeCentre) -> None:
    """Who is local is the profile's data (``local_prefixes``), not a hook: one mechanism."""
    person = fake_centre.persons()[0]
    profile = attrs.evolve(TEST_REGION, local_prefixes=(str(person["insuplc_admdvs"])[:2],))
    client = _client(fake_centre, _registry(Spy(profile=profile)))
    assert _identity(fake_centre, client).locality == "local"
    client.close()
    client = _client(fake_centre, _registry(Spy(profile=attrs.evolve(TEST_REGION, local_prefixes=("00",)))))
    assert _identity(fake_centre, client).locality != "local"
    client.close()


def test_hook_yibao_after_settle(fake_centre: FakeCentre) -> None:
    """After a settlement the region's plugins see it, and their warnings come with the result."""

    class Plugin(Spy):
        @hookimpl
        def yibao_after_settle(self, profile: RegionProfile, infno: str, settlement: Settlement) -> str:
            self.seen.append((infno, settlement.setl_id))
            return f"cashier: settled {settlement.medfee_sumamt}"

    plugin = Plugin()
    client = _client(fake_centre, _registry(plugin))
    settled = client.pharmacy.settle(_identity(fake_centre, client), [_fee(fake_centre)], med_type="41")
    assert plugin.seen == [("2102", settled.setl_id)]
    assert settled.warnings == (f"cashier: settled {settled.medfee_sumamt}",)
    client.close()


def test_hook_yibao_after_reversal() -> None:
    """Yunnan answers a reversed 2304 with 2405 and a re-upload from the visit's journal history
    (bound by the client as ``hooks.history``); other infnos get None."""
    registry = _registry()
    yunnan = registry.resolve("530000")
    calls: list[str] = []

    def call(infno: str, data: Mapping[str, Any]) -> Any:
        calls.append(infno)
        return {}

    entry = {"infno": "2304", "psn_no": "P", "mdtrt_id": "M", "input_full": {"data": {}}}
    hooks = RegionHooks.for_region(registry, yunnan)
    asked: list[str] = []
    hooks.history = lambda mdtrt_id: asked.append(mdtrt_id) or [  # type: ignore[func-returns-value]
        {"infno": "2301", "input_full": {"feedetail": [{"feedetl_sn": "1", "mdtrt_id": "M", "med_list_codg": "A",
                                                        "cnt": "1"}]}}]  # fmt: skip
    assert hooks.after_reversal(entry, call) == ["2405", "2301"]
    assert calls == ["2405", "2301"] and asked == ["M"]
    assert hooks.after_reversal({**entry, "infno": "2102"}, call) == []
    # Another region's hooks do not reach Yunnan's plugin at all.
    assert RegionHooks.for_region(registry, registry.resolve("440000")).after_reversal(entry, call) == []


def test_profile_clr_types_group_reconciliation(fake_centre: FakeCentre) -> None:
    """Where the centre's reply carried no clr_type, the profile's ``clr_types`` decide (data,
    one mechanism), else the national default."""
    from types import SimpleNamespace

    from yibao.core.workflows.context import Context
    from yibao.core.workflows.reconcile import Period

    profile = attrs.evolve(TEST_REGION, clr_types={"pharmacy": {"other": "99"}})
    client = _client(fake_centre, _registry(Spy(profile=profile)))
    day = client.engine.now().date()
    entry = SimpleNamespace(infno="2102", insuplc_admdvs="110000")
    assert Period(Context(client.engine, client.config), day, day).clr_type_of(entry) == "99"
    bare = _client(fake_centre, _registry(Spy()))
    assert Period(Context(bare.engine, bare.config), day, day).clr_type_of(entry) == "41"
    client.close()
    bare.close()


def test_hook_yibao_online_order() -> None:
    """Gansu's receiver hands a signed 6201 to the HIS hook and answers with its output."""
    import hashlib

    from yibao.provinces.gansu.receiver import create_receiver

    class HIS:
        @hookimpl
        def yibao_online_order(self, profile: RegionProfile, infno: str, order: Mapping[str, Any]) -> Mapping[str, Any]:
            return {"confirmed": order["ord_no"], "region": profile.code}

    # A HIS's handler registers no region of its own: a region-neutral plugin serves every region.
    pm: pluggy.PluginManager = get_plugin_manager(load_entrypoints=False)
    pm.register(HIS(), name="his")
    app = create_receiver(paasid="p", secret="s", fixmedins_code="H62010000001", registry=load_registry(pm),
                          clock=lambda: 1_800_000_000)
    ts, nonce = "1800000000", "n1"
    sig = hashlib.sha256(f"{ts}s{nonce}{ts}".encode()).hexdigest()
    headers = {"x-tif-paasid": "p", "x-tif-timestamp": ts, "x-tif-nonce": nonce, "x-tif-signature": sig}
    r = ServedClient(app).post("/", json={"infno": "6201", "msgid": "m", "input": {"ord_no": "O1"}}, headers=headers)
    assert r.json()["infcode"] == 0 and r.json()["output"] == {"confirmed": "O1", "region": "620000"}


def test_hook_yibao_acceptance_notes() -> None:
    """Dongguan gives its evidence notes per kind; other regions give none."""
    registry = _registry()
    notes = RegionHooks.for_region(registry, registry.resolve("441900")).acceptance_notes("pharmacy")
    assert "录屏" in notes["2102"] and "使用日志" in notes["3101"]
    assert "2207" not in notes  # only the kind's own interfaces
    assert RegionHooks.for_region(registry, registry.resolve("620000")).acceptance_notes("pharmacy") == {}


def test_hook_yibao_medium_input() -> None:
    """Gansu builds 1101's data by §3.2 (a cross-province card: psn_cert_type "1"); "
                                                                                "Guangdong leaves the national shape."""
    from yibao.core import Medium

    registry = _registry()
    gansu = RegionHooks.for_region(registry, registry.resolve("620000"))
    card = Medium("03", "C123", card_sn="440100D156X", psn_cert_type="01", certno="440106199001011234")
    assert gansu.medium_input(card) == {"mdtrt_cert_type": "03", "mdtrt_cert_no": "C123", "card_sn": "440100D156X",
                                        "psn_cert_type": "1", "certno": "440106199001011234"}  # fmt: skip
    local = Medium("03", "C9", card_sn="620100D156X", certno="620102199001011234")
    assert gansu.medium_input(local) == {"mdtrt_cert_type": "02", "mdtrt_cert_no": "620102199001011234",
                                         "psn_cert_type": "01"}  # fmt: skip
    assert RegionHooks.for_region(registry, registry.resolve("440000")).medium_input(card) is None


def test_hook_yibao_acceptance_flows() -> None:
    """Dongguan hospitals get the city's, e-prescription and self-pay flows; Gansu its 门慢/门特; Guangdong none."""
    registry = _registry()
    dg = RegionHooks.for_region(registry, registry.resolve("441900")).acceptance_flows("hospital", [])
    assert [f.__name__ for f in dg] == ["city_flows", "hospital_rx", "selfpay_flows"]
    pharmacy = RegionHooks.for_region(registry, registry.resolve("441900")).acceptance_flows("pharmacy", [])
    assert [f.__name__ for f in pharmacy] == ["pharmacy_rx", "city_flows"]
    assert [f.__name__ for f in RegionHooks.for_region(registry, registry.resolve("620000")).acceptance_flows(
        "clinic", [])] == ["chronic_flows"]
    assert RegionHooks.for_region(registry, registry.resolve("440000")).acceptance_flows("clinic", []) == []


def test_hook_yibao_acceptance_form() -> None:
    """Gansu fills 附录1 from a report; the other regions have no form."""
    registry = _registry()
    report = {"interfaces": [{"infno": "2102", "status": "passed"}], "media": [], "steps": [], "passed": False}
    form = RegionHooks.for_region(registry, registry.resolve("620000")).acceptance_form("pharmacy", report)
    assert form is not None and form["title"].startswith("附录1") and form["conclusion"] == "不通过"
    assert RegionHooks.for_region(registry, registry.resolve("441900")).acceptance_form("pharmacy", report) is None
