"""The 29 functions of the Xiamen seed (spec 003, 海沧医院互联网医院医保结算 建设内容) and the
interfaces that implement each, in calling order (``OnlineProfile.functions``).

``verified``: the interface and its field table come from a public source (the national
baseline's tables, or two public implementations); ``False``: Xiamen's own interface is not
public and the shape is the best known one (``docs/provinces.md``, "Fujian / Xiamen").
"""

from __future__ import annotations

from yibao.core import OnlineFunction as F

__all__ = ["FUNCTIONS"]

_DOC = "医生信息校验、授权验证"
_RX = "开方"
_PSN = "参保人员信息校验、授权验证"
_REG = "挂号"
_SETL = "医保结算"
_SHIP = "配送"
_HIS = "费用对接"
_BILL = "电票对接"
_REPORT = "统计报表"
_LOCAL = "Xiamen local service (not public): assumed shape at [online.local] url"

FUNCTIONS: tuple[F, ...] = (
    F(1, _DOC, "医师身份验证", ("XM01",), False, _LOCAL, "获取医师是否授权医保权限"),
    F(2, _DOC, "医师人脸签到", ("XM02",), False, _LOCAL, "获取医师人脸识别地址, 跳转到医保人脸识别平台"),
    F(3, _DOC, "获取医师人脸签到数据", ("XM03",), False, _LOCAL, "获取医师医保授权结果"),
    F(4, _DOC, "处方权校验", ("XM04",), False, _LOCAL, "获取该医师是否有开处方权限"),
    F(5, _RX, "事前提醒", ("3101",), True, "national 3101 明细审核事前分析服务 (online_settlement.md §2 step 3)",
      "医师开方前获取开方提示"),
    F(6, _RX, "问诊过程数据上传", ("XM06",), False, _LOCAL, "上传问诊过程中产生的数据"),
    F(7, _RX, "医师开方上传医保", ("7101", "7102", "7103"), True,
      "e-prescription centre uploadChk -> rxFixmedinsSign -> rxFileUpld (§5.1 [C]; national 7101-7103)",
      "医师开方结束后上传处方信息"),
    F(8, _RX, "医师开方上传取消", ("7104",), True, "e-prescription centre rxUndo (national 7104)",
      "医师作废处方后取消之前上传的处方"),
    F(9, _PSN, "参保人员身份信息验证", ("1101",), True, "national 1101", "获取患者是否支持医保问诊"),
    F(10, _PSN, "医保在线服务授权验证", ("CH10",), False,
      "channel authorisation (04107): authUrl / authCode -> payAuthNo (§2 step 1 [C]); the exchange API is assumed",
      "未授权时获取认证地址, 跳转到医保人脸识别"),
    F(11, _REG, "医保挂号", ("2201",), True, "national 2201", "结算时先上传挂号信息"),
    F(12, _REG, "医保挂号冲销", ("6401", "6203", "2202"), True,
      "6401 before payment / 6203 after (chosen by 6301 ordStas), then 2202 (§2 step 10 [C])", "冲销时先冲销挂号信息"),
    F(13, _SETL, "获取医保结算页面地址", ("6201",), False,
      "6201 output cashierUrl (national 表296) + chnlAppId / chnlEncData (the parameters' encoding assumed)",
      "获取结算信息后调用医保获取结算页面地址"),
    F(14, _SETL, "医保费用明细上传", ("6201",), True, "6201 uldFeeInfo (national 表293-296)", "挂号后上传费用明细"),
    F(15, _SETL, "医保费用明细上传冲销", ("6401",), True, "6401 revoke_order (national 表306-307)",
      "冲销时冲销费用明细"),
    F(16, _SETL, "医保预结算服务", ("6202",), True, "6202 pay_order returns the split and ordStas (national 表297-298)",
      "费用明细上传后获取结算信息"),
    F(17, _SETL, "医保结算冲销", ("6203",), True, "6203 refund_Order (national 表299-300)", "费用明细冲销后结算冲销"),
    F(18, _SETL, "获取医保结算结果", ("6301",), True, "6301 query_order_info (national 表302-303)",
      "医保小程序平台结算成功后获取结算结果"),
    F(19, _SETL, "通过医保流水号获取医保结算结果", ("6302",), True,
      "6302 结算结果通知 pushed to the receiver, keyed by payOrdId (national 表304-305; delivery assumed §3.3)",
      "医保平台调用调用方接口通知医保结算结果"),
    F(20, _SETL, "获取处方流转平台药师审方结果", ("7106",), True, "rxChkInfoQuery (national 7106)",
      "上传处方后获取药师审方结果"),
    F(21, _SHIP, "上传物流信息", ("XM21",), False, _LOCAL, "结算成功后快递信息上传到医保平台"),
    F(22, _SHIP, "获取物流信息结果", ("XM22",), False, _LOCAL, "获取物流信息结果"),
    F(23, _HIS, "查询待扣费处方信息", ("HIS23",), False, "HIS callback through yibao_his_request (assumed shape)",
      "调用HIS接口获取需要结算的处方记录"),
    F(24, _HIS, "结算结果确认", ("HIS24",), False,
      "HIS callback through yibao_his_request, kept in the journal and retried (PreBillCharge contract [S])",
      "结算后回调信息到HIS平台"),
    F(25, _HIS, "获取处方信息", ("HIS25",), False, "HIS callback through yibao_his_request (assumed shape)",
      "回调后获取处方信息是否已结算"),
    F(26, _BILL, "开具电子票据", ("EB01",), True, "vendor invoiceEBillOutpatient (§6 [S])", "结算后开具电子票据"),
    F(27, _BILL, "下载电子票据", ("EB04",), False, "GET of the issue's pictureNetUrl (§6 [?])", "结算后下载电子票据"),
    F(28, _REPORT, "订单明细查询", ("XM28",), False, _LOCAL, "查询平台自费及医保结算订单记录"),
    F(29, _REPORT, "支付结算明细查询", ("XM29",), False, _LOCAL, "查询平台自费及医保结算明细"),
)
