"""Configuration: the contract's keys, errors that name the key, the secret from the environment."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from yibao.core.config import find_config_path, load_config, parse_config
from yibao.core.errors import ConfigurationError

GOOD = {
    "region": "441900",
    "gateway": {"url": "http://127.0.0.1:8080/", "paasid": "p", "secret_env": "YB_T_SECRET",
                "resolve": {"igb.hsa.gdgov.cn": "127.0.0.1"}},
    "institution": {"fixmedins_code": "P44190000001", "fixmedins_name": "测试药房", "mdtrtarea_admvs": "441900",
                    "kind": "pharmacy"},
    "operator": {"opter": "0001", "opter_name": "收费员", "opter_type": "1"},
    "journal": {"url": "sqlite:///j.db"},
    "reversal": {"delay_seconds": 0},
}


def _with(path: str, value: object) -> dict[str, object]:
    import copy

    data = copy.deepcopy(GOOD)
    node: dict[str, object] = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]  # type: ignore[assignment]
    if value is None:
        node.pop(keys[-1])
    else:
        node[keys[-1]] = value
    return data


def test_good_configuration_loads() -> None:
    cfg = parse_config(GOOD)
    assert cfg.region == "441900"
    assert cfg.gateway.url == "http://127.0.0.1:8080"
    assert cfg.gateway.resolve == {"igb.hsa.gdgov.cn": "127.0.0.1"}
    assert cfg.reversal.delay_seconds == 0
    assert cfg.institution.kind == "pharmacy"


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("region", "4419", "region"),
        ("region", None, "region"),
        ("gateway.url", "ftp://x", "gateway.url"),
        ("gateway.paasid", None, "gateway.paasid"),
        ("institution.fixmedins_code", "SHORT", "institution.fixmedins_code"),
        ("institution.mdtrtarea_admvs", "44190", "institution.mdtrtarea_admvs"),
        ("institution.kind", "shop", "institution.kind"),
        ("operator.opter_type", "9", "operator.opter_type"),
        ("journal.url", "mysql://x", "journal.url"),
        ("reversal.delay_seconds", -1, "reversal.delay_seconds"),
        ("gateway.ca_bundle", "/nonexistent/ca.pem", "gateway.ca_bundle"),
        ("gateway.resolve", "127.0.0.1", "gateway.resolve"),
    ],
)
def test_errors_name_the_key(path: str, value: object, key: str) -> None:
    """Every configuration error names the key and what is wrong with it."""
    with pytest.raises(ConfigurationError) as info:
        parse_config(_with(path, value))
    assert info.value.key == key
    assert info.value.exit_code == 2


def test_secret_only_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The file names the variable; a missing variable is a configuration error naming secret_env."""
    cfg = parse_config(GOOD)
    monkeypatch.delenv("YB_T_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="YB_T_SECRET"):
        cfg.gateway.secret()
    monkeypatch.setenv("YB_T_SECRET", "s3cr3t")
    assert cfg.gateway.secret() == "s3cr3t"
    assert "s3cr3t" not in str(cfg.masked())


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--config, else YIBAO_CONFIG, else ./yibao.toml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YIBAO_CONFIG", raising=False)
    assert find_config_path(None) == Path("yibao.toml")
    monkeypatch.setenv("YIBAO_CONFIG", "env.toml")
    assert find_config_path(None) == Path("env.toml")
    assert find_config_path("cli.toml") == Path("cli.toml")
    with pytest.raises(ConfigurationError, match="no configuration file"):
        load_config(None)
    (tmp_path / "env.toml").write_text("region = [", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_config(None)


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        ('[reversal]\ndelay_second = 0\n', "reversal.delay_second"),
        ('[reversl]\ndelay_seconds = 0\n', "reversl"),
        ('[operator]\nopter = "0001"\nopter_name = "x"\ntermnal = "T02"\n', "operator.termnal"),
        ('[gateway.timeout]\nred = 3\n', "gateway.timeout.red"),
        ('[reversal]\ndelay_seconds = "15"\n', "reversal.delay_seconds"),
        ('[operator]\nopter = 1\nopter_name = "x"\n', "operator.opter"),
    ],
)
def test_a_misspelt_or_mistyped_key_exits_2_naming_it(tmp_path: Path, edit: str, key: str) -> None:
    """The CLI refuses the file before doing anything, naming the key (exit 2); nothing is ignored."""
    import subprocess
    import sys

    base = {
        "region": '"441900"',
        "[gateway]": 'url = "http://127.0.0.1:9"\npaasid = "p"',
        "[institution]": 'fixmedins_code = "H44190000001"\nfixmedins_name = "x"\nmdtrtarea_admvs = "441900"',
        "[operator]": 'opter = "0001"\nopter_name = "x"',
    }
    table = edit.split("\n", 1)[0]
    text = f"region = {base['region']}\n"
    for name, body in list(base.items())[1:]:
        if name != table:
            text += f"{name}\n{body}\n"
    text += edit
    cfg = tmp_path / "yibao.toml"
    cfg.write_text(text, encoding="utf-8")
    yibao = str(Path(sys.executable).with_name("yibao"))
    proc = subprocess.run([yibao, "--config", str(cfg), "call", "1101", "--input", "{}"], capture_output=True,
                          text=True, timeout=60, check=False, env={**__import__("os").environ, "YIBAO_SECRET": "s"})
    assert proc.returncode == 2, proc.stderr
    assert f"configuration key '{key}'" in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_an_unknown_region_names_the_known_ones() -> None:
    """A region no installed plugin serves is refused when a client opens, naming the known codes."""
    from yibao.core import load_registry

    with pytest.raises(ConfigurationError) as info:
        load_registry().resolve("990099")
    assert info.value.key == "region"
    assert "441900" in info.value.problem and "620000" in info.value.problem
    assert load_registry().resolve("440300").code == "440000"  # a city without its own plugin: its province


_TOML = """# 东莞 药店
region = "441900"
[gateway]
url = "http://127.0.0.1:8080/"
paasid = "p"
secret_env = "YB_T_SECRET"
[institution]
fixmedins_code = "P44190000001"
fixmedins_name = "测试药房"
mdtrtarea_admvs = "441900"
kind = "pharmacy"
[operator]
opter = "0001"
opter_name = "收费员"
[journal]
url = "sqlite:///j.db"
"""


@pytest.mark.parametrize(("saved_as", "raw"), [
    ("UTF-8", _TOML.encode("utf-8")),
    ("UTF-8 with a byte-order mark (Notepad)", _TOML.encode("utf-8-sig")),
    ("UTF-16 LE with a byte-order mark (PowerShell 5's >)", _TOML.encode("utf-16")),
    ("UTF-16 BE with a byte-order mark", codecs.BOM_UTF16_BE + _TOML.encode("utf-16-be")),
])
def test_the_file_as_windows_editors_save_it(tmp_path: Path, saved_as: str, raw: bytes) -> None:
    (tmp_path / "yibao.toml").write_bytes(raw)
    cfg = load_config(tmp_path / "yibao.toml")
    assert cfg.institution.fixmedins_name == "测试药房", saved_as
    assert cfg.operator.opter_name == "收费员"


def test_a_file_in_the_ansi_code_page_is_refused_with_the_way_out(tmp_path: Path) -> None:
    """cmd.exe's ``yibao init > yibao.toml`` on a Chinese Windows writes GBK: named, with the fix."""
    (tmp_path / "yibao.toml").write_bytes(_TOML.encode("gbk"))
    with pytest.raises(ConfigurationError) as err:
        load_config(tmp_path / "yibao.toml")
    text = str(err.value)
    assert "yibao.toml" in text and "is not UTF-8 text" in text and "0x" in text
    assert "yibao init --region CODE --out FILE" in text
    (tmp_path / "broken.toml").write_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone surrogate after the mark
    with pytest.raises(ConfigurationError, match="UTF-16 byte-order mark"):
        load_config(tmp_path / "broken.toml")


def test_a_relative_journal_is_beside_the_configuration_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wherever a command starts (a Windows service starts in System32), a relative SQLite journal
    is the one beside ``yibao.toml``: the journal decides what is reversed."""
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (site / "yibao.toml").write_text(_TOML.replace('url = "sqlite:///j.db"', 'url = "sqlite:///data/j.db"'),
                                     encoding="utf-8")
    assert load_config(site / "yibao.toml").journal.url == f"sqlite:///{site / 'data' / 'j.db'}"
    (site / "default.toml").write_text(_TOML.replace('[journal]\nurl = "sqlite:///j.db"\n', ""), encoding="utf-8")
    assert load_config(site / "default.toml").journal.url == f"sqlite:///{site / 'yibao-journal.db'}"
    for kept in (f"sqlite:///{tmp_path / 'abs.db'}", "postgresql://postgres@127.0.0.1/test"):
        (site / "kept.toml").write_text(_TOML.replace("sqlite:///j.db", kept), encoding="utf-8")
        assert load_config(site / "kept.toml").journal.url == kept
    monkeypatch.chdir(site)  # found as ./yibao.toml: the working directory, as before
    assert load_config(None).journal.url == f"sqlite:///{site / 'data' / 'j.db'}"
    assert parse_config(_with("journal.url", "sqlite:///j.db")).journal.url == "sqlite:///j.db"  # no file: as given
