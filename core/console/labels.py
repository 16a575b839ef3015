"""The console's words: Chinese first, English beside where it helps (one place for each label)."""

from __future__ import annotations

from typing import Final

__all__ = ["LABELS", "STATE_LABELS", "SUGGESTED", "suggested"]

STATE_LABELS: Final = {
    "INTENT": "待发送 intent", "SENT": "已发送 sent", "SUCCEEDED": "成功 succeeded", "FAILED": "失败 failed",
    "NOT_SENT": "未发出 not sent", "UNKNOWN": "结果未知 unknown", "REVERSING": "冲正中 reversing",
    "REVERSED": "已冲正 reversed", "NEEDS_ATTENTION": "需人工处理 needs attention",
}  # fmt: skip

#: what a 3202 difference asks of the 医保办, by its action and kind (recon_diff's verdicts)
SUGGESTED: Final = {
    "reverse_2601": "冲正 (2601) reverse: the centre holds a settlement whose answer we lost",
    "record": "补记 record: a settlement made outside this HIS",
    "only_his": "重新上传 re-upload: check the settlement, then upload and reconcile again",
    "amounts_differ": "联系经办机构 contact the centre: the amounts differ",
    "centre_flagged": "联系经办机构 contact the centre: the centre marks it unbalanced",
}  # fmt: skip


def suggested(action: str, kind: str) -> str:
    key = kind if action == "investigate" else action
    return SUGGESTED.get(key, key)

LABELS: Final = {
    "app": "医保办工作台", "app_en": "yibao console",
    "today": "今日结算", "today_en": "Today",
    "unresolved": "未决交易", "unresolved_en": "Unresolved",
    "person": "人员查询", "person_en": "Person lookup",
    "reconcile": "月度对账", "reconcile_en": "Reconciliation",
    "clearing": "清算", "clearing_en": "Clearing",
    "catalog": "目录", "catalog_en": "Catalogues",
    "acceptance": "验收", "acceptance_en": "Acceptance",
    "audit": "操作日志", "audit_en": "Audit trail",
    "states": STATE_LABELS,
}  # fmt: skip
