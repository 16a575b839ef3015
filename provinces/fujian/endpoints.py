"""Where each online interface of Fujian / Xiamen lives (data for ``OnlineProfile.endpoints``).

- 医保移动支付中心 ``{online.url}/org/local/api/hos/...`` (online_settlement.md §2 steps 5-10 [C];
  contract, Fujian paragraph): 6201 ``uldFeeInfo``, 6202 ``pay_order``, 6203 ``refund_Order``,
  6301 ``query_order_info``, 6401 ``revoke_order``.  6302 结算结果通知 and 6204 订单同步 are
  pushed *to* the institution's receiver.
- 电子处方流转中心 ``{online.rx.url}/epc/api/fixmedins/...`` (§5.1 [C]): 7101-7107.
- 财政电子票据 vendor ``{online.invoice.url}/api/medical/<method>`` (§6 [S]).
- Xiamen's local services (functions 1-4, 6, 21-22, 28-29): not public; the paths below are
  assumptions under ``{online.local.url}``, replaced by data (``[online.local] services_file``).
- The channel's authorisation exchange (function 10): assumed, ``{online.channel.url}``.
- The national 2.x gateway carries 1101, 2201, 2202 and 3101 (the engine's own routing); the
  HIS callbacks 23-25 go through the ``yibao_his_request`` hook.
"""

from __future__ import annotations

from yibao.core import OnlineEndpoint as E

__all__ = ["ENDPOINTS"]

_MP = "online_settlement.md §2, §4 [C]; path fixed by the contract's Fujian paragraph"
_RX = "online_settlement.md §5.1 [C] (Chongqing / openhis / DanYangOP helpers); fields: national baseline 7101-7107"
_EB = "online_settlement.md §6 [S]: /api/medical/<method>, Base64 + MD5-signed JSON"
_LOCAL = "assumed: Xiamen's own interface is not public; path and shape are data ([online.local] services_file)"
_GW = "national baseline (x-tif gateway, the engine's routing)"
_HIS = "assumed: HIS-internal; through the yibao_his_request hook (PreBillCharge retry contract, §2 step 9 [S])"

_LIST: tuple[E, ...] = (
    E("1101", "gateway", "人员信息获取", kind="query", verified=True, source=_GW),
    E("2201", "gateway", "门诊挂号", kind="state", verified=True, source=_GW),
    E("2202", "gateway", "门诊挂号撤销", kind="state", verified=True, source=_GW),
    E("3101", "gateway", "明细审核事前分析服务", kind="state", verified=True, source=_GW),
    E("6201", "mobilepay", "费用明细上传", "/org/local/api/hos/uldFeeInfo", "state", verified=True, source=_MP),
    E("6202", "mobilepay", "支付下单", "/org/local/api/hos/pay_order", "money", verified=True, source=_MP),
    E("6203", "mobilepay", "医保退费", "/org/local/api/hos/refund_Order", "money", verified=True, source=_MP),
    E("6301", "mobilepay", "医保订单结算结果查询", "/org/local/api/hos/query_order_info", "query", verified=True,
      source=_MP),
    E("6401", "mobilepay", "费用明细上传撤销", "/org/local/api/hos/revoke_order", "money", verified=True, source=_MP),
    E("6302", "notice", "医保结算结果通知 (pushed to the receiver)", kind="state", verified=True,
      source="national baseline 【6302】 表304-305; delivery (URL, encryption) assumed [?] §3.3"),
    E("6204", "notice", "医保订单信息同步 (pushed to the receiver)", kind="state", verified=True,
      source="national baseline 【6204】 表301 (the institution provides it)"),
    E("7101", "rx", "电子处方上传预核验", "/epc/api/fixmedins/uploadChk", "state", verified=True, source=_RX),
    E("7102", "rx", "电子处方医保电子签名", "/epc/api/fixmedins/rxFixmedinsSign", "query", verified=True, source=_RX),
    E("7103", "rx", "电子处方上传", "/epc/api/fixmedins/rxFileUpld", "state", verified=True, source=_RX),
    E("7104", "rx", "电子处方撤销", "/epc/api/fixmedins/rxUndo", "state", verified=True, source=_RX),
    E("7105", "rx", "电子处方信息查询", "/epc/api/fixmedins/hospRxDetlQuery", "query", verified=True, source=_RX),
    E("7106", "rx", "电子处方审核结果查询", "/epc/api/fixmedins/rxChkInfoQuery", "query", verified=True, source=_RX),
    E("7107", "rx", "电子处方取药结果查询", "/epc/api/fixmedins/rxSetlInfoQuery", "query", verified=True, source=_RX),
    E("EB01", "invoice", "开具电子票据", "/api/medical/invoiceEBillOutpatient", "state", "base64-md5", True, _EB),
    E("EB02", "invoice", "电子票据冲红", "/api/medical/writeOffEBill", "state", "base64-md5", True, _EB),
    E("EB03", "invoice", "电子票据状态查询", "/api/medical/getEBillStatesByBillInfo", "query", "base64-md5", True, _EB),
    E("EB04", "invoice", "下载电子票据 (GET pictureNetUrl)", "", "query", "base64-md5", False,
      "assumed: pictureUrl / pictureNetUrl as the download [?] §6"),
    E("CH10", "channel", "医保在线服务授权验证 (授权码 -> payAuthNo)", "/channel/api/payAuth/query", "query",
      verified=False, source="assumed: §2 step 1 names the outputs [C]; each channel has its own API"),
    E("XM01", "local", "医师身份验证", "/local/api/xm/doctorAuthQuery", "query", source=_LOCAL),
    E("XM02", "local", "医师人脸签到", "/local/api/xm/doctorFaceSignIn", "state", source=_LOCAL),
    E("XM03", "local", "获取医师人脸签到数据", "/local/api/xm/doctorFaceResult", "query", source=_LOCAL),
    E("XM04", "local", "处方权校验", "/local/api/xm/doctorRxRightCheck", "query", source=_LOCAL),
    E("XM06", "local", "问诊过程数据上传", "/local/api/xm/consultRecordUpload", "state", source=_LOCAL),
    E("XM21", "local", "上传物流信息", "/local/api/xm/logisticsUpload", "state", source=_LOCAL),
    E("XM22", "local", "获取物流信息结果", "/local/api/xm/logisticsQuery", "query", source=_LOCAL),
    E("XM28", "local", "订单明细查询", "/local/api/xm/orderDetailQuery", "query", source=_LOCAL),
    E("XM29", "local", "支付结算明细查询", "/local/api/xm/settlementDetailQuery", "query", source=_LOCAL),
    E("HIS23", "his", "查询待扣费处方信息", "pending_prescriptions", "query", source=_HIS),
    E("HIS24", "his", "结算结果确认", "settlement_confirm", "state", source=_HIS),
    E("HIS25", "his", "获取处方信息", "prescription_info", "query", source=_HIS),
)

ENDPOINTS = {e.id: e for e in _LIST}
