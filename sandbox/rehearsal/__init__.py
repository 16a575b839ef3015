"""Rehearsal tools around the simulated centre: ``yibao demo``, the ``yibao sandbox`` command
group and the pytest fixture that starts a sandbox (``fake_centre``).

They are clients of both sides, so they live apart from the centre itself: the centre's
modules never import the client's code (checked by import-linter), while these drive the
client through :mod:`yibao.core`'s public face only, as any HIS would.
"""
