"""Xiamen (350200, parent 350000): Fujian with the 29 functions of the internet-hospital seed
(spec 003, 海沧医院互联网医院医保结算) as its ``internet`` institution kind (entry point
``fujian-xiamen``).

``yibao acceptance --kind internet`` runs the internet-hospital cycle and lists each function
with the interfaces that implement it and the evidence of their calls (:mod:`.functions`).
"""

from __future__ import annotations

import attrs

from yibao.core import RegionProfile, RegionRegistry, hookimpl

from .functions import FUNCTIONS
from .profile import FUJIAN, FUJIAN_ONLINE

__all__ = ["XIAMEN", "yibao_register_regions"]

_ONLINE = attrs.evolve(FUJIAN_ONLINE, functions=FUNCTIONS)
#: the interfaces of the 29 functions, each once, in calling order
INTERNET: tuple[str, ...] = tuple(dict.fromkeys(i for f in FUNCTIONS for i in f.interfaces))

XIAMEN: RegionProfile = attrs.evolve(
    FUJIAN,
    code="350200",
    name="厦门市 (Xiamen)",
    parent="350000",
    plugin="fujian-xiamen",
    online=_ONLINE,
    institution_kinds={"internet": INTERNET},
    notes="Fujian + spec 003: the 29 internet-hospital functions (yibao acceptance --kind internet)",
)


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Xiamen 350200."""
    register.add(XIAMEN)
