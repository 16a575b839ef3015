"""The catalogue at run time: :class:`Catalog` of :class:`Transaction` -> :class:`Node` -> :class:`Field`.

Built from the checked-in ``data/catalog.json`` (national baseline + Guangdong 3260-3262, see
``docs/catalogue.md``) and ``data/dictionaries.json`` (the baseline's 字典表).  Entries a region
adds (``RegionProfile.extra_transactions``) have the same JSON shape and are merged with
:meth:`Catalog.with_extra`.
"""

from __future__ import annotations

import builtins
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from typing import Any

import attrs

from .kinds import changes_state, kind_of

__all__ = ["Catalog", "Field", "Node", "Transaction", "load_catalog"]


@attrs.frozen(slots=True)
class Field:
    """One parameter row of a spec table.

    ``type``: C 字符型, N 数值型 (``length`` digits of which ``scale`` decimals), NUM 数字型
    (digits only), D 日期型 (yyyy-MM-dd), DT 日期时间型 (yyyy-MM-dd HH:mm:ss), INT 整型, bytes
    字节数组; plus BOOL 布尔型 and OBJ (列表/对象 values the spec does not describe further).
    ``dict``: the value comes from the code table named like the field; ``required``: 必填 on
    input, 非空 on output.
    """

    code: str
    name: str = ""
    type: str = "C"
    length: int | None = None
    scale: int | None = None
    dict: bool = False
    required: bool = False
    note: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Field:
        return cls(
            code=str(d["code"]),
            name=str(d.get("name", "")),
            type=str(d.get("type", "C")),
            length=d.get("length"),
            scale=d.get("scale"),
            dict=bool(d.get("dict", False)),
            required=bool(d.get("required", False)),
            note=str(d.get("note", "")),
        )

    def to_json(self) -> builtins.dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(slots=True)
class Node:
    """A node of ``input`` / ``output``: one object (``multi`` False) or a list of rows.

    ``name`` ``""`` means the fields sit directly under ``input``/``output`` (spec: 无节点).
    ``children`` are nested nodes inside each row (2102 drugdetail -> durg_trac_info);
    ``aliases`` are other spellings accepted on input; ``multi_from`` says whether the row count
    came from the spec text (``"spec"``) or the documented heuristic (``"heuristic"``).
    """

    name: str
    caption: str = ""
    multi: bool = False
    fields: tuple[Field, ...] = ()
    children: tuple[Node, ...] = ()
    aliases: tuple[str, ...] = ()
    multi_from: str = "spec"
    _index: Mapping[str, Field] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.code: f for f in self.fields})

    def field(self, code: str) -> Field | None:
        """The field ``code`` of this node, or ``None``."""
        return self._index.get(code)

    def child(self, name: str) -> Node | None:
        """The nested node ``name`` (or one of its aliases), or ``None``."""
        for node in self.children:
            if name == node.name or name in node.aliases:
                return node
        return None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Node:
        return cls(
            name=str(d.get("node", "")),
            caption=str(d.get("caption", "")),
            multi=bool(d.get("multi", False)),
            fields=tuple(Field.from_json(f) for f in d.get("fields", ())),
            children=tuple(Node.from_json(c) for c in d.get("children", ())),
            aliases=tuple(d.get("aliases", ())),
            multi_from=str(d.get("multi_from", "spec")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.name,
            "caption": self.caption,
            "multi": self.multi,
            "multi_from": self.multi_from,
            "aliases": list(self.aliases),
            "fields": [f.to_json() for f in self.fields],
            "children": [c.to_json() for c in self.children],
        }


@attrs.frozen(slots=True)
class Transaction:
    """One 【infno】 of the spec; ``kind`` and ``changes_state`` follow :mod:`.kinds`."""

    infno: str
    name: str
    input: tuple[Node, ...] = ()
    output: tuple[Node, ...] = ()
    kind: str = "query"
    changes_state: bool = False
    verified: bool = False
    source: str = ""

    def input_node(self, name: str) -> Node | None:
        """The input node ``name`` (or alias), or ``None``."""
        for node in self.input:
            if name == node.name or name in node.aliases:
                return node
        return None

    def output_node(self, name: str) -> Node | None:
        """The output node ``name``, or ``None``."""
        for node in self.output:
            if name == node.name or name in node.aliases:
                return node
        return None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Transaction:
        infno = str(d["infno"])
        name = str(d.get("name", ""))
        kind = str(d.get("kind") or kind_of(infno, name))
        return cls(
            infno=infno,
            name=name,
            input=tuple(Node.from_json(n) for n in d.get("input", ())),
            output=tuple(Node.from_json(n) for n in d.get("output", ())),
            kind=kind,
            changes_state=changes_state(kind),
            # Entries without the flag were built from assumptions (a region's guess).
            verified=bool(d.get("verified", False)),
            source=str(d.get("source", "")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "infno": self.infno,
            "name": self.name,
            "kind": self.kind,
            "verified": self.verified,
            "source": self.source,
            "input": [n.to_json() for n in self.input],
            "output": [n.to_json() for n in self.output],
        }


class Catalog:
    """The transactions by infno plus the code tables; immutable once built."""

    __slots__ = ("__weakref__", "_dictionaries", "_normalizers", "_transactions", "_validators")

    def __init__(
        self, transactions: Iterable[Transaction], dictionaries: Mapping[str, Mapping[str, str]]
    ) -> None:
        self._transactions: dict[str, Transaction] = {t.infno: t for t in transactions}
        self._dictionaries = dictionaries
        # Compiled validators / normalisers, filled lazily by .validate / .normalize (per infno).
        self._validators: dict[str, Any] = {}
        self._normalizers: dict[str, Any] = {}

    @classmethod
    def from_json(
        cls, entries: Iterable[Mapping[str, Any]], dictionaries: Mapping[str, Mapping[str, str]]
    ) -> Catalog:
        return cls((Transaction.from_json(e) for e in entries), dictionaries)

    def get(self, infno: str) -> Transaction | None:
        return self._transactions.get(infno)

    def __contains__(self, infno: object) -> bool:
        return infno in self._transactions

    def __iter__(self) -> Iterator[Transaction]:
        return iter(self._transactions.values())

    def __len__(self) -> int:
        return len(self._transactions)

    @property
    def dictionaries(self) -> Mapping[str, Mapping[str, str]]:
        """Code tables: dictionary name (= field code) -> {value: label}."""
        return self._dictionaries

    def with_extra(
        self,
        entries: Iterable[Mapping[str, Any]],
        dictionaries: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Catalog:
        """A new catalogue with a region's extra transactions (later entries override) and its
        local dictionary codes added to the national ones (Dongguan ``clr_type`` 9903 / 9904,
        ``med_type`` 9935)."""
        merged = dict(self._transactions)
        for entry in entries:
            t = Transaction.from_json(entry)
            merged[t.infno] = t
        dicts: Mapping[str, Mapping[str, str]] = self._dictionaries
        if dictionaries:
            combined = {name: dict(codes) for name, codes in self._dictionaries.items()}
            for name, codes in dictionaries.items():
                combined.setdefault(name, {}).update(codes)
            dicts = combined
        return Catalog(merged.values(), dicts)

    def __repr__(self) -> str:
        return f"Catalog({len(self)} transactions, {len(self._dictionaries)} dictionaries)"


def _read_data(name: str) -> Any:
    text = resources.files("yibao.core.catalog").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def load_catalog() -> Catalog:
    """The packaged catalogue (national baseline + Guangdong 3260-3262), read once."""
    data = _read_data("catalog.json")
    dictionaries = _read_data("dictionaries.json")
    return Catalog.from_json(data["transactions"], dictionaries)
