"""Console users and the audit trail on real journals (SQLite here; the journal's PostgreSQL tests
cover the same migrations), `yibao console` commands, and `[console]` in the configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yibao.core.cli import app
from yibao.core.config import parse_config
from yibao.core.console import Audit, Users, hash_password
from yibao.core.errors import ConfigurationError
from yibao.core.journal import open_journal

from ..reconcile.conftest import config_toml


def test_users_verify_by_argon2_and_the_file_wins(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.db'}")
    users = Users(journal.database, {"boss": hash_password("from-the-file")})
    users.add("wang", "password-1", "王丽")
    assert users.verify("wang", "password-1") == "王丽"
    assert users.verify("wang", "password-2") is None and users.verify("nobody", "password-1") is None
    assert users.verify("boss", "from-the-file") == "boss"
    with pytest.raises(ValueError, match="configuration file"):
        users.add("boss", "another-pass")
    with pytest.raises(ValueError, match="8 characters"):
        users.add("li", "short")
    with pytest.raises(ValueError, match="letters, digits"):
        users.add("li si", "long-enough")
    stored = journal.database.fetchone("SELECT pw_hash FROM console_users WHERE name = 'wang'")
    assert stored is not None and stored["pw_hash"].startswith("$argon2id$") and "password-1" not in stored["pw_hash"]
    assert [u["source"] for u in users.names()] == ["config", "journal"]
    Audit(journal.database).record("wang", "reverse 2601", "H1", "REVERSED")
    (row,) = Audit(journal.database).recent()
    assert (row.user, row.action, row.target, row.outcome) == ("wang", "reverse 2601", "H1", "REVERSED")
    journal.close()


def test_console_user_commands(tmp_path: Path) -> None:
    toml = config_toml("http://127.0.0.1:9", tmp_path)
    run = CliRunner()
    added = run.invoke(app, ["--config", str(toml), "console", "user", "add", "zhao", "--display-name", "赵",
                             "--password-stdin"], input="a-long-password\n")
    assert added.exit_code == 0, added.output
    listed = run.invoke(app, ["--config", str(toml), "console", "user", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout) == [
        {"name": "zhao", "display_name": "赵", "source": "journal"}]
    short = run.invoke(app, ["--config", str(toml), "console", "user", "add", "qian", "--password-stdin"], input="x\n")
    assert short.exit_code == 2 and "8 characters" in short.output
    # a name in Chinese is refused (before the password is read), pointing at --display-name; nothing saved
    chinese = run.invoke(app, ["--config", str(toml), "console", "user", "add", "王丽"], input="")
    assert chinese.exit_code == 2 and "--display-name" in chinese.output and "ASCII" in chinese.output
    names = [u["name"] for u in json.loads(run.invoke(app, ["--config", str(toml), "console", "user", "list",
                                                            "--json"]).stdout)]
    assert names == ["zhao"]
    assert run.invoke(app, ["--config", str(toml), "console", "user", "remove", "zhao"]).exit_code == 0
    assert run.invoke(app, ["--config", str(toml), "console", "user", "remove", "zhao"]).exit_code == 1
    hashed = run.invoke(app, ["console", "hash-password", "--password-stdin"], input="a-long-password\n")
    assert hashed.exit_code == 0 and hashed.stdout.startswith("$argon2id$")


def test_console_keys_are_checked_by_name() -> None:
    base = {"region": "441900", "gateway": {"url": "http://127.0.0.1:9", "paasid": "p"},
            "institution": {"fixmedins_code": "H44190000001", "fixmedins_name": "x", "mdtrtarea_admvs": "441900"},
            "operator": {"opter": "1", "opter_name": "x"}}
    assert parse_config(base).console.enabled is True
    for bad, key in (({"users": {"wang": "plain-text-password"}}, "console.users"),
                     ({"session_hours": 0}, "console.session_hours"), ({"enable": True}, "console.enable")):
        with pytest.raises(ConfigurationError) as err:
            parse_config({**base, "console": bad})
        assert err.value.key == key, err.value
