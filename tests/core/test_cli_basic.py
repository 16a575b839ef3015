"""``yibao --version``, ``plugins``, ``init``, ``schema`` as a newcomer runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from yibao.core import __version__
from yibao.core.config import parse_config

YIBAO = shutil.which("yibao", path=str(Path(sys.executable).parent)) or "yibao"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([YIBAO, *args], capture_output=True, text=True, timeout=60, check=False)


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_plugins_json_lists_the_four_regions() -> None:
    proc = run("plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["code"]: r for r in json.loads(proc.stdout)}
    assert {"620000", "440000", "441900", "530000"} <= set(rows)
    assert rows["441900"]["parent"] == "440000"
    assert rows["440000"]["parent"] is None
    assert rows["441900"]["plugin"] == "guangdong-dongguan"
    assert all({"code", "name", "parent", "plugin"} <= set(r) for r in rows.values())


def test_init_template_is_valid_commented_and_has_no_secret() -> None:
    """The template parses, names the secret's variable (not a secret) and explains keys."""
    proc = run("init", "--region", "441900")
    assert proc.returncode == 0, proc.stderr
    data = tomllib.loads(proc.stdout)
    cfg = parse_config(data)
    assert cfg.region == "441900" and cfg.gateway.secret_env == "YIBAO_SECRET"
    assert proc.stdout.count("#") > 15
    assert run("init", "--region", "44").returncode == 2


def test_schema_2102_json_shows_its_nodes() -> None:
    proc = run("schema", "2102", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    nodes = {n["node"]: n for n in data["input"]}
    assert set(nodes) >= {"druginfo", "drugdetail"}
    assert nodes["drugdetail"]["multi"] is True and nodes["druginfo"]["multi"] is False
    fields = {f["code"]: f for f in nodes["druginfo"]["fields"]}
    assert fields["medfee_sumamt"]["type"] == "N" and fields["medfee_sumamt"]["scale"] == 2
    assert fields["psn_no"]["required"] is True
    assert run("schema", "0000").returncode == 2


def test_init_out_writes_utf8_and_never_overwrites(tmp_path: Path) -> None:
    """``--out`` writes UTF-8 whatever the shell would have done with ``>`` (GBK, UTF-16 on Windows)."""
    target = tmp_path / "yibao.toml"
    proc = run("init", "--region", "441900", "--out", str(target))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and f"wrote {target}" in proc.stderr
    text = target.read_bytes().decode("utf-8")  # strict: UTF-8 or this fails
    assert text.replace("\r\n", "\n") == run("init", "--region", "441900").stdout
    assert parse_config(tomllib.loads(text)).region == "441900"
    target.write_text("# mine\n", encoding="utf-8")
    again = run("init", "--region", "441900", "--out", str(target))
    assert again.returncode == 2 and "--out" in again.stderr and "exists" in again.stderr
    assert target.read_text(encoding="utf-8") == "# mine\n"
    missing = run("init", "--region", "441900", "--out", str(tmp_path / "no" / "dir" / "y.toml"))
    assert missing.returncode == 2 and "cannot write" in missing.stderr
