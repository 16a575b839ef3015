"""Layer 1, prepare: the region's fixed values, local validation, wire normalisation.

Nothing leaves before the input passed the spec catalogue's rules (national baseline field
tables plus the region's own transactions and dictionary codes): a failure is a
:class:`~yibao.core.errors.ValidationError` naming the node, row, field and rule.  The region's
fixed values (Dongguan 2102 ``med_type`` 41, ``mdtrtarea_admvs`` 441900; clinics 9935) are
filled in only where the caller left a field out or empty, and never invent a node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalog import Catalog
from ..catalog.validate import check_and_normalize
from ..errors import ValidationError, ValidationIssue
from ..plugins import RegionProfile
from .call import Call, Prepared, text_field

__all__ = ["Preparer", "apply_fixed"]


def apply_fixed(profile: RegionProfile, infno: str, data: Mapping[str, Any], kind: str | None = None
                ) -> dict[str, Any]:
    """Fill the region's fixed values into the input where the caller left them out."""
    fixed = profile.fixed_for(infno, kind)
    out: dict[str, Any] = dict(data)
    if not fixed:
        return out
    for node, fields in fixed.items():
        if node == "envelope":
            continue
        current = out.get(node)
        if current is None:
            continue  # never invent a node the caller did not send
        rows = current if isinstance(current, list) else [current]
        new_rows = []
        for row in rows:
            if isinstance(row, Mapping):
                row = dict(row)
                for key, value in fields.items():
                    if row.get(key) in (None, ""):
                        row[key] = value
            new_rows.append(row)
        out[node] = new_rows if isinstance(current, list) else new_rows[0]
    return out


class Preparer:
    """Turns a :class:`Call` into a :class:`Prepared` call for one region."""

    def __init__(self, catalog: Catalog, profile: RegionProfile, institution_kind: str) -> None:
        self.catalog = catalog
        self.profile = profile
        self.institution_kind = institution_kind

    def accept_codes(self, dictionary: str, codes: set[str]) -> None:
        """Let validation accept further codes of ``dictionary`` (the 清算类别 the centre booked
        a settlement under, which 3201 must send back as it is)."""
        table = self.catalog.dictionaries.get(dictionary)
        missing = codes - set(table or {})
        if table and missing:
            dicts = dict(self.catalog.dictionaries)
            dicts[dictionary] = {**table, **{c: "地方代码 (region)" for c in sorted(missing)}}
            self.catalog = Catalog(list(self.catalog), dicts)

    def __call__(self, call: Call) -> Prepared:
        infno, data = call.infno, call.input
        if not isinstance(data, Mapping):
            raise ValidationError([ValidationIssue(infno, "input", "*", "shape", "input must be a JSON object")],
                                  infno=infno)
        tx = self.catalog.get(infno)
        if tx is None:
            raise ValidationError(
                [ValidationIssue(infno, "-", "infno", "unknown",
                                 f"transaction {infno} is not in the catalogue of region {self.profile.code}")],
                infno=infno,
            )
        filled = apply_fixed(self.profile, infno, data, self.institution_kind)
        issues, ready = check_and_normalize(self.catalog, infno, filled)
        if issues:
            raise ValidationError(issues, infno=infno)
        return Prepared(
            call=call, kind=tx.kind, input=ready, psn_no=text_field(ready, "psn_no"),
            mdtrt_id=text_field(ready, "mdtrt_id"), setl_id=text_field(ready, "setl_id"),
            chrg_bchno=text_field(ready, "chrg_bchno"),
        )
