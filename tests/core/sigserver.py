"""A small signature-checking HTTP server on loopback for the client and CLI tests.

It is deliberately not the sandbox: it checks the x-tif headers as the seed documents
describe and answers whatever the test scripted per infno, so each outcome class of the
transport can be produced on a real socket.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAASID = "test-paasid"
SECRET = "test-secret-key"


def _ok_output(infno: str) -> Any:
    if infno == "9001":
        return {"signinoutb": {"sign_time": "2026-11-22 08:00:00", "sign_no": "SIGN0001"}}
    if infno == "1101":
        return {"baseinfo": {"psn_no": "P001", "psn_name": "测试甲", "certno": "110101199001011237"},
                "insuinfo": [{"insutype": "310", "insuplc_admdvs": "440100", "balc": 100.5, "psn_insu_stas": "1"}],
                "idetinfo": []}
    return {"setlinfo": {"setl_id": "S1", "mdtrt_id": "M1", "medfee_sumamt": 10.01}}


class Script:
    """What the server answers: ``modes[infno]`` is one of ok, business, drop, html, error_500, slow."""

    def __init__(self) -> None:
        self.modes: dict[str, str] = {}
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.nonces: set[str] = set()


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hdr = {k.lower(): v for k, v in self.headers.items()}
            script.headers.append(hdr)
            need = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")
            if not all(hdr.get(k) for k in need):
                return self._send(401, json.dumps({"errcode": 401, "message": "缺少服务调用的请求头!"}).encode())
            if hdr["x-tif-paasid"] != PAASID:
                return self._send(401, json.dumps({"errcode": 401, "message": "非法用户!"}).encode())
            ts, nonce = hdr["x-tif-timestamp"], hdr["x-tif-nonce"]
            if abs(int(ts) - time.time()) > 1800:
                return self._send(401, json.dumps({"errcode": 401, "message": "签名时间戳超时!"}).encode())
            want = hashlib.sha256((ts + SECRET + nonce + ts).encode()).hexdigest()
            if hdr["x-tif-signature"] != want or nonce in script.nonces:
                return self._send(401, json.dumps({"errcode": 401, "message": "签名不一致!"}).encode())
            script.nonces.add(nonce)
            env = json.loads(raw)
            script.requests.append(env)
            infno = env["infno"]
            mode = script.modes.get(infno, "ok")
            if mode == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return None
            if mode == "html":
                return self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            if mode == "error_500":
                return self._send(500, b"internal error", "text/plain")
            if mode == "business":
                body = {"infcode": -1, "inf_refmsgid": "440000202611220000000001", "err_msg": "余额不足，结算失败",
                        "output": None}
                return self._send(200, json.dumps(body, ensure_ascii=False).encode())
            body = {"infcode": "0", "inf_refmsgid": "440000202611220000000002", "err_msg": "success",
                    "output": _ok_output(infno)}
            return self._send(200, json.dumps(body, ensure_ascii=False).encode())

    return H


@contextmanager
def sig_server() -> Iterator[tuple[str, Script]]:
    """Run the server on a free loopback port; yields (base_url, script)."""
    script = Script()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", script
    finally:
        srv.shutdown()
        srv.server_close()


def free_closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port
