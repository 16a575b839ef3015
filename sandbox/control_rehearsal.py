"""The control API's rehearsal helpers (contract.md "The sandbox, further"; ``docs/sandbox.md``).

- ``POST /_sandbox/qrcode`` ``{"certno"}`` -> ``{"qrcode", "expires_in"}``: the content of a
  person's e-voucher QR code, which 6101 decodes into a single-use ``ecToken``;
- ``POST /_sandbox/prescriptions`` ``{"certno", "med_list_codg": [...]}`` -> ``{"hi_rxno",
  "rx_trace_code", "fixmedins_code"}``: an uploaded e-prescription of a synthetic hospital, for
  a pharmacy to authorise (CFYYJG101) and dispense;
- ``GET /_sandbox/records?kind=&fixmedins_code=&psn_no=&state=``: the centre's records (备案,
  3101 / 3102 results with their 3103 feedback, 结算清单, 自费 uploads, 目录对照...).

Guarded like the rest of the control API (``X-Sandbox-Token`` when a token is configured).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .clock import local
from .codec import loads_stored
from .control import Endpoint, _body, _state, json_response
from .handlers.evoucher import issue_qrcode
from .prescriptions import REHEARSAL_HOSPITAL
from .prescriptions import create as create_rx
from .seed import CATALOG

if TYPE_CHECKING:
    from .app import SandboxState

__all__ = ["rehearsal_routes"]


def _person_of(state: SandboxState, body: Any) -> dict[str, Any] | Response:
    certno = body.get("certno") if isinstance(body, dict) else None
    if not isinstance(certno, str) or not certno:
        return json_response({"error": "certno: required string"}, 400)
    person = state.store.person_by_certno(certno)
    if person is None:
        return json_response({"error": "certno: no seeded person has this certno"}, 404)
    return person


async def qrcode(request: Request) -> Response:
    """The content of a person's e-voucher QR code, which 6101 decodes into a single-use ecToken."""
    state = _state(request)
    person = _person_of(state, await _body(request))
    if isinstance(person, Response):
        return person
    with state.store.transaction():
        code = issue_qrcode(state.store, person["psn_no"], state.config.clock() + state.config.ectoken_ttl)
    return json_response({"qrcode": code, "expires_in": state.config.ectoken_ttl})


async def prescription(request: Request) -> Response:
    """An uploaded e-prescription of a synthetic hospital for ``certno`` (a pharmacy's rehearsal)."""
    state = _state(request)
    body = await _body(request)
    person = _person_of(state, body)
    if isinstance(person, Response):
        return person
    codes = body.get("med_list_codg") or [c for c, e in CATALOG.items() if e["list_type"] == "101"][:1]
    if not isinstance(codes, list) or not all(isinstance(c, str) and c in CATALOG for c in codes):
        return json_response({"error": "med_list_codg: a list of catalogue codes"}, 400)
    now = local(state.config.clock())
    now_text = now.strftime("%Y-%m-%d %H:%M:%S")
    end = (now + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    drugs = [{"med_list_codg": c, "drug_genname": CATALOG[c]["med_list_name"], "drug_spec": CATALOG[c]["spec"],
              "drug_dosform": CATALOG[c]["dosform_name"], "drug_cnt": 1} for c in codes]  # fmt: skip
    code, name = REHEARSAL_HOSPITAL
    with state.store.transaction():
        rx = create_rx(state.store, prescriber=code, hosp_rxno=f"SBRX{state.store.next_seq('rx_rehearsal'):08d}",
                       psn_no=person["psn_no"], certno=person["certno"], now_text=now_text, state="uploaded",
                       data={"fixmedins_name": name, "prsc_time": now_text, "vali_end_time": end, "vali_days": 3,
                             "rx_type_code": "1", "drugs": drugs, "rx_file": "U0JSWEZJTEU=",
                             "mdtrt_id": ""})  # fmt: skip
    return json_response({"hi_rxno": rx["hi_rxno"], "rx_trace_code": rx["data"]["rx_trace_code"],
                          "fixmedins_code": code})  # fmt: skip


async def records_view(request: Request) -> Response:
    """The centre's records (备案, 审核结果 and their feedback, uploads): ``?kind=&fixmedins_code=&psn_no=``."""
    q = request.query_params
    sql, params = "SELECT * FROM records WHERE 1 = 1", []
    for key in ("kind", "fixmedins_code", "psn_no", "state"):
        if q.get(key):
            sql += f" AND {key} = ?"
            params.append(q[key])
    rows = _state(request).store.query(sql + " ORDER BY created, rowid", params)
    for r in rows:
        r["data"] = loads_stored(r["data"])
    return json_response(rows)


def rehearsal_routes() -> list[tuple[str, Endpoint, list[str]]]:
    """(path, endpoint, methods) of the helpers, guarded by :func:`yibao.sandbox.control.routes`."""
    return [("/qrcode", qrcode, ["POST"]), ("/prescriptions", prescription, ["POST"]),
            ("/records", records_view, ["GET"])]  # fmt: skip
