"""Accounts on both backends: API tokens (shown once, stored hashed) and argon2 passwords, each scoped
to one delegate of one party, refused once revoked, expired or the delegate removed, and untouched by
`rebuild`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from inwriting.app import accounts
from inwriting.app.accounts import Principal, Unauthenticated
from inwriting.app.context import App
from inwriting.app.log import rebuild
from inwriting.app.recorder import record
from inwriting.domain import events as ev
from inwriting.domain.events import PartyId
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused
from inwriting.storage import credentials as cr
from inwriting.storage.schema import metadata
from tests.storage.helpers import populate

PASSWORD = "correct horse battery staple"


def add_delegate(app: App, party: str, delegate: str, *roles: str) -> None:
    body = {
        "party": party,
        "delegate": delegate,
        "name": delegate.title(),
        "title": "Envoy",
        "roles": list(roles),
    }
    record(app, ev.OPERATOR, ev.DELEGATE_ADDED, body)


def remove_delegate(app: App, party: str, delegate: str) -> None:
    record(app, ev.OPERATOR, ev.DELEGATE_REMOVED, {"party": party, "delegate": delegate})


@pytest.fixture
def people(app: App) -> App:
    """RU with a negotiator and a reader, US with a negotiator and admin."""
    populate(app)
    add_delegate(app, "RU", "ryabkov", "negotiator")
    add_delegate(app, "RU", "clerk", "reader")
    add_delegate(app, "US", "sherman", "negotiator", "admin")
    return app


def at(app: App, moment: datetime) -> App:
    """The same store and keystore, seen at a fixed moment."""
    return App(app.store, app.keystore, clock=lambda: moment)


def refused(call: Callable[[], object]) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        call()
    assert caught.value.code == "unauthenticated" and caught.value.http_status == 401
    return caught.value


def stored_text(app: App) -> str:
    """Every value of every table, as one text to search."""
    parts: list[str] = []
    with app.store.read() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    parts.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return "\n".join(parts)


# ---- tokens --------------------------------------------------------------------------------------


def test_token_round_trip(people: App) -> None:
    issued = accounts.issue_token(people, "RU", "ryabkov")
    assert issued.token_id.startswith("tok_") and len(issued.token_id) == 16
    assert issued.secret.startswith(f"iw_{issued.token_id}_")
    assert len(issued.secret) == len("iw_") + 16 + 1 + 43
    assert issued.secret not in repr(issued)

    principal = accounts.authenticate_token(people, issued.secret)
    assert principal == Principal(PartyId("RU"), "ryabkov", ("negotiator",))

    [info] = accounts.list_tokens(people)
    assert info.token_id == issued.token_id
    assert (info.party, info.delegate, info.expires, info.revoked) == ("RU", "ryabkov", None, None)
    assert info.last_used is not None and info.last_used >= info.created
    assert set(info.to_json()) == {
        "token_id",
        "party",
        "delegate",
        "created",
        "expires",
        "revoked",
        "last_used",
    }
    assert issued.secret not in repr(accounts.list_tokens(people))


def test_list_tokens_by_party(people: App) -> None:
    ru = accounts.issue_token(people, "RU", "ryabkov")
    us = accounts.issue_token(people, "US", "sherman")
    assert [t.token_id for t in accounts.list_tokens(people, "RU")] == [ru.token_id]
    assert [t.token_id for t in accounts.list_tokens(people, "US")] == [us.token_id]
    assert {t.token_id for t in accounts.list_tokens(people)} == {ru.token_id, us.token_id}
    assert accounts.list_tokens(people, "DE") == []


def test_a_wrong_secret_is_refused_without_being_echoed(people: App) -> None:
    issued = accounts.issue_token(people, "RU", "ryabkov")
    last = issued.secret[-1]
    wrong = [
        issued.secret[:-1] + ("A" if last != "A" else "B"),  # right id, wrong random part
        issued.secret + "x",
        issued.secret[:-1],
        f"iw_tok_{'0' * 12}_{'A' * 43}",  # well-formed, unknown id
        issued.secret.replace("iw_", "xx_", 1),
        "",
        issued.token_id,
    ]
    for secret in wrong:
        error = refused(partial(accounts.authenticate_token, people, secret))
        assert str(error) == "invalid API token"
    [info] = accounts.list_tokens(people)
    assert info.last_used is None  # failures leave no trace of use


def test_a_token_of_one_party_never_authenticates_as_another(people: App) -> None:
    ru = accounts.issue_token(people, "RU", "ryabkov")
    us = accounts.issue_token(people, "US", "sherman")
    assert accounts.authenticate_token(people, ru.secret).party == "RU"
    assert accounts.authenticate_token(people, us.secret).party == "US"
    ru_random, us_random = ru.secret.split("_", 3)[3], us.secret.split("_", 3)[3]
    # The id of one with the random part of the other: neither party's token.
    refused(lambda: accounts.authenticate_token(people, f"iw_{us.token_id}_{ru_random}"))
    refused(lambda: accounts.authenticate_token(people, f"iw_{ru.token_id}_{us_random}"))
    # A delegate of RU is no delegate of US.
    with pytest.raises(NotFound):
        accounts.issue_token(people, "US", "ryabkov")
    with pytest.raises(NotFound):
        accounts.issue_token(people, "XX", "ryabkov")


def test_a_revoked_token_is_refused(people: App) -> None:
    issued = accounts.issue_token(people, "RU", "ryabkov")
    kept = accounts.issue_token(people, "RU", "ryabkov")
    info = accounts.revoke_token(people, issued.token_id)
    assert info.token_id == issued.token_id and info.revoked is not None

    error = refused(lambda: accounts.authenticate_token(people, issued.secret))
    assert str(error) == f"API token {issued.token_id} was revoked"
    assert accounts.authenticate_token(people, kept.secret).delegate == "ryabkov"  # only that one
    revoked = {t.token_id: t.revoked for t in accounts.list_tokens(people)}
    assert revoked[issued.token_id] == info.revoked and revoked[kept.token_id] is None

    with pytest.raises(Conflict):
        accounts.revoke_token(people, issued.token_id)
    with pytest.raises(NotFound):
        accounts.revoke_token(people, "tok_000000000000")
    for bad in (issued.secret, "tok_xyz"):
        with pytest.raises(InvalidInput) as caught:
            accounts.revoke_token(people, bad)
        assert bad not in str(caught.value)


def test_an_expired_token_is_refused(people: App) -> None:
    day = datetime(2031, 3, 14, 9, 0, tzinfo=UTC)
    issued = accounts.issue_token(at(people, day), "RU", "ryabkov", expires="2031-03-14")
    assert issued.expires == "2031-03-14"
    last_moment = datetime(2031, 3, 14, 23, 59, 59, tzinfo=UTC)
    assert accounts.authenticate_token(at(people, last_moment), issued.secret).delegate == "ryabkov"

    next_day = datetime(2031, 3, 15, 0, 0, 1, tzinfo=UTC)
    error = refused(lambda: accounts.authenticate_token(at(people, next_day), issued.secret))
    assert str(error) == f"API token {issued.token_id} expired on 2031-03-14"

    with pytest.raises(InvalidInput, match="already past"):
        accounts.issue_token(at(people, next_day), "RU", "ryabkov", expires="2031-03-14")
    for bad in ("2031-3-14", "2031-02-30", "tomorrow", "2031-03-14T00:00"):
        with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
            accounts.issue_token(people, "RU", "ryabkov", expires=bad)


def test_a_removed_delegate_is_refused_even_when_added_again(people: App) -> None:
    issued = accounts.issue_token(people, "RU", "ryabkov")
    accounts.set_password(people, "RU", "ryabkov", PASSWORD)
    remove_delegate(people, "RU", "ryabkov")

    error = refused(lambda: accounts.authenticate_token(people, issued.secret))
    assert "RU/ryabkov is no longer a delegate" in str(error)
    refused(lambda: accounts.login(people, "RU", "ryabkov", PASSWORD))
    with pytest.raises(NotFound):
        accounts.issue_token(people, "RU", "ryabkov")
    with pytest.raises(NotFound):
        accounts.set_password(people, "RU", "ryabkov", PASSWORD)

    # The same id named again is a new appointment: the old credentials do not come back with it.
    add_delegate(people, "RU", "ryabkov", "negotiator")
    refused(lambda: accounts.authenticate_token(people, issued.secret))
    refused(lambda: accounts.login(people, "RU", "ryabkov", PASSWORD))
    fresh = accounts.issue_token(people, "RU", "ryabkov")
    assert accounts.authenticate_token(people, fresh.secret).delegate == "ryabkov"


def test_roles_decide_what_a_principal_may_do(people: App) -> None:
    clerk = accounts.authenticate_token(people, accounts.issue_token(people, "RU", "clerk").secret)
    assert clerk.roles == ("reader",)
    for act in (ev.HANDOVER_MADE, ev.ANSWER_GIVEN, ev.VERSION_CREATED, ev.DELEGATE_ADDED):
        assert not clerk.may(act)
    with pytest.raises(Refused, match="RU/clerk does not hold the negotiator role"):
        accounts.require_role(clerk, "negotiator")
    accounts.require_role(clerk, "reader")

    negotiator = accounts.authenticate_token(people, accounts.issue_token(people, "RU", "ryabkov").secret)
    assert negotiator.may(ev.HANDOVER_MADE) and negotiator.may(ev.ANSWER_GIVEN)
    assert not negotiator.may(ev.VERSION_CREATED) and not negotiator.may(ev.DELEGATE_ADDED)

    sherman = accounts.authenticate_token(people, accounts.issue_token(people, "US", "sherman").secret)
    assert sherman.may(ev.DELEGATE_ADDED) and sherman.may(ev.HANDOVER_MADE)
    accounts.require_role(sherman, "admin")
    with pytest.raises(InvalidInput):
        accounts.require_role(sherman, "emperor")


# ---- passwords -----------------------------------------------------------------------------------


def test_password_login(people: App) -> None:
    accounts.set_password(people, "RU", "ryabkov", PASSWORD)
    assert accounts.login(people, "RU", "ryabkov", PASSWORD) == Principal(
        PartyId("RU"), "ryabkov", ("negotiator",)
    )
    accounts.set_password(people, "RU", "ryabkov", PASSWORD + "!")  # replacing works, the old one stops
    assert accounts.login(people, "RU", "ryabkov", PASSWORD + "!").party == "RU"
    refused(lambda: accounts.login(people, "RU", "ryabkov", PASSWORD))


def test_every_failed_login_looks_the_same(people: App) -> None:
    accounts.set_password(people, "RU", "ryabkov", PASSWORD)
    attempts = [
        ("RU", "ryabkov", PASSWORD[:-1]),  # wrong password
        ("RU", "ryabkov", ""),
        ("RU", "nobody", PASSWORD),  # unknown delegate
        ("RU", "clerk", PASSWORD),  # a delegate without a password
        ("US", "ryabkov", PASSWORD),  # another party's delegate
        ("XX", "ryabkov", PASSWORD),  # no such party
    ]
    errors = [refused(partial(accounts.login, people, *attempt)) for attempt in attempts]
    assert {(e.to_dict()["code"], e.to_dict()["message"], e.where) for e in errors} == {
        ("unauthenticated", "wrong delegate or password", None)
    }
    assert all(PASSWORD not in str(e) for e in errors)


def test_password_rules(people: App) -> None:
    for bad in ("short-pass1", "x" * 1025):
        with pytest.raises(InvalidInput) as caught:
            accounts.set_password(people, "RU", "ryabkov", bad)
        assert bad not in str(caught.value)
    accounts.set_password(people, "RU", "ryabkov", "twelve-chars")
    with pytest.raises(NotFound):
        accounts.set_password(people, "RU", "nobody", PASSWORD)


def test_an_outdated_hash_is_replaced_at_login(people: App) -> None:
    accounts.set_password(people, "RU", "ryabkov", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with people.store.engine.begin() as conn:
        conn.execute(update(cr.credentials).values(password_hash=weak))
    assert accounts.login(people, "RU", "ryabkov", PASSWORD).delegate == "ryabkov"
    with people.store.read() as conn:
        row = cr.password(conn, "RU", "ryabkov")
    assert row is not None and row.password_hash != weak
    assert not PasswordHasher().check_needs_rehash(row.password_hash)
    assert accounts.login(people, "RU", "ryabkov", PASSWORD).delegate == "ryabkov"


# ---- storage -------------------------------------------------------------------------------------


def test_the_database_holds_no_secret_and_no_password(people: App) -> None:
    issued = accounts.issue_token(people, "RU", "ryabkov")
    accounts.authenticate_token(people, issued.secret)
    accounts.set_password(people, "RU", "ryabkov", PASSWORD)
    accounts.login(people, "RU", "ryabkov", PASSWORD)

    stored = stored_text(people)
    assert hashlib.sha256(issued.secret.encode()).hexdigest() in stored  # the rows are there...
    assert "$argon2id$" in stored
    assert issued.secret not in stored  # ...but not what they protect
    assert issued.secret.split("_", 3)[3] not in stored
    assert PASSWORD not in stored


def test_rebuild_leaves_credentials_intact(people: App) -> None:
    issued = accounts.issue_token(people, "RU", "ryabkov")
    revoked = accounts.issue_token(people, "US", "sherman")
    accounts.revoke_token(people, revoked.token_id)
    accounts.set_password(people, "RU", "ryabkov", PASSWORD)
    with people.store.read() as conn:
        before = [list(conn.execute(select(table))) for table in cr.CREDENTIAL_TABLES]
    assert all(before)

    rebuild(people)

    with people.store.read() as conn:
        assert [list(conn.execute(select(table))) for table in cr.CREDENTIAL_TABLES] == before
    assert accounts.authenticate_token(people, issued.secret).delegate == "ryabkov"
    refused(lambda: accounts.authenticate_token(people, revoked.secret))
    assert accounts.login(people, "RU", "ryabkov", PASSWORD).party == "RU"
