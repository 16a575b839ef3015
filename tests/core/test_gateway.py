"""x-tif signing: known answer, fresh nonces, header set, host binding."""

from __future__ import annotations

import hashlib

import httpx

from yibao.core.gateway import HostBindingTransport, TifSignatureAuth, tif_signature


def test_signature_known_answer() -> None:
    """sha256(timestamp + secret + nonce + timestamp), lower-case hex, for fixed inputs."""
    assert tif_signature("1700000000", "secret", "abc") == (
        "fdc48fe9d788109715ef6992d91898144cf86682942883a8ceec4dfebddb3d0f"
    )
    assert tif_signature("1", "k", "n") == hashlib.sha256(b"1kn1").hexdigest()


def test_auth_adds_four_headers_with_injected_clock_and_nonce() -> None:
    """The auth flow sets paasid, timestamp (unix seconds), nonce and the matching signature."""
    auth = TifSignatureAuth("pid", "secret", clock=lambda: 1700000000.9, nonce=lambda: "abc")
    request = httpx.Request("POST", "http://gw.example/x", content=b"{}")
    flow = auth.auth_flow(request)
    sent = next(flow)
    assert sent.headers["x-tif-paasid"] == "pid"
    assert sent.headers["x-tif-timestamp"] == "1700000000"
    assert sent.headers["x-tif-nonce"] == "abc"
    assert sent.headers["x-tif-signature"] == tif_signature("1700000000", "secret", "abc")
    assert "s3cr3t" not in repr(TifSignatureAuth("pid", "s3cr3t"))


def test_every_attempt_gets_a_fresh_nonce() -> None:
    """100,000 default nonces are unique (CSPRNG, 128 bits)."""
    auth = TifSignatureAuth("pid", "s")
    nonces = {auth.headers()["x-tif-nonce"] for _ in range(100_000)}
    assert len(nonces) == 100_000


def test_host_binding_rewrites_ip_keeps_host_and_sni() -> None:
    """The bound domain goes to the given IP; Host header and SNI stay the domain."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"infcode": 0})

    transport = HostBindingTransport(httpx.MockTransport(handler), {"igb.hsa.gdgov.cn": "127.0.0.1"})
    with httpx.Client(transport=transport) as client:
        client.post("https://igb.hsa.gdgov.cn:8443/ebus/1101", content=b"{}")
        client.post("http://other.example/1101", content=b"{}")
    assert seen[0].url.host == "127.0.0.1"
    assert seen[0].headers["Host"] == "igb.hsa.gdgov.cn:8443"
    assert seen[0].extensions["sni_hostname"] == "igb.hsa.gdgov.cn"
    assert seen[1].url.host == "other.example"
