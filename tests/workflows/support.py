"""Shared helpers of the workflow tests: a config for a running sandbox, the control API, fee lines.

Kept free of pytest so that the subprocess scripts (``killer.py``, ``pg_worker.py``) and
``bench/settle.py`` can build the very same client the tests build.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import httpx

from yibao.core import FeeItem, wire

__all__ = ["INSTITUTION", "SECRET_ENV", "Centre", "CountingTransport", "config_dict", "items", "settled_total"]

SECRET_ENV = "YIBAO_WF_SECRET"
INSTITUTION = "H44190000001"


def config_dict(url: str, paasid: str, journal_url: str, *, delay_seconds: int = 0, read_timeout: str = "10",
                not_found_retries: int = 3, max_attempts: int = 6, terminal: str = "T01",
                kind: str = "hospital", interrupted_after_seconds: int = 0) -> dict[str, Any]:
    """The ``parse_config`` input of a Dongguan institution talking to the sandbox at ``url``."""
    return {
        "region": "441900",
        "gateway": {"url": url, "paasid": paasid, "secret_env": SECRET_ENV,
                    "timeout": {"read": read_timeout}},
        "institution": {"fixmedins_code": INSTITUTION, "fixmedins_name": "东莞测试医院",
                        "mdtrtarea_admvs": "441900", "kind": kind},
        "operator": {"opter": "0001", "opter_name": "测试收费员", "terminal": terminal},
        "journal": {"url": journal_url},
        "reversal": {"delay_seconds": delay_seconds, "interrupted_after_seconds": interrupted_after_seconds,
                     "not_found_retries": not_found_retries, "max_attempts": max_attempts},
    }


class Centre:
    """The sandbox's control API (contract.md, "The sandbox's control API") over loopback."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def _get(self, path: str) -> Any:
        r = self.http.get(path)
        r.raise_for_status()
        return wire.loads(r.content)  # amounts as Decimal, never float

    def persons(self) -> list[dict[str, Any]]:
        return list(self._get("/_sandbox/persons"))

    def local_persons(self) -> list[dict[str, Any]]:
        """Persons insured in Dongguan with an insurance type the pharmacy flows settle."""
        return [p for p in self.persons() if str(p.get("insuplc_admdvs", "")).startswith("4419")]

    def drugs(self) -> list[dict[str, Any]]:
        return [c for c in self._get("/_sandbox/catalog") if c.get("chrgitm_lv") in ("01", "02")]

    def ledger(self) -> list[dict[str, Any]]:
        return list(self._get("/_sandbox/ledger"))

    def ectoken(self, certno: str) -> str:
        r = self.http.post("/_sandbox/ectoken", json={"certno": certno})
        r.raise_for_status()
        return str(r.json()["ectoken"])

    def fault(self, infno: str, mode: str, *, times: int = 1, seconds: int = 0, err_msg: str = "") -> None:
        """Arm a fault; the answer lists it as armed."""
        r = self.http.post("/_sandbox/faults", json={"infno": infno, "mode": mode, "times": times,
                                                     "seconds": seconds, "err_msg": err_msg})
        r.raise_for_status()
        assert any(f["infno"] == infno and f["mode"] == mode for f in r.json()["armed"]), r.text

    def reset(self) -> None:
        self.http.post("/_sandbox/reset").raise_for_status()


def settled_total(ledger: Iterable[Mapping[str, Any]], psn_no: str) -> Decimal:
    """What the centre holds as charged for ``psn_no``: the sum of its rows still ``settled``."""
    return sum((Decimal(str(r["medfee_sumamt"])) for r in ledger
                if r["psn_no"] == psn_no and r["state"] == "settled"), Decimal("0"))


def items(drugs: list[dict[str, Any]], start: int, n: int, cnt: str = "2", pric: str = "12.50") -> list[FeeItem]:
    """``n`` fee lines of priced catalogue drugs, ``feedetl_sn`` from ``start``."""
    return [FeeItem(feedetl_sn=str(start + i), med_list_codg=d["med_list_codg"],
                    medins_list_codg=f"HIS{start + i:05d}", cnt=Decimal(cnt), pric=Decimal(pric))
            for i, d in enumerate(drugs[:n])]


class CountingTransport(httpx.BaseTransport):
    """Forwards to a real HTTP transport and records each envelope's ``(infno, msgid)``.

    ``before`` / ``after`` (optional) run with the infno just before the request is forwarded
    and just after its response arrived: the SIGKILL tests kill the process there.
    """

    def __init__(self, *, before: Callable[[str], None] | None = None,
                 after: Callable[[str], None] | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str]] = []
        self.before = before
        self.after = after

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            env = json.loads(request.read())
            infno, msgid = str(env.get("infno", "")), str(env.get("msgid", ""))
        except (ValueError, AttributeError):
            infno, msgid = "", ""
        if self.before is not None:
            self.before(infno)
        self.sent.append((infno, msgid))
        response = self.inner.handle_request(request)
        if self.after is not None:
            response.read()
            self.after(infno)
        return response

    def close(self) -> None:
        self.inner.close()

    def infnos(self) -> list[str]:
        return [i for i, _ in self.sent]
