"""Fixtures for the journal tests: a fresh journal URL on a real SQLite file and on the local
PostgreSQL (127.0.0.1:5432, database ``test``, user ``postgres``), each PostgreSQL test in a
schema of its own that is dropped afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from journal_support import CODE, body

from tests.pg import pg_unavailable, throwaway_schema
from yibao.core.journal import Entry, Journal, open_journal
from yibao.core.masking import mask_input


@pytest.fixture(scope="session")
def pg_reason() -> str | None:
    return pg_unavailable()


@pytest.fixture
def pg_url(pg_reason: str | None) -> Iterator[str]:
    """A PostgreSQL journal URL whose tables live in a throw-away schema."""
    if pg_reason:
        pytest.skip(pg_reason)
    with throwaway_schema("yibao_jt") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def journal_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh journal URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'journal.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def journal(journal_url: str) -> Iterator[Journal]:
    """An open journal on a fresh database, closed after the test."""
    with open_journal(journal_url) as j:
        yield j


@pytest.fixture
def new_entry(journal: Journal) -> Callable[..., Entry]:
    """Make an INTENT entry with a fresh msgid; keyword overrides go to ``record_intent``."""

    def make(**overrides: Any) -> Entry:
        psn_no = overrides.pop("psn_no", "P0001")
        data = body(psn_no)
        fields: dict[str, Any] = {
            "msgid": journal.allocate_msgid(CODE, "T01"),
            "infno": "2207",
            "region": "440000",
            "fixmedins_code": CODE,
            "opter": "0001",
            "terminal": "T1",
            "input_full": data,
            "input_masked": mask_input(data),
            "kind": "money",
            "psn_no": psn_no,
        }
        fields.update(overrides)
        return journal.record_intent(**fields)

    return make
