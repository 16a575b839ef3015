"""The spec catalogue: every transaction's nodes and fields, validation and normalising.

::

    from yibao.core.catalog import load_catalog, validate, normalize
    cat = load_catalog()                       # national baseline + Guangdong 3260-3262
    t = cat.get("2102")                        # Transaction: infno, name, input, output, kind ...
    issues = validate(cat, "2102", {"druginfo": {...}, "drugdetail": [...]})
    wire_input = normalize(cat, "2102", caller_input)

The data is generated from the spec documents and checked in (``data/catalog.json``,
``data/dictionaries.json``, the ``_models_*.py`` modules).  Regenerate with::

    python -m yibao.core.catalog.build

(details, the heuristics and the table of resolved conflicts: ``docs/catalogue.md``).
"""

from __future__ import annotations

from .normalize import normalize
from .schema import Catalog, Field, Node, Transaction, load_catalog
from .validate import validate

__all__ = ["Catalog", "Field", "Node", "Transaction", "load_catalog", "normalize", "validate"]
