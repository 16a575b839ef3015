"""docs/python-api.md's quickstart runs exactly as written, the way a newcomer runs it.

A real ``yibao sandbox serve`` process on a free loopback port; a ``yibao.toml`` made by
``yibao init --region 441900`` with the doc's one edit (the paasid) and the sandbox's address;
``YIBAO_SECRET`` set; the first ``python`` block of the doc run as a script in that directory.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "python-api.md"
YIBAO = str(Path(sys.executable).with_name("yibao"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([YIBAO, "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port), "--paasid",
                             "demo", "--secret", "demo-secret", "--state", str(tmp_path / "sandbox-state")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_quickstart_runs_as_written(sandbox: str, tmp_path: Path) -> None:
    """Identify a seeded person, settle a pharmacy bill and cancel it: exit 0, both lines printed."""
    text = DOC.read_text(encoding="utf-8")
    script = re.search(r"```python\n(.*?)```", text, re.S)
    assert script, "docs/python-api.md has no python block"
    work = tmp_path / "his"
    work.mkdir()
    template = subprocess.run([YIBAO, "init", "--region", "441900"], capture_output=True, text=True, check=True)
    config = template.stdout.replace('paasid = "your-paasid"', 'paasid = "demo"')
    config = config.replace('url = "http://127.0.0.1:8080"', f'url = "{sandbox}"')
    assert 'paasid = "demo"' in config and sandbox in config
    (work / "yibao.toml").write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "YIBAO_CONFIG"} | {"YIBAO_SECRET": "demo-secret"}
    run = subprocess.run([sys.executable, "-c", script.group(1)], cwd=work, capture_output=True, text=True, env=env,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    settled = re.search(r"^settled (\S+) (\S+) = (\S+) \+ (\S+) \+ (\S+)$", run.stdout, re.M)
    assert settled, run.stdout
    from decimal import Decimal

    total, fund, acct, cash = (Decimal(x) for x in settled.groups()[1:])
    assert total == Decimal("25.00") == fund + acct + cash
    assert re.search(rf"^cancelled {re.escape(settled.group(1))} by \S+ -25\.00$", run.stdout, re.M), run.stdout
