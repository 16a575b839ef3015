"""The centre's one clock: Asia/Shanghai through :mod:`yibao.sandbox.clock` for all it writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from conftest import PAASID, SECRET, Centre

from yibao.sandbox.app import create_app
from yibao.sandbox.clock import CENTRE_TZ, local_text
from yibao.sandbox.config import SandboxConfig

# 1990-07-01 12:00 UTC: China kept summer time that year (UTC+9), so the zone's answer,
# 21:00, differs from a fixed +08:00 offset's 20:00.
SUMMER_1990 = datetime(1990, 7, 1, 12, 0, tzinfo=UTC).timestamp()


def test_the_zone_is_asia_shanghai() -> None:
    assert CENTRE_TZ.key == "Asia/Shanghai"
    assert local_text(SUMMER_1990) == "1990-07-01 21:00:00"
    assert local_text(datetime(2026, 1, 1, 0, 0, tzinfo=UTC).timestamp()) == "2026-01-01 08:00:00"


def test_times_on_the_wire_come_from_the_zone(tmp_path: Path) -> None:
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path, clock=lambda: SUMMER_1990)
    c = Centre(app=create_app(cfg), clock=lambda: SUMMER_1990)
    reply = c.call("9001", {"signIn": {"opter_no": c.opter, "mac": "00-00-00-00-00-00", "ip": "127.0.0.1"}})
    assert reply["infcode"] == 0, reply["err_msg"]
    assert reply["output"]["signinoutb"]["sign_time"] == "1990-07-01 21:00:00"
    assert reply["refmsg_time"].startswith("19900701210000") and reply["respond_time"].startswith("199007012100")
    assert reply["inf_refmsgid"][6:20] == "19900701210000"
    assert reply["output"]["signinoutb"]["sign_no"][7:13] == "900701"  # ids carry the local day
