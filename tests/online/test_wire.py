"""The SM4 / SM2 envelope over real loopback sockets, with keys generated per sandbox state and
handed to the client as a key file and environment variables (neither side holds one in code):
the centre verifies the client's signatures and the client the centre's."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from yibao.core import BusinessError, Client, ConfigurationError, gm
from yibao.core.online.flow import Consultation
from yibao.core.online.states import OrderState

from .conftest import DIAGNOSIS, ITEMS, MakeClient
from .support import APP_SECRET_ENV


def test_both_sides_verify_each_other_with_the_handed_over_keys(
    client: Client, visit: Callable[[str], Consultation], tmp_path: Path
) -> None:
    v = visit("MO-WIRE-1")
    order = v.upload_fees(ITEMS, DIAGNOSIS)  # the centre verified our request, we verified its reply
    assert order.state == OrderState.UPLOADED and order.pay_ord_id
    sent = client.online.store.many("online_messages", med_org_ord="MO-WIRE-1", interface="6201")
    assert [m["state"] for m in sent] == ["SUCCEEDED"] and sent[0]["output"]["payOrdId"] == order.pay_ord_id
    journal = (tmp_path / "journal.db").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("journal.db-*"))
    creds = httpx.get(f"{client.config.gateway.url}/_sandbox/mobilepay/credentials", timeout=10).json()
    for secret in (creds["appSecret"], creds["institution_private_key"]):
        assert secret.encode() not in journal  # keys live in their file and variables only


def test_the_centre_refuses_a_request_signed_with_another_key(
    make_client: MakeClient, visit: Callable[[str], Consultation], tmp_path: Path, client: Client
) -> None:
    other, _ = gm.sm2_generate_keypair()
    key = tmp_path / "other.key"
    key.write_text(other)
    os.chmod(key, 0o600)
    wrong = make_client({"private_key_file": str(key)})
    v = visit("MO-WIRE-2")
    v.service = wrong.online
    with pytest.raises(BusinessError, match="签名"):
        v.upload_fees(ITEMS, DIAGNOSIS)
    assert wrong.online.orders.get("MO-WIRE-2").state == OrderState.NEW  # refused: nothing placed, may be sent again
    orders = httpx.get(f"{client.config.gateway.url}/_sandbox/mobilepay/orders", timeout=10).json()
    assert all(o["med_org_ord"] != "MO-WIRE-2" for o in orders)


@pytest.mark.parametrize(("table", "key"), [
    ({"app_secret_env": "YIBAO_TEST_UNSET_SECRET"}, "online.app_secret_env"),
    ({"private_key_file": "/nonexistent/yibao.key"}, "online.private_key_file"),
    ({"platform_key_env": "YIBAO_TEST_UNSET_PLATFORM"}, "online.platform_key_env"),
    ({"app_id": ""}, "online.app_id"),
])
def test_a_missing_key_is_a_configuration_error_naming_where_it_looked(
    make_client: MakeClient, table: dict[str, str], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(table)
    with pytest.raises(ConfigurationError) as info:
        client.online  # noqa: B018  (building the service reads the keys)
    assert info.value.key == key and os.environ[APP_SECRET_ENV] not in str(info.value)
