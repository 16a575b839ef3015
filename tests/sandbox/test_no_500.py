"""Bad input never causes an HTTP 500: random inputs for every transaction this module serves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conftest import CALL_PATH, Centre, dumps, loads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

INFNOS = [
    "1101",
    "2001",
    "9001",
    "9002",
    "2101",
    "2102",
    "2103",
    "2201",
    "2202",
    "2203",
    "2204",
    "2205",
    "2206",
    "2207",
    "2208",
    "2301",
    "2302",
    "2303",
    "2304",
    "2305",
    "2401",
    "2402",
    "2403",
    "2404",
    "2405",
    "2601",
    "5201",
    "5202",
    "5203",
    "5204",
    "5205",
    "5206",
    "5301",
    "5302",
    "5303",
]
NODES = ["data", "druginfo", "drugdetail", "feedetail", "mdtrtinfo", "diseinfo", "dscginfo", "adminfo", "signIn"]
FIELDS = [
    "psn_no",
    "mdtrt_id",
    "setl_id",
    "feedetl_sn",
    "chrg_bchno",
    "cnt",
    "pric",
    "det_item_fee_sumamt",
    "medfee_sumamt",
    "mdtrt_cert_type",
    "mdtrt_cert_no",
    "card_sn",
    "insutype",
    "acct_used_flag",
    "omsgid",
    "oinfno",
    "med_list_codg",
    "begntime",
    "endtime",
    "opter_no",
    "psn_cert_type",
    "certno",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.text(max_size=40),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=Decimal("-1e9"), max_value=Decimal("1e9")),
    st.sampled_from(["", "null", "0000", "01", "02", "03", "99", "310", "2024-01-01 00:00:00", "SB44190000000007"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6),
    max_leaves=12,
)
inputs = st.dictionaries(
    st.sampled_from(NODES),
    st.one_of(
        st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
        st.lists(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8), max_size=3),
        values,
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(infno=st.sampled_from(INFNOS), inp=inputs, validate=st.booleans())
def test_random_inputs_get_an_envelope(centre: Centre, infno: str, inp: dict[str, Any], validate: bool) -> None:
    # Half the time the catalogue check is bypassed, so the handlers themselves meet the garbage.
    centre.app.state.sandbox.dispatcher.config = centre.app.state.sandbox.dispatcher.config.__class__(
        **{**_fields(centre), "validate": validate}
    )
    if not centre.sign_no:
        centre.sign_in()
    r = centre.post(CALL_PATH, dumps(centre.envelope(infno, inp)))
    assert r.status_code == 200, r.text
    body = loads(r.content)
    assert body["infcode"] in (0, -1)
    if body["infcode"] == -1:
        assert body["err_msg"]
        # A handler that meets garbage must refuse it naming the field, not crash.
        assert not body["err_msg"].startswith("中心处理异常"), (infno, inp, body["err_msg"])


def _fields(centre: Centre) -> dict[str, Any]:
    import attrs

    return attrs.asdict(centre.app.state.sandbox.config, recurse=False)
