"""``yibao console``: the console's users (docs/console.md "Users").

::

    yibao console hash-password            an argon2 hash for [console] users (password from stdin or asked twice)
    yibao console user add NAME [--display-name TEXT] [--password-stdin]
    yibao console user list [--json]
    yibao console user remove NAME

Users added here live in the journal's database (every instance on it sees them); users in
``[console] users`` live in the file.  Exit 0 done, 1 nothing to remove, 2 a usage or
configuration error (a bad name, a short password, a name the file already defines).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ConfigurationError
from ._common import config_from_ctx, fail, handle_errors, print_json

if TYPE_CHECKING:
    from ..console.users import Users
    from ..journal import Journal

__all__ = ["register"]


def _password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("password", hide_input=True, err=True)
    if typer.prompt("again", hide_input=True, err=True) != first:
        raise ConfigurationError("password", "the two passwords differ")
    return str(first)


def _users(ctx: typer.Context) -> tuple[Users, Journal]:
    from ..console.users import Users
    from ..journal import open_journal

    config = config_from_ctx(ctx)
    journal = open_journal(config.journal.url)
    return Users(journal.database, config.console.users), journal


def register(app: typer.Typer) -> None:
    console = typer.Typer(help="The 医保办 console of `yibao serve` (/console/): its users.", no_args_is_help=True)
    user = typer.Typer(help="Console users kept in the journal's database.", no_args_is_help=True)
    console.add_typer(user, name="user")
    app.add_typer(console, name="console")

    @console.command("hash-password")
    def hash_password(
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
    ) -> None:
        """Print an argon2id hash of a password, for console.users in the configuration file."""
        from ..console.users import hash_password as make

        with handle_errors():
            try:
                typer.echo(make(_password(password_stdin)))
            except ValueError as exc:
                raise ConfigurationError("password", str(exc)) from None

    @user.command("add")
    def add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="the sign-in name (ASCII letters, digits, _ . @ -)")],
        display_name: Annotated[str, typer.Option("--display-name", help="shown in the console")] = "",
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
    ) -> None:
        """Add a console user (or set a new password for one) in the journal's database."""
        from ..console.users import NAME_RULE, valid_name

        if not valid_name(name):  # before the password is asked for twice
            fail(NAME_RULE.format(name=name[:70]), 2)
        with handle_errors():
            users, journal = _users(ctx)
            try:
                users.add(name, _password(password_stdin), display_name)
            except ValueError as exc:
                raise ConfigurationError("user", str(exc)) from None
            finally:
                journal.close()
        typer.echo(f"console user {name} saved", err=True)

    @user.command("list")
    def list_(ctx: typer.Context, json: Annotated[bool, typer.Option("--json", help="JSON on stdout")] = False) -> None:
        """The users who may sign in (from the file and from the database)."""
        with handle_errors():
            users, journal = _users(ctx)
            try:
                rows = users.names()
            finally:
                journal.close()
        if json:
            print_json(rows)
            return
        for r in rows:
            typer.echo(f"{r['name']}\t{r['display_name']}\t{r['source']}")

    @user.command("remove")
    def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the sign-in name")]) -> None:
        """Remove a console user from the journal's database (exit 1 when there was none)."""
        with handle_errors():
            users, journal = _users(ctx)
            try:
                gone = users.remove(name)
            finally:
                journal.close()
        typer.echo(f"console user {name} {'removed' if gone else 'not found'}", err=True)
        raise typer.Exit(0 if gone else 1)
