"""The msgid allocator: shape, the partition by terminal, uniqueness across processes and
private journals, clock steps, and how far a busy terminal runs ahead of the clock."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import pytest

from yibao.core.journal import open_journal, split_msgid
from yibao.core.journal.db import Database
from yibao.core.journal.msgid import AHEAD_SECONDS

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


def _seed(url: str, second: str, seq: int, terminal: str = "T01") -> None:
    # Put the terminal's counter where thousands of allocations would have left it.
    db = Database(url)
    try:
        db.execute(
            "INSERT INTO journal_msgid_terminals (fixmedins_code, terminal, last_second, last_seq)"
            f" VALUES ({db.marks(4)})",
            (CODE, terminal, second, seq),
        )
    finally:
        db.close()


def test_shape(journal_url: str) -> None:
    """code(12) + Beijing yyyyMMddHHmmss + the terminal's first sequence (T01: 0100)."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5, 250000))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        first, second = j.allocate_msgid(CODE, "T01"), j.allocate_msgid(CODE, "T01")
        other = j.allocate_msgid("H44010000002", "T01")
    assert first == "H44010000001202611220930050100"
    assert second == "H44010000001202611220930050101"
    assert other == "H44010000002202611220930050100"  # each institution counts on its own
    assert split_msgid(second) == (CODE, datetime(2026, 11, 22, 9, 30, 5), 101)


@pytest.mark.parametrize("code", ["H4401000000", "H440100000011", "H44010000 01", "Ｈ4401000000"])
def test_bad_institution_code(journal_url: str, code: str) -> None:
    """Only a 12-character ASCII code makes a 30-character msgid."""
    with open_journal(journal_url) as j, pytest.raises(ValueError):
        j.allocate_msgid(code, "T01")


@pytest.mark.parametrize("terminal", ["T00", "T1", "T100", "01", "POS1", ""])
def test_a_terminal_that_cannot_be_partitioned_is_refused(journal_url: str, terminal: str) -> None:
    """The sequence space is split T01 ... T99: any other terminal name issues nothing."""
    with open_journal(journal_url) as j, pytest.raises(ValueError, match=r"T01 \.\.\. T99"):
        j.allocate_msgid(CODE, terminal)


def test_terminals_with_private_journals_never_collide(tmp_path: Path) -> None:
    """Two terminals of one institution, each with its own journal file, in the same second:
    disjoint sequences (T01 0100-0199, T02 0200-0299), so the centre never sees a duplicate."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5))
    with open_journal(f"sqlite:///{tmp_path / 'a.db'}", msgid_clock=clock, sleep=clock.sleep) as a, \
            open_journal(f"sqlite:///{tmp_path / 'b.db'}", msgid_clock=clock, sleep=clock.sleep) as b:
        ids_a = [a.allocate_msgid(CODE, "T01") for _ in range(150)]
        ids_b = [b.allocate_msgid(CODE, "T02") for _ in range(150)]
    assert not set(ids_a) & set(ids_b)
    assert {split_msgid(m)[2] // 100 for m in ids_a} == {1} and {split_msgid(m)[2] // 100 for m in ids_b} == {2}


def test_new_second_restarts_the_sequence(journal_url: str) -> None:
    """When the clock moves on, the sequence starts again at the terminal's first (T03: 0300)."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        j.allocate_msgid(CODE, "T03")
        j.allocate_msgid(CODE, "T03")
        clock.now += timedelta(seconds=1)
        assert j.allocate_msgid(CODE, "T03") == "H44010000001202611220930060300"


def test_full_second_moves_ahead_at_once(journal_url: str) -> None:
    """After a terminal's 100 ids of a second it takes the next second without waiting; it never wraps."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5, 400000))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        _seed(journal_url, "20261122093005", 197)
        assert j.allocate_msgid(CODE, "T01").endswith("093005" + "0198")
        assert j.allocate_msgid(CODE, "T01").endswith("093005" + "0199")
        assert j.allocate_msgid(CODE, "T01") == "H44010000001202611220930060100"
    assert clock.slept == []


def test_a_terminal_runs_at_most_a_minute_ahead_then_waits(journal_url: str) -> None:
    """A burst past 100 ids a second borrows later seconds up to AHEAD_SECONDS, then waits for the clock."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5))
    ahead = (clock.now + timedelta(seconds=AHEAD_SECONDS)).strftime("%Y%m%d%H%M%S")
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        _seed(journal_url, ahead, 199)
        issued = j.allocate_msgid(CODE, "T01")
    assert clock.slept, "it waited for the clock"
    assert split_msgid(issued)[1] == datetime.strptime(ahead, "%Y%m%d%H%M%S") + timedelta(seconds=1)
    assert split_msgid(issued)[1] - clock.now <= timedelta(seconds=AHEAD_SECONDS)


def test_clock_stepped_back(journal_url: str) -> None:
    """With the clock stepped back 2 s, ids keep the last second issued and keep increasing."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 5))
    issued: list[str] = []
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        issued += [j.allocate_msgid(CODE, "T01") for _ in range(3)]
        clock.now -= timedelta(seconds=2)
        issued += [j.allocate_msgid(CODE, "T01") for _ in range(3)]
        clock.now += timedelta(seconds=3)  # one second past the last issued
        issued.append(j.allocate_msgid(CODE, "T01"))
    assert issued == sorted(issued) and len(set(issued)) == len(issued)
    assert [m[20:26] for m in issued] == ["093005"] * 6 + ["093006"]
    assert issued[-1].endswith("0100")


def test_clock_behind_and_second_full_moves_ahead(journal_url: str) -> None:
    """Clock behind and the last second used up: the next second is taken without waiting."""
    clock = FakeClock(datetime(2026, 11, 22, 9, 30, 3))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        _seed(journal_url, "20261122093005", 199)
        assert j.allocate_msgid(CODE, "T01") == "H44010000001202611220930060100"
    assert clock.slept == []


def test_beijing_time_whatever_the_host_zone(journal_url: str) -> None:
    """An aware clock in UTC gives the Beijing wall-clock time in the msgid (UTC+8)."""
    from datetime import UTC

    clock = FakeClock(datetime(2026, 11, 22, 1, 30, 5, tzinfo=UTC))
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        assert j.allocate_msgid(CODE, "T01")[12:26] == "20261122093005"


FROZEN = datetime(2026, 11, 22, 9, 30, 5)


def _allocate_many(url: str, n: int, frozen: bool, start: Any, out: Queue[list[str]]) -> None:
    clock = FakeClock(FROZEN)
    start.wait(30)
    kwargs: dict[str, Any] = {"msgid_clock": clock, "sleep": clock.sleep} if frozen else {}
    with open_journal(url, **kwargs) as j:
        out.put([j.allocate_msgid(CODE, "T01") for _ in range(n)])


@pytest.mark.slow
@pytest.mark.parametrize("frozen", [False, True], ids=["real-clock", "one-second"])
def test_four_processes_never_share_an_id(journal_url: str, frozen: bool) -> None:
    """4 processes x 1,000 ids of one terminal on one journal: all unique, each process's ids
    increasing, every sequence in the terminal's range.  With every clock stuck in one second,
    each second holds at most the terminal's 100 ids and the ids run ahead second by second."""
    open_journal(journal_url).close()
    start = FORK.Event()
    out: Queue[list[str]] = FORK.Queue()
    args = (journal_url, 1000, frozen, start, out)
    procs = [FORK.Process(target=_allocate_many, args=args) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    batches = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0] * 4
    everything = [m for batch in batches for m in batch]
    assert len(everything) == 4_000 and len(set(everything)) == 4_000
    for batch in batches:
        assert batch == sorted(batch)
    for m in everything:
        code, _, seq = split_msgid(m)
        assert code == CODE and 100 <= seq <= 199
    if frozen:
        # 4,000 ids at 100 a second: about 40 seconds, never more than 100 in one, and never
        # more than AHEAD_SECONDS past the stuck clock (blocks left unused: msgid.py).
        per_second: dict[datetime, int] = {}
        for m in everything:
            per_second[split_msgid(m)[1]] = per_second.get(split_msgid(m)[1], 0) + 1
        assert max(per_second.values()) <= 100
        assert max(per_second) - FROZEN <= timedelta(seconds=AHEAD_SECONDS)


def test_blocks_grow_while_busy_and_never_repeat_across_journals(journal_url: str) -> None:
    """A busy process reserves blocks (one write per block); a second journal on the same
    database never issues an id the first reserved, used or not."""
    clock = FakeClock(FROZEN)
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as a, \
            open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as b:
        first = [a.allocate_msgid(CODE, "T01") for _ in range(10)]
        other = b.allocate_msgid(CODE, "T01")
        more = a.allocate_msgid(CODE, "T01")
    seqs = [split_msgid(m)[2] for m in first]
    assert seqs == list(range(100, 110))
    # a reserved 1, 2, 4, 8 (15 in all) before b asked: b starts after a's reservation
    assert split_msgid(other)[2] == 115
    assert split_msgid(more)[2] == 110
    assert len({*first, other, more}) == 12


def test_a_new_second_starts_from_half_the_last_block(journal_url: str) -> None:
    """A terminal that was busy a second ago reserves half of its last block at once (one write
    where doubling from one would take several); the ids stay unique across journals."""
    clock = FakeClock(FROZEN)
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as a, \
            open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as b:
        busy = [a.allocate_msgid(CODE, "T01") for _ in range(10)]  # blocks of 1, 2, 4, 8
        clock.now += timedelta(seconds=1)
        next_second = a.allocate_msgid(CODE, "T01")  # reserves 8 // 2 = 4: 100 ... 103
        other = b.allocate_msgid(CODE, "T01")
        rest = [a.allocate_msgid(CODE, "T01") for _ in range(3)]
    assert split_msgid(next_second)[1] == FROZEN.replace(microsecond=0) + timedelta(seconds=1)
    assert split_msgid(next_second)[2] == 100
    assert split_msgid(other)[2] == 104
    assert [split_msgid(m)[2] for m in rest] == [101, 102, 103]
    assert len({*busy, next_second, other, *rest}) == 15


def test_the_real_clock_gives_beijing_seconds_and_unique_increasing_ids(journal_url: str) -> None:
    """Without an injected clock the next id of a block is read off time.time(): its time part is
    still Beijing time, and the ids stay unique and increasing across many seconds' blocks."""
    from yibao.core.clock import SHANGHAI

    with open_journal(journal_url) as j:
        before = datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)
        ids = [j.allocate_msgid(CODE, "T01") for _ in range(250)]  # more than one second's 100
        after = datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    seconds = [split_msgid(m)[1] for m in ids]
    assert before <= seconds[0] <= after
    assert seconds[-1] <= after + timedelta(seconds=AHEAD_SECONDS)


def test_journals_sharing_blocks_issue_one_sequence(journal_url: str) -> None:
    """A service's workers (a journal each, on one database) share one table of reserved blocks:
    calls alternating between them take the next id of one sequence (unique and increasing in
    the order issued) and reserve as one allocator would (1, 2, 4, 8), where each worker alone
    would reserve blocks of its own (and interleave out of order)."""
    clock = FakeClock(FROZEN)
    kw: dict[str, Any] = {"msgid_clock": clock, "sleep": clock.sleep}
    with open_journal(journal_url, **kw) as a, open_journal(journal_url, **kw) as b, \
            open_journal(journal_url, **kw) as c:
        b.share_msgids(a)
        ids = [(a if i % 2 else b).allocate_msgid(CODE, "T01") for i in range(10)]
        outsider = c.allocate_msgid(CODE, "T01")
    assert [split_msgid(m)[2] for m in ids] == list(range(100, 110))
    assert split_msgid(outsider)[2] == 115  # after the 15 the shared table reserved, used or not


def test_sharing_needs_the_same_database(tmp_path: Path) -> None:
    with open_journal(f"sqlite:///{tmp_path / 'a.db'}") as a, open_journal(f"sqlite:///{tmp_path / 'b.db'}") as b, \
            pytest.raises(ValueError, match="same database"):
        b.share_msgids(a)


def test_a_block_is_never_reserved_inside_a_callers_transaction(journal_url: str) -> None:
    """Its rollback would free ids this process is already issuing: refused, nothing reserved."""
    clock = FakeClock(FROZEN)
    with open_journal(journal_url, msgid_clock=clock, sleep=clock.sleep) as j:
        with pytest.raises(RuntimeError, match="transaction of its own"), j.database.transaction():
            j.allocate_msgid(CODE, "T01")
        assert split_msgid(j.allocate_msgid(CODE, "T01"))[2] == 100
