"""`inwriting account ...` through Typer's runner: a token's secret is printed exactly once, lists never
show it, passwords come from a hidden prompt or from stdin, and refusals are one `error:` line that
never repeats the secret or the password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from inwriting.app import accounts
from inwriting.app.context import App
from inwriting.app.recorder import record
from inwriting.cli.accounts import account_app
from inwriting.domain import events as ev
from tests.cli.test_cli import Cli, assert_failed, describe, one_json, plain

PASSWORD = "correct horse battery staple"
runner = CliRunner()


def run(cli: Cli, *args: str, input: str | None = None) -> Result:
    env = {"INWRITING_DATABASE_URL": str(cli.db), "COLUMNS": "200"}
    return runner.invoke(account_app, list(args), env=env, input=input)


def ok(cli: Cli, *args: str, input: str | None = None) -> Result:
    result = run(cli, *args, input=input)
    assert result.exit_code == 0, describe(result)
    assert result.exception is None, describe(result)
    return result


def ok_json(cli: Cli, *args: str, input: str | None = None) -> Any:
    document = one_json(ok(cli, *args, "--json", input=input))
    assert document["ok"] is True, document
    return document


def fails(cli: Cli, *args: str, mentions: str = "", input: str | None = None) -> str:
    line = assert_failed(run(cli, *args, input=input), mentions)
    envelope = one_json(run(cli, *args, "--json", input=input))
    assert envelope["ok"] is False and envelope["error"]["message"] in line, envelope
    return line


@pytest.fixture
def service(cli: Cli) -> Iterator[App]:
    """The CLI's record with delegates: RU/ryabkov (negotiator), US/sherman (negotiator)."""
    application = App.open(str(cli.db), str(cli.keys))
    for party, delegate in (("RU", "ryabkov"), ("US", "sherman")):
        body = {
            "party": party,
            "delegate": delegate,
            "name": delegate,
            "title": "Envoy",
            "roles": ["negotiator"],
        }
        record(application, ev.OPERATOR, ev.DELEGATE_ADDED, body)
    try:
        yield application
    finally:
        application.close()


def test_token_new_prints_the_secret_once(cli: Cli, service: App) -> None:
    result = ok(cli, "token", "new", "RU", "ryabkov")
    secret = result.stdout.strip()
    assert result.stdout == secret + "\n"  # stdout holds the secret alone, for scripts
    assert result.output.count(secret) == 1
    [info] = accounts.list_tokens(service)
    assert secret.startswith(f"iw_{info.token_id}_")
    note = plain(result.stderr)
    assert f"token {info.token_id} for RU/ryabkov" in note and "only this once" in note
    assert accounts.authenticate_token(service, secret).delegate == "ryabkov"

    listing = ok(cli, "token", "list")
    assert info.token_id in plain(listing.stdout) and secret not in listing.output
    listed = ok_json(cli, "token", "list")
    assert [t["token_id"] for t in listed["tokens"]] == [info.token_id]
    assert set(listed["tokens"][0]) == {
        "token_id",
        "party",
        "delegate",
        "created",
        "expires",
        "revoked",
        "last_used",
    }
    assert listed["tokens"][0]["last_used"] is not None


def test_token_new_json_holds_the_secret_once(cli: Cli, service: App) -> None:
    result = ok(cli, "token", "new", "US", "sherman", "--expires", "2999-12-31", "--json")
    document = json.loads(result.stdout)
    token = document["token"]
    assert document["ok"] is True
    assert (token["party"], token["delegate"], token["expires"]) == ("US", "sherman", "2999-12-31")
    assert result.output.count(token["secret"]) == 1
    assert accounts.authenticate_token(service, token["secret"]).party == "US"
    assert token["secret"] not in run(cli, "token", "list", "--json").output


def test_token_list_by_party(cli: Cli, service: App) -> None:
    ru = ok_json(cli, "token", "new", "RU", "ryabkov")["token"]["token_id"]
    us = ok_json(cli, "token", "new", "US", "sherman")["token"]["token_id"]
    assert [t["token_id"] for t in ok_json(cli, "token", "list", "--party", "RU")["tokens"]] == [ru]
    assert [t["token_id"] for t in ok_json(cli, "token", "list", "--party", "US")["tokens"]] == [us]
    table = plain(ok(cli, "token", "list", "--party", "US").stdout)
    assert us in table and ru not in table


def test_token_revoke(cli: Cli, service: App) -> None:
    token = ok_json(cli, "token", "new", "RU", "ryabkov")["token"]
    result = ok(cli, "token", "revoke", token["token_id"])
    assert f"token {token['token_id']} of RU/ryabkov revoked" in plain(result.stderr)
    with pytest.raises(accounts.Unauthenticated):
        accounts.authenticate_token(service, token["secret"])
    [listed] = ok_json(cli, "token", "list")["tokens"]
    assert listed["revoked"] is not None

    fails(cli, "token", "revoke", token["token_id"], mentions="already revoked")
    assert one_json(run(cli, "token", "revoke", token["token_id"], "--json"))["error"]["code"] == "conflict"
    fails(cli, "token", "revoke", "tok_000000000000", mentions="no API token")
    line = fails(cli, "token", "revoke", token["secret"], mentions="not its id")
    assert token["secret"] not in line


def test_token_refusals(cli: Cli, service: App) -> None:
    fails(cli, "token", "new", "RU", "nobody", mentions="RU has no active delegate nobody")
    fails(cli, "token", "new", "US", "ryabkov", mentions="US has no active delegate ryabkov")
    fails(cli, "token", "new", "RU", "ryabkov", "--expires", "2001-01-01", mentions="already past")
    fails(cli, "token", "new", "RU", "ryabkov", "--expires", "soon", mentions="YYYY-MM-DD")
    assert accounts.list_tokens(service) == []


def test_password_set_from_stdin(cli: Cli, service: App) -> None:
    result = ok(cli, "password", "set", "RU", "ryabkov", "--stdin", input=PASSWORD + "\n")
    assert "password set for RU/ryabkov" in plain(result.stderr)
    assert PASSWORD not in result.output
    assert accounts.login(service, "RU", "ryabkov", PASSWORD).party == "RU"

    document = ok_json(cli, "password", "set", "RU", "ryabkov", "--stdin", input=PASSWORD + "!\r\n")
    assert document == {"ok": True, "party": "RU", "delegate": "ryabkov"}
    assert accounts.login(service, "RU", "ryabkov", PASSWORD + "!").party == "RU"


def test_password_set_refusals(cli: Cli, service: App) -> None:
    line = fails(
        cli, "password", "set", "RU", "ryabkov", "--stdin", input="too-short\n", mentions="at least 12"
    )
    assert "too-short" not in line
    fails(
        cli, "password", "set", "RU", "ryabkov", "--stdin", input=f"{PASSWORD}\nmore\n", mentions="one line"
    )
    fails(cli, "password", "set", "RU", "nobody", "--stdin", input=PASSWORD, mentions="no active delegate")
    with pytest.raises(accounts.Unauthenticated):
        accounts.login(service, "RU", "ryabkov", PASSWORD)


def test_password_set_by_hidden_prompt(cli: Cli, service: App) -> None:
    result = ok(cli, "password", "set", "US", "sherman", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert PASSWORD not in result.output  # typed, not echoed
    # The prompt is a human message (stderr); the runner echoes the hidden input's newlines on stdout,
    # where a terminal's getpass would write to the tty.
    assert "Password:" in result.stderr and result.stdout.strip() == ""
    assert accounts.login(service, "US", "sherman", PASSWORD).delegate == "sherman"
    document = ok_json(cli, "password", "set", "US", "sherman", input=f"{PASSWORD}!\n{PASSWORD}!\n")
    assert document == {"ok": True, "party": "US", "delegate": "sherman"}  # stdout: the document alone
    assert accounts.login(service, "US", "sherman", PASSWORD + "!").delegate == "sherman"

    # A confirmation that differs is asked again; given no more input, the command aborts.
    mismatch = run(cli, "password", "set", "RU", "ryabkov", input=f"{PASSWORD}\n{PASSWORD}?\n")
    assert mismatch.exit_code != 0, describe(mismatch)
    assert "do not match" in mismatch.output
    with pytest.raises(accounts.Unauthenticated):
        accounts.login(service, "RU", "ryabkov", PASSWORD)
