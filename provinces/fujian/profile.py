"""Fujian (350000) as data: the national 2.x gateway for 1101 / 2201 / 2202 / 3101 (x-tif, the
national routing) and online settlement through the provincial 医保移动支付 centre, the
e-prescription centre and an e-invoice vendor (:attr:`RegionProfile.online`).

Fixed values: 6201 / 6202 ``feeType`` 05 互联网医院问诊 (national 表604), 6201 ``medType`` 11 and
``psnSetlway`` 01; 7101 ``bizTypeCode`` 02 互联网医院问诊 (national 表424).  No Fujian spec is
public: the mobile-payment paths are the contract's, the envelope the SM4 / SM2 one of
online_settlement.md §3 (``docs/gm-crypto.md``).
"""

from __future__ import annotations

from yibao.core import OnlineProfile, RegionProfile, RetryPolicy, Routing

from .endpoints import ENDPOINTS
from .extras import EXTRA_TRANSACTIONS

__all__ = ["FUJIAN", "FUJIAN_ONLINE"]

FUJIAN_ONLINE = OnlineProfile(
    scheme="sm4-sm2",
    endpoints=ENDPOINTS,
    functions=(),
    # PreBillCharge (online_settlement.md §2 step 9): the platform retries until the HIS says 0 or -1.
    his_retry=RetryPolicy(attempts=5, first_delay=1.0, factor=2.0, max_delay=300.0),
)

FUJIAN = RegionProfile(
    code="350000",
    name="福建省 (Fujian)",
    parent=None,
    plugin="fujian",
    routing=Routing(style="single", path="/fsi/api/rsfComIfsService/callService"),
    auth="x-tif",
    fixed_fields={
        "6201": {"data": {"feeType": "05", "medType": "11", "psnSetlway": "01"}},
        "6202": {"data": {"feeType": "05"}},
        "7101": {"data": {"bizTypeCode": "02"}},
    },
    extra_transactions=EXTRA_TRANSACTIONS,
    online=FUJIAN_ONLINE,
    notes=(
        "x-tif gateway (1101, 2201, 2202, 3101); 医保移动支付 6201-6401 with the SM4/SM2 envelope at "
        "{online.url}/org/local/api/hos/...; e-prescription centre /epc/api/fixmedins/...; e-invoice /api/medical/..."
    ),
)
