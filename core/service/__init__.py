"""``yibao serve``: the HIS service (contract "``yibao serve``: the HIS service"; issue 11).

Every yibao guarantee over HTTP, for a HIS in any language: the journal before every send,
unknown outcomes reversed with 2601, bills that are never charged twice (``Idempotency-Key``),
errors with the kinds and exit codes of ``yibao call``.  One instance or many on one PostgreSQL
journal.  Modules:

- :mod:`.app` (the Litestar application), :mod:`.runner` (uvicorn, TLS, SIGTERM);
- :mod:`.pipeline` (how a request runs), :mod:`.context` (operator, terminal and key on every call);
- :mod:`.routes_core`, :mod:`.routes_visits`, :mod:`.routes_stays`, :mod:`.routes_books` (the endpoints);
- :mod:`.models`, :mod:`.bodies`, :mod:`.convert` (bodies and their conversion), :mod:`.problems`;
- :mod:`.auth`, :mod:`.idempotency`, :mod:`.leader`, :mod:`.store`, :mod:`.batches` (state in the
  journal's database), :mod:`.metrics`, :mod:`.access`, :mod:`.docs_page`.

See ``docs/service.md``.
"""

from __future__ import annotations

from . import store as _store  # noqa: F401  (registers the service's tables before any journal opens)
from .app import create_app
from .runtime import Service

__all__ = ["Service", "create_app"]
