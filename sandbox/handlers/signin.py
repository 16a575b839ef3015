"""Sign-in 9001 签到 / 9002 签退 (spec_reference §3; Yunnan 002 §1.7 签到签退流程说明).

- one sign-in per institution, operator (envelope ``opter``) and day; 9001 again the same day
  returns the current ``sign_no`` (Yunnan 1.7.3: a HIS that lost it may sign in again);
- after 9002 the same operator cannot sign in again that day (Yunnan 1.7.1);
- state-changing transactions must carry a ``sign_no`` of a current sign-in of their own
  institution and operator (checked by the dispatcher; err_msg contains "签到").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..books import node, opt, req
from . import CallContext, Refusal, handler

__all__: list[str] = []


@handler("9001", changes_state=True, needs_sign_in=False)
def sign_in(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "signIn")
    req(data, "opter_no", "signIn")
    rows = ctx.store.query(
        "SELECT * FROM signins WHERE fixmedins_code = ? AND opter = ? AND sign_day = ? ORDER BY sign_time",
        (ctx.fixmedins_code, ctx.opter, ctx.today),
    )
    current = next((r for r in rows if r["state"] == "in"), None)
    if current is not None:
        return {"signinoutb": {"sign_time": current["sign_time"], "sign_no": current["sign_no"]}}
    if rows:
        raise Refusal("签到失败：该操作员当天已签退，当天不能再次签到")
    sign_no = ctx.ids.sign_no()
    ctx.store.execute(
        "INSERT INTO signins(sign_no, fixmedins_code, opter, sign_day, sign_time, state) "
        "VALUES (?,?,?,?,?,'in')",
        (sign_no, ctx.fixmedins_code, ctx.opter, ctx.today, ctx.now_text),
    )
    return {"signinoutb": {"sign_time": ctx.now_text, "sign_no": sign_no}}


@handler("9002", changes_state=True, needs_sign_in=False)
def sign_out(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "signOut")
    req(data, "opter_no", "signOut")
    sign_no = opt(data, "sign_no") or ctx.sign_no
    row = ctx.store.query_one(
        "SELECT * FROM signins WHERE sign_no = ? AND fixmedins_code = ? AND opter = ? AND state = 'in'",
        (sign_no, ctx.fixmedins_code, ctx.opter),
    )
    if row is None:
        raise Refusal("签退失败：未找到该操作员有效的签到记录(sign_no)")
    ctx.store.execute(
        "UPDATE signins SET state = 'out', signout_time = ? WHERE sign_no = ?", (ctx.now_text, sign_no)
    )
    return {"signoutoutb": {"sign_time": ctx.now_text}}
