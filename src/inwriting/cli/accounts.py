"""`inwriting account token|password ...`: API tokens and passwords of delegates, for the web app.

A token's secret is printed once, when it is made (on stdout, so a script can capture it); only its
hash is kept. Passwords are read without echo, or from stdin with --stdin.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from inwriting.app import accounts
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    app_for,
    cell,
    done,
    emit_json,
    out,
    reports_errors,
    say,
)
from inwriting.errors import InvalidInput

account_app = typer.Typer(
    help="Accounts of delegates for the web app: API tokens, passwords.", no_args_is_help=True
)
token_app = typer.Typer(help="Issue, list and revoke delegates' API tokens.", no_args_is_help=True)
password_app = typer.Typer(help="Set delegates' passwords.", no_args_is_help=True)
account_app.add_typer(token_app, name="token")
account_app.add_typer(password_app, name="password")

PartyArg = Annotated[str, typer.Argument(metavar="PARTY", help="The party the delegate acts for.")]
DelegateArg = Annotated[str, typer.Argument(metavar="DELEGATE", help="The delegate's id, e.g. ryabkov.")]


@token_app.command("new")
@reports_errors
def token_new(
    party: PartyArg,
    delegate: DelegateArg,
    expires: Annotated[
        str | None, typer.Option("--expires", metavar="YYYY-MM-DD", help="The last day (UTC) it works.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue an API token; its secret is printed this once and cannot be shown again."""
    with app_for(db) as app:
        issued = accounts.issue_token(app, party, delegate, expires=expires)
    if as_json:
        emit_json({"ok": True, "token": issued.to_json()})
        return
    sys.stdout.write(issued.secret + "\n")
    until = f", valid through {issued.expires}" if issued.expires else ""
    say(
        f"token {issued.token_id} for {party}/{delegate}{until}; "
        "the secret above is shown only this once: keep it now"
    )


@token_app.command("list")
@reports_errors
def token_list(
    party: Annotated[str | None, typer.Option("--party", help="Only this party's tokens.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List tokens (never their secrets): who, made when, expiry, revocation, last use."""
    with app_for(db) as app:
        tokens = accounts.list_tokens(app, party)
    if as_json:
        emit_json({"ok": True, "tokens": [t.to_json() for t in tokens]})
        return
    table = Table("id", "party", "delegate", "created", "expires", "revoked", "last used", title="API tokens")
    for t in tokens:
        table.add_row(
            cell(t.token_id),
            cell(t.party),
            cell(t.delegate),
            cell(t.created),
            cell(t.expires),
            cell(t.revoked),
            cell(t.last_used),
        )
    out.print(table)


@token_app.command("revoke")
@reports_errors
def token_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id, e.g. tok_0123456789ab.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a token: it authenticates nothing from now on."""
    with app_for(db) as app:
        info = accounts.revoke_token(app, token_id)
    done(as_json, {"token": info.to_json()}, f"token {info.token_id} of {info.party}/{info.delegate} revoked")


@password_app.command("set")
@reports_errors
def password_set(
    party: PartyArg,
    delegate: DelegateArg,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from stdin (one line), for scripts.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a delegate's password (at least 12 characters); only its argon2 hash is stored."""
    # The prompt goes to stderr, like every human message: stdout stays for data (one JSON document).
    password: str = (
        _read_stdin()
        if stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    )
    with app_for(db) as app:
        accounts.set_password(app, party, delegate, password)
    done(as_json, {"party": party, "delegate": delegate}, f"password set for {party}/{delegate}")


def _read_stdin() -> str:
    text = sys.stdin.read()
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if "\n" in text or "\r" in text:
        raise InvalidInput("the password on stdin must be one line")
    return text
