"""One journal row as a frozen attrs value, and the rules for the columns callers may set.

Money columns (元, two decimals, 16,2 in the national baseline's 2102/2207/2304 outputs
``setlinfo``) are ``Decimal`` in and out: a ``float`` is refused, more than two decimals is
refused rather than rounded, and SQLite stores the digits as TEXT.  ``setl_time`` is the
centre's own wall-clock time (``yyyy-MM-dd HH:mm:ss``, no zone) because reconciliation
(3201) groups by the centre's day.  Every other time is an aware UTC ``datetime``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from .. import wire
from ..catalog.kinds import MONEY_COLUMNS
from .db import Database
from .states import State

__all__ = [
    "JSON_COLUMNS",
    "MONEY_COLUMNS",
    "SETTABLE_COLUMNS",
    "TIME_COLUMNS",
    "Entry",
    "encode_columns",
    "encode_money",
    "encode_setl_time",
    "entry_from_row",
    "marks",
    "select_entries",
    "state_values",
]

TIME_COLUMNS = ("created_at", "updated_at", "sent_at", "outcome_at", "next_attempt_at", "lease_until")
JSON_COLUMNS = ("input_full", "input_masked", "output")
_TEXT_SETTABLE = (
    "psn_no", "mdtrt_id", "setl_id", "chrg_bchno", "insuplc_admdvs", "insutype", "med_type",
    "clr_type", "clr_optins", "clr_way", "reversal_of", "reversed_by", "err_msg", "inf_refmsgid",
    "last_error",
)  # fmt: skip
#: Columns a transition may set besides the state (``**columns`` of the Journal methods).
SETTABLE_COLUMNS = frozenset(
    {*_TEXT_SETTABLE, *MONEY_COLUMNS, "setl_time", "output", "infcode", "next_attempt_at", "attempts"}
)
_CENTRE_TIME = "%Y-%m-%d %H:%M:%S"
_CENT = Decimal("0.01")


def encode_money(name: str, value: object) -> Decimal | None:
    """A money value as an exact two-decimal ``Decimal``; floats and lost digits refused."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{name}: {value!r} is not an exact amount; use Decimal")
    try:
        amount = Decimal(value) if isinstance(value, int | str) else value
    except InvalidOperation as exc:
        raise ValueError(f"{name}: {value!r} is not a number") from exc
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError(f"{name}: {value!r} is not a finite Decimal")
    exact = amount.quantize(_CENT)
    if exact != amount:
        raise ValueError(f"{name}: {value} has more than two decimals (元, 16,2)")
    if abs(exact) >= Decimal("1e14"):
        raise ValueError(f"{name}: {value} does not fit 16,2")
    return exact


def encode_setl_time(value: object) -> str | None:
    """The centre's settlement time as ``yyyy-MM-dd HH:mm:ss`` (its wall clock, no zone)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime(_CENTRE_TIME)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).strftime(_CENTRE_TIME)
        except ValueError as exc:
            raise ValueError(f"setl_time {value!r} is not yyyy-MM-dd HH:mm:ss") from exc
    raise TypeError(f"setl_time must be datetime or str, not {type(value).__name__}")


def encode_columns(columns: Mapping[str, Any]) -> dict[str, Any]:
    """Check and encode the ``**columns`` a caller passes with a transition."""
    unknown = set(columns) - SETTABLE_COLUMNS
    if unknown:
        raise TypeError(f"not a settable journal column: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for name, value in columns.items():
        if name in MONEY_COLUMNS:
            out[name] = encode_money(name, value)
        elif name == "setl_time":
            out[name] = encode_setl_time(value)
        elif name == "output":
            out[name] = None if value is None else wire.dumps(value)
        elif name in ("infcode", "attempts"):
            out[name] = None if value is None else int(value)
        elif name == "next_attempt_at":
            if value is not None and not isinstance(value, datetime):
                raise TypeError("next_attempt_at must be a datetime")
            out[name] = value
        else:
            out[name] = None if value is None else str(value)
    return out


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def _money(value: Any) -> Decimal | None:
    # SQLite hands back the TEXT digits, psycopg a Decimal: never a float on either path.
    return None if value is None else Decimal(str(value))


def _json(value: Any) -> Any:
    return None if value is None else wire.loads(value)


@attrs.frozen(kw_only=True)
class Entry:
    """A journaled message: who sent what, and where it stands (see :class:`State`)."""

    msgid: str
    infno: str
    region: str
    fixmedins_code: str
    opter: str
    terminal: str
    kind: str
    state: State
    input_full: dict[str, Any]
    input_masked: dict[str, Any]
    business_date: date
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    psn_no: str | None = None
    mdtrt_id: str | None = None
    setl_id: str | None = None
    chrg_bchno: str | None = None
    insuplc_admdvs: str | None = None
    idem_key: str | None = None
    omsgid: str | None = None
    oinfno: str | None = None
    reversal_of: str | None = None
    reversed_by: str | None = None
    output: Any = None
    err_msg: str | None = None
    infcode: int | None = None
    inf_refmsgid: str | None = None
    last_error: str | None = None
    medfee_sumamt: Decimal | None = None
    fund_pay_sumamt: Decimal | None = None
    acct_pay: Decimal | None = None
    psn_cash_pay: Decimal | None = None
    insutype: str | None = None
    med_type: str | None = None
    clr_type: str | None = None
    clr_optins: str | None = None
    clr_way: str | None = None
    setl_time: datetime | None = None
    sent_at: datetime | None = None
    outcome_at: datetime | None = None
    next_attempt_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    notes: str | None = None

    def to_dict(self, *, full_input: bool = False) -> dict[str, Any]:
        """JSON-ready (via :func:`yibao.core.wire.dumps`); the full input only when asked."""
        data = attrs.asdict(self, recurse=False)
        if not full_input:
            del data["input_full"]
        for name, value in list(data.items()):
            if isinstance(value, State):
                data[name] = value.value
            elif isinstance(value, datetime | date):
                data[name] = value.isoformat()
        return data


_FIELDS = frozenset(f.name for f in attrs.fields(Entry))


def entry_from_row(row: Mapping[str, Any]) -> Entry:
    """Decode a ``journal_entries`` row (either backend) into an :class:`Entry`."""
    values: dict[str, Any] = {k: v for k, v in row.items() if k in _FIELDS}
    for name in TIME_COLUMNS:
        values[name] = _time(values.get(name))
    for name in MONEY_COLUMNS:
        values[name] = _money(values.get(name))
    for name in JSON_COLUMNS:
        values[name] = _json(values.get(name))
    setl = values.get("setl_time")
    values["setl_time"] = None if setl is None else datetime.strptime(setl, _CENTRE_TIME)
    values["business_date"] = date.fromisoformat(str(values["business_date"]))
    values["state"] = State(values["state"])
    return Entry(**values)


def marks(db: Database, n: int) -> str:
    """``n`` of the driver's parameter markers, for an ``IN (...)`` list."""
    return db.marks(n)


def state_values(states: Iterable[State]) -> list[str]:
    """The states as sorted column values."""
    return sorted(State(s).value for s in states)


def select_entries(
    db: Database, where: str, params: Sequence[Any], tail: str = "ORDER BY created_at, msgid"
) -> list[Entry]:
    """The entries matching ``where`` (SQL written with ``db.p``), in ``tail``'s order."""
    rows = db.fetchall(f"SELECT * FROM journal_entries WHERE {where} {tail}", params)
    return [entry_from_row(r) for r in rows]
