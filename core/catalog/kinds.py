"""What a transaction does to the centre's books: its ``kind`` (drives journaling and reversal).

- ``money``: settlements, their undo and the reversal 2601 -- 2102, 2103, 2207, 2208, 2304, 2305,
  2601.  These are journaled and, when the outcome is unknown, reversed with 2601.
- ``session``: 9001 签到 / 9002 签退.
- ``file``: 9101 文件上传 / 9102 文件下载.
- ``query``: nothing changes at the centre -- every 1xxx (incl. 100001), 2001, every 5xxx, the
  pre-settlements 2101 / 2206 / 2303 (they compute, nothing is booked), 3201 / 3202 (they
  compare books, they do not change them), 3260 (extracts the 清分 list), and any other
  transaction whose name says 查询 / 下载 / 获取 / 试算.
- ``state``: everything else changes state without moving money itself: registrations, uploads,
  2201-2205, 2301/2302, 2401-2405, 35xx, 4xxx, 3261 / 3262 ...

``changes_state`` is ``kind in ("money", "state")``.
"""

from __future__ import annotations

__all__ = ["KINDS", "changes_state", "kind_of"]

KINDS = ("query", "state", "money", "file", "session")

_MONEY = frozenset({"2102", "2103", "2207", "2208", "2304", "2305", "2601"})
_SESSION = frozenset({"9001", "9002"})
_FILE = frozenset({"9101", "9102"})
_QUERY = frozenset({"2001", "2101", "2206", "2303", "3201", "3202", "3260"})
_QUERY_WORDS = ("查询", "下载", "获取", "试算")


def kind_of(infno: str, name: str = "") -> str:
    """The kind of ``infno`` (rule in the module docstring); ``name`` is its Chinese name."""
    if infno in _MONEY:
        return "money"
    if infno in _SESSION:
        return "session"
    if infno in _FILE:
        return "file"
    if infno in _QUERY or infno[:1] in ("1", "5"):
        return "query"
    if any(word in name for word in _QUERY_WORDS):
        return "query"
    return "state"


def changes_state(kind: str) -> bool:
    """Money and state transactions change the centre's state (and are journaled)."""
    return kind in ("money", "state")
