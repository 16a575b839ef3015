"""The files of an acceptance run: ``report.json`` (contract "Acceptance for every region"),
``report.html`` (:mod:`.html`, the console's 界面截图 embedded) and ``usage-log.txt`` (使用日志)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import wire
from .html import render_html

__all__ = ["usage_log", "write_report"]


def usage_log(records: list[Any]) -> str:
    """使用日志: time, infno, msgid, outcome and seconds per transaction (masked, no amounts of persons)."""
    lines = []
    for r in records:
        outcome = "ok" if r.ok else f"error {r.error}"
        lines.append(f"{r.at}\t{r.infno}\t{r.msgid or '-'}\t{outcome}\t{r.seconds:.3f}s")
    return "\n".join(lines) + ("\n" if lines else "")


def write_report(report: Any, out: Path) -> dict[str, Path]:
    """Write report.json, report.html and usage-log.txt into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "html": out / "report.html", "log": out / "usage-log.txt"}
    paths["json"].write_text(wire.dumps(report.to_json(), check_floats=False) + "\n", encoding="utf-8")
    shots = {n for names in getattr(report, "screenshots", {}).values() for n in names}
    images = {n: (out / n).read_bytes() for n in shots if (out / n).is_file()}
    paths["html"].write_text(render_html(report, images), encoding="utf-8")
    paths["log"].write_text(usage_log(report.records), encoding="utf-8")
    return paths
