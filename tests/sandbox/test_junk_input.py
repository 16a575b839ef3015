"""No interface of a built-in region's lists accepts junk (issue 12; contract "The sandbox, further").

For every interface of every built-in region's institution kinds and conditional groups, junk
input (a shape with only ``psn_no``: bare, and inside each of the interface's input nodes) is
sent over a real socket, signed in, to the sandbox of that region.  Each must come back
``infcode`` -1 with an ``err_msg`` naming a field of the interface's table (or its node).  The
tables are the centre's own (``yibao.sandbox.regions.catalog_for``); a listed interface without
one fails the test too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Centre

from yibao.core.catalog.schema import Node
from yibao.provinces.gansu.profile import GANSU
from yibao.provinces.guangdong.dongguan import DONGGUAN
from yibao.provinces.guangdong.profile import GUANGDONG
from yibao.provinces.yunnan.profile import YUNNAN
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.regions import catalog_for
from yibao.sandbox.server import RunningSandbox, run_in_thread

JUNK = "JUNK00000000000000"
PROFILES = (DONGGUAN, GUANGDONG, GANSU, YUNNAN)


def listed() -> list[tuple[str, str]]:
    """(region, infno) of every kind's list and every conditional group, each once."""
    out: list[tuple[str, str]] = []
    for p in PROFILES:
        infnos = [i for kind in p.institution_kinds.values() for i in kind]
        infnos += [i for groups in p.institution_groups.values() for g in groups.values() for i in g]
        for infno in dict.fromkeys(infnos):
            out.append((p.code, infno))
    return out


def test_every_region_has_lists() -> None:
    """Each built-in region lists institution kinds (yibao plugins --json shows them as ``kinds``)."""
    assert {p.code: sorted(p.institution_kinds) for p in PROFILES} == {
        code: ["clinic", "hospital", "pharmacy"] for code in ("441900", "440000", "620000", "530000")}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with run_in_thread(SandboxConfig(paasid="test-paasid", secret="test-secret-0123456789",
                                     state_dir=tmp_path_factory.mktemp("junk"))) as sb:  # fmt: skip
        yield sb


@pytest.fixture(scope="module")
def centres(live: RunningSandbox) -> dict[str, Centre]:
    out = {}
    for p in PROFILES:
        c = Centre(url=live.url, region=p.code, code=f"H{p.code}00001")
        c.sign_in()  # a refusal must come from the input, not from a missing sign-in (Yunnan §1.7)
        out[p.code] = c
    return out


def _names(nodes: list[Node]) -> set[str]:
    found: set[str] = set()
    for n in nodes:
        if n.name:
            found.add(n.name)
        found |= {f.code for f in n.fields}
        found |= _names(list(n.children))
    return found


def _shapes(nodes: list[Node]) -> list[dict[str, Any]]:
    shapes: list[dict[str, Any]] = [{"psn_no": JUNK}]
    named = [n for n in nodes if n.name]
    if named:
        shapes.append({n.name: ([{"psn_no": JUNK}] if n.multi else {"psn_no": JUNK}) for n in named})
    return shapes


@pytest.mark.parametrize(("region", "infno"), listed(), ids=[f"{r}-{i}" for r, i in listed()])
def test_junk_is_refused_naming_a_field(centres: dict[str, Centre], region: str, infno: str) -> None:
    """Junk to a listed interface: infcode -1, and the err_msg names a field (or node) of its table."""
    t = catalog_for(region).get(infno)
    assert t is not None, f"{infno} of {region}'s lists has no field table at the centre"
    assert any(n.fields or n.children for n in t.input), f"{infno}: the centre's table has no field to check"
    names = _names(list(t.input))
    for shape in _shapes(list(t.input)):
        reply = centres[region].call(infno, shape)
        assert reply["infcode"] == -1, f"{region} {infno} accepted junk {shape}: {reply.get('output')}"
        err = str(reply["err_msg"])
        named = [n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", err)]
        assert named, f"{region} {infno}: the refusal names no field of its table: {err}"


def test_the_lists_are_what_the_figures_say() -> None:
    """The figures of the issue's closing note: interfaces per region (kinds and groups together)."""
    per_region = {code: sum(1 for r, _ in listed() if r == code) for code in ("441900", "440000", "620000", "530000")}
    assert per_region["441900"] == len({i for k in DONGGUAN.institution_kinds.values() for i in k}
                                       | {i for g in DONGGUAN.institution_groups.values() for x in g.values()
                                          for i in x})  # fmt: skip
    assert all(n > 0 for n in per_region.values())
