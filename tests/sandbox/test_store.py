"""The store's ledger API (used by the reconciliation handlers) and persistence across restarts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import PAASID, SECRET, Centre
from flows import basket, person, pharmacy_input

from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.seed import seed_store
from yibao.sandbox.store import Store

D = Decimal


def _row(store: Store, code: str, when: str, **kw: object) -> dict[str, object]:
    args: dict[str, object] = {
        "fixmedins_code": code,
        "psn_no": "P1",
        "medfee_sumamt": D("100.00"),
        "fund_pay_sumamt": D("60.00"),
        "acct_pay": D("30.00"),
        "psn_cash_pay": D("10.00"),
        "setl_time": when,
    }
    args.update(kw)
    return store.create_settlement(**args)  # type: ignore[arg-type]


def test_settlements_query(tmp_path: Path) -> None:
    store = Store(tmp_path / "sandbox.db")
    a = _row(store, "H00000000001", "2024-05-01 00:00:00", insutype="310", clr_type="41", clr_optins="441900")
    _row(store, "H00000000001", "2024-05-31 23:59:59", insutype="390", clr_type="9904", clr_optins="440100")
    _row(store, "H00000000001", "2024-06-01 00:00:00")
    _row(store, "H00000000002", "2024-05-10 12:00:00")
    may = store.settlements("H00000000001", "2024-05-01", "2024-05-31")
    assert len(may) == 2 and may[0]["setl_id"] == a["setl_id"]
    assert [r["setl_time"] for r in store.settlements("H00000000001", date(2024, 5, 31), date(2024, 6, 1))] == [
        "2024-05-31 23:59:59",
        "2024-06-01 00:00:00",
    ]
    assert len(store.settlements("H00000000001", "2024-05-01", "2024-05-31", insutype="390")) == 1
    assert len(store.settlements("H00000000001", "2024-05-01", "2024-05-31", clr_type="41", clr_optins="441900")) == 1
    assert store.settlements("H00000000001", "2024-05-01", "2024-05-31", states=["cancelled"]) == []
    row = may[0]
    assert isinstance(row["medfee_sumamt"], Decimal) and row["medfee_sumamt"] == D("100.00")
    store.update_settlement(str(row["setl_id"]), state="cancelled", cancel_time="2024-06-02 10:00:00")
    assert (
        store.settlements("H00000000001", "2024-05-01", "2024-05-31", states=["cancelled"])[0]["setl_id"]
        == a["setl_id"]
    )
    assert store.settlement_by_msgid("H00000000001", str(a["msgid"]))["setl_id"] == a["setl_id"]  # type: ignore[index]
    assert store.settlement("H00000000002", str(a["setl_id"])) is None  # books are per institution


def test_money_is_exact_text_and_floats_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "sandbox.db")
    row = _row(store, "H00000000001", "2024-05-01 10:00:00", medfee_sumamt=D("0.10"), fund_pay_sumamt=D("0.07"))
    raw = store.query_one("SELECT medfee_sumamt, fund_pay_sumamt FROM settlements WHERE setl_id = ?", (row["setl_id"],))
    assert raw == {"medfee_sumamt": "0.10", "fund_pay_sumamt": "0.07"}
    with pytest.raises(TypeError):
        _row(store, "H00000000001", "2024-05-01 10:00:00", medfee_sumamt=0.1)


def test_refused_transaction_rolls_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "sandbox.db")
    with pytest.raises(RuntimeError), store.transaction():
        _row(store, "H00000000001", "2024-05-01 10:00:00")
        raise RuntimeError("refused")
    assert store.ledger() == []


def test_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "sandbox.db")
    qno = store.save_file("H00000000001", "a.zip", b"PK\x03\x04data", kind="upload")
    got = store.get_file(qno)
    assert got is not None and bytes(got["data"]) == b"PK\x03\x04data" and got["kind"] == "upload"


def test_restart_keeps_the_books(tmp_path: Path) -> None:
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "state")
    first = Centre(app=create_app(cfg))
    first.sign_in()
    p = person(first, min_balc=D("100"))
    info = first.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"])["setlinfo"]
    second = Centre(app=create_app(cfg))
    assert [r["setl_id"] for r in second.control("GET", "/_sandbox/ledger")[1]] == [info["setl_id"]]
    assert second.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == info["balc"]
    second.sign_no = first.sign_no  # the day's sign-in survives too
    cancel = {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": p["psn_no"]}}
    assert second.call("2103", cancel, insuplc_admdvs=p["insuplc_admdvs"])["infcode"] == 0


def test_reset_reseeds(tmp_path: Path) -> None:
    store = Store(tmp_path / "sandbox.db", seeder=seed_store)
    n = len(store.persons())
    _row(store, "H00000000001", "2024-05-01 10:00:00")
    store.add_schema("CREATE TABLE IF NOT EXISTS ext_rows (x TEXT)")
    store.execute("INSERT INTO ext_rows VALUES ('a')")
    store.reset()
    assert store.ledger() == [] and len(store.persons()) == n
    assert store.query("SELECT * FROM ext_rows") == []


def test_ids_are_unique_across_restarts(tmp_path: Path) -> None:
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "state")
    ids = set()
    for _ in range(2):
        c = Centre(app=create_app(cfg))
        c.sign_in()
        p = person(c, min_balc=D("100"))
        info = c.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"])["setlinfo"]
        ids.add(info["setl_id"])
        ids.add(info["mdtrt_id"])
    assert len(ids) == 4
    # Guangdong 3260/3261 carry mdtrt_id and setl_id as C20 (S+6+6+7).
    assert all(len(i) == 20 and i[1:7] == "441900" for i in ids)
