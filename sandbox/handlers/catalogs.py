"""The centre's catalogues: 1301-1315 by version (file through 9102), 1312 / 1316-1319 paged, 1901.

National baseline 【1301】-【1319】 and 【1901】; spec_reference.md §13.  The books:

- ``sbx_catalog``: one row per published catalogue row, with its kind, its version's order
  (``seq``) and its TXT line (file kinds) or JSON object (paged kinds).  First use seeds one
  version of every kind: 1301-1306 and the paged kinds from the sandbox's priced catalogue
  (:data:`yibao.sandbox.seed.CATALOG`), 1307-1315 and 1304 from its code catalogues
  (:mod:`yibao.sandbox.code_catalogues`); :func:`publish` adds a version.
- 1301-style: rows of versions after ``ver`` (an unknown ``ver`` such as the initial ``v0000``
  means "everything"), written as the layout's TXT columns, zipped and kept as a ``catalog``
  file that 9102 serves to ``fixmedins_code`` = ``plc``.
- 1312 / 1316-1319: rows updated on or after ``updt_time``, ``page_size`` (at most 1000) a page.
- 1901: the code tables of the spec catalogue (with the region's local codes), node ``list``
  with camelCase keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from ..catalog_layouts import FILE_KINDS, PAGED_KINDS, catalogue_line, zip_lines
from ..code_catalogues import CODE_CATALOGUES, ETHNIC_DRUGS
from ..regions import catalog_for
from . import CallContext, Refusal, handler

__all__ = ["SEED_VERSION", "dictionary", "file_catalogue", "paged_catalogue", "publish"]

SEED_VERSION = "SBV2026001"
_DDL = (
    "CREATE TABLE IF NOT EXISTS sbx_catalog (kind TEXT NOT NULL, seq INTEGER NOT NULL, ver TEXT NOT NULL, "
    "code TEXT NOT NULL, updt_time TEXT NOT NULL, line TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sbx_catalog_kind ON sbx_catalog(kind, seq)",
)
_LIST_TYPE = {"1301": "101", "1302": "102", "1303": "103", "1305": "201", "1306": "301"}


def _schema(store: Any) -> None:
    for stmt in _DDL:  # execute(), not executescript(): it must not commit the call's transaction
        store.execute(stmt)


def _seed_rows(kind: str) -> list[tuple[str, str]]:
    """(code, TXT line or JSON) of the first version of ``kind``."""
    from ..seed import CATALOG

    entries = sorted(CATALOG.values(), key=lambda e: e["med_list_codg"])
    if kind in CODE_CATALOGUES:  # 1307-1315 list diagnoses, operations and diseases, not items
        return [(code, catalogue_line(kind, code, name, SEED_VERSION)) for code, name in CODE_CATALOGUES[kind]]
    if kind in FILE_KINDS:
        wanted = _LIST_TYPE[kind]
        return [(e["med_list_codg"], catalogue_line(kind, e["med_list_codg"], e["med_list_name"], SEED_VERSION))
                for e in entries if e.get("list_type") == wanted]  # fmt: skip
    out = []
    if kind == "1304":  # 民族药品: the ethnic drugs, with 1304's own field names (not the western drugs)
        for n, (code, name, ethdrug_type, dosform) in enumerate(ETHNIC_DRUGS, 1):
            row = {"rid": f"R{kind}{n:08d}", "med_list_codg": code, "drug_genname": name, "drug_prodname": name,
                   "ethdrug_type": ethdrug_type, "dosform": dosform, "drug_spec": "", "vali_flag": "1",
                   "updt_time": "2026-01-01 00:00:00", "ver": SEED_VERSION}  # fmt: skip
            out.append((code, json.dumps(row, ensure_ascii=False, default=str)))
        return out
    for n, e in enumerate(entries, 1):
        row = {"rid": f"R{kind}{n:08d}", "hilist_code": e["med_list_codg"], "hilist_name": e["med_list_name"],
               "med_list_codg": e["med_list_codg"], "medins_list_codg": e["med_list_codg"],
               "medins_list_name": e["med_list_name"], "list_type": e.get("list_type", ""),
               "chrgitm_lv": e.get("chrgitm_lv", ""), "vali_flag": "1", "updt_time": "2026-01-01 00:00:00",
               "begndate": "2026-01-01", "insu_admdvs": "440000"}  # fmt: skip
        out.append((e["med_list_codg"], json.dumps(row, ensure_ascii=False, default=str)))
    return out


def _ensure(store: Any, kind: str) -> None:
    _schema(store)
    if store.query_one("SELECT 1 AS x FROM sbx_catalog WHERE kind = ? LIMIT 1", (kind,)) is None:
        _insert(store, kind, 1, SEED_VERSION, "2026-01-01 00:00:00", _seed_rows(kind))


def _insert(store: Any, kind: str, seq: int, ver: str, updt: str, rows: Sequence[tuple[str, str]]) -> None:
    for code, line in rows:
        store.execute("INSERT INTO sbx_catalog(kind, seq, ver, code, updt_time, line) VALUES (?,?,?,?,?,?)",
                      (kind, seq, ver, code, updt, line))  # fmt: skip


def publish(store: Any, kind: str, ver: str, items: Sequence[Mapping[str, Any]], updt_time: str) -> None:
    """Publish a new version of ``kind`` (``items``: ``code``, ``name`` and, paged, any fields)."""
    with store.transaction():
        _ensure(store, kind)
        seq = int(store.query_one("SELECT MAX(seq) AS s FROM sbx_catalog WHERE kind = ?", (kind,))["s"]) + 1
        if kind in FILE_KINDS:
            rows = [(str(i["code"]), catalogue_line(kind, str(i["code"]), str(i["name"]), ver)) for i in items]
        else:
            rows = [(str(i["code"]), json.dumps({**i, "updt_time": updt_time}, ensure_ascii=False, default=str))
                    for i in items]  # fmt: skip
        _insert(store, kind, seq, ver, updt_time, rows)


def _data(inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = inp.get("data")
    if not isinstance(data, Mapping):
        raise Refusal("data: 缺少输入节点")
    return data


def file_catalogue(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【1301】-【1315】: rows newer than ``ver`` as a ZIP for 9102 (``plc``)."""
    ver = str(_data(inp).get("ver") or "")
    if not ver:
        raise Refusal("ver: 本地最大版本号不能为空")
    _ensure(ctx.store, ctx.infno)
    known = ctx.store.query_one("SELECT MAX(seq) AS s FROM sbx_catalog WHERE kind = ? AND ver = ?", (ctx.infno, ver))
    after = int(known["s"]) if known and known["s"] is not None else 0
    rows = ctx.store.query("SELECT line FROM sbx_catalog WHERE kind = ? AND seq > ? ORDER BY seq, code",
                           (ctx.infno, after))  # fmt: skip
    name = f"{ctx.infno}_{ver}_{ctx.now:%Y%m%d%H%M%S}"
    data = zip_lines(name + ".txt", (r["line"] for r in rows))
    qury = ctx.store.save_file("plc", name + ".zip", data, file_qury_no=ctx.ids.file_qury_no(),
                               kind="catalog", created_time=ctx.now_text)  # fmt: skip
    return {"file_qury_no": qury, "filename": name + ".zip",
            "dld_end_time": (ctx.now + timedelta(days=1)).strftime("%Y-%m-%d"), "data_cnt": len(rows)}  # fmt: skip


def paged_catalogue(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【1312】/【1316】-【1319】: one page of rows updated on or after ``updt_time``."""
    data = _data(inp)
    since = str(data.get("updt_time") or "")
    try:
        page, size = int(str(data.get("page_num"))), int(str(data.get("page_size")))
    except ValueError:
        raise Refusal("page_num/page_size: 必须是数值") from None
    if not since or page < 1 or not 1 <= size <= 1000:
        raise Refusal("updt_time/page_num/page_size: 更新时间不能为空，页码从1开始，每页1~1000条")
    _ensure(ctx.store, ctx.infno)
    where = "kind = ? AND updt_time >= ?"
    total = ctx.store.query_one(f"SELECT COUNT(*) AS n FROM sbx_catalog WHERE {where}", (ctx.infno, since[:10]))
    rows = ctx.store.query(f"SELECT line FROM sbx_catalog WHERE {where} ORDER BY seq, code LIMIT ? OFFSET ?",
                           (ctx.infno, since[:10], size, (page - 1) * size))  # fmt: skip
    n = int(total["n"]) if total else 0
    return {"data": [json.loads(r["line"]) for r in rows], "pageNum": page, "pageSize": size,
            "recordCounts": n, "pages": (n + size - 1) // size}  # fmt: skip


for _infno in FILE_KINDS:
    handler(_infno)(file_catalogue)
for _infno in PAGED_KINDS:
    handler(_infno)(paged_catalogue)


@handler("1901")
def dictionary(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【1901】 字典表查询 from the packaged code tables."""
    t = str(_data(inp).get("type") or "")
    if not t:
        raise Refusal("type: 字典类型不能为空")
    table = catalog_for(ctx.region).dictionaries.get(t)
    if table is None:
        raise Refusal(f"data.type: 字典类型[{t[:30]}]不存在")
    rows = [{"type": t, "label": label, "value": value, "parentValue": "0", "sort": n, "valiFlag": "1",
             "createUser": "sandbox", "createDate": "2026-01-01", "version": 1}
            for n, (value, label) in enumerate(sorted(table.items()), 1)]  # fmt: skip
    return {"list": rows}
