"""Accounts for the web app: API tokens and passwords of delegates, each scoped to one party.

Secrets are shown once and stored only as hashes (SHA-256 for random tokens, argon2id for passwords);
no secret or password ever appears in an error message, a repr or a log.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from inwriting.app.context import App
from inwriting.domain.access import ROLE_ACTS
from inwriting.domain.events import PartyId
from inwriting.domain.model import ROLES, Delegate
from inwriting.errors import Conflict, InvalidInput, InwritingError, NotFound, Refused
from inwriting.storage import credentials as cr
from inwriting.storage import projections


class Unauthenticated(InwritingError):
    """No valid credential: a wrong, unknown, revoked or expired one, or a delegate since removed."""

    code = "unauthenticated"
    http_status = 401


MIN_PASSWORD = 12
MAX_PASSWORD = 1024
TOKEN_ID = re.compile(r"tok_[0-9a-f]{12}")
_SECRET = re.compile(r"iw_(tok_[0-9a-f]{12})_[A-Za-z0-9_-]{43}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_BAD_TOKEN = "invalid API token"
_BAD_LOGIN = "wrong delegate or password"  # one answer for both: no probing for who has an account

_hasher = PasswordHasher()  # the library's defaults (argon2id); hashes record their own parameters


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so that case takes as long as a wrong
    password and timing does not tell which delegates have one."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Principal:
    """Who an authenticated request acts for: one delegate of one party, with its current roles."""

    party: PartyId
    delegate: str
    roles: tuple[str, ...]

    def may(self, event_type: str) -> bool:
        """Whether one of the delegate's roles allows signing `event_type` for the party."""
        return any(event_type in ROLE_ACTS.get(role, frozenset()) for role in self.roles)

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "delegate": self.delegate, "roles": list(self.roles)}


def require_role(principal: Principal, role: str) -> None:
    """Refuse unless the principal holds `role`."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if role not in principal.roles:
        raise Refused(f"{principal.party}/{principal.delegate} does not hold the {role} role")


@dataclass(frozen=True)
class IssuedToken:
    """A new token. `secret` exists only here, once: what is stored is its hash."""

    token_id: str
    secret: str = field(repr=False)
    party: str
    delegate: str
    expires: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "secret": self.secret,
            "party": self.party,
            "delegate": self.delegate,
            "expires": self.expires,
        }


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never its hash, never its secret."""

    token_id: str
    party: str
    delegate: str
    created: str
    expires: str | None
    revoked: str | None
    last_used: str | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _info(row: cr.TokenRow) -> TokenInfo:
    return TokenInfo(
        row.token_id, row.party, row.delegate, row.created, row.expires, row.revoked, row.last_used
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _today(app: App) -> str:
    return app.clock().astimezone(UTC).date().isoformat()


def _active_delegate(conn: Connection, party: str, delegate: str) -> Delegate | None:
    found = projections.delegate(conn, party, delegate)
    return found if found is not None and found.removed_seq is None else None


def _check_token_id(token_id: str) -> None:
    # Never echo what was given: it may be a secret pasted in the wrong place.
    if token_id.startswith("iw_"):
        raise InvalidInput("that is a token's secret, not its id; give the id (tok_ and 12 hex digits)")
    if not TOKEN_ID.fullmatch(token_id):
        raise InvalidInput("not an API token id (tok_ and 12 hex digits)")


def issue_token(app: App, party: str, delegate: str, *, expires: str | None = None) -> IssuedToken:
    """A new API token for an active delegate; `expires` is the last day (UTC) it works."""
    if expires is not None:
        try:
            day = date.fromisoformat(expires) if _DAY.fullmatch(expires) else None
        except ValueError:
            day = None
        if day is None:
            raise InvalidInput(f"expires must be a date YYYY-MM-DD; got {expires!r}")
        if expires < _today(app):
            raise InvalidInput(f"expires {expires} is already past")
    token_id = "tok_" + secrets.token_hex(6)
    secret = f"iw_{token_id}_{secrets.token_urlsafe(32)}"
    with cr.writing(app.store.engine) as conn:
        found = _active_delegate(conn, party, delegate)
        if found is None:
            raise NotFound(f"{party} has no active delegate {delegate}")
        cr.insert_token(
            conn,
            cr.TokenRow(
                token_id, party, delegate, found.added_seq, _digest(secret), app.now(), expires, None, None
            ),
        )
    return IssuedToken(token_id, secret, party, delegate, expires)


def revoke_token(app: App, token_id: str) -> TokenInfo:
    """Revoke a token for good: it authenticates nothing from now on."""
    _check_token_id(token_id)
    with cr.writing(app.store.engine) as conn:
        row = cr.token(conn, token_id)
        if row is None:
            raise NotFound(f"no API token {token_id}")
        if row.revoked is not None:
            raise Conflict(f"API token {token_id} was already revoked at {row.revoked}")
        now = app.now()
        cr.revoke_token(conn, token_id, now)
    return _info(replace(row, revoked=now))


def list_tokens(app: App, party: str | None = None) -> list[TokenInfo]:
    """Every token (of one party, if given), oldest first, without hashes."""
    with app.store.read() as conn:
        return [_info(row) for row in cr.tokens(conn, party)]


def authenticate_token(app: App, secret: str) -> Principal:
    """The delegate a token's secret acts for, or Unauthenticated; records when it was last used."""
    match = _SECRET.fullmatch(secret)
    if match is None:
        raise Unauthenticated(_BAD_TOKEN)
    token_id = match.group(1)
    with app.store.read() as conn:
        row = cr.token(conn, token_id)
        # Compare in constant time; a missing row compares against a hash no secret has.
        if not hmac.compare_digest(row.token_hash if row else "-" * 64, _digest(secret)) or row is None:
            raise Unauthenticated(_BAD_TOKEN)
        # The caller holds the secret from here on, so naming the reason tells no one anything new.
        if row.revoked is not None:
            raise Unauthenticated(f"API token {token_id} was revoked")
        if row.expires is not None and _today(app) > row.expires:
            raise Unauthenticated(f"API token {token_id} expired on {row.expires}")
        found = _active_delegate(conn, row.party, row.delegate)
    if found is None or found.added_seq != row.delegate_seq:
        raise Unauthenticated(f"API token {token_id}: {row.party}/{row.delegate} is no longer a delegate")
    now = app.now()
    # Record the use at most once a minute: a busy client must not turn every read into a write.
    if row.last_used is None or row.last_used[:16] != now[:16]:
        with cr.writing(app.store.engine) as conn:
            if not cr.mark_used(conn, token_id, now):  # revoked since we read it
                raise Unauthenticated(f"API token {token_id} was revoked")
    return Principal(found.party, found.id, found.roles)


def set_password(app: App, party: str, delegate: str, password: str) -> None:
    """Set (or replace) an active delegate's password; only its argon2id hash is kept."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password may have at most {MAX_PASSWORD} characters")
    hashed = _hasher.hash(password)  # before the unit of work: it takes a deliberate while
    with cr.writing(app.store.engine) as conn:
        found = _active_delegate(conn, party, delegate)
        if found is None:
            raise NotFound(f"{party} has no active delegate {delegate}")
        cr.put_password(conn, cr.PasswordRow(party, delegate, found.added_seq, hashed, app.now()))


def login(app: App, party: str, delegate: str, password: str) -> Principal:
    """The delegate whose password this is, or the same Unauthenticated for every kind of failure."""
    with app.store.read() as conn:
        row = cr.password(conn, party, delegate)
        found = _active_delegate(conn, party, delegate)
    account = row if row is not None and found is not None and found.added_seq == row.delegate_seq else None
    try:
        _hasher.verify(account.password_hash if account else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated(_BAD_LOGIN) from None
    if account is None or found is None:
        raise Unauthenticated(_BAD_LOGIN)
    if _hasher.check_needs_rehash(account.password_hash):  # the library's defaults have moved on
        with cr.writing(app.store.engine) as conn:
            cr.replace_password_hash(conn, account, _hasher.hash(password), app.now())
    return Principal(found.party, found.id, found.roles)
