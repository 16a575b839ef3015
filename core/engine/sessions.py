"""Layer 3, session: the ``sign_no`` of 9001 签到 / 9002 签退 per operator, terminal and day.

Rules (Yunnan guide §1.7; spec_reference §3; reliability.md §2 cases 13-15):

- 9001 before the first state-changing call of the day; the ``sign_no`` is kept in the
  journal's database and reused all day, across restarts and processes;
- a new business day (Beijing's midnight) signs in again;
- when the centre answers that the sign-in is invalid, one new 9001 and one replay of the
  same msgid (the engine's journal layer does the replay);
- after 9002 the same operator cannot sign in again that day: a clear error, no retry loop;
- queries may go with an empty ``sign_no`` (the spec allows it) or today's known one.

Sessions follow the operator and terminal of each call, so a service whose cashiers change
per shift keeps one session per cashier and terminal.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import structlog

from ..clock import Clock, business_date
from ..errors import StateError
from ..journal import Journal
from .call import Call, Operator

__all__ = ["SessionManager", "Who", "is_invalid_sign_in"]

log = structlog.get_logger("yibao.session")

# How centres word a refused sign-in ("签到信息无效", "未签到", "签到编号不存在或已签退"...).
_INVALID = re.compile(r"签到|sign_no|签退")

#: (operator, terminal): whose session.
Who = tuple[Operator, str]
#: how long "not signed in today" is taken as known before the journal is asked again
ABSENT_SECONDS = 5.0


def is_invalid_sign_in(err_msg: str) -> bool:
    """Whether a business error says the envelope's ``sign_no`` is not (or no longer) valid."""
    return bool(_INVALID.search(err_msg or ""))


class SessionManager:
    """Keeps the current ``sign_no`` of each operator and terminal."""

    def __init__(self, journal: Journal, clock: Clock, *, mac: str, ip: str) -> None:
        self._journal = journal
        self._clock = clock
        self._mac, self._ip = mac, ip
        self._cached: dict[tuple[str, str], tuple[date, str]] = {}
        # "no sign-in today" is remembered briefly, so queries do not read the journal each time;
        # another process's sign-in is seen within this many seconds.
        self._absent: dict[tuple[str, str], float] = {}
        self._send: Callable[[Call], Any] | None = None

    def bind(self, send: Callable[[Call], Any]) -> None:
        """The engine's ``send``, used for 9001 / 9002 (set once, when the engine is built)."""
        self._send = send

    def today(self) -> date:
        return business_date(self._clock())

    def known(self, who: Who) -> str:
        """Today's ``sign_no`` if we have one, else ``""`` (queries may go without)."""
        op, terminal = who
        today, key = self.today(), (op.opter, terminal)
        cached = self._cached.get(key)
        if cached and cached[0] == today:
            return cached[1]
        if time.monotonic() < self._absent.get(key, 0.0):
            return ""
        session = self._journal.get_session(op.opter, terminal, today)
        if session is not None and session.state == "in":
            self._cached[key] = (today, session.sign_no)
            return session.sign_no
        self._absent[key] = time.monotonic() + ABSENT_SECONDS
        return ""

    def current(self, who: Who) -> str:
        """Today's ``sign_no``, signing in first when there is none."""
        self._absent.pop((who[0].opter, who[1]), None)  # a state-changing call always looks
        known = self.known(who)
        if known:
            return known
        op, terminal = who
        session = self._journal.get_session(op.opter, terminal, self.today())
        if session is not None and session.state == "out":
            raise StateError(
                f"operator {op.opter} signed out (9002) today; the centre refuses a second sign-in the same "
                "day (Yunnan §1.7): use another operator or wait for the next business day",
                infno="9001",
            )
        return self.sign_in(who)

    def refresh(self, who: Who) -> str:
        """Forget the cached ``sign_no`` and sign in again (the centre refused ours)."""
        self._cached.pop((who[0].opter, who[1]), None)
        return self.sign_in(who)

    def sign_in(self, who: Who) -> str:
        """9001 签到; stores and returns the ``sign_no``."""
        op, terminal = who
        reply = self._call(Call("9001", {"signIn": {"opter_no": op.opter, "mac": self._mac, "ip": self._ip}},
                                operator=op, terminal=terminal))
        info = reply.output.get("signinoutb") if isinstance(reply.output, dict) else None
        if not isinstance(info, dict) or not info.get("sign_no"):
            raise StateError("9001 answered without signinoutb.sign_no", infno="9001")
        sign_no = str(info["sign_no"])
        today = self.today()
        self._journal.save_session(op.opter, terminal, today, sign_no, self._clock())
        self._cached[(op.opter, terminal)] = (today, sign_no)
        log.info("signed_in", opter=op.opter, terminal=terminal)
        return sign_no

    def sign_out(self, who: Who) -> None:
        """9002 签退 for today's session."""
        op, terminal = who
        sign_no = self.known(who)
        if not sign_no:
            raise StateError(f"operator {op.opter} is not signed in today", infno="9002")
        self._call(Call("9002", {"signOut": {"sign_no": sign_no, "opter_no": op.opter}}, operator=op,
                        terminal=terminal))
        self._journal.mark_signed_out(op.opter, terminal, self.today(), self._clock())
        self._cached.pop((op.opter, terminal), None)

    def _call(self, call: Call) -> Any:
        if self._send is None:
            raise RuntimeError("SessionManager.bind(engine.send) was not called")
        return self._send(call)
