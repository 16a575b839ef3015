"""Console users and the audit trail, in the journal's database (docs/console.md "Users").

- ``console_users``: users added with ``yibao console user add`` (name, argon2 hash, display
  name); ``[console] users`` in the file adds more (name = hash) without touching the database.
  Passwords are hashed with argon2id (argon2-cffi, the reference binding of the PHC winner);
  the hash is all that is kept, in the database or in the file.
- ``console_audit``: one row per console action (sign-in, a lookup, a reversal, a confirmation,
  a sync, an acceptance run) with the user, the target (a msgid, a month; never a person's ID
  number) and how it ended.  Registered as journal migrations, so SQLite and PostgreSQL journals
  both carry them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..journal import register_migration
from ..journal.db import Database

__all__ = ["Audit", "AuditRow", "Users", "hash_password", "valid_name"]


def _tables(ts: str, serial: str) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS console_users (
    name          TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    pw_hash       TEXT NOT NULL,
    created_at    {ts} NOT NULL
);
CREATE TABLE IF NOT EXISTS console_audit (
    id            {serial},
    at            {ts} NOT NULL,
    user_name     TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS console_audit_at ON console_audit (at)
"""


register_migration("console.0001.users_audit", _tables("TEXT", "INTEGER PRIMARY KEY AUTOINCREMENT"),
                   _tables("TIMESTAMPTZ", "BIGSERIAL PRIMARY KEY"))

_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_hasher = PasswordHasher()
#: verified against when the user does not exist, so a wrong name takes as long as a wrong password
_DUMMY = _hasher.hash("not a password of anyone")


#: What a sign-in name may be; a name in Chinese is the display name (工号 sign in, 王丽 is shown).
NAME_RULE = ("user name {name!r}: ASCII letters, digits and _ . @ - only, at most 64 (a name in Chinese goes in "
             "--display-name)")


def valid_name(name: str) -> bool:
    return _NAME.match(name) is not None


def hash_password(password: str) -> str:
    """An argon2id hash (``$argon2id$v=19$...``) for ``[console] users`` or the database."""
    if len(password) < 8:
        raise ValueError("a console password has at least 8 characters")
    return _hasher.hash(password)


class Users:
    """Who may sign in: the file's users first, then the database's."""

    def __init__(self, db: Database, from_config: Mapping[str, str]) -> None:
        self._db = db
        self._config = dict(from_config)

    def add(self, name: str, password: str, display_name: str = "") -> None:
        if not valid_name(name):
            raise ValueError(NAME_RULE.format(name=name[:70]))
        if name in self._config:
            raise ValueError(f"user {name!r} is defined in [console] users of the configuration file")
        p = self._db.p
        with self._db.transaction():
            self._db.execute(f"DELETE FROM console_users WHERE name = {p}", (name,))
            self._db.execute(f"INSERT INTO console_users (name, display_name, pw_hash, created_at)"
                             f" VALUES ({p}, {p}, {p}, {p})",
                             (name, display_name or name, hash_password(password), datetime.now(UTC)))

    def remove(self, name: str) -> bool:
        return self._db.execute(f"DELETE FROM console_users WHERE name = {self._db.p}", (name,)) > 0

    def names(self) -> list[dict[str, str]]:
        rows = self._db.fetchall("SELECT name, display_name FROM console_users ORDER BY name")
        listed = [{"name": n, "display_name": n, "source": "config"} for n in sorted(self._config)]
        return listed + [{"name": str(r["name"]), "display_name": str(r["display_name"]), "source": "journal"}
                         for r in rows if r["name"] not in self._config]

    def verify(self, name: str, password: str) -> str | None:
        """The display name when ``password`` is ``name``'s, else ``None`` (same cost either way)."""
        stored, display = self._config.get(name), name
        if stored is None and valid_name(name):
            row = self._db.fetchone(f"SELECT display_name, pw_hash FROM console_users WHERE name = {self._db.p}",
                                    (name,))
            if row is not None:
                stored, display = str(row["pw_hash"]), str(row["display_name"])
        try:
            _hasher.verify(stored or _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return display if stored is not None else None


@attrs.frozen
class AuditRow:
    at: datetime
    user: str
    action: str
    target: str
    outcome: str
    detail: str


class Audit:
    """The console's audit trail (append only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, user: str, action: str, target: str = "", outcome: str = "ok", detail: str = "") -> None:
        p = self._db.p
        self._db.execute("INSERT INTO console_audit (at, user_name, action, target, outcome, detail)"
                         f" VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
                         (datetime.now(UTC), user, action, target[:200], outcome[:200], detail[:500]))

    def recent(self, limit: int = 100, *, user: str | None = None) -> list[AuditRow]:
        p = self._db.p
        where, params = ("WHERE user_name = " + p, [user]) if user else ("", [])
        rows = self._db.fetchall(f"SELECT * FROM console_audit {where} ORDER BY id DESC LIMIT {p}", [*params, limit])
        return [AuditRow(_time(r["at"]), str(r["user_name"]), str(r["action"]), str(r["target"]),
                         str(r["outcome"]), str(r["detail"])) for r in rows]


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
