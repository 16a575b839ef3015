"""``[online]`` configuration, the envelope-scheme hook, the template of ``yibao init --region
350200``, the Fujian plugins' registration and the demo of the internet-hospital cycle."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import attrs
import pytest

from yibao.core import ConfigurationError, PluginError, gm, hookimpl, load_registry, parse_config
from yibao.core.online.schemes import JsonScheme, SmScheme
from yibao.core.plugins import RegionHooks

YIBAO = str(Path(sys.executable).parent / "yibao")
BASE: dict[str, Any] = {
    "region": "350200", "gateway": {"url": "http://127.0.0.1:9", "paasid": "p"},
    "institution": {"fixmedins_code": "H35020000001", "fixmedins_name": "n", "mdtrtarea_admvs": "350200"},
    "operator": {"opter": "1", "opter_name": "o"},
}


def test_online_defaults_are_the_contracts() -> None:
    cfg = parse_config(BASE)
    env = cfg.online.envelope
    assert (env.sm2_user_id, env.signed_data, env.signature_encoding, env.timestamp_format, env.version,
            env.max_clock_skew) == ("1234567812345678", "plaintext", "raw-base64", "millis", "1.0.0", 600)
    assert not cfg.online.configured


@pytest.mark.parametrize(("online", "key"), [
    ({"private_key": "00" * 32}, "online.private_key"),              # a key in the file: no such key
    ({"app_secret": "s"}, "online.app_secret"),
    ({"envelope": {"signed_data": "both"}}, "online.envelope.signed_data"),
    ({"envelope": {"user_id_is_app_secret": "yes"}}, "online.envelope.user_id_is_app_secret"),
    ({"invoice": {"url": "ftp://vendor"}}, "online.invoice.url"),
    ({"app_secret_env": "NOT A NAME"}, "online.app_secret_env"),
])
def test_online_keys_are_checked_by_name(online: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_config({**BASE, "online": online})
    assert info.value.key == key


def test_the_fujian_plugins_register_through_entry_points() -> None:
    registry = load_registry()
    fujian, xiamen = registry.get("350000"), registry.get("350200")
    assert fujian is not None and xiamen is not None and xiamen.parent == "350000"
    assert (fujian.plugin, xiamen.plugin) == ("fujian", "fujian-xiamen")
    assert xiamen.online is not None and len(xiamen.online.functions) == 29
    assert "internet" in xiamen.institution_kinds
    out = subprocess.run([YIBAO, "plugins", "--json"], capture_output=True, text=True, check=True, timeout=60)
    rows = {r["code"]: r for r in json.loads(out.stdout)}
    assert rows["350200"]["parent"] == "350000" and rows["350200"]["kinds"] == ["internet"]


def test_init_350200_is_a_commented_template_with_online_and_no_key() -> None:
    out = subprocess.run([YIBAO, "init", "--region", "350200"], capture_output=True, text=True, check=True,
                         timeout=60)
    cfg = parse_config(tomllib.loads(out.stdout))
    assert cfg.region == "350200" and cfg.online.app_secret_env == "YIBAO_MOBILEPAY_SECRET"
    assert cfg.online.private_key_env and cfg.online.platform_key_env and cfg.online.invoice.app_key_env
    assert out.stdout.count("#") > 40 and "[online.envelope]" in out.stdout and "never in this file" in out.stdout


class _Rot13:
    name = "rot13"

    def seal(self, data: Any) -> bytes:
        return b""

    def open_reply(self, body: bytes) -> gm.Reply:
        return gm.Reply(0, "", None)

    def open_notice(self, body: bytes) -> Any:
        return None

    def answer_notice(self, data: Any, *, code: int = 0, message: str = "") -> bytes:
        return b""


class _SchemePlugin:
    @hookimpl
    def yibao_envelope_scheme(self, name: str) -> Any:
        """Supplies the rot13 scheme (a test's)."""
        return _Rot13() if name == "rot13" else None


def test_hook_yibao_envelope_scheme() -> None:
    """The national default supplies sm4-sm2 and json; a plugin supplies its own; none: refused by name."""
    xiamen = load_registry().resolve("350200")
    private, _ = gm.sm2_generate_keypair()
    _, public = gm.sm2_generate_keypair()
    creds = gm.Credentials("APP0000000000000000000000000001", "s", private, public)
    hooks = RegionHooks(xiamen, [])
    assert isinstance(hooks.envelope_scheme("sm4-sm2", creds, gm.DEFAULT_OPTIONS), SmScheme)
    assert isinstance(hooks.envelope_scheme("json", None, gm.DEFAULT_OPTIONS), JsonScheme)
    with pytest.raises(PluginError, match="rot13"):
        hooks.envelope_scheme("rot13", creds, gm.DEFAULT_OPTIONS)
    assert xiamen.online is not None
    other = attrs.evolve(xiamen, online=attrs.evolve(xiamen.online, scheme="rot13"))
    assert isinstance(RegionHooks(other, [("test-scheme", _SchemePlugin())]).envelope_scheme(
        "rot13", creds, gm.DEFAULT_OPTIONS), _Rot13)


def test_demo_350200_runs_the_internet_cycle_green(tmp_path: Path) -> None:
    out = subprocess.run([YIBAO, "demo", "--region", "350200", "--json", "--state", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    report = json.loads(out.stdout)
    steps = {s["infno"]: s for s in report["steps"]}
    assert report["ok"] and all(s["ok"] for s in report["steps"])
    assert "cancelled" in steps["6301→6401→2202"]["detail"] and "refunded" in steps["6301→6203→EB02→2202"]["detail"]
