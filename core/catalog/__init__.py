"""The spec catalogue: every transaction's nodes and fields, validation and normalising.

::

    from yibao.core.catalog import load_catalog, validate, normalize
    cat = load_catalog()                       # the national baseline
    t = cat.get("2102")                        # Transaction: infno, name, input, output, kind ...
    issues = validate(cat, "2102", {"druginfo": {...}, "drugdetail": [...]})
    wire_input = normalize(cat, "2102", caller_input)

The data is generated from the spec documents and checked in (``data/catalog.json``,
``data/dictionaries.json``).  A region adds its own transactions as entries of the same shape
(``RegionProfile.extra_transactions``); :func:`parse_transactions` and :func:`apply_overrides`
build them from a spec document's tables.  Regenerate the national data with::

    python -m yibao.core.catalog.build

(details, the heuristics and the table of resolved conflicts: ``docs/catalogue.md``).
"""

from __future__ import annotations

from .kinds import kind_of
from .normalize import normalize
from .overrides import DictionarySupplement, FieldOverride, NodeOverride, apply_overrides
from .parser import parse_transactions
from .schema import Catalog, Field, Node, Transaction, load_catalog
from .validate import validate

__all__ = [
    "Catalog",
    "DictionarySupplement",
    "Field",
    "FieldOverride",
    "Node",
    "NodeOverride",
    "Transaction",
    "apply_overrides",
    "kind_of",
    "load_catalog",
    "normalize",
    "parse_transactions",
    "validate",
]
