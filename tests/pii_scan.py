"""The suite-wide personal-data check (issue 10 #11): nothing yibao writes or prints may carry a
seeded person's full ID number or name.

At the end of the run, everything the tests made is scanned for the sandbox's seeded persons
(:func:`yibao.sandbox.seed.persons`: their 18-digit ``certno``, document numbers and names):

- what pytest captured of every test (stdout, stderr and log records, passed tests included);
- the stdout and stderr of every subprocess the tests ran (the real ``yibao`` commands, the
  Java HIS): ``subprocess.run`` and ``Popen.communicate`` are watched for the whole session;
- every file under the session's temporary directory: journals (SQLite), acceptance reports,
  downloads, logs.

Left out, each for a reason: the centre's own books (a directory holding the sandbox's
``sandbox.db``: the simulated centre legitimately knows its insured), and files a test writes
as the HIS's input under a directory named ``his-input`` (what the HIS hands us, not what we
wrote).  One hit fails the run, naming where it was and whose data (masked) it was.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yibao.core.masking import mask_id, mask_name
from yibao.sandbox.seed import persons

#: Directories under the session's temp dir that are not ours to check (see the module doc).
HIS_INPUT = "his-input"
CENTRE_BOOKS = "sandbox.db"
_MAX_FILE = 512 * 1024 * 1024  # a file larger than this is read in chunks


def _needles() -> dict[str, str]:
    """needle -> how a hit is reported (masked, so the report itself leaks nothing)."""
    out: dict[str, str] = {}
    for p in persons():
        certno, name = str(p.get("certno") or ""), str(p.get("psn_name") or "")
        if len(certno) >= 9:
            out[certno] = f"ID {mask_id(certno)}"
        if len(name) >= 2:
            out[name] = f"name {mask_name(name)}"
    return out


class Scanner:
    def __init__(self) -> None:
        self.needles = _needles()
        alternatives = sorted(self.needles, key=len, reverse=True)
        self.text = re.compile("|".join(re.escape(n) for n in alternatives))
        self.bytes = re.compile(b"|".join(re.escape(n.encode("utf-8")) for n in alternatives))
        self.hits: list[str] = []
        self._seen: set[tuple[str, str]] = set()

    def _hit(self, where: str, needle: str) -> None:
        if (where, needle) not in self._seen:
            self._seen.add((where, needle))
            self.hits.append(f"{where}: {self.needles[needle]}")

    def scan_text(self, where: str, text: Any) -> None:
        if isinstance(text, bytes):
            for m in self.bytes.finditer(text):
                self._hit(where, m.group(0).decode("utf-8"))
        elif isinstance(text, str):
            for m in self.text.finditer(text):
                self._hit(where, m.group(0))

    def scan_tree(self, root: Path) -> None:
        for path in _files(root):
            try:
                with path.open("rb") as f:
                    tail = b""
                    while chunk := f.read(8 * 1024 * 1024):
                        # keep a little of the previous chunk so that a needle across the seam is found
                        self.scan_text(f"file {path.relative_to(root)}", tail + chunk)
                        tail = chunk[-64:]
            except OSError:
                continue


def _files(root: Path) -> Iterator[Path]:
    for top, dirs, files in os.walk(root):
        if CENTRE_BOOKS in files:
            dirs[:] = []  # the centre's side
            continue
        dirs[:] = [d for d in dirs if d != HIS_INPUT]
        for name in files:
            path = Path(top) / name
            if path.is_file() and not path.is_symlink():
                yield path


_scanner = Scanner()


def _watch_subprocesses() -> None:
    """Record what every subprocess printed: its stdout and stderr as the test received them."""
    run, communicate = subprocess.run, subprocess.Popen.communicate

    def watched_run(*args: Any, **kwargs: Any) -> Any:
        result = run(*args, **kwargs)
        for stream in (result.stdout, result.stderr):
            _scanner.scan_text(f"subprocess {_argv(args, kwargs)}", stream)
        return result

    def watched_communicate(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
        out = communicate(self, *args, **kwargs)
        for stream in out:
            _scanner.scan_text(f"subprocess {_argv((self.args,), {})}", stream)
        return out

    subprocess.run = watched_run  # type: ignore[assignment]
    subprocess.Popen.communicate = watched_communicate  # type: ignore[method-assign]


def _argv(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    argv = args[0] if args else kwargs.get("args", "")
    words = [Path(str(a)).name for a in argv] if isinstance(argv, list | tuple) else [str(argv)]
    return " ".join(words)[:80]


def pytest_configure(config: pytest.Config) -> None:
    _watch_subprocesses()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, content in report.sections:
        _scanner.scan_text(f"{report.nodeid} ({title})", content)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        try:
            _scanner.scan_tree(factory.getbasetemp())
        except (OSError, ValueError):
            pass
    if _scanner.hits:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["personal data of seeded persons found in what the tests made (issue 10 #11):",
                 *(f"  {h}" for h in _scanner.hits[:500])]
        if reporter is not None:
            reporter.write_sep("=", "personal-data scan FAILED", red=True)
            for line in lines:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif session.config.pluginmanager.get_plugin("terminalreporter") is not None:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"personal-data scan: {len(_scanner.needles)} seeded IDs and names, no hit")
