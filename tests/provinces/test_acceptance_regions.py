"""`yibao acceptance` for every built-in region and kind against the sandbox: each list's happy path.

Each run goes over a real socket to a fresh sandbox (``fake_centre``) and must exit 0 with every
listed interface passed; the report must follow the contract (calls with msgid, request and
reply), show each request exactly as it went on the wire (masked), hide personal data, link
the summary rows to their sections, carry a CJK font stack and a print stylesheet, and, for
Gansu, the 附录1 form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from yibao.core.cli import app
from yibao.sandbox.rehearsal.pytest_plugin import SECRET_ENV, FakeCentre

#: (region, kind, --with groups, the institution's code and area)
RUNS = [
    ("441900", "pharmacy", "", "P44190000001", "441900"),
    ("441900", "pharmacy", "chronic", "P44190000002", "441900"),
    ("441900", "clinic", "", "H44190000003", "441900"),
    ("441900", "hospital", "maternity", "H44190000004", "441900"),
    ("440000", "pharmacy", "", "P44010000001", "440100"),
    ("440000", "clinic", "", "H44010000002", "440100"),
    ("440000", "hospital", "", "H44010000003", "440100"),
    ("620000", "pharmacy", "", "P62010000001", "620100"),
    ("620000", "clinic", "", "H62010000002", "620100"),
    ("620000", "hospital", "", "H62010000003", "620100"),
    ("530000", "pharmacy", "", "P53010000001", "530100"),
    ("530000", "clinic", "", "H53010000002", "530100"),
    ("530000", "hospital", "", "H53010000003", "530100"),
]


def _toml(fc: FakeCentre, tmp: Path, region: str, kind: str, code: str, area: str) -> Path:
    lines = [f'region = "{region}"', "[gateway]", f'url = "{fc.url}"', f'paasid = "{fc.sandbox.paasid}"',
             f'secret_env = "{SECRET_ENV}"', "[institution]", f'fixmedins_code = "{code}"',
             'fixmedins_name = "验收测试机构"', f'mdtrtarea_admvs = "{area}"', f'kind = "{kind}"', "[operator]",
             'opter = "0001"', 'opter_name = "收费员"', "[journal]", f'url = "sqlite:///{tmp / "journal.db"}"',
             "[reversal]", "delay_seconds = 0"]  # fmt: skip
    if region == "530000":  # Yunnan rehearses its library's flows over HTTP (§1.2)
        lines += ["[transport]", 'kind = "http"']
    path = tmp / "yibao.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(fc: FakeCentre, tmp: Path, region: str, kind: str, groups: str, code: str, area: str,
        screenshots: bool = False) -> tuple[int, dict[str, Any], Path]:  # fmt: skip
    """The command as a user runs it; the console's screenshots only where a test asks for them
    (tests/console/test_acceptance_screens.py: they need Chromium and take seconds)."""
    toml = _toml(fc, tmp, region, kind, code, area)
    out = tmp / "out"
    args = ["--config", str(toml), "acceptance", "--kind", kind, "--out", str(out)]
    args += [] if screenshots else ["--no-screenshots"]
    if groups:
        args += ["--with", groups]
    result = CliRunner().invoke(app, args)
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else {}
    return result.exit_code, report, out


@pytest.mark.parametrize(("region", "kind", "groups", "code", "area"), RUNS,
                         ids=[f"{r}-{k}{'-' + g if g else ''}" for r, k, g, _, _ in RUNS])  # fmt: skip
def test_every_listed_interface_passes(fake_centre: FakeCentre, tmp_path: Path, region: str, kind: str, groups: str,
                                       code: str, area: str) -> None:  # fmt: skip
    """The kind's list (and groups) against the sandbox: exit 0, every interface passed, evidence on the wire."""
    from yibao.core.plugins import load_registry

    exit_code, report, out = run(fake_centre, tmp_path, region, kind, groups, code, area)
    failed = {i["infno"]: i["error"] for i in report["interfaces"] if i["status"] != "passed"}
    assert failed == {}, report["notes"]
    assert exit_code == 0
    profile = load_registry().resolve(region)
    listed = list(dict.fromkeys([*profile.institution_kinds[kind],
                                 *(i for g in filter(None,
                                                     groups.split(",")) for i in profile.institution_groups[kind][g])]))
    assert [i["infno"] for i in report["interfaces"]] == listed
    assert report["region"] == region and report["kind"] == kind and report["passed"] is True
    assert report["summary"] == {"passed": len(listed), "failed": 0, "not_run": 0}
    for i in report["interfaces"]:
        assert set(i) >= {"infno", "name", "status", "error", "evidence_asked", "evidence", "calls"}
        assert i["calls"], i["infno"]
        for c in i["calls"]:
            assert set(c) >= {"msgid", "request", "reply"}
            assert c["msgid"].startswith(code) or i["infno"] == "9102"
    assert set(report["media"]) >= {"id_card", "ss_card", "ecode"}
    # Masked everywhere: no person's full ID number or name in what goes to the bureau.
    persons = httpx.get(f"{fake_centre.url}/_sandbox/persons").json()
    texts = [(out / n).read_text(encoding="utf-8") for n in ("report.json", "report.html", "usage-log.txt")]
    for p in persons:
        for text in texts:
            assert p["certno"] not in text and p["psn_name"] not in text
    page = texts[1]
    assert '<a href="#if-1101">1101</a>' in page and 'id="if-1101"' in page
    assert "Noto Sans CJK SC" in page and "@media print" in page
    if region == "620000":
        assert report["form"]["title"].startswith("附录1")
        assert report["form"]["media"] == {"居民身份证": True, "社保卡": True, "医保电子凭证": True}
        assert report["form"]["conclusion"].startswith("完全通过")
        assert "附录1" in page
    else:
        assert report["form"] is None


def test_unknown_group_is_a_usage_error(fake_centre: FakeCentre, tmp_path: Path) -> None:
    """`--with` a group the kind does not have: exit 2 naming the known ones, nothing sent."""
    toml = _toml(fake_centre, tmp_path, "441900", "clinic", "H44190000009", "441900")
    result = CliRunner().invoke(app, ["--config", str(toml), "acceptance", "--kind", "clinic", "--out",
                                      str(tmp_path / "o"), "--with", "maternity"])  # fmt: skip
    assert result.exit_code == 2
    assert "--with" in result.output
    assert httpx.get(f"{fake_centre.url}/_sandbox/ledger").json() == []


def test_plugins_json_lists_kinds_and_groups() -> None:
    """`yibao plugins --json`: every built-in region lists its kinds; Dongguan its conditional groups."""
    result = CliRunner().invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    for code in ("441900", "440000", "620000", "530000"):
        assert rows[code]["kinds"] == ["clinic", "hospital", "pharmacy"]
    assert rows["441900"]["groups"] == {"hospital": ["maternity"], "pharmacy": ["chronic"]}
