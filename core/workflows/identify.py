"""Identify: medium → 1101 人员信息获取 → a person with insurance records.

Media (Gansu guide §3.2, Guangdong guide §4, spec_reference §4):

- ``01`` e-voucher token (single use): ``mdtrt_cert_no`` = the token;
- ``02`` ID number: ``mdtrt_cert_no`` = ``certno``;
- ``03`` social-security card: card number + ``card_sn`` (+ ``psn_cert_type`` 1 and ``certno``
  for cross-province cards); HK/Macau/Taiwan and foreign documents go as 03 with
  ``psn_cert_type`` 99 and the document number as ``mdtrt_cert_no``, ``card_sn`` and ``certno``.

The region's medium-reading steps (Yunnan 1191) run first through ``yibao_read_medium``.
The insurance record follows the Dongguan rule: a record with normal status (psn_insu_stas 1)
first; several regions → the caller chooses ``insuplc_admdvs``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import wire_time
from ..errors import StateError

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Identity", "Medium", "choose_insurance", "identify"]


@attrs.frozen
class Medium:
    """What the counter read: the certificate type and number, plus card / document fields."""

    mdtrt_cert_type: str
    mdtrt_cert_no: str
    card_sn: str = ""
    psn_cert_type: str = ""
    certno: str = ""
    psn_name: str = ""

    @classmethod
    def ectoken(cls, token: str) -> Medium:
        return cls("01", token)

    @classmethod
    def id_card(cls, certno: str, psn_name: str = "") -> Medium:
        return cls("02", certno, psn_cert_type="01", certno=certno, psn_name=psn_name)

    @classmethod
    def ss_card(cls, card_no: str, card_sn: str, certno: str = "", psn_name: str = "") -> Medium:
        # The guides write psn_cert_type "1"; the dictionary's code for 居民身份证 is "01".
        return cls("03", card_no, card_sn=card_sn, psn_cert_type="01" if certno else "", certno=certno,
                   psn_name=psn_name)

    @classmethod
    def other_document(cls, doc_no: str, psn_name: str = "") -> Medium:
        """港澳台及其它证件: 03 + psn_cert_type 99, the number in all three places."""
        return cls("03", doc_no, card_sn=doc_no, psn_cert_type="99", certno=doc_no, psn_name=psn_name)


@attrs.frozen
class Identity:
    """A person as 1101 returned them, with the chosen insurance record."""

    psn_no: str
    psn_name: str
    certno: str
    psn_cert_type: str
    medium: Medium
    insutype: str
    insuplc_admdvs: str
    psn_type: str
    balc: Decimal
    locality: str  # local | province | other
    insuinfo: tuple[Mapping[str, Any], ...]
    idetinfo: tuple[Mapping[str, Any], ...] = ()
    baseinfo: Mapping[str, Any] = attrs.field(factory=dict)

    def with_medium(self, medium: Medium) -> Identity:
        return attrs.evolve(self, medium=medium)

    def cert_fields(self) -> dict[str, str]:
        """The certificate fields a settlement input carries (mdtrt_cert_type / _no, card_sn...)."""
        out = {"mdtrt_cert_type": self.medium.mdtrt_cert_type, "mdtrt_cert_no": self.medium.mdtrt_cert_no}
        if self.medium.card_sn:
            out["card_sn"] = self.medium.card_sn
        return out


def choose_insurance(rows: Sequence[Mapping[str, Any]], insuplc_admdvs: str | None) -> Mapping[str, Any]:
    """The Dongguan rule: normal status first; several regions → the caller must choose."""
    if not rows:
        raise StateError("1101 returned no insurance record (insuinfo) for this person", infno="1101")
    normal = [r for r in rows if str(r.get("psn_insu_stas", "1")) == "1"] or list(rows)
    if insuplc_admdvs:
        picked = [r for r in normal if r.get("insuplc_admdvs") == insuplc_admdvs]
        if not picked:
            raise StateError(f"the person has no normal insurance record insured at {insuplc_admdvs}", infno="1101")
        return picked[0]
    regions = sorted({str(r.get("insuplc_admdvs", "")) for r in normal})
    if len(regions) > 1:
        raise StateError(
            "the person is insured in several regions (" + ", ".join(regions) + "): ask which one to settle "
            "with and pass insuplc_admdvs", infno="1101")
    return normal[0]


def identify(ctx: Context, medium: Medium, *, insuplc_admdvs: str | None = None) -> Identity:
    """Run the region's token steps, then 1101, and choose the insurance record."""
    profile = ctx.profile
    request: dict[str, Any] = attrs.asdict(medium)
    op = ctx.config.operator
    request.update({"operatorid": op.opter, "operatorname": op.opter_name})
    for step in profile.token_steps.get("identify", ()):
        extra = ctx.hooks.read_medium(step, request, ctx.call)
        if extra:
            request.update(extra)
            medium = Medium(**{f.name: str(request.get(f.name, "") or "") for f in attrs.fields(Medium)})
    data: dict[str, Any] = {
        "mdtrt_cert_type": medium.mdtrt_cert_type,
        "mdtrt_cert_no": medium.mdtrt_cert_no,
        "card_sn": medium.card_sn,
        "begntime": wire_time(ctx.now()),
        # 01 居民身份证 unless the medium says otherwise (99 documents, cross-province cards).
        "psn_cert_type": medium.psn_cert_type or "01",
        "certno": medium.certno,
        "psn_name": medium.psn_name,
    }
    output = ctx.call("1101", {"data": data})
    base = output.get("baseinfo") if isinstance(output, Mapping) else None
    insu = output.get("insuinfo") if isinstance(output, Mapping) else None
    if not isinstance(base, Mapping) or not isinstance(insu, list):
        raise StateError("1101 answered without baseinfo / insuinfo", infno="1101")
    chosen = choose_insurance(insu, insuplc_admdvs)
    insuplc = str(chosen.get("insuplc_admdvs", ""))
    locality = profile.classify(insuplc, ctx.config.institution.mdtrtarea_admvs)
    psn_no = str(base.get("psn_no", ""))
    ctx.engine.persons.remember(psn_no, insuplc)
    idet = output.get("idetinfo") if isinstance(output.get("idetinfo"), list) else []
    return Identity(
        psn_no=psn_no,
        psn_name=str(base.get("psn_name", "")),
        certno=str(base.get("certno", "")),
        psn_cert_type=str(base.get("psn_cert_type", "")),
        medium=medium,
        insutype=str(chosen.get("insutype", "")),
        insuplc_admdvs=insuplc,
        psn_type=str(chosen.get("psn_type", "")),
        balc=Decimal(str(chosen.get("balc", "0") or "0")),
        locality=locality,
        insuinfo=tuple(insu),
        idetinfo=tuple(idet),
        baseinfo=dict(base),
    )
