"""What goes into the engine: a :class:`Call`, and the same call once prepared.

A :class:`Call` is one transaction as a workflow, ``yibao call`` or the HIS service asks for it.
The engine turns it into a :class:`Prepared` call (fixed values filled in, validated,
normalised, the keys it is journaled under read out once), then into an envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Call", "Operator", "Prepared", "find_field"]


@attrs.frozen
class Operator:
    """经办人 of one request (cashiers change per shift; the service gives one per request)."""

    opter: str
    opter_name: str
    opter_type: str = "1"


@attrs.frozen
class Call:
    """One transaction to send.

    :param infno: the transaction number.
    :param input: the envelope's ``input`` object with its node names (``{"data": {...}}``).
    :param insuplc_admdvs: 参保地医保区划 for the envelope; ``None`` means what 1101 told us.
    :param idem_key: the bill's idempotency key.  For a money transaction the engine claims it
        before anything is sent (same key + same bill replays, another bill is refused); on
        other transactions it is only recorded on the journal row.
    :param derive_key: without ``idem_key``, a money transaction's key is derived from its
        normalised input (``yibao call``: an exact resubmission replays instead of charging
        again; contract.md, "yibao call and money").
    :param omsgid / oinfno: the original of a 2601 冲正.
    :param operator / terminal: who sends, when not the configured operator and terminal.
    """

    infno: str
    input: Mapping[str, Any]
    insuplc_admdvs: str | None = None
    idem_key: str | None = None
    derive_key: bool = False
    omsgid: str | None = None
    oinfno: str | None = None
    operator: Operator | None = None
    terminal: str | None = None


@attrs.frozen
class Prepared:
    """A call ready for the wire: ``input`` is what the envelope will carry."""

    call: Call
    kind: str  # query | state | money | file | session (yibao.core.catalog.kinds)
    input: dict[str, Any]
    psn_no: str | None = None
    mdtrt_id: str | None = None
    setl_id: str | None = None
    chrg_bchno: str | None = None

    @property
    def infno(self) -> str:
        return self.call.infno

    @property
    def journaled(self) -> bool:
        """Money and state messages are journaled before they leave."""
        return self.kind in ("money", "state")


def find_field(data: Mapping[str, Any], key: str) -> Any:
    """The first value of ``key`` at the top of an input or output, or in one of its
    single-row nodes (``{"data": {"psn_no": ...}}``)."""
    if key in data:
        return data[key]
    for value in data.values():
        # type() first: isinstance against the Mapping ABC is slow, and nodes are dicts
        if (type(value) is dict or (type(value) is not list and isinstance(value, Mapping))) and key in value:
            return value[key]
    return None


def text_field(data: Mapping[str, Any], key: str) -> str | None:
    """:func:`find_field` as a non-empty string, else ``None``."""
    value = find_field(data, key)
    return value if isinstance(value, str) and value else None
