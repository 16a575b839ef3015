"""The field tables of Dongguan's own transactions (附件6), built once and checked in.

No public document gives these tables except CFYYJG106 (表 53 of a public copy of the
e-prescription interface).  Every other entry is ``verified: false`` and its ``source`` says
what it rests on:

- **e-prescriptions** CFYLJG001-007 and CFYYJG101, 104, 105, 107-110 carry the same names as
  the national e-prescription centre's 7101-7107 / 7201, 7204, 7205, 7207-7210 (national
  baseline V1.1.27): their tables are those, in the snake_case that the public CFYYJG106 table
  uses for the national 7206's fields (``hiRxno`` -> ``hi_rxno``).  The pharmacy-side calls
  also carry ``access_token``, the 电子处方访问令牌 of CFYYJG111 (assumed);
- **the city's services** 90100-90517 and the self-pay uploads 4201A-4209: tables written
  here after the national tables of the nearest transaction (2503 / 2505 for 备案, 4201 for
  自费明细), each field named as the national baseline names it;
- **2501A / 4101A**: the national 2501 / 4101 tables;
- **6101**: the national table plus ``ecQrCode``, the QR content the scanner read (the
  national DLL reads it itself; over HTTP it has to travel in the message).

Regenerate ``data/dongguan_extras.json`` (the client's copy) after a change here with::

    python -m yibao.provinces.guangdong.dongguan_tables

The sandbox keeps its own copy of the same tables in ``sandbox/data/regions.json`` (the
centre never imports the client); ``tests/provinces/test_dongguan_tables.py`` keeps the three
in step.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Final

from yibao.core.catalog import load_catalog

from .dongguan_own_tables import OWN_TABLES
from .table_dsl import fields, snake_entry

__all__ = ["DATA_FILE", "RX_MAP", "RX_NEAR", "RX_PUBLIC", "build_entries", "main"]

DATA_FILE = Path(__file__).resolve().parent / "data" / "dongguan_extras.json"

_NAT = "national baseline V1.1.27 (Hunan edition)"
#: (Dongguan infno, its name in 附件6, the national transaction of the same name).
RX_MAP: Final[tuple[tuple[str, str, str], ...]] = (
    ("CFYLJG001", "电子处方上传预核验", "7101"),
    ("CFYLJG002", "电子处方医保电子签名", "7102"),
    ("CFYLJG003", "电子处方上传", "7103"),
    ("CFYLJG004", "电子处方撤销", "7104"),
    ("CFYLJG005", "电子处方信息查询", "7105"),
    ("CFYLJG006", "电子处方审核结果查询", "7106"),
    ("CFYLJG007", "电子处方取药结果查询", "7107"),
    ("CFYYJG101", "电子处方线下流转授权", "7201"),
    ("CFYYJG104", "电子处方下载", "7204"),
    ("CFYYJG105", "电子处方信息核验", "7205"),
    ("CFYYJG107", "药品销售出库明细上传", "7207"),
    ("CFYYJG108", "药品销售出库明细撤销", "7208"),
    ("CFYYJG109", "药品配送信息同步", "7209"),
    ("CFYYJG110", "药品配送签收确认", "7210"),
)
#: Not the same name, the nearest meaning: CFYLJG009 lists the drugs a prescription may hold,
#: as the national 7211 电子处方药品目录查询 does.
RX_NEAR: Final[tuple[tuple[str, str, str], ...]] = (("CFYLJG009", "查询处方药品信息", "7211"),)
#: CFYYJG106 keeps its public table (表 53), whose fields are the national 7206's in snake_case.
RX_PUBLIC: Final = ("CFYYJG106", "7206")

#: Corrections of the national tables as they are mapped (the national print is wrong there).
_FIXES: Final[dict[tuple[str, str], dict[str, Any]]] = {
    # 7104 prints undoRea 数值型 200: a reason is text.
    ("CFYLJG004", "undo_rea"): {"type": "C"},
}

_TOKEN = fields("access_token* 电子处方访问令牌 C100 CFYYJG111 issues it (assumed field)")[0]


def _rx_entries() -> list[dict[str, Any]]:
    national = load_catalog()
    out = []
    for infno, name, nat in (*RX_MAP, *RX_NEAR):
        t = national.get(nat)
        if t is None:  # pragma: no cover - the national catalogue carries 7101-7211
            raise KeyError(nat)
        how = "same name" if (infno, name, nat) in RX_MAP else "nearest meaning, another name"
        source = (f"assumed: {_NAT} {nat} {t.name} ({how}), fields in snake_case as the public "
                  f"CFYYJG106 table writes the national 7206's")  # fmt: skip
        e = snake_entry(t.to_json(), infno, name, source)
        if infno.startswith("CFYYJG"):
            e["input"][0]["fields"].insert(0, dict(_TOKEN))
        for n in e["input"]:
            for f in n["fields"]:
                f.update(_FIXES.get((infno, f["code"]), {}))
        out.append(e)
    return out


def _with_qr(infno: str) -> dict[str, Any]:
    """6101 as the national table, plus the QR content (ecQrCode) the scanner read."""
    t = load_catalog().get(infno)
    assert t is not None
    e = t.to_json()
    e["verified"] = False
    e["source"] = (f"{_NAT} 6101 解析医保电子凭证二维码, plus ecQrCode (assumed name): the QR content, which the "
                   "national DLL reads from the scanner and an HTTP client must send")  # fmt: skip
    e["input"][0]["fields"].append(fields("ecQrCode* 电子凭证二维码 C512 the scanned QR content")[0])
    return e


def _copy(nat: str, infno: str, name: str) -> dict[str, Any]:
    t = load_catalog().get(nat)
    assert t is not None
    e = t.to_json()
    e.update(infno=infno, name=name, verified=False,
             source=f"assumed: {_NAT} {nat} {t.name} (附件6 names {infno} beside it; no public table of its own)")
    return e


def build_entries() -> list[dict[str, Any]]:
    """Every Dongguan entry, in a stable order (the checked-in JSON is exactly this)."""
    entries = [_with_qr("6101"), _copy("2501", "2501A", "转院备案A"), _copy("4101", "4101A",
                                                                        "医疗保障基金结算清单信息上传A")]
    entries += _rx_entries()
    entries += [dict(e) for e in OWN_TABLES]
    return entries


def write_sandbox_copy(regions_json: Path, entries: list[dict[str, Any]]) -> None:
    """Put ``entries`` as the centre's own copy into ``sandbox/data/regions.json`` (441900)."""
    data = json.loads(regions_json.read_text(encoding="utf-8"))
    city = data["regions"]["441900"]
    city["transactions"] = entries
    regions_json.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yibao.provinces.guangdong.dongguan_tables", description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA_FILE, help="the JSON file to write")
    parser.add_argument("--sandbox", type=Path, default=None,
                        help="also write the centre's copy into this regions.json (sandbox/data/regions.json)")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    entries = build_entries()
    args.out.write_text(json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(args.out)
    if args.sandbox is not None:
        write_sandbox_copy(args.sandbox, entries)
        print(args.sandbox)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
