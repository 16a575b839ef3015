"""The sandbox shares no client code: only the catalogue's data and model classes.

A format bug on the client's side must be able to show: if the centre read and wrote with the
client's own codec, validator, file readers or region profiles, the two would agree on the
same mistake.  Allowed from ``yibao.core``: ``yibao.core.catalog.schema`` and
``yibao.core.catalog.kinds``; nothing from ``yibao.provinces``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"
ALLOWED = {"yibao.core.catalog.schema", "yibao.core.catalog.kinds"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: must stay inside the sandbox package
                depth = len(path.relative_to(SANDBOX).parts) - 1
                assert node.level <= depth + 1, f"{path.name}: relative import leaves yibao.sandbox"
                continue
            module = node.module or ""
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names if module in ("yibao.core", "yibao.core.catalog"))
    return names


def test_no_sandbox_module_imports_client_code() -> None:
    """The centre's modules import nothing of the client but the catalogue schema.  The
    rehearsal tools (``rehearsal/``: the demo, the ``sandbox`` / ``demo`` commands, the
    ``fake_centre`` fixture) drive both sides by design and are left out here; they import only
    ``yibao.core``'s public face, which import-linter checks (``.importlinter``)."""
    used: dict[str, set[str]] = {}
    for path in sorted(p for p in SANDBOX.rglob("*.py") if "rehearsal" not in p.parts):
        for name in _imports(path):
            if name.startswith(("yibao.core", "yibao.provinces")) and name not in ALLOWED:
                used.setdefault(name, set()).add(str(path.relative_to(SANDBOX)))
    assert used == {}


def test_serving_loads_no_client_module(tmp_path: Path) -> None:
    """In a fresh interpreter: start the centre, serve calls; no client sending code gets loaded."""
    script = f"""
import sys
from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.regions import catalog_for
from pathlib import Path
app = create_app(SandboxConfig(state_dir=Path({str(tmp_path)!r}), region="441900"))
catalog_for("441900"); catalog_for("620000"); catalog_for("530000")
bad = sorted(m for m in sys.modules if m.startswith(("yibao.core.wire", "yibao.core.files",
    "yibao.core.workflows", "yibao.core.plugins", "yibao.core.client", "yibao.core.transport", "yibao.provinces")))
print(",".join(bad))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == ""
