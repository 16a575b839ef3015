"""Dongguan's own tables, written in the notation of :mod:`.table_dsl` (see :mod:`.dongguan_tables`).

Only CFYYJG106 rests on a published table (``verified: true``).  The others are ours
(``verified: false``): the inputs a centre needs to do what the name says, with the national
baseline's field names, and the outputs a HIS needs to act on the answer.
"""

from __future__ import annotations

from typing import Any, Final

from .table_dsl import entry, node

__all__ = ["OWN_TABLES"]

_DOC = "assumed: 附件6 names it; no public field table; fields after the national "
_R = "trt_dcla_detl_sn* 待遇申报明细流水号 C30"
_FIL = f"{_DOC}2503 / 2505 备案 tables"
_SELF = f"{_DOC}4201 自费病人费用明细信息上传 table"

_CFYYJG106 = entry(
    "CFYYJG106", "电子处方药师审方信息上传", "state",
    "public spec copy d.pingjiangxian.com/html/new_rx/CFYYJG106.html (表 53)",
    [node("rx_chk_up_info",
          "hi_rxno* 医保处方编号 C30; epc_token* 电子处方令牌 C100; ec_token* 审方药师电子凭证令牌 C64; "
          "fixmedins_code* 定点医药机构编码 C30; fixmedins_name* 定点医药机构名称 C200; "
          "phar_cert_type* 审方药师证件类型 C6#; "
          "phar_certno* 审方药师证件号码 C50; phar_code* 审方医保药师代码 C50; phar_name* 审方药师姓名 C50; "
          "rx_chk_opnn* 处方审核理由 C2000; rx_chk_time* 审核时间 DT; rx_chk_stas_codg* 处方审核状态代码 C10#; "
          "rx_sign_verify_sn* 处方签名验签流水号 C40", caption="处方审方信息")],
    [node("", "msg_code* 成功标志 C6 0-成功; flag 结果说明 C200; rx_chk_biz_sn 处方审核业务流水号 C30")],
    verified=True,
)  # fmt: skip

_RX_OWN = (
    entry("CFYYJG111", "获取电子处方访问令牌", "query", f"{_DOC}e-prescription centre's token practice",
          [node("data", "fixmedins_code* 定点医药机构编号 C30; fixmedins_name* 定点医药机构名称 C200; "
                        "opter* 经办人 C20; opter_name* 经办人姓名 C50")],
          [node("", "msg_code* 成功标志 C6; access_token* 电子处方访问令牌 C100; expires_in* 有效期(秒) INT10")]),
    entry("CFYLJG008", "查询药店列表", "query", f"{_DOC}7211 paging fields; stock from YDZF102",
          [node("data", "fixmedins_code* 定点医药机构编号 C30; med_list_codg 医疗目录编码 C50; admdvs 医保区划 C6; "
                        "page_num* 当前页数 N4; page_size* 本页数据量 N4")],
          [node("", "total* 总记录数 N10"), node("list", "fixmedins_code* 药店编号 C30; fixmedins_name* 药店名称 C200; "
                    "med_list_codg 医疗目录编码 C50; inv_cnt 在线库存数量 N16,4", multi=True)]),
    entry("YDZF102", "在线库存上传", "state", f"{_DOC}3501 盘存 fields",
          [node("data",
                "fixmedins_code* 定点医药机构编号 C30; fixmedins_name* 定点医药机构名称 C200; upld_time* 上传时间 DT"),
           node("invinfo", "med_list_codg* 医疗目录编码 C50; fixmedins_hilist_id* 定点医药机构目录编号 C30; "
                           "fixmedins_hilist_name* 定点医药机构目录名称 C200; inv_cnt* 库存数量 N16,4; "
                           "pric* 单价 N16,6", multi=True)],
          [node("", "msg_code* 成功标志 C6; upld_cnt* 上传条数 N10")]),
)  # fmt: skip

_CITY = (
    entry("90100", "人员近一年缴费明细查询", "query", f"{_DOC}5206 人员累计信息查询 shape",
          [node("data", "psn_no* 人员编号 C30; begndate 开始日期 D; enddate 结束日期 D")],
          [node("data", "psn_no* 人员编号 C30; insutype* 险种类型 C6#; accrym* 费款所属期 C6 yyyyMM; "
                        "emp_name 单位名称 C200; emp_clct_amt* 单位缴费金额 N16,2; psn_clct_amt* 个人缴费金额 N16,2; "
                        "clct_time* 到账日期 D", multi=True)]),
    entry("90101", "生育登记查询", "query", f"{_DOC}5302 query shape",
          [node("data", "psn_no* 人员编号 C30")],
          [node("data", f"{_R}; psn_no* 人员编号 C30; matn_type* 生育类别 C6#; geso_val 孕周数 N2; "
                        "last_mena_date 末次月经日期 D; fixmedins_code* 定点医药机构编号 C30; begndate* 开始日期 D; "
                        "enddate 结束日期 D; vali_flag* 有效标志 C3#", multi=True)]),
    entry("90104", "门慢门特登记查询(东莞)", "query", f"{_DOC}5301 人员慢特病备案查询",
          [node("data", "psn_no* 人员编号 C30")],
          [node("data", f"{_R}; opsp_dise_code* 门慢门特病种目录代码 C30; opsp_dise_name* 门慢门特病种名称 C300; "
                        "ide_fixmedins_no 鉴定定点医药机构编号 C30; begndate* 开始日期 D; enddate 结束日期 D; "
                        "dcla_souc 申报来源 C6#; vali_flag* 有效标志 C3#", multi=True)]),
    entry("90110", "人员定点信息查询(东莞)", "query", f"{_DOC}5302 人员定点信息查询",
          [node("data", "psn_no* 人员编号 C30")],
          [node("data", f"{_R}; psn_no* 人员编号 C30; fix_srt_no* 定点排序号 C3; fixmedins_code* 定点医药机构编号 C30; "
                        "fixmedins_name* 定点医药机构名称 C200; begndate* 开始日期 D; enddate 结束日期 D; "
                        "vali_flag* 有效标志 C3#", multi=True)]),
    entry("90201", "生育登记", "state", f"{_DOC}2505 备案 table with 生育 fields of 2401",
          [node("data", "psn_no* 人员编号 C30; insutype* 险种类型 C6#; matn_type* 生育类别 C6#; geso_val* 孕周数 N2; "
                        "last_mena_date* 末次月经日期 D; plan_brth_date 预计分娩日期 D; "
                        "fixmedins_code* 定点医药机构编号 C30; "
                        "fixmedins_name* 定点医药机构名称 C200; begndate* 开始日期 D; tel 联系电话 C50; "
                        "memo 备注 C500")],
          [node("result", _R)]),
    entry("90206", "慢特病备案(东莞)", "state", _FIL,
          [node("data", "psn_no* 人员编号 C30; insutype* 险种类型 C6#; opsp_dise_code* 门慢门特病种目录代码 C30; "
                        "opsp_dise_name* 门慢门特病种名称 C300; ide_fixmedins_no* 鉴定定点医药机构编号 C30; "
                        "ide_fixmedins_name* 鉴定定点医药机构名称 C200; hosp_ide_date* 医院鉴定日期 D; "
                        "diag_dr_codg* 诊断医师编码 C30; diag_dr_name* 诊断医师姓名 C50; begndate* 开始日期 D; "
                        "enddate 结束日期 D; tel 联系电话 C50; memo 备注 C500")],
          [node("result", _R)]),
    entry("90210", "人员定点备案(东莞)", "state", _FIL,
          [node("data", "psn_no* 人员编号 C30; fix_srt_no* 定点排序号 C3; fixmedins_code* 定点医药机构编号 C30; "
                        "fixmedins_name* 定点医药机构名称 C200; begndate* 开始日期 D; enddate 结束日期 D; "
                        "tel 联系电话 C50; memo 备注 C500")],
          [node("result", _R)]),
    entry("90211", "人员定点备案变更", "state", _FIL,
          [node("data", f"{_R}; psn_no* 人员编号 C30; fixmedins_code* 定点医药机构编号 C30; "
                        "fixmedins_name* 定点医药机构名称 C200; begndate* 开始日期 D; chg_rea* 变更原因 C200")],
          [node("result", _R)]),
    entry("90215", "转院信息查询(东莞)", "query", f"{_DOC}5304 转院信息查询",
          [node("data", "psn_no* 人员编号 C30; begndate* 开始日期 D; enddate* 结束日期 D")],
          [node("data", f"{_R}; psn_no* 人员编号 C30; reflin_medins_no* 转往定点医药机构编号 C30; "
                        "reflin_medins_name* 转往定点医药机构名称 C200; refl_type* 转院类型 C30#; "
                        "refl_date* 转院日期 D; "
                        "begndate* 开始日期 D; enddate 结束日期 D; vali_flag* 有效标志 C3#", multi=True)]),
    entry("90304", "撤销慢特病备案", "state", f"{_DOC}2504 人员慢特病备案撤销",
          [node("data", f"{_R}; psn_no* 人员编号 C30; memo* 备注 C500")]),
    entry("90306", "撤销结算清单信息", "state", f"{_DOC}4102 结算清单信息状态修改",
          [node("data", "psn_no* 人员编号 C30; setl_id* 结算ID C30; setl_list_id* 结算清单ID C30; memo 备注 C500")]),
    entry("90502", "月结对数查询", "query", f"{_DOC}3201 对总账 fields",
          [node("data", "setl_ym* 结算年月 C6 yyyyMM; clr_type 清算类别 C30#; insutype 险种类型 C6#")],
          [node("data",
                "setl_ym* 结算年月 C6; clr_type* 清算类别 C30#; insutype* 险种类型 C6#; setl_cnt* 结算笔数 N10; "
                        "refd_setl_cnt* 退费结算笔数 N10; medfee_sumamt* 医疗费总额 N16,2; "
                        "fund_pay_sumamt* 基金支付总额 N16,2; "
                        "acct_pay* 个人账户支出 N16,2; psn_cash_pay* 个人现金支出 N16,2", multi=True)]),
    entry("90504", "月结信息查询(东莞)", "query", f"{_DOC}3201 对总账 fields",
          [node("data", "setl_ym* 结算年月 C6 yyyyMM")],
          [node("data", "fixmedins_code* 定点医药机构编号 C30; setl_ym* 结算年月 C6; clr_type* 清算类别 C30#; "
                        "setl_cnt* 结算笔数 N10; medfee_sumamt* 医疗费总额 N16,2; fund_pay_sumamt* 基金支付总额 N16,2; "
                        "acct_pay* 个人账户支出 N16,2; psn_cash_pay* 个人现金支出 N16,2; "
                        "clr_stas* 清算状态 C3 0-未清算", multi=True)]),
    entry("90517", "未就业配偶信息上传", "state", f"{_DOC}2505 备案 table (生育: the insured's unemployed spouse)",
          [node("data", "psn_no* 参保人人员编号 C30; spus_name* 配偶姓名 C50; spus_cert_type* 配偶证件类型 C6#; "
                        "spus_certno* 配偶证件号码 C50; mrg_regdate* 结婚登记日期 D; "
                        "unemp_flag* 未就业标志 C3 1-未就业; "
                        "tel 联系电话 C50; memo 备注 C500")],
          [node("result", _R)]),
)  # fmt: skip

_FEE = ("mdtrt_sn* 就医流水号 C30; ipt_otp_no* 住院/门诊号 C30; med_type* 医疗类别 C6#; chrg_bchno* 收费批次号 C30; "
        "feedetl_sn* 费用明细流水号 C30; psn_cert_type* 人员证件类型 C6#; certno* 证件号码 C50; "
        "psn_name* 人员姓名 C50; "
        "fee_ocur_time* 费用发生时间 DT; cnt* 数量 N16,4; pric* 单价 N16,6; "
        "det_item_fee_sumamt* 明细项目费用总额 N16,2; "
        "med_list_codg* 医疗目录编码 C50; medins_list_codg* 医药机构目录编码 C150; "
        "medins_list_name* 医药机构目录名称 C100; "
        "med_chrgitm_type* 医疗收费项目类别 C6#; prodname 商品名 C200; bilg_dept_codg* 开单科室编码 C30; "
        "bilg_dept_name* 开单科室名称 C100; bilg_dr_codg* 开单医生编码 C30; bilg_dr_name* 开单医师姓名 C50; "
        "memo 备注 C500")
_MDTRT = ("mdtrt_sn* 就医流水号 C30; ipt_otp_no* 住院/门诊号 C30; med_type* 医疗类别 C6#; "
          "psn_cert_type* 人员证件类型 C6#; "
          "certno* 证件号码 C50; psn_name* 人员姓名 C50; gend* 性别 C6#; brdy 出生日期 D; begntime* 开始时间 DT; "
          "endtime 结束时间 DT; dept_codg* 科室编码 C30; dept_name* 科室名称 C100; dr_name 医师姓名 C50")
_DIAG = ("diag_type* 诊断类别 C3#; diag_srt_no* 诊断排序号 N2; diag_code* 诊断代码 C30; diag_name* 诊断名称 C200; "
         "maindiag_flag* 主诊断标志 C3#; diag_time 诊断时间 DT")
_SN = "mdtrt_sn* 就医流水号 C30"

_SELFPAY = (
    entry("4201A", "自费病人住院费用明细信息上传", "state", _SELF,
          [node("feedetail", _FEE, multi=True)]),
    entry("4202", "自费病人住院就诊和诊断信息上传", "state", _SELF,
          [node("mdtrtinfo", _MDTRT), node("diseinfo", _DIAG, multi=True)]),
    entry("4203", "自费病人就诊以及费用明细上传完成", "state", _SELF,
          [node("data", f"{_SN}; fee_cnt* 明细条数 N10; medfee_sumamt* 医疗费总额 N16,2")]),
    entry("4204", "自费病人住院费用明细删除", "state", _SELF,
          [node("data", f"{_SN}; feedetl_sn 费用明细流水号 C30 空为全部删除")]),
    entry("4205", "自费病人门诊就医信息上传", "state", _SELF,
          [node("mdtrtinfo", _MDTRT), node("diseinfo", _DIAG, multi=True)]),
    entry("4206", "自费病人门诊就医信息删除", "state", _SELF, [node("data", f"{_SN}; memo 备注 C500")]),
    entry("4207", "自费病人就医费用明细查询", "query", _SELF, [node("data", _SN)],
          [node("feedetail", _FEE, multi=True)]),
    entry("4208", "自费病人就医就诊信息查询", "query", _SELF, [node("data", _SN)],
          [node("mdtrtinfo", f"{_MDTRT}; upld_stas* 上传状态 C3 0-上传中 1-已完成")]),
    entry("4209", "自费病人就医诊断信息查询", "query", _SELF, [node("data", _SN)],
          [node("diseinfo", _DIAG, multi=True)]),
)  # fmt: skip

#: Every table of this module (the e-prescription ones mapped to national tables are in
#: :mod:`.dongguan_tables`).
OWN_TABLES: Final[tuple[dict[str, Any], ...]] = (_CFYYJG106, *_RX_OWN, *_CITY, *_SELFPAY)
