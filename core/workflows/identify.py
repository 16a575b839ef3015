"""Identify: medium → 1101 人员信息获取 → a person with insurance records.

Media (Gansu guide §3.2, Guangdong guide §4, spec_reference §4):

- ``01`` e-voucher token (single use): ``mdtrt_cert_no`` = the token;
- ``02`` ID number: ``mdtrt_cert_no`` = ``certno``;
- ``03`` social-security card: card number + ``card_sn`` (+ ``psn_cert_type`` 1 and ``certno``
  for cross-province cards); HK/Macau/Taiwan and foreign documents go as 03 with
  ``psn_cert_type`` 99 and the document number as ``mdtrt_cert_no``, ``card_sn`` and ``certno``.

The region's medium-reading steps (Yunnan 1191) run first through ``yibao_read_medium``; an
e-voucher QR content (:meth:`Medium.ec_qr`) is decoded by 6101 解析医保电子凭证二维码 into a
single-use token first (Dongguan 附件6 1101: 需能通过6101接口解码获取身份核验令牌); the 1101 ``data``
is the region's own where its plugin builds it (``yibao_medium_input``: Gansu §3.2), else the
national shape below.  A medium read by a token step is stamped (``read_at``), so a settlement
can tell a token older than ``profile.ectoken_ttl_seconds`` (Yunnan §1.6: 3 minutes).
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

__all__ = ["EC_BUSINESS_TYPE", "Identity", "Medium", "choose_insurance", "decode_qr", "identify"]


@attrs.frozen
class Medium:
    """What the counter read: the certificate type and number, plus card / document fields.

    :ivar source: how it was read (``id_card``, ``ss_card``, ``ecode``; ``""`` typed by hand), so a
        settlement that must read the medium again (Gansu §3.1.5) reads the same kind.
    :ivar ec_qrcode: an e-voucher QR content still to decode by 6101 (``mdtrt_cert_no`` empty).
    :ivar read_at: unix seconds when a token step read an e-voucher token (0: not stamped).
    """

    mdtrt_cert_type: str
    mdtrt_cert_no: str
    card_sn: str = ""
    psn_cert_type: str = ""
    certno: str = ""
    psn_name: str = ""
    source: str = ""
    ec_qrcode: str = ""
    read_at: float = 0.0

    @classmethod
    def ectoken(cls, token: str) -> Medium:
        return cls("01", token)

    @classmethod
    def ec_qr(cls, qrcode: str) -> Medium:
        """An e-voucher QR content as scanned: 6101 decodes it into a token before 1101."""
        return cls("01", "", source="ecode", ec_qrcode=qrcode)

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


#: 6101's 用码业务类型 for identifying a patient at the counter, and the office the HIS reports.
EC_BUSINESS_TYPE = "01101"
EC_OFFICE = ("0001", "收费处")


def decode_qr(ctx: Context, medium: Medium) -> Medium:
    """6101 解析医保电子凭证二维码: the QR content -> a single-use ``ecToken`` (national 【6101】)."""
    op = ctx.config.operator
    data = {"orgId": ctx.config.institution.fixmedins_code, "businessType": EC_BUSINESS_TYPE,
            "operatorId": op.opter, "operatorName": op.opter_name, "officeId": EC_OFFICE[0],
            "officeName": EC_OFFICE[1], "ecQrCode": medium.ec_qrcode}  # fmt: skip
    out = ctx.call("6101", {"InData": data})
    block = out.get("OutData") if isinstance(out, Mapping) else None
    if not isinstance(block, Mapping) or not block.get("ecToken"):
        raise StateError("6101 answered without OutData.ecToken", infno="6101")
    return attrs.evolve(medium, mdtrt_cert_no=str(block["ecToken"]), ec_qrcode="",
                        certno=str(block.get("idNo") or medium.certno), psn_name=str(block.get("userName") or ""),
                        psn_cert_type=str(block.get("idType") or medium.psn_cert_type))  # fmt: skip


def _national_input(medium: Medium, begntime: str) -> dict[str, Any]:
    return {
        "mdtrt_cert_type": medium.mdtrt_cert_type,
        "mdtrt_cert_no": medium.mdtrt_cert_no,
        "card_sn": medium.card_sn,
        "begntime": begntime,
        # 01 居民身份证 unless the medium says otherwise (99 documents, cross-province cards).
        "psn_cert_type": medium.psn_cert_type or "01",
        "certno": medium.certno,
        "psn_name": medium.psn_name,
    }


def _after_steps(medium: Medium, request: Mapping[str, Any], stamp: float) -> Medium:
    """The medium as the token steps left it (their fields merged; an e-voucher token stamped)."""
    texts: dict[str, Any] = {f.name: str(request.get(f.name, "") or "") for f in attrs.fields(Medium)
                             if f.type in ("str", str)}  # fmt: skip
    out = attrs.evolve(medium, **texts)
    return attrs.evolve(out, read_at=stamp) if out.mdtrt_cert_type == "01" else out


def identify(ctx: Context, medium: Medium, *, insuplc_admdvs: str | None = None) -> Identity:
    """Run the region's token steps (or 6101 for a QR content), then 1101, and choose the insurance record."""
    profile = ctx.profile
    if medium.ec_qrcode:
        medium = decode_qr(ctx, medium)
    request: dict[str, Any] = attrs.asdict(medium)
    op = ctx.config.operator
    request.update({"operatorid": op.opter, "operatorname": op.opter_name, "officeid": EC_OFFICE[0],
                    "officename": EC_OFFICE[1]})
    for step in profile.token_steps.get("identify", ()):
        extra = ctx.hooks.read_medium(step, request, ctx.call)
        if extra:
            request.update(extra)
            medium = _after_steps(medium, request, ctx.now().timestamp())
    begntime = wire_time(ctx.now())
    data = ctx.hooks.medium_input(medium) or _national_input(medium, begntime)
    data.setdefault("begntime", begntime)
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
