"""The msgid allocator: shape, uniqueness across processes, clock steps and the 9,999 cap."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from multiprocessing.queues import Queue
from typing import Any

import pytest

from yibao.core.journal import open_journal, split_msgid
from yibao.core.journal.db import Database
from yibao.core.journal.msgid import MAX_BLOCK

FORK = multiprocessing.get_context("fork")
CODE = "H44010000001"


class FakeClock:
    """A clock that only moves when the allocator sleeps (or the test moves it)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def _seed(url: str, second: str, seq: int) -> None:
    # Put the counter where thousands of allocations would have left it.
    db = Database(url)
    try:
        db.execute(
            f"INSERT INTO journal_msgid_counter (fixmedins_code, last_second, last_seq) VALUES ({db.marks(3)})",
            (CODE, second, seq),
        )
    finally:
        db.close()


def test_shape(journal_url: str) -> None:
    """code(12) + local yyyyMMddHHmmss + 0001 for the first id of a second."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5, 250000))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        first, second = j.allocate_msgid(CODE), j.allocate_msgid(CODE)
        other = j.allocate_msgid("H44010000002")
    assert first == "H44010000001202611220930050001"
    assert second == "H44010000001202611220930050002"
    assert other == "H44010000002202611220930050001"  # each institution counts on its own
    assert split_msgid(second) == (CODE, datetime(2026, 11, 22, 9, 30, 5), 2)


@pytest.mark.parametrize("code", ["H4401000000", "H440100000011", "H44010000 01", "Ｈ4401000000"])
def test_bad_institution_code(journal_url: str, code: str) -> None:
    """Only a 12-character ASCII code makes a 30-character msgid."""
    with open_journal(journal_url) as j, pytest.raises(ValueError):
        j.allocate_msgid(code)


def test_new_second_restarts_the_sequence(journal_url: str) -> None:
    """When the clock moves on, the sequence starts again at 0001."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        j.allocate_msgid(CODE)
        j.allocate_msgid(CODE)
        clock.now += timedelta(seconds=1)
        assert j.allocate_msgid(CODE) == "H44010000001202611220930060001"


def test_full_second_waits_for_the_next(journal_url: str) -> None:
    """After 9,999 ids in one second the allocator sleeps into the next second; it never wraps."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5, 400000))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        _seed(journal_url, "20261122093005", 9997)
        assert j.allocate_msgid(CODE).endswith("093005" + "9998")
        assert j.allocate_msgid(CODE).endswith("093005" + "9999")
        assert clock.slept == []
        assert j.allocate_msgid(CODE) == "H44010000001202611220930060001"
    assert clock.slept and sum(clock.slept) == pytest.approx(0.6)


def test_clock_stepped_back(journal_url: str) -> None:
    """With the clock stepped back 2 s, ids keep the last second issued and keep increasing."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5))
    issued: list[str] = []
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        issued += [j.allocate_msgid(CODE) for _ in range(3)]
        clock.now -= timedelta(seconds=2)
        issued += [j.allocate_msgid(CODE) for _ in range(3)]
        clock.now += timedelta(seconds=3)  # one second past the last issued
        issued.append(j.allocate_msgid(CODE))
    assert issued == sorted(issued) and len(set(issued)) == len(issued)
    assert [m[20:26] for m in issued] == ["093005"] * 6 + ["093006"]
    assert issued[-1].endswith("0001")


def test_clock_behind_and_second_full_moves_ahead(journal_url: str) -> None:
    """Clock behind and the last second used up: the next second is taken without waiting."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 3))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        _seed(journal_url, "20261122093005", 9999)
        assert j.allocate_msgid(CODE) == "H44010000001202611220930060001"
    assert clock.slept == []


FROZEN = datetime(2026, 11, 22, 9, 30, 5)


def _allocate_many(url: str, n: int, frozen: bool, start: Any, out: Queue[list[str]]) -> None:
    clock = FakeClock(FROZEN)
    start.wait(30)
    kwargs: dict[str, Any] = {"msgid_clock": clock, "sleep": clock.sleep} if frozen else {}
    with open_journal(url, **kwargs) as j:
        out.put([j.allocate_msgid(CODE) for _ in range(n)])


@pytest.mark.slow
@pytest.mark.parametrize("frozen", [False, True], ids=["real-clock", "one-second"])
def test_four_processes_never_share_an_id(journal_url: str, frozen: bool) -> None:
    """4 processes x 3,000 ids on one journal: all unique, each process's ids increasing,
    no sequence past 9,999.  With every clock stuck in one second, exactly 9,999 ids carry
    that second and the rest move to the next one."""
    open_journal(journal_url).close()
    start = FORK.Event()
    out: Queue[list[str]] = FORK.Queue()
    args = (journal_url, 3000, frozen, start, out)
    procs = [FORK.Process(target=_allocate_many, args=args) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    batches = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0] * 4
    everything = [m for batch in batches for m in batch]
    assert len(everything) == 12_000 and len(set(everything)) == 12_000
    for batch in batches:
        assert batch == sorted(batch)
    for m in everything:
        code, _, seq = split_msgid(m)
        assert code == CODE and 1 <= seq <= 9999
    if frozen:
        # Every id of the stuck second is used before the next second starts, except the
        # unused tail of a block a process still held when it finished (blocks: msgid.py).
        seconds = sorted(split_msgid(m)[1] for m in everything)
        assert 9999 - 4 * MAX_BLOCK <= seconds.count(FROZEN) <= 9999
        assert seconds.count(FROZEN) + seconds.count(FROZEN + timedelta(seconds=1)) == 12_000


def test_blocks_grow_while_busy_and_never_repeat_across_journals(journal_url: str) -> None:
    """A busy process reserves blocks (one write per block); a second journal on the same
    database never issues an id the first reserved, used or not."""
    clock = FakeClock(FROZEN)
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as a, \
            open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as b:
        first = [a.allocate_msgid(CODE) for _ in range(10)]
        other = b.allocate_msgid(CODE)
        more = a.allocate_msgid(CODE)
    seqs = [split_msgid(m)[2] for m in first]
    assert seqs == list(range(1, 11))
    # a reserved 1, 2, 4, 8 (15 in all) before b asked: b starts after a's reservation
    assert split_msgid(other)[2] == 16
    assert split_msgid(more)[2] == 11
    assert len({*first, other, more}) == 12
