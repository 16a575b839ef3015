"""Sign-in sessions: 9001 签到 / 9002 签退 per operator and terminal per business day.

Rules (Yunnan guide §1.7; spec_reference §3; reliability.md §2 cases 13-15):

- 9001 before the first state-changing call of the day; the ``sign_no`` is kept in the
  journal's database and reused all day, across restarts and processes;
- a new business day (after midnight) signs in again; a call started before midnight keeps
  the ``sign_no`` it was built with;
- when the centre answers that the sign-in is invalid, one new 9001 and one replay;
- after 9002 the same operator cannot sign in again that day: a clear error, no retry loop;
- 9001 again while the centre has us signed in returns the current ``sign_no`` (so a HIS that
  lost it recovers it).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import structlog

from ..errors import StateError

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["SessionManager", "is_invalid_sign_in"]

log = structlog.get_logger("yibao.session")

# How centres word a refused sign-in ("签到信息无效", "未签到", "签到编号不存在或已签退"...).
_INVALID = re.compile(r"签到|sign_no|签退")


def is_invalid_sign_in(err_msg: str) -> bool:
    """Whether a business error says the envelope's ``sign_no`` is not (or no longer) valid."""
    return bool(_INVALID.search(err_msg or ""))


class SessionManager:
    """Keeps the current ``sign_no`` of the configured operator and terminal."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._cached: tuple[date, str] | None = None

    @property
    def _who(self) -> tuple[str, str]:
        op = self.client.config.operator
        return op.opter, op.terminal

    def business_date(self) -> date:
        return self.client.clock().date()

    def known_sign_no(self) -> str:
        """Today's ``sign_no`` if we have one, else ``""`` (queries may go without)."""
        today = self.business_date()
        if self._cached and self._cached[0] == today:
            return self._cached[1]
        opter, terminal = self._who
        session = self.client.journal.get_session(opter, terminal, today)
        if session is not None and session.state == "in":
            self._cached = (today, session.sign_no)
            return session.sign_no
        return ""

    def current_sign_no(self) -> str:
        """Today's ``sign_no``, signing in first when there is none."""
        known = self.known_sign_no()
        if known:
            return known
        opter, terminal = self._who
        session = self.client.journal.get_session(opter, terminal, self.business_date())
        if session is not None and session.state == "out":
            raise StateError(
                f"operator {opter} signed out (9002) today; the centre refuses a second sign-in the same "
                "day (Yunnan §1.7): use another operator or wait for the next business day",
                infno="9001",
            )
        return self.sign_in()

    def refresh(self) -> str:
        """Forget the cached ``sign_no`` and sign in again (the centre refused ours)."""
        self._cached = None
        return self.sign_in()

    def is_invalid_sign_in(self, err_msg: str) -> bool:
        return is_invalid_sign_in(err_msg)

    def sign_in(self) -> str:
        """9001 签到; stores and returns the ``sign_no``."""
        op = self.client.config.operator
        output = self.client.call("9001", {"signIn": {"opter_no": op.opter, "mac": op.mac, "ip": op.ip}})
        info = output.get("signinoutb") if isinstance(output, dict) else None
        if not isinstance(info, dict) or not info.get("sign_no"):
            raise StateError("9001 answered without signinoutb.sign_no", infno="9001")
        sign_no = str(info["sign_no"])
        today = self.business_date()
        self.client.journal.save_session(op.opter, op.terminal, today, sign_no, self.client.clock())
        self._cached = (today, sign_no)
        log.info("signed_in", opter=op.opter, terminal=op.terminal)
        return sign_no

    def sign_out(self) -> None:
        """9002 签退 for today's session."""
        op = self.client.config.operator
        sign_no = self.known_sign_no()
        if not sign_no:
            raise StateError(f"operator {op.opter} is not signed in today", infno="9002")
        self.client.call("9002", {"signOut": {"sign_no": sign_no, "opter_no": op.opter}})
        self.client.journal.mark_signed_out(op.opter, op.terminal, self.business_date(), self.client.clock())
        self._cached = None
