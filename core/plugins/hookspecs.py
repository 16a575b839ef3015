"""The hooks a region plugin may implement.

A hook is called only on the plugins of the region in use and its parents, city first, then
province, then yibao's national defaults (:mod:`.national`), which run last
(:class:`yibao.core.plugins.RegionHooks`).  An implementation therefore never checks which
region it is called for: a plugin that serves 530000 is not asked about 440000 at all.

Every hook is optional.  Implementations may take fewer arguments than the spec (pluggy's
rule), so hooks can grow without breaking plugins.  ``firstresult`` hooks stop at the first
implementation that returns something other than ``None``: the city's answer wins over its
province's, the province's over the national default.  What differs by region *as data*
(routing, fixed values, person classification prefixes, 清算类别, token steps, card-reader
drivers) is a :class:`~yibao.core.plugins.RegionProfile` field, never a hook.

Every hook here is documented in ``docs/write-a-province-plugin.md`` and tested
(``tests/test_hooks_meta.py`` checks both).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .markers import hookspec

if TYPE_CHECKING:
    import httpx

    from ..engine.results import Settlement
    from ..gm import Credentials, EnvelopeOptions
    from ..online.schemes import EnvelopeScheme
    from ..workflows.identify import Medium
    from .profile import RegionProfile
    from .registry import RegionRegistry

#: ``call(infno, input) -> output``: one transaction through the engine (validated, journaled).
Call = Callable[[str, Mapping[str, Any]], Any]
#: ``flow(session) -> None``: one acceptance flow (``session``: an ``AcceptanceSession``).
AcceptanceFlow = Callable[[Any], None]

# ---------------------------------------------------------------------------- registration


@hookspec
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare the regions (province or city) this plugin serves.

    :param register: call ``register.add(profile)`` once per region.
    """


# ---------------------------------------------------------------------------- transport


@hookspec(firstresult=True)
def yibao_gateway_auth(profile: RegionProfile, paasid: str, secret: str) -> httpx.Auth | None:
    """Supply the ``httpx.Auth`` that signs requests for ``profile.auth``.

    The national default answers for ``auth = "x-tif"`` (sha256 of timestamp + secret + nonce
    + timestamp); a region with another scheme names it in ``profile.auth`` and supplies it here.

    :return: the auth, or ``None`` to leave the choice to the next plugin.
    """


@hookspec(firstresult=True)
def yibao_transport(profile: RegionProfile, options: Mapping[str, Any]) -> httpx.BaseTransport | None:
    """Supply the transport ``profile.transport`` names when it is not ``http`` (Yunnan: the
    province's dynamic library).

    :param options: the ``[transport]`` table of the configuration (only the keys listed in
        ``profile.transport_options``).
    :return: the transport, or ``None`` for plain HTTP.
    """


@hookspec(firstresult=True)
def yibao_envelope_scheme(profile: RegionProfile, name: str, credentials: Credentials | None,
                          options: EnvelopeOptions) -> EnvelopeScheme | None:
    """Supply the envelope scheme an online party speaks (``profile.online.scheme``, or an
    endpoint's ``envelope``), as ``yibao_gateway_auth`` supplies the gateway's signature.

    The national default answers for ``sm4-sm2`` (online_settlement.md §3) and ``json``.

    :param credentials: the party's keys (``None`` for a party configured without them).
    :param options: ``[online.envelope]`` as :class:`yibao.core.gm.EnvelopeOptions`.
    :return: an object with ``seal``, ``open_reply``, ``open_notice`` and ``answer_notice``
        (:class:`yibao.core.online.schemes.EnvelopeScheme`), or ``None`` to leave it to the next plugin.
    """


@hookspec
def yibao_before_send(profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
    """Observe an envelope just before it leaves (audit, metrics); must not change it."""


# ---------------------------------------------------------------------------- identify


@hookspec(firstresult=True)
def yibao_read_medium(profile: RegionProfile, step: str, request: Mapping[str, Any], call: Call
                      ) -> Mapping[str, Any] | None:
    """Run a medium-reading (token) step such as Yunnan's 1191 or 1192.

    :param step: the infno of the step (``"1191"``, ``"1192"``) from ``profile.token_steps``.
    :param request: what the workflow knows: ``mdtrt_cert_type``, ``mdtrt_cert_no``,
        ``psn_cert_type``, ``certno``, ``psn_name``, ``infno`` (for 1192), operator fields.
    :param call: sends one transaction through the engine.
    :return: fields to merge into the 1101 input (``mdtrt_cert_no`` = the token, ``card_sn``,
        ``certno``...), or ``None`` when this plugin does not handle the step.
    """


@hookspec(firstresult=True)
def yibao_medium_input(profile: RegionProfile, medium: Medium) -> Mapping[str, Any] | None:
    """Build the ``data`` node of 1101 人员信息获取 for ``medium`` the region's way.

    Gansu §3.2 writes its own rules per medium (``psn_cert_type`` ``1`` with ``certno`` and
    ``card_sn`` for a cross-province card, 99 documents in all three places...); the identify
    workflow sends what this hook returns.

    :param medium: what the counter read (after the region's token steps).
    :return: the ``data`` mapping (``begntime`` is added when missing), or ``None`` for the
        national shape.
    """


# ---------------------------------------------------------------------------- settle


@hookspec
def yibao_after_settle(profile: RegionProfile, infno: str, settlement: Settlement) -> str | None:
    """A successful settlement (2102, 2207, 2304) or cancel (2103, 2208, 2305) came back.

    :return: a warning for the cashier (shown with the result, e.g. Dongguan 注意事项: the
        personal account is already debited, do not swipe the POS), or ``None``.
    """


@hookspec(firstresult=True)
def yibao_after_reversal(profile: RegionProfile, entry: Mapping[str, Any], call: Call,
                         history: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """Follow-up after a 2601 reversal was acknowledged (the reversal queue's, or one sent by hand).

    Yunnan §1.11.6: after an inpatient settlement (2304) is reversed the patient is in the
    discharged state with the details void; the HIS calls 2405 and re-uploads 2301 with new
    ``feedetl_sn``.

    :param entry: the journal entry of the reversed original (``infno``, ``msgid``, ``input_full``,
        ``psn_no``, ``mdtrt_id``).
    :param call: sends one transaction through the engine.
    :param history: the journal's successful entries of the same visit (``mdtrt_id``), oldest
        first: the HIS's own record of what it uploaded (2301 ``feedetail`` rows, 2302 revokes),
        which is all a follow-up has when the lost settlement's ``setl_id`` was never known.
    :return: the infnos sent as follow-up (recorded on the entry and in the recovery report),
        or ``None`` when nothing is needed.
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


@hookspec(firstresult=True)
def yibao_his_request(profile: RegionProfile, name: str, payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Ask the HIS (Xiamen spec 003 费用对接, functions 23-25): ``pending_prescriptions``
    (查询待扣费处方信息), ``settlement_confirm`` (结算结果确认) or ``prescription_info`` (获取处方信息).

    The answer follows the platform→HIS retry contract (online_settlement.md §2 step 9):
    ``{"resultCode": "0", ...}`` is success, ``"-1"`` a refusal (never retried), anything else,
    an exception or no answer is retried with the region's ``his_retry`` policy (a settlement
    confirmation is kept in the journal until the HIS takes it).

    :param name: the callback's name, above.
    :param payload: what the HIS is told or asked (camelCase, amounts as ``Decimal``).
    :return: the HIS's answer, or ``None`` when no HIS handler is installed (retried).
    """


# ---------------------------------------------------------------------------- acceptance


@hookspec
def yibao_acceptance_flows(profile: RegionProfile, kind: str, groups: Sequence[str]) -> Sequence[AcceptanceFlow] | None:
    """Flows of the region's own transactions for an acceptance run of institution ``kind``.

    The run calls each flow once with its :class:`~yibao.core.acceptance.AcceptanceSession`
    (the client, what earlier flows produced, ``step`` to note a failure and go on), after the
    national flows and before the remaining interfaces are sent with inputs built from the
    catalogue.  Every plugin of the region answers (city and province both).

    :param groups: the conditional groups chosen with ``--with`` (Dongguan ``chronic``, ``maternity``).
    :return: callables ``flow(session) -> None``, or ``None``.
    """


@hookspec(firstresult=True)
def yibao_acceptance_form(profile: RegionProfile, kind: str, report: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The region's acceptance form, filled from a finished run (Gansu 附录1 两定接口联调及目录验证表).

    :param report: the run's ``report.json`` document (``interfaces`` with their ``status``,
        ``notes``, the media read).
    :return: the form as JSON-ready data (``report.json`` ``form``; the HTML prints its
        ``sections``), or ``None`` when the region has no form.
    """



@hookspec(firstresult=True)
def yibao_acceptance_notes(profile: RegionProfile, kind: str) -> Mapping[str, str] | None:
    """The evidence the bureau asks for each required interface of institution ``kind``.

    Used by ``yibao acceptance`` to turn the document's notes (Dongguan 附件6: 录屏, 截图,
    使用日志, 后台验收) into the evidence of the report.

    :return: ``{infno: note as the document words it}``, or ``None`` when the region has none.
    """
