"""Sign-in cycles that never span two business days (Yunnan 接入说明 §1.7 rule 2).

§1.7: "建议，每次交易之前判断业务周期号的签到时间，如果跨天需要先签退，重新签到，保障业务周期号对应的
结算费用不跨天，便于对总账".  The engine's session layer signs in again on a new business day;
for a region with ``profile.sign_out_stale_cycles`` this manager first sends 9002 签退 for the
cycle an earlier day left open (looking back :attr:`CycleSessions.LOOKBACK_DAYS` days), so
the centre's cycle of yesterday is closed before today's 9001.  The 9002 carries the old
cycle's own ``sign_no``.  A centre that refuses it (the cycle already expired there) does not
stop the day: the refusal is logged and the old cycle is marked signed out here.

This belongs in the engine's session layer (``core/engine/sessions.py``); it is a subclass
here so that layer stays as it is while it is being changed.
"""

from __future__ import annotations

from datetime import timedelta

import structlog

from ..clock import Clock
from ..engine import Call, SessionManager
from ..engine.sessions import Who
from ..errors import BusinessError, YibaoError
from ..journal import Journal

__all__ = ["CycleSessions"]

log = structlog.get_logger("yibao.session")


class CycleSessions(SessionManager):
    """A :class:`~yibao.core.engine.SessionManager` that closes an earlier day's open cycle first."""

    LOOKBACK_DAYS = 31

    def __init__(self, journal: Journal, clock: Clock, *, mac: str, ip: str) -> None:
        super().__init__(journal, clock, mac=mac, ip=ip)
        self._closing: dict[tuple[str, str], str] = {}

    def current(self, who: Who) -> str:
        key = (who[0].opter, who[1])
        if key in self._closing:  # the 9002 of the old cycle goes with that cycle's sign_no
            return self._closing[key]
        if not self.known(who):
            self.close_stale(who)
        return super().current(who)

    def close_stale(self, who: Who) -> list[str]:
        """9002 for every cycle an earlier business day left open; returns their ``sign_no``."""
        op, terminal = who
        key = (op.opter, terminal)
        closed = []
        today = self.today()
        for back in range(self.LOOKBACK_DAYS, 0, -1):
            day = today - timedelta(days=back)
            session = self._journal.get_session(op.opter, terminal, day)
            if session is None or session.state != "in":
                continue
            self._closing[key] = session.sign_no
            try:
                self._call(Call("9002", {"signOut": {"sign_no": session.sign_no, "opter_no": op.opter}},
                                operator=op, terminal=terminal))  # fmt: skip
            except BusinessError as exc:
                log.warning("stale_cycle_sign_out_refused", opter=op.opter, day=day.isoformat(), err_msg=exc.err_msg)
            except YibaoError as exc:
                log.warning("stale_cycle_sign_out_failed", opter=op.opter, day=day.isoformat(), error=exc.message)
                raise
            finally:
                self._closing.pop(key, None)
            self._journal.mark_signed_out(op.opter, terminal, day, self._clock())
            log.info("stale_cycle_signed_out", opter=op.opter, terminal=terminal, day=day.isoformat())
            closed.append(session.sign_no)
        return closed
