"""The simulated centre's credentials per state directory, and its independence from the client."""

from __future__ import annotations

import ast
import json
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from yibao.core import gm
from yibao.sandbox import mobilepay as mp

CONTRACT_FIELDS = {
    "appId",
    "appSecret",
    "platform_public_key",
    "platform_private_key",
    "institution_public_key",
    "institution_private_key",
}
MOBILEPAY = Path(__file__).resolve().parents[2] / "sandbox" / "mobilepay"


def test_credentials_have_the_contract_shape(tmp_path: Path) -> None:
    payload = mp.credentials_payload(tmp_path)
    assert set(payload) == CONTRACT_FIELDS
    assert all(isinstance(v, str) and v for v in payload.values())
    for side in ("platform", "institution"):
        private, public = payload[f"{side}_private_key"], payload[f"{side}_public_key"]
        assert len(private) == 64 and int(private, 16)
        assert len(public) == 128  # x‖y, no 04 prefix
        assert gm.sm2_public_key(private) == public  # the client agrees the pair belongs together
    assert payload["platform_private_key"] != payload["institution_private_key"]
    assert len(payload["appId"]) >= 16


def test_credentials_persist_per_state_with_mode_0600(tmp_path: Path) -> None:
    first = mp.load_or_create(tmp_path / "state")
    path = tmp_path / "state" / "mobilepay_credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert mp.load_or_create(tmp_path / "state") == first
    assert mp.load_or_create(tmp_path / "other") != first
    path.chmod(0o644)
    assert mp.load_or_create(tmp_path / "state") == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "state").iterdir()] == ["mobilepay_credentials.json"]


def test_concurrent_first_use_ends_with_one_set(tmp_path: Path) -> None:
    results: list[mp.MobilePayCredentials] = []
    threads = [threading.Thread(target=lambda: results.append(mp.load_or_create(tmp_path))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_a_damaged_file_is_refused_without_showing_its_keys(tmp_path: Path) -> None:
    creds = mp.load_or_create(tmp_path)
    path = tmp_path / "mobilepay_credentials.json"
    damaged = {**creds, "platform_public_key": creds["institution_public_key"]}
    path.write_text(json.dumps(damaged))
    with pytest.raises(ValueError, match="platform_public_key is not the public key") as info:
        mp.load_or_create(tmp_path)
    assert str(path) in str(info.value)
    assert all(v not in str(info.value) for v in creds.values())
    path.write_text("{")
    with pytest.raises(ValueError, match="not JSON"):
        mp.load_or_create(tmp_path)
    path.write_text(json.dumps({"appId": "x"}))
    with pytest.raises(ValueError, match="not a mobile-payment credentials file"):
        mp.load_or_create(tmp_path)


def test_the_client_works_with_the_handed_out_credentials(tmp_path: Path) -> None:
    creds = mp.load_or_create(tmp_path)
    client = gm.Credentials(creds["appId"], creds["appSecret"], creds["institution_private_key"],
                            creds["platform_public_key"])
    req = gm.build_request({"psnNo": "1"}, client)
    assert gm.open_reply(mp.handle(req, creds, lambda d: {"echo": d}), client).data == {"echo": {"psnNo": "1"}}


def test_the_centre_imports_nothing_of_the_client() -> None:
    for source in MOBILEPAY.glob("*.py"):
        tree = ast.parse(source.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{source.name}: relative import out of the package"
                assert not (node.module or "").startswith("yibao"), f"{source.name}: imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("yibao") for a in node.names), source.name
    code = (
        "import sys, yibao.sandbox.mobilepay as m, tempfile;"
        "m.credentials_payload(tempfile.mkdtemp());"
        "bad = sorted(n for n in sys.modules if n.startswith('yibao.core'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
