"""``yibao schema INFNO [--json]`` through register() on a small typer app."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from yibao.core.catalog import load_catalog
from yibao.core.cli.schema import register


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    register(app)
    return app


def test_cli_json_matches_catalogue() -> None:
    result = CliRunner().invoke(_app(), ["schema", "2102", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    t = load_catalog().get("2102")
    assert t is not None
    assert (doc["infno"], doc["name"], doc["kind"]) == ("2102", t.name, "money")
    assert [n["node"] for n in doc["input"]] == ["druginfo", "drugdetail"]
    assert [n["multi"] for n in doc["input"]] == [False, True]
    sumamt = next(f for f in doc["input"][0]["fields"] if f["code"] == "medfee_sumamt")
    assert sumamt == {"code": "medfee_sumamt", "name": "医疗费总额", "type": "N", "length": 16, "scale": 2,
                      "dict": False, "required": True, "note": ""}
    assert doc["input"][1]["children"][0]["node"] == "durg_trac_info"
    assert [n["node"] for n in doc["output"]] == ["setlinfo", "setldetail", "detlcutinfo"]


def test_cli_plain_tables() -> None:
    result = CliRunner().invoke(_app(), ["schema", "1101"])
    assert result.exit_code == 0
    for text in ("baseinfo", "insuinfo", "idetinfo", "mdtrt_cert_type", "many rows"):
        assert text in result.stdout
    # notes with brackets are printed, not swallowed as rich markup
    result = CliRunner().invoke(_app(), ["schema", "9001"], terminal_width=400)
    assert "[override:" in result.stdout and "\\[" not in result.stdout  # no escape's backslash either
    # on 80 columns the note keeps room to be read (it was 5 columns wide: two characters a line)
    narrow = CliRunner().invoke(_app(), ["schema", "2102"], terminal_width=80).stdout
    assert max(map(len, narrow.splitlines())) <= 80 and "就诊凭证类型为" in narrow


def test_cli_unknown_infno_exits_2() -> None:
    result = CliRunner().invoke(_app(), ["schema", "0000"])
    assert result.exit_code == 2
    assert "0000" in result.stderr and result.stdout == ""


def test_cli_region_shows_its_own_transactions() -> None:
    """`--region` shows the region's own transactions (CFY*, 90xxx, 1191) with verified / source; "
      "others do not have them."""
    runner = CliRunner()
    for region, infno, verified in (("441900", "CFYYJG106", True), ("441900", "CFYLJG003", False),
                                    ("441900", "90502", False), ("530000", "1191", False)):  # fmt: skip
        result = runner.invoke(_app(), ["schema", infno, "--json", "--region", region])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert (doc["region"], doc["verified"]) == (region, verified) and doc["input"]
    assert runner.invoke(_app(), ["schema", "CFYLJG003", "--region", "530000"]).exit_code == 2
    assert runner.invoke(_app(), ["schema", "CFYLJG003"]).exit_code == 2  # not national
    assert runner.invoke(_app(), ["schema", "1101", "--region", "999999"]).exit_code == 2


def test_cli_uses_the_configured_region(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Without --region, the configuration file's region decides (YIBAO_CONFIG)."""
    cfg = tmp_path / "yibao.toml"
    cfg.write_text('region = "441900"\n[gateway]\nurl = "http://127.0.0.1:1"\npaasid = "p"\nsecret_env = "X"\n'
                   '[institution]\nfixmedins_code = "H44190000001"\nfixmedins_name = "x"\nmdtrtarea_admvs = "441900"\n'
                   '[operator]\nopter = "1"\nopter_name = "x"\n[journal]\nurl = "sqlite:///:memory:"\n',
                   encoding="utf-8")
    monkeypatch.setenv("YIBAO_CONFIG", str(cfg))
    result = CliRunner().invoke(_app(), ["schema", "90504", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["region"] == "441900"
