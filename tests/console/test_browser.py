"""The console in a real browser (Debian's Chromium through Playwright) against ``yibao serve`` on a
real socket and the sandbox: sign-in, the day, a lost settlement reversed from the unresolved
page, an entry the centre never saw resolved by hand there, a month with one difference
reconciled, clearing confirmed and rolled back (issue 14)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from yibao.core.errors import OutcomeUnknownError
from yibao.core.journal import State
from yibao.sandbox.handlers.clearing import confirmed

from .conftest import PASSWORD, USER, Desk, shot, sign_in

CST = timezone(timedelta(hours=8))


def _month() -> str:
    return datetime.now(CST).strftime("%Y-%m")


def _wait_job(page: Any) -> None:
    """The progress panel polls itself (htmx) until the job is done."""
    page.wait_for_selector("#job[data-state=done], #job[data-state=failed]", timeout=60_000)
    assert page.get_attribute("#job", "data-state") == "done", page.inner_text("#job")


def _lost_sale(desk: Desk, n: int, fault: str) -> str:
    """A pharmacy sale of the ``n``-th Dongguan person whose 2102 meets ``fault``: its msgid (UNKNOWN)."""
    c = desk.centre
    c.fault("2102", fault)
    with pytest.raises(OutcomeUnknownError) as lost:
        c.pharmacy(c.person("4419", n))
    msgid = lost.value.msgid
    assert msgid
    return msgid


def test_sign_in_is_required_and_a_wrong_password_is_refused(page: Any, desk: Desk) -> None:
    page.goto(desk.url + "unresolved")
    assert "/console/login" in page.url
    sign_in(page, desk, password="not-the-password")
    assert "用户名或密码错误" in page.inner_text("[role=alert]")
    sign_in(page, desk)
    page.wait_for_url(re.compile(r"/console/$"))
    assert "王丽" in page.inner_text("header")
    shot(page, "01-today-empty")
    page.click("text=退出 Sign out")
    page.wait_for_url(re.compile(r"/console/login"))
    page.goto(desk.url)
    assert "/console/login" in page.url


def test_a_form_without_its_csrf_token_is_refused(desk: Desk) -> None:
    with httpx.Client(base_url=desk.service.url) as c:
        login = c.get("/console/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text)
        assert token, login.text
        refused = c.post("/console/login", data={"username": USER, "password": PASSWORD})
        assert refused.status_code == 403 and "表单已过期" in refused.text
        ok = c.post("/console/login", data={"username": USER, "password": PASSWORD, "_csrf_token": token[1]})
        assert ok.status_code == 303
        # signed in, a state-changing form still needs the token
        assert c.post("/console/reconcile", data={"month": _month()}).status_code == 403


def test_today_shows_the_settlements_and_their_totals(page: Any, desk: Desk) -> None:
    c = desk.centre
    who = c.person("4419", 0)
    sale = c.pharmacy(who)
    sign_in(page, desk)
    page.wait_for_url(re.compile(r"/console/$"))
    rows = page.inner_text("#entries")
    assert sale.setl_id in rows and "成功" in rows
    assert page.inner_text("#total") == str(sale.medfee_sumamt)
    insutypes = page.inner_text("#insutypes")
    assert who.insutype in insutypes and str(sale.medfee_sumamt) in insutypes
    assert "药店购药" in page.inner_text("#clr_types")
    assert "T01" in page.inner_text("#desks")
    shot(page, "02-today")


def test_a_lost_settlement_is_reversed_from_the_unresolved_page(page: Any, desk: Desk) -> None:
    c = desk.centre
    msgid = _lost_sale(desk, 1, "drop_after_commit")
    assert c.client.journal.get(msgid).state is State.UNKNOWN
    sign_in(page, desk)
    page.goto(desk.url + "unresolved")
    row = page.locator(f"#row-{msgid}")
    assert "结果未知" in row.inner_text()
    shot(page, "03-unresolved")
    page.once("dialog", lambda d: d.accept())  # hx-confirm
    row.locator("button", has_text="立即冲正").click()
    page.wait_for_selector(f"#row-{msgid} .result")
    assert "REVERSED" in page.inner_text(f"#row-{msgid} .result") or "已冲正" in page.inner_text(f"#row-{msgid}")
    shot(page, "04-reversed")
    entry = c.client.journal.get(msgid)
    assert entry.state is State.REVERSED
    assert "2601" in page.inner_text(f"#row-{msgid} .history")  # its 2601 row, in the history
    code = c.client.config.institution.fixmedins_code
    assert [r["state"] for r in c.store.ledger(code) if r.get("msgid") == msgid] == ["reversed"]
    page.goto(desk.url + "audit")
    audit = page.inner_text("#audit")
    assert "reverse 2601" in audit and msgid in audit and USER in audit


def test_an_entry_the_centre_never_saw_is_resolved_by_hand_from_the_unresolved_page(page: Any, desk: Desk) -> None:
    """The gateway's 500 (nothing reached the books): every 2601 meets "original not found" until
    the entry is NEEDS_ATTENTION; the row's form settles it as the centre was found to hold it."""
    c = desk.centre
    msgid = _lost_sale(desk, 2, "error_500")
    for _ in range(c.client.config.reversal.not_found_retries + 1):
        c.client.journal.reverse_now(msgid)
    assert c.client.journal.get(msgid).state is State.NEEDS_ATTENTION
    sign_in(page, desk)
    page.goto(desk.url + "unresolved")
    form = page.locator(f"#row-{msgid} form.resolve")
    form.locator("select[name=finding]").select_option("not_at_centre")
    form.locator("input[name=note]").fill("3202 明细无此交易; 医保局电话确认")
    page.once("dialog", lambda d: d.accept())  # hx-confirm
    form.locator("button", has_text="人工处理").click()
    page.wait_for_selector(f"#row-{msgid} .result")
    assert "FAILED" in page.inner_text(f"#row-{msgid} .result") or "失败" in page.inner_text(f"#row-{msgid}")
    assert page.locator(f"#row-{msgid} form.resolve").count() == 0  # nothing left to resolve
    entry = c.client.journal.get(msgid)
    assert entry.state is State.FAILED and entry.notes and f"by console:{USER}: 3202 明细无此交易" in entry.notes
    code = c.client.config.institution.fixmedins_code
    assert [r for r in c.store.ledger(code) if r.get("msgid") == msgid] == []
    page.goto(desk.url + "audit")
    audit = page.inner_text("#audit")
    assert "resolve not_at_centre" in audit and msgid in audit


def test_a_month_with_one_difference_is_reconciled_and_shown(page: Any, desk: Desk) -> None:
    c = desk.centre
    kept = c.pharmacy(c.person("4419", 0))
    row = c.store.settlement(c.client.config.institution.fixmedins_code, kept.setl_id)
    assert row is not None
    stray = c.store.create_settlement(
        fixmedins_code=row["fixmedins_code"], psn_no=row["psn_no"], medfee_sumamt=Decimal("50.00"),
        fund_pay_sumamt=Decimal("30.00"), acct_pay=Decimal("0.00"), psn_cash_pay=Decimal("20.00"),
        insutype=row["insutype"], clr_type=row["clr_type"], clr_optins=row["clr_optins"],
        setl_time=row["setl_time"], msgid="C44190020260101000000000001")  # fmt: skip
    sign_in(page, desk)
    page.goto(desk.url + "reconcile")
    page.fill("input[name=month]", _month())
    page.click("#reconcile button[type=submit]")
    page.wait_for_selector("#job")
    _wait_job(page)
    assert "对账不平" in page.inner_text("#balanced")
    diffs = page.inner_text("#differences")
    assert stray["setl_id"] in diffs and "only_centre" in diffs and "补记" in diffs
    assert "3201" in page.inner_text("#job .lines")  # the progress lines of the run
    shot(page, "05-reconcile")
    href = page.get_attribute("a[download]", "href")
    report = page.request.get(desk.service.url + href).json()
    assert report["balanced"] is False and [d["setl_id"] for d in report["differences"]] == [stray["setl_id"]]


def test_clearing_is_confirmed_in_batches_and_rolled_back(page: Any, desk: Desk) -> None:
    c = desk.centre
    elsewhere = c.person("4401", 0)
    sales = [c.pharmacy(elsewhere) for _ in range(2)]
    month, code = _month(), c.client.config.institution.fixmedins_code
    sign_in(page, desk)
    page.goto(desk.url + "clearing")
    page.fill("#plan input[name=month]", month)
    page.click("#plan button[type=submit]")
    _wait_job(page)
    page.click("text=查看清分明细")
    rows = page.inner_text("#rows")
    assert all(s.setl_id in rows for s in sales) and "同意" in rows
    assert elsewhere.certno not in page.content()  # the ID number is shown masked
    shot(page, "06-clearing-rows")
    page.click("#confirm button[type=submit]")
    _wait_job(page)
    assert "已确认批次 confirmed batches 1" in page.inner_text("#clearing-summary")
    live = confirmed(c.store, code, month.replace("-", ""))
    assert set(live) == {s.setl_id for s in sales} and set(live.values()) == {"1"}
    page.click("text=查看清分明细")
    assert page.locator("#confirmations li").count() == 1
    shot(page, "07-clearing-confirmed")
    page.click("#confirmations button")
    assert "3262 已回退" in page.inner_text("#clearing-result")
    assert confirmed(c.store, code, month.replace("-", "")) == {}
    shot(page, "08-clearing-rolled-back")


def test_a_person_is_looked_up_and_their_settlement_queried(page: Any, desk: Desk) -> None:
    c = desk.centre
    p = next(x for x in c.persons if str(x["insuplc_admdvs"]).startswith("4419"))
    sale = c.outpatient(c.person("4419", 0))  # the same person: the first insured in 4419
    sign_in(page, desk)
    page.goto(desk.url + "person")
    page.fill("input[name=certno]", p["certno"])
    page.fill("input[name=psn_name]", p["psn_name"])
    page.select_option("select[name=med_type]", "11")
    page.click("#lookup button[type=submit]")
    page.wait_for_selector("#person")
    html = page.content()
    assert p["certno"] not in html and p["psn_name"] not in html  # masked on the page
    assert sale.mdtrt_id in page.inner_text("#visits")
    shot(page, "09-person")
    page.locator("#visits tr", has_text=sale.mdtrt_id).locator("button").click()
    page.wait_for_selector("#fees")
    assert sale.setl_id in page.inner_text("#setlinfo")
    assert "暂无" not in page.inner_text("#fees") and page.locator("#fees tr").count() >= 2
    shot(page, "10-settlement-query")


def test_a_catalogue_is_synced_with_progress_and_searched(page: Any, desk: Desk) -> None:
    sign_in(page, desk)
    page.goto(desk.url + "catalog")
    assert "尚未同步" in page.inner_text("#states")
    page.fill("#sync input[name=kinds]", "1301 1305")
    page.click("#sync button[type=submit]")
    _wait_job(page)
    synced = page.inner_text("#synced")
    assert "1301" in synced and "1305" in synced
    page.click("text=返回目录")
    assert "1301" in page.inner_text("#states")
    code = desk.centre.catalog[0]["med_list_codg"]
    page.fill("#search input[name=q]", code[:6])
    page.click("#search button[type=submit]")
    assert code[:6] in page.inner_text("#found")
    # one catalogue only: the services' rows, none of the drugs' (both codes start with SB)
    page.fill("#search input[name=q]", "SB")
    page.select_option("#search select[name=kind]", "1305")
    page.click("#search button[type=submit]")
    kinds = {t.strip() for t in page.locator("#found tr td:first-child").all_inner_texts()}
    assert kinds == {"1305"}, kinds
    assert page.locator("#search select[name=kind]").input_value() == "1305"
    shot(page, "11-catalog")


def test_an_acceptance_run_is_watched_and_its_report_opened(page: Any, desk: Desk) -> None:
    sign_in(page, desk)
    page.goto(desk.url + "acceptance")
    page.select_option("#acceptance select[name=kind]", "pharmacy")
    page.click("#acceptance button[type=submit]")
    page.wait_for_selector("#job[data-state=running], #job[data-state=done]")
    _wait_job(page)
    summary = page.inner_text("#acceptance-summary")
    assert "通过 passed" in summary and "2102" in page.inner_text("#interfaces")
    shot(page, "12-acceptance")
    href = page.get_attribute("text=打开验收报告 Open the report", "href")
    report = page.request.get(desk.service.url + href)
    assert report.ok and "接口验收报告" in report.text()
