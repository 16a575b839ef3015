"""The hooks a region plugin may implement.

Every hook is optional.  Implementations may take fewer arguments than the spec (pluggy's
rule), so hooks can grow without breaking plugins.  ``firstresult`` hooks stop at the first
implementation that returns something other than ``None``: a city's ``tryfirst`` impl wins
over its province's.  Every hook here is documented in
``docs/write-a-province-plugin.md`` and tested (``tests/test_hooks_meta.py`` checks both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import hookspec

if TYPE_CHECKING:
    import httpx

    from .profile import RegionProfile
    from .registry import RegionRegistry

# ---------------------------------------------------------------------------- registration


@hookspec
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare the regions (province or city) this plugin serves.

    :param register: call ``register.add(profile)`` once per region.
    """


# ---------------------------------------------------------------------------- transport


@hookspec(firstresult=True)
def yibao_gateway_auth(profile: RegionProfile, paasid: str, secret: str) -> httpx.Auth | None:
    """Supply the ``httpx.Auth`` that signs requests for ``profile`` when it is not x-tif.

    :return: ``None`` to use the national x-tif signature (sha256 of timestamp + secret +
        nonce + timestamp).
    """


@hookspec(firstresult=True)
def yibao_transport(profile: RegionProfile, options: Mapping[str, Any]) -> httpx.BaseTransport | None:
    """Supply a transport other than HTTP for ``profile`` (Yunnan: the province's dynamic library).

    :param options: the ``[transport]`` table of the configuration.
    :return: ``None`` for plain HTTP.
    """


@hookspec
def yibao_before_send(profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
    """Observe an envelope just before it leaves (audit, metrics); must not change it."""


# ---------------------------------------------------------------------------- identify


@hookspec(firstresult=True)
def yibao_read_medium(
    profile: RegionProfile, step: str, request: Mapping[str, Any], call: Any
) -> Mapping[str, Any] | None:
    """Run a medium-reading (token) step such as Yunnan's 1191 or 1192.

    :param step: the infno of the step (``"1191"``, ``"1192"``) from ``profile.token_steps``.
    :param request: what the workflow knows: ``mdtrt_cert_type``, ``mdtrt_cert_no``,
        ``psn_cert_type``, ``certno``, ``psn_name``, ``infno`` (for 1192), operator fields.
    :param call: ``call(infno, input) -> output``: sends one transaction through the engine.
    :return: fields to merge into the 1101 input (``mdtrt_cert_no`` = the token, ``card_sn``,
        ``certno``...), or ``None`` when this plugin does not handle the step.
    """


@hookspec(firstresult=True)
def yibao_classify_person(profile: RegionProfile, insuplc_admdvs: str, mdtrtarea_admvs: str) -> str | None:
    """Classify a person as ``local``, ``province`` or ``other``.

    :return: ``None`` to use the profile's prefixes (:meth:`RegionProfile.classify`).
    """


# ---------------------------------------------------------------------------- settle


@hookspec
def yibao_after_settle(profile: RegionProfile, infno: str, output: Mapping[str, Any]) -> None:
    """Observe a successful settlement (2102, 2207, 2304) or cancel (2103, 2208, 2305)."""


@hookspec(firstresult=True)
def yibao_after_reversal(profile: RegionProfile, entry: Mapping[str, Any], call: Any) -> list[str] | None:
    """Follow-up after a 2601 reversal was acknowledged.

    Yunnan §1.11.6: after an inpatient settlement (2304) is reversed the patient is in the
    discharged state with the details void; the HIS calls 2405 and re-uploads 2301 with new
    ``feedetl_sn``.

    :param entry: the journal entry of the reversed original (``infno``, ``msgid``, ``input``,
        ``psn_no``, ``mdtrt_id``).
    :param call: ``call(infno, input) -> output``.
    :return: the infnos sent as follow-up, or ``None`` when nothing is needed.
    """


# ---------------------------------------------------------------------------- reconcile / clear


@hookspec(firstresult=True)
def yibao_clr_type(profile: RegionProfile, kind: str, locality: str, infno: str) -> str | None:
    """The 清算类别 (``clr_type``) of a settlement for 3201 grouping.

    :param kind: institution kind (``pharmacy``, ``clinic``, ``hospital``).
    :param locality: ``local``, ``province`` or ``other``.
    :return: ``None`` to use ``profile.clr_types`` or the national default.
    """


# ---------------------------------------------------------------------------- served by the institution


@hookspec(firstresult=True)
def yibao_online_order(profile: RegionProfile, infno: str, order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Hand a call *from the centre* to the HIS (Gansu §3.8: 6201 订单确认, 6202 医保结算结果通知;
    §3.9: 7102 处方审核结果反馈, 7103 处方购药结果反馈), received by
    :mod:`yibao.provinces.gansu.receiver`.

    :param infno: ``"6201"``, ``"6202"``, ``"7102"`` or ``"7103"``.
    :param order: the envelope's ``input`` as the centre sent it (amounts as ``Decimal``).
    :return: the ``output`` to answer with (infcode 0); ``None`` when no HIS handler is
        installed, which the receiver answers with infcode -1.  Raise
        :class:`yibao.core.errors.BusinessError` to refuse the order with its ``err_msg``.
    """


# ---------------------------------------------------------------------------- acceptance


@hookspec(firstresult=True)
def yibao_acceptance_notes(profile: RegionProfile, kind: str) -> Mapping[str, str] | None:
    """The evidence the bureau asks for each required interface of institution ``kind``.

    Used by ``yibao acceptance`` to turn the document's notes (Dongguan 附件6: 录屏, 截图,
    使用日志, 后台验收) into the evidence of the report.

    :return: ``{infno: note as the document words it}``, or ``None`` when the region has none.
    """
