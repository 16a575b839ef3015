"""Region profiles: what differs by province or city, as frozen data.

A profile is plain data so that it can be inspected, diffed and tested without calling a
hook.  A city profile is usually ``attrs.evolve(province, code=..., parent=..., ...)``.
Behaviour that cannot be data (a DLL transport, a 1191 medium read) comes from hooks in
:mod:`yibao.core.plugins.hookspecs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ..catalog.kinds import REVERSIBLE
from ..online.profile import OnlineProfile

__all__ = [
    "NATIONAL_CODE",
    "RegionProfile",
    "Routing",
    "merge_fixed",
]

NATIONAL_CODE = "000000"

RoutingStyle = Literal["single", "infno_path", "path_map"]


@attrs.frozen
class Routing:
    """How an envelope finds its URL below ``gateway.url``.

    - ``single``: every transaction POSTs to ``path`` with the infno in the body
      (``/fsi/api/rsfComIfsService/callService``, the national default).
    - ``infno_path``: ``path`` is a template with ``{infno}`` (Guangdong ``.../hsa/hgs/{infno}``).
    - ``path_map``: ``paths[infno]`` when present, else ``path`` (``{infno}`` allowed).

    9101 / 9102 may have their own endpoints (``file_upload_path`` / ``file_download_path``).
    """

    style: RoutingStyle = "single"
    path: str = "/fsi/api/rsfComIfsService/callService"
    paths: Mapping[str, str] = attrs.field(factory=dict)
    file_upload_path: str | None = "/fsi/api/fileupload/upload"
    file_download_path: str | None = "/fsi/api/fileupload/download"

    def path_for(self, infno: str) -> str:
        """The URL path (without the base) for ``infno``."""
        if infno == "9101" and self.file_upload_path:
            return self.file_upload_path
        if infno == "9102" and self.file_download_path:
            return self.file_download_path
        if self.style == "path_map" and infno in self.paths:
            return self.paths[infno]
        return self.path.replace("{infno}", infno)


@attrs.frozen
class RegionProfile:
    """Everything a region supplies as data.

    :param code: the admdvs code the plugin serves (``440000``, ``441900``).
    :param parent: the province's code for a city, ``None`` for a province.
    :param fixed_fields: ``{infno: {node: {field: value}}}`` the engine fills in where the
        caller left them out (Dongguan 2102 ``med_type`` 41, ``mdtrtarea_admvs`` 441900).
        The pseudo-node ``"envelope"`` fixes envelope fields.
    :param kind_fixed_fields: ``{institution_kind: {infno: {node: {field: value}}}}``: fixed values
        that hold only for one kind of institution (Dongguan clinics: ``med_type`` 9935 and
        ``psn_setlway`` 01); merged over ``fixed_fields`` for the configured ``institution.kind``.
    :param envelope_defaults: envelope fields such as ``infver`` and ``recer_sys_code``.
    :param reversible: infnos whose unknown outcome is reversed with 2601.
    :param extra_transactions: catalogue entries (same shape as the generated catalogue) of
        transactions the national baseline lacks.
    :param dictionaries: local codes the region adds to the national dictionaries
        (``{"clr_type": {"9904": "省内异地药店购药"}}``); validation accepts them in this region.
    :param token_steps: ``{"identify": ("1191",), "2207": ("1192",)}``: medium-reading steps the
        identify / settle workflows run through the ``yibao_read_medium`` hook first.
    :param fresh_ectoken_for: infnos that need a new e-voucher token (Guangdong §5: 2207, 2304).
    :param local_prefixes / province_prefixes: ``insuplc_admdvs`` prefixes that make a person local /
        elsewhere in the province (Dongguan: ``("4419",)`` / ``("44",)``); empty means the national
        rule (same city = first 4 digits, same province = first 2 digits of ``mdtrtarea_admvs``).
    :param clr_types: ``{institution_kind: {locality: clr_type}}`` for 3201 grouping, locality one
        of ``local``, ``province``, ``other``; the national default is used where missing.
    :param institution_kinds: ``{kind: (infno, ...)}``: the required-interface lists.
    :param institution_groups: ``{kind: {group: (infno, ...)}}``: conditional lists a kind adds
        when the institution offers the business (Dongguan: ``chronic`` 门慢特, ``maternity`` 生育),
        chosen with ``yibao acceptance --with GROUP``.
    :param reread_medium_for: settlements before which the medium is read again and its password
        verified (Gansu §3.1.5: 所有结算时都需要进行读取就诊介质和密码验证): the settle workflows
        then need a medium reader.
    :param ectoken_ttl_seconds: how long an e-voucher token read by a token step stays usable
        (Yunnan §1.6: 3 minutes); an older one is read again before a settlement.  0: no limit.
    :param sign_out_stale_cycles: a sign-in cycle of an earlier business day is signed out (9002)
        before the new day's 9001 (Yunnan §1.7 rule 2: a cycle never spans two days).
    :param file_in_encoding: how 9101 carries the file in JSON: ``base64`` text or a byte ``array``.
    :param auth: the signing scheme: ``x-tif`` (built in) or a name a plugin's
        ``yibao_gateway_auth`` supplies.
    :param transport: ``http`` or the name of a hook-supplied transport (Yunnan ``dll``).
    :param transport_options: the ``[transport]`` keys that transport reads (others are refused).
    :param card_readers: ``{name: "module:Class"}`` card-reader drivers, opened by
        :meth:`yibao.core.Client.card_reader`.
    :param online: the region's online settlement (医保移动支付, e-prescription centre, e-invoice
        vendor, local services; :class:`~yibao.core.online.profile.OnlineProfile`), read by
        ``client.online``; ``None`` for a region without it.
    :param notes: free text for ``yibao plugins`` and the docs.
    """

    code: str
    name: str
    parent: str | None = None
    plugin: str = ""
    routing: Routing = attrs.field(factory=Routing)
    auth: str = "x-tif"
    fixed_fields: Mapping[str, Mapping[str, Mapping[str, Any]]] = attrs.field(factory=dict)
    kind_fixed_fields: Mapping[str, Mapping[str, Mapping[str, Mapping[str, Any]]]] = attrs.field(factory=dict)
    envelope_defaults: Mapping[str, str] = attrs.field(
        factory=lambda: {"infver": "V1.0", "recer_sys_code": "YBXT", "opter_type": "1"}
    )
    reversible: frozenset[str] = REVERSIBLE
    extra_transactions: tuple[Mapping[str, Any], ...] = ()
    dictionaries: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    token_steps: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    fresh_ectoken_for: frozenset[str] = frozenset()
    local_prefixes: tuple[str, ...] = ()
    province_prefixes: tuple[str, ...] = ()
    clr_types: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    institution_kinds: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    institution_groups: Mapping[str, Mapping[str, tuple[str, ...]]] = attrs.field(factory=dict)
    reread_medium_for: frozenset[str] = frozenset()
    ectoken_ttl_seconds: int = 0
    sign_out_stale_cycles: bool = False
    file_in_encoding: Literal["base64", "array"] = "base64"
    transport: str = "http"
    transport_options: frozenset[str] = frozenset()
    card_readers: Mapping[str, str] = attrs.field(factory=dict)
    online: OnlineProfile | None = None
    notes: str = ""

    @property
    def province_code(self) -> str:
        """The province this region belongs to (itself for a province)."""
        return self.parent or self.code

    def fixed_for(self, infno: str, kind: str | None = None) -> Mapping[str, Mapping[str, Any]]:
        """The fixed values of ``infno`` by node (empty when none); ``kind``'s values win."""
        base = self.fixed_fields.get(infno, {})
        extra = self.kind_fixed_fields.get(kind, {}).get(infno) if kind else None
        if not extra:
            return base
        out = {node: dict(fields) for node, fields in base.items()}
        for node, fields in extra.items():
            out.setdefault(node, {}).update(fields)
        return out

    def classify(self, insuplc_admdvs: str, mdtrtarea_admvs: str) -> str:
        """``local``, ``province`` or ``other`` for a person insured at ``insuplc_admdvs``.

        Uses the profile's prefixes when it has them (Dongguan 4419 / 44), else the
        national rule: same city (4 digits) is local, same province (2 digits) is province.
        """
        local = self.local_prefixes or (mdtrtarea_admvs[:4],)
        province = self.province_prefixes or (mdtrtarea_admvs[:2],)
        if insuplc_admdvs.startswith(local):
            return "local"
        if insuplc_admdvs.startswith(province):
            return "province"
        return "other"

    def clr_type_for(self, kind: str, locality: str, default: str) -> str:
        """The 清算类别 for a settlement of ``kind`` by a ``locality`` person."""
        return self.clr_types.get(kind, {}).get(locality, default)


def merge_fixed(
    base: Mapping[str, Mapping[str, Mapping[str, Any]]],
    extra: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """Deep-merge two ``fixed_fields`` maps; ``extra`` wins (a city over its province)."""
    out: dict[str, dict[str, dict[str, Any]]] = {
        infno: {node: dict(fields) for node, fields in nodes.items()} for infno, nodes in base.items()
    }
    for infno, nodes in extra.items():
        tgt = out.setdefault(infno, {})
        for node, fields in nodes.items():
            tgt.setdefault(node, {}).update(fields)
    return out
