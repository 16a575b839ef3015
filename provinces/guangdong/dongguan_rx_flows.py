"""Dongguan's e-prescription flows for ``yibao acceptance`` (附件6 电子处方相关接口).

The hospital side (CFYLJG): 008 药店列表 and 009 药品信息, then a prescription 001 预核验 -> 002
医保电子签名 -> 003 上传 for a visit of the run, read back by 005 / 006 / 007; a second one is
uploaded and revoked by 004.  The pharmacy side (CFYYJG): 111 访问令牌, a prescription from
another hospital (the sandbox's ``POST /_sandbox/prescriptions``, or the bureau's test data),
101 授权 with the patient's e-voucher token -> 104 下载 -> 105 核验 -> 106 审方 -> 107 出库,
108 撤销 and 107 again, 109 配送 -> 110 签收; YDZF102 uploads the online stock.

Inputs start from the field tables (``session.synth``) and carry what the centre checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from yibao.core import AcceptanceSession

__all__ = ["hospital_rx", "pharmacy_rx"]


def _data(out: Any) -> Mapping[str, Any]:
    block = out.get("data") if isinstance(out, Mapping) else None
    return block if isinstance(block, Mapping) else {}


def _prescribe(s: AcceptanceSession, n: int) -> tuple[str, str] | None:
    """001 -> 002 -> 003 for a visit of the run; ``(hi_rxno, rx_trace_code)``."""
    who = s.identities.get("main")
    visit = s.visits.get("ID card")
    if who is None or visit is None or s.data.ectoken is None:
        s.messages.append("CFYLJG001: no visit or e-voucher source to prescribe for")
        return None
    now = f"{s.today.isoformat()} 10:00:00"
    drug = str(s.ctx.get("med_list_codg", ""))
    token = s.data.ectoken(who.certno)
    data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "ec_token": token, "auth_no": f"AU{n:010d}",
            "hosp_rxno": f"CF{s.ctx['stamp']}{n}", "prsc_time": now, "rx_drug_cnt": Decimal(1), "vali_days": Decimal(3),
            "vali_end_time": f"{s.today.isoformat()} 23:59:59", "rx_cotn_flag": "0"}  # fmt: skip
    base = dict(who.baseinfo)
    info = {"fixmedins_code": s.ctx["fixmedins_code"], "fixmedins_name": s.ctx["fixmedins_name"],
            "mdtrt_id": visit.mdtrt_id, "psn_no": who.psn_no, "patn_name": who.psn_name, "psn_cert_type": "01",
            "certno": who.certno, "patn_age": Decimal(str(base.get("age") or 40)).quantize(Decimal(1)),
            "gend": str(base.get("gend") or "1"), "mdtrt_time": now, "ipt_otp_no": visit.ipt_otp_no}  # fmt: skip
    line = {"med_list_codg": drug, "drug_genname": "测试药品", "drug_cnt": Decimal(1), "medc_days": Decimal(3),
            "medc_begntime": now, "medc_endtime": f"{s.today.isoformat()} 23:00:00"}  # fmt: skip
    out = s.step("CFYLJG001", lambda: s.send_synth("CFYLJG001", {"data": data, "mdtrtinfo": info,
                                                                 "rxdrugdetail": line}))
    pre = _data(out)
    if not pre.get("hi_rxno"):
        return None
    rx_file = "UlhGSUxFLXRlc3Q="  # the prescription's file (Base64), as the HIS renders it
    signed = _data(s.step("CFYLJG002", lambda: s.call("CFYLJG002", {"data": {
        "fixmedins_code": s.ctx["fixmedins_code"], "original_value": f"{pre['hi_rxno']}|{pre['rx_trace_code']}",
        "original_rx_file": rx_file}})))  # fmt: skip
    up = {"rx_trace_code": pre["rx_trace_code"], "hi_rxno": pre["hi_rxno"], "mdtrt_id": visit.mdtrt_id,
          "patn_name": who.psn_name, "psn_cert_type": "01", "certno": who.certno, "rx_file": rx_file,
          "sign_digest": signed.get("sign_digest", ""), "phar_chk_time": now}  # fmt: skip
    s.step("CFYLJG003", lambda: s.send_synth("CFYLJG003", {"data": up}))
    return str(pre["hi_rxno"]), str(pre["rx_trace_code"])


def hospital_rx(s: AcceptanceSession) -> None:
    """CFYLJG008, 009, 001-003, 005-007, and 004 of a second prescription."""
    if not s.wants("CFYLJG001", "CFYLJG008", "CFYLJG009"):
        return
    page = {"page_num": Decimal(1), "page_size": Decimal(10)}
    code = {"fixmedins_code": s.ctx["fixmedins_code"], "med_list_codg": str(s.ctx.get("med_list_codg", ""))}
    s.step("CFYLJG008", lambda: s.call("CFYLJG008", {"data": {**code, **page}}))
    s.step("CFYLJG009", lambda: s.send_synth("CFYLJG009", {"data": {**code, **page}}))
    first = _prescribe(s, 1)
    second = _prescribe(s, 2)
    who = s.identities.get("main")
    if second is not None and who is not None:
        undo = {"hi_rxno": second[0], "fixmedins_code": s.ctx["fixmedins_code"], "undo_rea": "医生撤销处方",
                "undo_time": f"{s.today.isoformat()} 11:00:00", "undo_dr_cert_type": "01"}  # fmt: skip
        s.step("CFYLJG004", lambda: s.send_synth("CFYLJG004", {"data": undo}))
    if first is not None and who is not None:
        visit = s.visits["ID card"]
        ask = {"fixmedins_code": s.ctx["fixmedins_code"], "hi_rxno": first[0], "mdtrt_id": visit.mdtrt_id,
               "psn_name": who.psn_name, "psn_cert_type": "01", "certno": who.certno}  # fmt: skip
        for infno in ("CFYLJG005", "CFYLJG006", "CFYLJG007"):
            s.step(infno, lambda infno=infno: s.call(infno, {"data": ask}))  # type: ignore[misc]


def pharmacy_rx(s: AcceptanceSession) -> None:
    """CFYYJG111, 101, 104-110 on a prescription of another hospital; YDZF102."""
    code, name = s.ctx["fixmedins_code"], s.ctx["fixmedins_name"]
    if s.wants("YDZF102"):
        drug = str(s.ctx.get("med_list_codg", ""))
        stock = {"med_list_codg": drug, "fixmedins_hilist_id": f"HIS-{drug}"[:30], "fixmedins_hilist_name": "药品",
                 "inv_cnt": Decimal(100), "pric": Decimal("10.00")}  # fmt: skip
        s.step("YDZF102", lambda: s.call("YDZF102", {"data": {"fixmedins_code": code, "fixmedins_name": name,
                                                               "upld_time": f"{s.today.isoformat()} 09:00:00"},
                                                      "invinfo": [stock]}))  # fmt: skip
    if not s.wants("CFYYJG111", "CFYYJG101"):
        return
    out = s.step("CFYYJG111", lambda: s.call("CFYYJG111", {"data": {"fixmedins_code": code, "fixmedins_name": name,
                                                                     "opter": s.ctx["opter"],
                                                                     "opter_name": s.ctx["opter_name"]}}))  # fmt: skip
    token = str(out.get("access_token", "")) if isinstance(out, Mapping) else ""
    who = s.identities.get("main")
    if not token or who is None or s.data.prescription is None or s.data.ectoken is None:
        s.messages.append("CFYYJG101: no access token, person or prescription source")
        return
    s.step("e-prescription of another hospital", lambda: s.data.prescription(who.certno))  # type: ignore[misc]
    acc = {"access_token": token, "fixmedins_code": code, "ip_info": "127.0.0.1", "opter": s.ctx["opter"],
           "opter_name": s.ctx["opter_name"], "optins_no": code}  # fmt: skip
    auth = _data(s.step("CFYYJG101", lambda: s.send_synth("CFYYJG101", {"data": {
        **acc, "psn_name": who.psn_name, "psn_cert_type": "01", "certno": who.certno,
        "ec_token": s.data.ectoken(who.certno)}})))  # type: ignore[misc]  # fmt: skip
    if not auth.get("epc_token"):
        return
    download = {**acc, "epc_token": auth["epc_token"], "auth_rxno": auth["auth_rxno"], "dev_info": "POS-01"}
    got = s.step("CFYYJG104", lambda: s.call("CFYYJG104", {"data": download}))
    rx = _data(got)
    lines = got.get("rx_detl_list", []) if isinstance(got, Mapping) else []
    if not rx.get("hi_rxno"):
        return
    hi = str(rx["hi_rxno"])
    check = _data(s.step("CFYYJG105", lambda: s.call("CFYYJG105", {"data": {
        "access_token": token, "hi_rxno": hi, "fixmedins_code": code, "rx_trace_code": rx["rx_trace_code"],
        "rx_file": rx["rx_file"], "epc_token": auth["epc_token"]}})))  # fmt: skip
    review = {"hi_rxno": hi, "epc_token": auth["epc_token"], "ec_token": s.data.ectoken(who.certno),
              "fixmedins_code": code, "fixmedins_name": name, "phar_cert_type": "01", "phar_certno": who.certno,
              "phar_code": "YS0001", "phar_name": "药师", "rx_chk_opnn": "处方合理", "rx_chk_stas_codg": "1",
              "rx_chk_time": f"{s.today.isoformat()} 10:30:00", "rx_sign_verify_sn": check.get("rx_sign_verify_sn", "")}
    done = s.step("CFYYJG106", lambda: s.call("CFYYJG106", {"rx_chk_up_info": review}))
    biz = str(done.get("rx_chk_biz_sn", "")) if isinstance(done, Mapping) else ""
    sale = [{"rtal_docno": f"LS{hi[-10:]}", "stoout_time": s.today.isoformat(),
             "med_list_codg": str(line["med_list_codg"]),
             "medins_list_codg": f"HIS-{line['med_list_codg']}"[:50],
             "drug_genname": str(line.get("drug_genname") or "药品"),
             "drug_spec": str(line.get("drug_spec") or "规格"), "drug_totlcnt": Decimal(1), "drug_totlcnt_emp": "盒"}
            for line in lines if isinstance(line, Mapping)]  # fmt: skip
    issue = {**{k: acc[k] for k in ("access_token", "fixmedins_code")}, "hi_rxno": hi, "fixmedins_name": name,
             "rx_chk_biz_sn": biz}
    s.step("CFYYJG107", lambda: s.call("CFYYJG107", {"data": issue, "rx_sale_drug_detl": sale}))
    s.step("CFYYJG108", lambda: s.call("CFYYJG108", {"data": {"access_token": token, "hi_rxno": hi,
                                                               "fixmedins_code": code}}))  # fmt: skip
    s.step("CFYYJG107 again", lambda: s.call("CFYYJG107", {"data": issue, "rx_sale_drug_detl": sale}))
    delivery = {"access_token": token, "hi_rxno": hi, "delv_no": f"PS{hi[-10:]}", "delv_addr": "测试地址",
                "delv_entp_name": "测试配送", "delv_stas_codg": "1", "delv_stas_name": "配送中",
                "delv_stas_time": f"{s.today.isoformat()} 11:00:00", "delv_conner": "收货人",
                "fixmedins_code": code, "fixmedins_name": name}  # fmt: skip
    s.step("CFYYJG109", lambda: s.call("CFYYJG109", {"data": delivery}))
    sign = {"access_token": token, "hi_rxno": hi, "delv_no": delivery["delv_no"], "delver_cert_type": "01",
            "delver_certno": who.certno, "delver_name": "配送员", "delv_stas_time": s.today.isoformat()}  # fmt: skip
    s.step("CFYYJG110", lambda: s.send_synth("CFYYJG110", {"data": sign}))
