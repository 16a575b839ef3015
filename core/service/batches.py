"""The fee batches of visits and stays, kept in the journal's database (``service_fee_batches``).

The Python API keeps them on the visit object (``OutpatientVisit.batches``, ``InpatientStay.uploaded``);
over HTTP, each request may land on another instance, so the service keeps them where every
instance reads: the split sums of a 2204 batch (what 2207 sends back: ``fulamt_ownpay_amt``,
``overlmt_selfpay``, ``preselfpay_amt``, ``inscp_scp_amt``, national baseline 【2207】) and the lines of
each 2301 batch (2304's ``medfee_sumamt`` is their sum; 2302 revokes lines).  Amounts are stored as
exact JSON numbers (``yibao.core.wire``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import wire
from ..errors import StateError
from ..journal.db import Database
from .store import utcnow

__all__ = ["Batches"]


class Batches:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, mdtrt_id: str, chrg_bchno: str, kind: str, sums: dict[str, Any]) -> None:
        """Keep (or replace, after a re-upload) one batch."""
        db, p = self._db, self._db.p
        body = wire.dumps(sums, check_floats=False)
        with db.transaction():
            db.execute(f"DELETE FROM service_fee_batches WHERE mdtrt_id = {p} AND chrg_bchno = {p}",
                       (mdtrt_id, chrg_bchno))
            db.execute("INSERT INTO service_fee_batches (mdtrt_id, chrg_bchno, kind, sums, revoked, created_at)"
                       f" VALUES ({p}, {p}, {p}, {p}, 0, {p})", (mdtrt_id, chrg_bchno, kind, body, utcnow()))

    def outpatient(self, mdtrt_id: str, chrg_bchno: str) -> dict[str, Decimal]:
        """The split sums of one uploaded, unrevoked 2204 batch."""
        p = self._db.p
        row = self._db.fetchone(f"SELECT sums FROM service_fee_batches WHERE mdtrt_id = {p} AND chrg_bchno = {p}"
                                " AND kind = 'outpatient' AND revoked = 0", (mdtrt_id, chrg_bchno))
        if row is None:
            raise StateError(f"fee batch {chrg_bchno} of visit {mdtrt_id} was not uploaded through the service "
                             "(or was revoked): POST .../fees first")
        sums = wire.loads(row["sums"])
        return {k: Decimal(str(v)) for k, v in sums.items()}

    def inpatient_total(self, mdtrt_id: str) -> Decimal:
        """The sum of the unrevoked 2301 lines of a stay."""
        total = Decimal("0")
        for lines in self._inpatient(mdtrt_id).values():
            total += sum((Decimal(str(v)) for v in lines.values()), Decimal("0"))
        return total

    def _inpatient(self, mdtrt_id: str) -> dict[str, dict[str, Any]]:
        rows = self._db.fetchall(f"SELECT chrg_bchno, sums FROM service_fee_batches WHERE mdtrt_id = {self._db.p}"
                                 " AND kind = 'inpatient' AND revoked = 0", (mdtrt_id,))
        return {str(r["chrg_bchno"]): dict(wire.loads(r["sums"]).get("lines", {})) for r in rows}

    def revoke(self, mdtrt_id: str, chrg_bchno: str = "0000", feedetl_sn: str = "0000") -> None:
        """After 2205 / 2302: one batch, one line, or (``0000``) everything of the visit or stay."""
        db, p = self._db, self._db.p
        if feedetl_sn != "0000":
            for batch, lines in self._inpatient(mdtrt_id).items():
                if feedetl_sn in lines:
                    lines.pop(feedetl_sn)
                    self.save(mdtrt_id, batch, "inpatient", {"lines": lines})
            return
        if chrg_bchno == "0000":
            db.execute(f"UPDATE service_fee_batches SET revoked = 1 WHERE mdtrt_id = {p}", (mdtrt_id,))
        else:
            db.execute(f"UPDATE service_fee_batches SET revoked = 1 WHERE mdtrt_id = {p} AND chrg_bchno = {p}",
                       (mdtrt_id, chrg_bchno))
