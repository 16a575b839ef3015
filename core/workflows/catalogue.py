"""Catalogue sync into the journal's database: 1301-1315 by version, 1312 / 1316-1319 by page, 1901.

National baseline 【1301】 (and 1302-1315): input ``ver`` = 本地最大版本号; output ``file_qury_no``,
``filename``, ``dld_end_time``, ``data_cnt``; the rows come through 【9102】 with
``fixmedins_code`` = ``plc`` (表373).  The next ``ver`` is the 版本号 column of the newest row
received (spec_reference.md §13).  【1312】/【1316】-【1319】: ``updt_time`` + ``page_num`` /
``page_size``.  【1901】 字典表查询: output node ``list`` (camelCase keys, snake_case accepted).

The store is three tables of the journal's database (registered as journal migrations, so
SQLite and PostgreSQL both work): ``catalog_items`` (one row per kind and key, upserted, so a
sync is incremental and idempotent), ``catalog_state`` (the local max version / update time
per kind) and ``catalog_dicts``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import now as now_in_shanghai
from ..clock import wire_date, wire_time
from ..errors import ValidationError, ValidationIssue
from ..files import CATALOGUE_OWNER, FileLimits, UnsafeFileError, download, open_member, workspace
from ..journal.schema import register_migration
from .recon_catalog_layouts import FILE_KINDS, INITIAL_VERSION, PAGED_KINDS, FileLayout

if TYPE_CHECKING:
    from .context import Context

__all__ = ["DEFAULT_DICT_TYPES", "CatalogService", "CatalogStore", "SyncResult", "bench_ingest", "search", "sync"]

_DDL = """
CREATE TABLE IF NOT EXISTS catalog_items (
    kind TEXT NOT NULL, item_key TEXT NOT NULL, code TEXT NOT NULL, name TEXT, ver TEXT, updt_time TEXT,
    vali_flag TEXT, body TEXT NOT NULL, PRIMARY KEY (kind, item_key));
CREATE INDEX IF NOT EXISTS catalog_items_code ON catalog_items (code);
CREATE TABLE IF NOT EXISTS catalog_state (
    kind TEXT PRIMARY KEY, ver TEXT, updt_time TEXT, item_count INTEGER NOT NULL, synced_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalog_dicts (
    dict_type TEXT NOT NULL, parent_value TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL,
    vali_flag TEXT, body TEXT NOT NULL, PRIMARY KEY (dict_type, parent_value, value))
"""
register_migration("catalog.0001.store", _DDL, _DDL)

DEFAULT_DICT_TYPES = ("med_type", "insutype", "clr_type", "psn_type", "list_type", "chrgitm_lv")
PAGE_SIZE = 100
BATCH = 200  # rows per INSERT: 8 parameters each, well under SQLite's limit
Progress = Callable[[str, int, int | None], None]


@attrs.define
class SyncResult:
    """What one kind's sync did."""

    kind: str
    rows: int = 0
    calls: int = 0
    ver: str | None = None
    updt_time: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class CatalogStore:
    """The local catalogue tables on the journal's :class:`~yibao.core.journal.db.Database`."""

    def __init__(self, db: Any) -> None:
        self.db = db
        for stmt in filter(None, (s.strip() for s in _DDL.split(";"))):
            db.execute(stmt)  # the migration ran at open unless this module was imported later

    @classmethod
    def of(cls, ctx: Context) -> CatalogStore:
        # The catalogue lives in the journal's database, in tables of its own.
        return cls(ctx.journal.database)

    def state(self, kind: str) -> dict[str, Any] | None:
        return self.db.fetchone(f"SELECT * FROM catalog_state WHERE kind = {self.db.p}", [kind])  # type: ignore[no-any-return]

    def states(self) -> list[dict[str, Any]]:
        """The last sync of every kind (kind, ver, updt_time, item_count, synced_at)."""
        return self.db.fetchall("SELECT * FROM catalog_state ORDER BY kind")  # type: ignore[no-any-return]

    def save_state(self, kind: str, ver: str | None, updt_time: str | None) -> None:
        p = self.db.p
        n = self.db.fetchone(f"SELECT COUNT(*) AS n FROM catalog_items WHERE kind = {p}", [kind])["n"]
        now = wire_time(now_in_shanghai())
        self.db.execute(
            f"INSERT INTO catalog_state(kind, ver, updt_time, item_count, synced_at) VALUES ({self.db.marks(5)}) "
            "ON CONFLICT (kind) DO UPDATE SET ver = excluded.ver, updt_time = excluded.updt_time, "
            "item_count = excluded.item_count, synced_at = excluded.synced_at",
            [kind, ver, updt_time, int(n), now],
        )

    def upsert(self, kind: str, rows: Iterable[tuple[str, str, str | None, str | None, str | None, str | None,
                                                     str]]) -> int:  # fmt: skip
        """(key, code, name, ver, updt_time, vali_flag, body) rows, in one transaction; the row count.

        Rows go in multi-row statements of :data:`BATCH` (one round trip each on PostgreSQL); a
        key repeated inside a batch keeps its last row, since one statement may not upsert the
        same row twice.
        """
        n = 0
        batch: dict[str, list[Any]] = {}
        with self.db.transaction():
            for key, code, name, ver, updt, vali, body in rows:
                batch.pop(key, None)
                batch[key] = [kind, key, code, name, ver, updt, vali, body]
                n += 1
                if len(batch) >= BATCH:
                    self._flush(batch)
            self._flush(batch)
        return n

    def _flush(self, batch: dict[str, list[Any]]) -> None:
        if not batch:
            return
        values = ", ".join(f"({self.db.marks(8)})" for _ in batch)
        self.db.execute(
            "INSERT INTO catalog_items(kind, item_key, code, name, ver, updt_time, vali_flag, body) "
            f"VALUES {values} ON CONFLICT (kind, item_key) DO UPDATE SET code = excluded.code, "
            "name = excluded.name, ver = excluded.ver, updt_time = excluded.updt_time, "
            "vali_flag = excluded.vali_flag, body = excluded.body",
            [v for row in batch.values() for v in row],
        )
        batch.clear()

    def search(self, text: str, limit: int = 50, kind: str | None = None) -> list[dict[str, Any]]:
        # % and _ in the text are meant literally (a code such as M80700/3 or a name with _)
        like, p = "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%", self.db.p
        where, args = f"(code LIKE {p} ESCAPE '\\' OR name LIKE {p} ESCAPE '\\')", [like, like]
        if kind is not None:
            where, args = f"{where} AND kind = {p}", [*args, kind]
        return self.db.fetchall(  # type: ignore[no-any-return]
            f"SELECT kind, code, name, ver, vali_flag FROM catalog_items WHERE {where} ORDER BY kind, code LIMIT {p}",
            [*args, limit],
        )


def _file_rows(path: Path, layout: FileLayout) -> Iterator[tuple[str, str, str | None, str | None, None,
                                                                 str | None, str]]:  # fmt: skip
    def cell(cols: list[str], pos: int) -> str | None:
        v = cols[pos - 1] if pos <= len(cols) else "null"
        return None if v in ("null", "") else v

    with open_member(path, FileLimits(max_member_bytes=1024 * 1024 * 1024)) as f:
        for no, raw in enumerate(f, 1):
            line = raw.decode("utf-8").rstrip("\r\n")
            cols = line.split("\t")
            if cols == [""]:
                continue
            if len(cols) < layout.code:
                raise UnsafeFileError(f"catalogue file line {no}: {len(cols)} columns, expected {layout.columns}")
            code = cell(cols, layout.code) or ""
            # body keeps the row as received: the TXT line here, the JSON object for paged kinds
            yield (code, code, cell(cols, layout.name), cell(cols, layout.version), None,
                   cell(cols, layout.valid), line)  # fmt: skip


def _sync_file_kind(ctx: Context, store: CatalogStore, kind: str, progress: Progress | None) -> SyncResult:
    """1301-style: ask for rows newer than the local max version, fetch the file, upsert, repeat."""
    layout = FILE_KINDS[kind]
    st = store.state(kind)
    ver = (st or {}).get("ver") or INITIAL_VERSION
    result = SyncResult(kind, ver=ver)
    newest: list[str | None] = [None]  # the 版本号 of the last row read

    def rows(p: Path) -> Iterator[tuple[str, str, str | None, str | None, None, str | None, str]]:
        for r in _file_rows(p, layout):
            newest[0] = r[3] or newest[0]
            yield r

    for _ in range(1000):  # a centre may cap each file; stop when nothing newer is left
        out = ctx.call(kind, {"data": {"ver": ver}})
        result.calls += 1
        count = int(str(out.get("data_cnt") or 0)) if isinstance(out, Mapping) else 0
        if not count or not out.get("file_qury_no"):
            break
        with workspace("yibao-cat-") as work:
            newest[0] = None
            path = download(ctx.download, str(out["file_qury_no"]), str(out["filename"]), CATALOGUE_OWNER, work)
            got = store.upsert(kind, rows(path))
        if got != count:  # reliability.md 22: the row count is checked
            raise UnsafeFileError(f"{kind}: the file holds {got} rows, the centre announced {count}", infno=kind)
        result.rows += got
        if progress:
            progress(kind, result.rows, None)
        if not newest[0] or newest[0] == ver:
            break
        ver = newest[0]
        store.save_state(kind, ver, None)
    result.ver = ver
    store.save_state(kind, ver, None)
    return result


def _sync_paged_kind(ctx: Context, store: CatalogStore, kind: str, progress: Progress | None) -> SyncResult:
    """1312 / 1316-1319: every page from the local max ``updt_time``."""
    layout = PAGED_KINDS[kind]
    st = store.state(kind)
    since = (st or {}).get("updt_time") or "2000-01-01"
    result = SyncResult(kind, updt_time=since)
    newest = since
    page = 1
    while True:
        out = ctx.call(kind, {"data": {"updt_time": since[:10], "page_num": page, "page_size": PAGE_SIZE}})
        result.calls += 1
        rows = out.get("data", []) if isinstance(out, Mapping) else out
        rows = rows if isinstance(rows, list) else []
        total = out.get("recordCounts") if isinstance(out, Mapping) else None

        def items(batch: Sequence[Any] = rows) -> Iterator[tuple[str, str, str | None, str | None, str | None,
                                                                  str | None, str]]:  # fmt: skip
            nonlocal newest
            for r in batch:
                code = str(r.get(layout.code) or "")
                updt = str(r.get("updt_time") or "") or None
                if updt and updt > newest:
                    newest = updt
                yield (str(r.get("rid") or code), code, str(r.get(layout.name) or "") or None if layout.name
                       else None, None, updt, str(r.get("vali_flag") or "") or None,
                       json.dumps(r, ensure_ascii=False, default=str, separators=(",", ":")))  # fmt: skip

        result.rows += store.upsert(kind, items())
        if progress:
            progress(kind, result.rows, int(str(total)) if total is not None else None)
        if len(rows) < PAGE_SIZE:
            break
        page += 1
    result.updt_time = newest
    store.save_state(kind, None, newest)
    return result


def _sync_dicts(ctx: Context, store: CatalogStore, types: Sequence[str], progress: Progress | None) -> SyncResult:
    """【1901】 one call per dictionary type."""
    result = SyncResult("1901")
    sql = (
        "INSERT INTO catalog_dicts(dict_type, parent_value, value, label, vali_flag, body)"
        f" VALUES ({store.db.marks(6)}) "
        "ON CONFLICT (dict_type, parent_value, value) DO UPDATE SET label = excluded.label, "
        "vali_flag = excluded.vali_flag, body = excluded.body"
    )
    admdvs = ctx.config.institution.mdtrtarea_admvs
    for t in types:
        out = ctx.call("1901", {"data": {"type": t, "parent_value": "0", "admdvs": admdvs,
                                         "date": wire_date(ctx.now()), "vali_flag": "1"}})  # fmt: skip
        result.calls += 1
        rows = out.get("list", []) if isinstance(out, Mapping) else out
        with store.db.transaction():
            for r in rows if isinstance(rows, list) else []:
                parent = str(r.get("parentValue", r.get("parent_value")) or "")
                vali = str(r.get("valiFlag", r.get("vali_flag")) or "")
                store.db.execute(sql, [t, parent, str(r.get("value")), str(r.get("label")), vali,
                                       json.dumps(r, ensure_ascii=False, default=str)])  # fmt: skip
                result.rows += 1
        if progress:
            progress("1901", result.rows, None)
    return result


def sync(
    ctx: Context, kinds: Sequence[str] | None = None, *, dict_types: Sequence[str] = DEFAULT_DICT_TYPES,
    progress: Progress | None = None,
) -> list[SyncResult]:  # fmt: skip
    """Download the catalogues named by ``kinds`` (default: every file kind, every paged kind, 1901)."""
    store = CatalogStore.of(ctx)
    wanted = list(kinds or [*FILE_KINDS, *PAGED_KINDS, "1901"])
    unknown = [k for k in wanted if k not in FILE_KINDS and k not in PAGED_KINDS and k != "1901"]
    if unknown:
        raise ValueError(f"unknown catalogue kinds: {', '.join(unknown)}")
    out = []
    for kind in wanted:
        if kind in FILE_KINDS:
            out.append(_sync_file_kind(ctx, store, kind, progress))
        elif kind in PAGED_KINDS:
            out.append(_sync_paged_kind(ctx, store, kind, progress))
        else:
            out.append(_sync_dicts(ctx, store, dict_types, progress))
    return out


def search(ctx: Context, text: str, limit: int = 50, kind: str | None = None) -> list[dict[str, Any]]:
    """Local catalogue rows whose code or name contains ``text`` (of one ``kind``, e.g. 1301)."""
    if kind is not None and kind not in FILE_KINDS and kind not in PAGED_KINDS:
        known = ", ".join(sorted([*FILE_KINDS, *PAGED_KINDS]))
        raise ValidationError([ValidationIssue("", "", "kind", "enum",
                                               f"{kind[:20]!r} is no catalogue; one of {known}")])
    return CatalogStore.of(ctx).search(text, limit, kind)


class CatalogService:
    """``client.catalog``: the 目录 downloads (1301-1319, 1901) into the journal's database."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def sync(self, kinds: Sequence[str] | None = None, *, dict_types: Sequence[str] = DEFAULT_DICT_TYPES,
             progress: Progress | None = None) -> list[SyncResult]:
        """Download ``kinds`` (default: all; 1901 for ``dict_types``); each kind's rows, calls and version."""
        return sync(self._ctx, kinds, dict_types=dict_types, progress=progress)

    def search(self, text: str, limit: int = 50, kind: str | None = None) -> list[dict[str, Any]]:
        """Local rows whose code or name contains ``text`` (only ``kind``'s, e.g. 1307, if given)."""
        return search(self._ctx, text, limit, kind)

    def status(self) -> list[dict[str, Any]]:
        """The last sync of every kind."""
        return CatalogStore.of(self._ctx).states()


def bench_ingest(n: int, work: Path) -> float:
    """Seconds to ingest a 1301-shaped file of ``n`` rows into a fresh SQLite store (bench)."""
    import zipfile

    from ..journal import open_journal

    layout = FILE_KINDS["1301"]
    txt = work / "1301.txt"
    with open(txt, "w", encoding="utf-8") as f:
        for i in range(n):
            cols = ["null"] * layout.columns
            cols[layout.code - 1] = f"XA{i:012d}"
            cols[layout.name - 1] = f"测试药品{i}"
            cols[layout.version - 1] = f"SBV{i // 10000:05d}"
            cols[layout.valid - 1] = "1"
            f.write("\t".join(cols) + "\n")
    z = work / "1301.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(txt, txt.name)
    journal = open_journal(f"sqlite:///{work / 'journal.db'}")
    try:
        store = CatalogStore(journal.database)
        t0 = time.perf_counter()
        got = store.upsert("1301", _file_rows(z, layout))
        secs = time.perf_counter() - t0
    finally:
        journal.close()
    assert got == n
    return secs
