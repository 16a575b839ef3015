"""The example region as data: everything that differs from the national baseline."""

from __future__ import annotations

from yibao.core import RegionProfile, Routing

__all__ = ["EXAMPLE"]

# One extra transaction the national catalogue lacks, in the catalogue's JSON shape.  No
# public field table exists for it, so it is a generic envelope and says so.
_EXTRA_99001 = {
    "infno": "99001",
    "name": "示例地区月度汇总查询",
    "kind": "query",
    "verified": False,
    "source": "assumed: example only; no public field table",
    "input": [{"node": "", "caption": "generic envelope", "multi": False, "fields": [], "children": []}],
    "output": [],
}

EXAMPLE = RegionProfile(
    code="990000",
    name="示例地区 (example region)",
    parent=None,
    plugin="example-region",
    # Every transaction to the national service path; the infno travels in the envelope.
    routing=Routing(style="single", path="/fsi/api/rsfComIfsService/callService"),
    # The engine fills these where the caller left them out (2102 med_type 41 = 定点药店购药).
    fixed_fields={"2102": {"druginfo": {"med_type": "41"}}},
    # Persons insured at 999999 (a made-up special fund) count as local too: data, not a hook.
    local_prefixes=("9900", "999999"),
    province_prefixes=("99",),
    clr_types={"pharmacy": {"local": "41", "province": "41", "other": "41"}},
    institution_kinds={"pharmacy": ("9001", "1101", "2101", "2102", "2103", "5203", "3201")},
    extra_transactions=(_EXTRA_99001,),
    notes="example plugin: copy it to start a province's own",
)
