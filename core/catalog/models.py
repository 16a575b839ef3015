"""Typed attrs models of the workflow transactions and the one cattrs ``converter``.

The classes are generated from the catalogue (``_models_*.py``; regenerate with
``python -m yibao.core.catalog.build``) for 9001, 9002, 1101, 2001, 2101-2103, 2201-2208,
2301-2305, 2401-2405, 2601, 3201, 3202, 9101, 9102, 5201-5206, 1301, 1901 and 3260-3262::

    from yibao.core.catalog.models import converter, INPUT_MODELS, OUTPUT_MODELS, Output2102
    reply = converter.structure(output_json, Output2102)     # unknown keys are ignored
    reply.setlinfo.medfee_sumamt                               # Decimal
    wire = converter.unstructure(Input9001(signIn=In9001SignIn(opter_no="1", ip="127.0.0.1")))

Rules of the converter: N fields are ``Decimal`` -- from ``Decimal``, ``int`` or numeric text,
never from a ``float`` (a ``TypeError``: amounts must not pass through binary floating point),
and ``""`` is ``Decimal("0")`` (the wire's empty rule);
unknown keys are ignored (the centre adds fields over time); ``unstructure`` leaves out
attributes that are ``None`` (the caller did not set them) and maps renamed attributes back to
their wire names (9101 ``in_`` -> ``in``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._models_index import *  # noqa: F403  (the generated classes, INPUT_MODELS, OUTPUT_MODELS)
from ._models_index import OUTPUT_MODELS, RENAMES
from ._models_index import __all__ as _generated

__all__ = [*_generated, "converter", "structure_output"]


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{type(value).__name__} {value!r} for an amount: amounts must be Decimal")
    text = str(value).strip()
    if not text:
        # Wire rule: an empty numeric field means 0 (类型为数值的参数，如果为空，必须传0).
        return Decimal("0")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number") from exc


def _build_converter() -> cattrs.Converter:
    conv = cattrs.Converter(omit_if_default=True)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, lambda value: value)
    for cls, renames in RENAMES.items():
        overrides: dict[str, Any] = {attr: override(rename=wire) for attr, wire in renames.items()}
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **overrides))
        conv.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **overrides)
        )
    return conv


converter: cattrs.Converter = _build_converter()


def structure_output(infno: str, output: Any) -> Any:
    """The reply's ``output`` as the generated model of ``infno`` (``KeyError`` if none)."""
    return converter.structure(output if output is not None else {}, OUTPUT_MODELS[infno])


assert all(attrs.has(cls) for cls in RENAMES)
