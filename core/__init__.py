"""yibao.core: the province-neutral engine.

Envelope and wire rules, gateway signing, transport with outcome classes, the spec
catalogue and local validation, the plugin system, configuration, the journal and the
workflows (identify, settle, reconcile, clear). Nothing here knows a province.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
