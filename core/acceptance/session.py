"""The state of one acceptance run, shared by its flows (national and the region plugins').

A flow is a callable ``flow(session)``; it drives the client through its public API and notes
what it produced in the session (``ctx`` for inputs built from the catalogue, the settlements
kept, the media read).  :meth:`AcceptanceSession.step` runs one step and, when it fails, notes
the failure and goes on: one broken interface must not hide the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..engine import Call
from ..errors import ValidationError, YibaoError
from ..workflows.identify import Identity, Medium
from .synth import synth_input

if TYPE_CHECKING:
    from ..client import Client
    from .report import AcceptanceData

__all__ = ["AcceptanceSession"]

_ERRORS = (YibaoError, ValueError, KeyError, TypeError, LookupError, ArithmeticError)


def _med_type(client: Client, kind: str) -> str:
    """The 医疗类别 of the kind's ordinary business: the region's fixed value for the kind's
    settlement where it has one (Dongguan clinics: 9935), else 41 药店购药 / 11 普通门诊."""
    infno, node, default = ("2102", "druginfo", "41") if kind == "pharmacy" else ("2207", "data", "11")
    fixed = client.profile.fixed_for(infno, kind).get(node, {})
    return str(fixed.get("med_type") or default)


class AcceptanceSession:
    """What the flows of one run share (see the module docstring)."""

    def __init__(self, client: Client, kind: str, required: Sequence[str], groups: Sequence[str],
                 data: AcceptanceData, today: date) -> None:  # fmt: skip
        self.client, self.kind, self.data, self.today = client, kind, data, today
        self.order = list(required)
        self.required = set(required)
        self.groups = list(groups)
        cfg = client.config
        d = today.isoformat()
        self.ctx: dict[str, Any] = {
            "fixmedins_code": cfg.institution.fixmedins_code, "fixmedins_name": cfg.institution.fixmedins_name,
            "begndate": d, "enddate": d, "stmt_begndate": d, "stmt_enddate": d, "begntime": f"{d} 00:00:00",
            "endtime": f"{d} 23:59:59", "trt_year": f"{today:%Y}", "trt_month": f"{today:%m}",
            "setl_ym": f"{today:%Y%m}", "startrow": Decimal("1"), "opter": cfg.operator.opter,
            "opter_name": cfg.operator.opter_name,
            "med_type": _med_type(client, kind),
        }  # fmt: skip
        self.setl_ids: dict[str, str] = {}
        self.kept: dict[str, Any] = {}
        self.identities: dict[str, Identity] = {}
        self.visits: dict[str, Any] = {}
        self.messages: list[str] = []
        self.media: list[str] = []
        #: the run's settlement flows (:class:`~.flows.SettlementFlows`): ``base.visit(...)``,
        #: ``base.items()``, ``base.reader_of(identity)`` for a plugin's own settlements
        self.base: Any = None
        #: every step run, in order: (label, succeeded)
        self.steps: list[tuple[str, bool]] = []
        #: calls a flow built that the engine refused before sending (the run reports them as failed)
        self.refused: list[tuple[str, YibaoError]] = []

    # ------------------------------------------------------------------ running

    def step(self, label: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn``; on failure note it (``label: error``) and return ``None``."""
        try:
            result = fn()
        except _ERRORS as exc:
            self.steps.append((label, False))
            self.messages.append(f"{label}: {type(exc).__name__}: {exc}")
            if isinstance(exc, ValidationError) and exc.infno:
                self.refused.append((exc.infno, exc))
            return None
        self.steps.append((label, True))
        return result

    def wants(self, *infnos: str) -> bool:
        """Whether any of ``infnos`` is on the list being run."""
        return any(i in self.required for i in infnos)

    def has(self, infno: str) -> bool:
        """Whether the region's catalogue knows ``infno``."""
        return infno in self.client.transactions

    def call(self, infno: str, data: Mapping[str, Any], **kwargs: Any) -> Any:
        """One transaction through the engine; its ``output``."""
        return self.client.call(infno, data, **kwargs)

    def synth(self, infno: str, overrides: Mapping[str, Any] | None = None, **context: Any) -> dict[str, Any]:
        """An input for ``infno`` from its field table, the run's values (and ``context``), then
        ``overrides`` (``{node: {field: value}}``; ``""`` for fields directly under ``input``)."""
        return synth_input(self.client.transactions, infno, {**self.ctx, **context}, overrides=overrides)

    def send_synth(self, infno: str, overrides: Mapping[str, Any] | None = None, **context: Any) -> Any:
        """:meth:`synth` then send it; the ``output``."""
        return self.client.send(Call(infno, self.synth(infno, overrides, **context))).output

    # ------------------------------------------------------------------ persons and media

    def person(self, locality: str = "local", *, pred: Callable[[Mapping[str, Any]], bool] | None = None
               ) -> Mapping[str, Any]:  # fmt: skip
        """A person of ``locality`` (local / province / other) matching ``pred``, else any matching one."""
        persons = [p for p in self.data.persons if pred is None or pred(p)]
        if not persons:
            raise LookupError("no insured person fits this flow (AcceptanceData.persons)")
        area = self.client.config.institution.mdtrtarea_admvs
        same = [p for p in persons if self.client.profile.classify(str(p.get("insuplc_admdvs", "")), area) == locality]
        return (same or persons)[0]

    def saw(self, medium: str) -> None:
        if medium not in self.media:
            self.media.append(medium)

    def reads_by_steps(self) -> bool:
        """Whether the region reads media through its token steps (Yunnan 1191: the library reads)."""
        return bool(self.client.profile.token_steps.get("identify"))

    def medium_of(self, person: Mapping[str, Any], source: str) -> Medium:
        """How ``source`` of ``person`` reaches identify when no reader reads it."""
        certno, name = str(person["certno"]), str(person.get("psn_name", ""))
        if self.reads_by_steps():  # the library reads the medium itself (1191): a hint of whose it is
            kind = {"id_card": "02", "ecode": "01", "ss_card": "03"}[source]
            return Medium(kind, certno if kind == "02" else "", psn_cert_type="01", certno=certno, source=source)
        if source == "ecode":
            if self.wants("6101") and self.data.qrcode is not None:
                return Medium.ec_qr(self.data.qrcode(certno))
            if self.data.ectoken is None:
                raise LookupError("no e-voucher source (AcceptanceData.ectoken)")
            return Medium("01", self.data.ectoken(certno), source="ecode")
        if source == "ss_card":
            return Medium("03", str(person["card_no"]), card_sn=str(person["card_sn"]), psn_cert_type="01",
                          certno=certno, psn_name=name, source="ss_card")  # fmt: skip
        if source == "other_document":
            return Medium.other_document(certno, name)
        return Medium("02", certno, psn_cert_type="01", certno=certno, psn_name=name, source="id_card")

    def identify_person(self, label: str, person: Mapping[str, Any], source: str = "id_card") -> Identity:
        """1101 of ``person`` by ``source``: through the run's reader where it has one (and the
        region does not read by its own steps), else as :meth:`medium_of` builds it."""
        reader = self.data.reader(person) if self.data.reader is not None and source != "other_document" else None
        if reader is not None and not self.reads_by_steps():
            identity = self.client.identify_by_reader(reader, source)
            self.remember(label, identity, source)
            return identity
        return self.identify(label, self.medium_of(person, source), source)

    def identify(self, label: str, medium: Medium, source: str) -> Identity:
        """1101 for ``medium`` (read as ``source``); kept under ``label`` and noted in the run's media."""
        identity = self.client.identify(medium)
        self.remember(label, identity, source)
        return identity

    def remember(self, label: str, identity: Identity, source: str) -> None:
        self.identities[label] = identity
        self.saw(source)
        if label == "main":
            self.use(identity)

    def use(self, identity: Identity) -> None:
        """Point the run's values (``ctx``) at ``identity``."""
        self.ctx.update(psn_no=identity.psn_no, certno=identity.certno, psn_name=identity.psn_name,
                        insutype=identity.insutype, insuplc_admdvs=identity.insuplc_admdvs,
                        mdtrt_cert_type=identity.medium.mdtrt_cert_type, mdtrt_cert_no=identity.medium.mdtrt_cert_no,
                        psn_cert_type=identity.psn_cert_type or "01")  # fmt: skip

    def keep(self, label: str, settlement: Any) -> Any:
        """Keep a settlement that stands (the queries and uploads use the ID card's: :meth:`restore`)."""
        if settlement is not None and label not in self.kept:
            self.kept[label] = settlement
            self.setl_ids[label] = settlement.setl_id
            if label == "ID card":
                self.ctx.update(setl_id=settlement.setl_id, mdtrt_id=settlement.mdtrt_id)
        return settlement

    def restore(self, label: str) -> None:
        """Point the values back at a settlement that stays settled (for the queries)."""
        kept, who = self.kept.get(label), self.identities.get("main")
        if kept is not None:
            self.ctx.update(setl_id=kept.setl_id, mdtrt_id=kept.mdtrt_id)
        if who is not None:
            self.use(who)
