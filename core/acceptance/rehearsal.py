"""Rehearsal against the sandbox: the test data and a medium reader from its control API.

The sandbox (``yibao.sandbox``) plays the centre; its control API (``/_sandbox/``, loopback)
gives the persons, the priced items, e-voucher tokens and QR contents, and uploaded
e-prescriptions of another hospital.  :func:`sandbox_data` turns them into
:class:`~.report.AcceptanceData`; :class:`ControlApiReader` holds one person's media the way a
counter's reader would (a region with a reader driver of its own, such as Guangdong's
``sandbox`` driver, is used instead: ``profile.card_readers["sandbox"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from .. import wire
from ..workflows.identify import Medium
from .report import AcceptanceData

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["ControlApiReader", "sandbox_data"]


def _post(url: str, path: str, body: Mapping[str, Any]) -> Any:
    r = httpx.post(f"{url}{path}", json=dict(body), timeout=10)
    r.raise_for_status()
    return wire.loads(r.content)


class ControlApiReader:
    """One person's ID card, social-security card and e-voucher, read from the sandbox.

    :param qr: ``ecode`` reads give the QR content (6101 decodes it) instead of a token.
    :param pin_ok: whether the holder types the right card password.
    """

    def __init__(self, url: str, person: Mapping[str, Any], *, qr: bool = False, pin_ok: bool = True) -> None:
        self.url, self.person, self.qr, self.pin_ok = url.rstrip("/"), person, qr, pin_ok
        self.reads: list[str] = []

    def read(self, source: str) -> Medium:
        p = self.person
        certno, name = str(p["certno"]), str(p.get("psn_name", ""))
        self.reads.append(source)
        if source == "ecode":
            if self.qr:
                return Medium.ec_qr(str(_post(self.url, "/_sandbox/qrcode", {"certno": certno})["qrcode"]))
            return Medium("01", str(_post(self.url, "/_sandbox/ectoken", {"certno": certno})["ectoken"]), source=source)
        if source == "ss_card":
            return Medium("03", str(p["card_no"]), card_sn=str(p["card_sn"]), psn_cert_type="01", certno=certno,
                          psn_name=name, source=source)  # fmt: skip
        return Medium("02", certno, psn_cert_type="01", certno=certno, psn_name=name, source="id_card")

    def verify_password(self, source: str) -> None:
        self.reads.append(f"password:{source}")
        if not self.pin_ok and source == "ss_card":
            raise ValueError("社保卡密码错误 (the simulated holder typed a wrong PIN)")


def sandbox_data(client: Client, url: str) -> AcceptanceData | None:
    """The test data of a sandbox at ``url``; ``None`` when it is not one."""
    url = url.rstrip("/")
    try:
        persons = wire.loads(httpx.get(f"{url}/_sandbox/persons", timeout=10).content)
        items = wire.loads(httpx.get(f"{url}/_sandbox/catalog", timeout=10).content)
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(persons, list) or not isinstance(items, list):
        return None
    qr = "6101" in {i for kind in client.profile.institution_kinds.values() for i in kind}

    def reader(person: Mapping[str, Any]) -> Any:
        if "sandbox" in client.profile.card_readers:
            return client.card_reader("sandbox", url=url, certno=str(person["certno"]), qr=qr)
        return ControlApiReader(url, person, qr=qr)

    uses_reader = bool(client.profile.card_readers) or bool(client.profile.reread_medium_for)
    return AcceptanceData(
        persons=persons, items=items,
        ectoken=lambda certno: str(_post(url, "/_sandbox/ectoken", {"certno": certno})["ectoken"]),
        qrcode=lambda certno: str(_post(url, "/_sandbox/qrcode", {"certno": certno})["qrcode"]),
        prescription=lambda certno: dict(_post(url, "/_sandbox/prescriptions", {"certno": certno})),
        reader=reader if uses_reader else None,
    )  # fmt: skip


