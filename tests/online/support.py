"""Helpers of the online tests: a client of Xiamen 350200 against the sandbox over loopback, its
keys taken from the sandbox's credentials call and handed over as a key file and environment
variables (neither side holds a key in code), and the patient's steps at the channel."""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from yibao.core import Medium, parse_config

SECRET_ENV = "YIBAO_TEST_ONLINE_GATEWAY_SECRET"
APP_SECRET_ENV = "YIBAO_TEST_MOBILEPAY_SECRET"
PLATFORM_KEY_ENV = "YIBAO_TEST_MOBILEPAY_PLATFORM_KEY"
INVOICE_KEY_ENV = "YIBAO_TEST_EINVOICE_KEY"
ORG = "H35020000001"


def hand_over_keys(url: str, workdir: Path, env: Any) -> dict[str, str]:
    """The sandbox's credentials as a deployment gets them: the private key in a 0600 file, the
    secret and the platform key in environment variables.  Returns the ``[online]`` table."""
    creds = httpx.get(f"{url}/_sandbox/mobilepay/credentials", timeout=10).json()
    invoice = httpx.get(f"{url}/_sandbox/einvoice/credentials", timeout=10).json()
    key_file = workdir / "institution-sm2.key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(creds["institution_private_key"] + "\n")
    env.setenv(APP_SECRET_ENV, creds["appSecret"])
    env.setenv(PLATFORM_KEY_ENV, creds["platform_public_key"])
    env.setenv(INVOICE_KEY_ENV, invoice["appKey"])
    return {"app_id": creds["appId"], "app_secret_env": APP_SECRET_ENV, "private_key_file": str(key_file),
            "platform_key_env": PLATFORM_KEY_ENV, "poll_seconds": 0,
            "invoice": {"app_id": invoice["appid"], "app_key_env": INVOICE_KEY_ENV}}


def config(url: str, paasid: str, journal: str, online: Mapping[str, Any], **tables: Any) -> Any:
    data: dict[str, Any] = {
        "region": "350200",
        "gateway": {"url": url, "paasid": paasid, "secret_env": SECRET_ENV},
        "institution": {"fixmedins_code": ORG, "fixmedins_name": "海沧医院(测试)", "mdtrtarea_admvs": "350200",
                        "kind": "hospital"},
        "operator": {"opter": "0001", "opter_name": "测试员"},
        "journal": {"url": journal},
        "reversal": {"delay_seconds": 0},
        "online": dict(online),
    }
    for name, table in tables.items():
        data[name] = {**data.get(name, {}), **table}
    return parse_config(data, source="test")


class Patient:
    """What the patient does in the channel's app, through the sandbox's control API."""

    def __init__(self, url: str, person: Mapping[str, Any]) -> None:
        self.url = url
        self.person = person

    @property
    def medium(self) -> Medium:
        return Medium.id_card(str(self.person["certno"]), str(self.person["psn_name"]))

    def authorize(self) -> str:
        r = httpx.post(f"{self.url}/_sandbox/mobilepay/authorize", json={"certno": self.person["certno"]}, timeout=10)
        r.raise_for_status()
        return str(r.json()["authCode"])

    def pay(self, pay_ord_id: str, *, notify: bool = True, paid: bool = True) -> dict[str, Any]:
        r = httpx.post(f"{self.url}/_sandbox/mobilepay/cashier",
                       json={"payOrdId": pay_ord_id, "notify": notify, "paid": paid}, timeout=30)
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


def centre_order(url: str, pay_ord_id: str) -> dict[str, Any]:
    orders = httpx.get(f"{url}/_sandbox/mobilepay/orders", timeout=10).json()
    return next(o for o in orders if o["pay_ord_id"] == pay_ord_id)


def arm(url: str, infno: str, mode: str, **extra: Any) -> None:
    httpx.post(f"{url}/_sandbox/faults", json={"infno": infno, "mode": mode, "times": 1, **extra},
               timeout=10).raise_for_status()


def amount(value: Any) -> Decimal:
    return Decimal(str(value))
