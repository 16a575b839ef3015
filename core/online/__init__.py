"""yibao.core.online: online 医保 settlement for an internet hospital (online_settlement.md).

The institution's side of the national 医保移动支付 platform (6201 费用明细上传, 6202 支付下单,
6203 退费, 6301 结算结果查询, 6401 撤销; the pushed 6302 结算结果通知 and 6204 订单同步), of the
电子处方流转中心 (7101-7107), of a 财政电子票据 vendor and of a region's local services, with
the same money rules as the engine: every state-changing message journaled (INTENT+SENT)
before it leaves, a lost answer UNKNOWN and resolved by query, never cleaned up blindly.

Layers, each its own module::

    profile / settings / credentials     what the region says (data), what the file says, the keys
    schemes                              the envelope (sm4-sm2 built in; pluggable)
    channel                              one HTTP exchange and its outcome class
    store                                the journal's own tables (a registered migration)
    sender                               validate -> guard -> journal -> exchange -> outcome
    states / reconcile                   the order's state machine; 6301 and 6302 into one outcome
    orders / refunds                     upload, pay, poll, cancel and refund of one order
    receiver                             the ASGI app the centre pushes 6302 / 6204 to
    prescriptions / einvoice / local     the other parties
    his                                  the HIS callbacks (functions 23-25) and their retries
    service / flow                       ``client.online`` and the internet-hospital workflow

Importing this package loads nothing but this docstring: the profile data classes are read by
:mod:`yibao.core.plugins.profile` at every start.
"""

from __future__ import annotations
