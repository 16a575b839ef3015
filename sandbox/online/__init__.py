"""yibao.sandbox.online: the online centres the sandbox plays for Fujian / Xiamen (医保移动支付,
e-prescription centre, the channel, Xiamen's local services, an e-invoice vendor), on the
centre's own SM4 / SM2 envelope (:mod:`yibao.sandbox.mobilepay`).  See ``docs/sandbox.md``,
"The online centres"; :mod:`.centre` routes a call, :mod:`.routes` is its HTTP."""
