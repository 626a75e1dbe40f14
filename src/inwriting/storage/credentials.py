"""Credentials of delegates (password hashes, API token hashes) and the statements over them.

They are neither record nor projection: nothing in the log derives them, so `rebuild` never empties
them. They sit on the schema's `metadata` so that migrations and the schema check see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Connection, Engine, String, Table, insert, select, update

from inwriting.storage.engine import one_writer
from inwriting.storage.schema import metadata

# No foreign keys to `delegates` or `parties`: those are projections that `rebuild` deletes and
# rewrites, and a credential must outlive that. Every check against the delegate is made at use.
# `delegate_seq` is the `added_seq` of the appointment the credential was made for: a delegate who is
# removed and added again (maybe another person under the same id) starts without credentials.
credentials = Table(
    "credentials",
    metadata,
    Column("party", String(80), primary_key=True),
    Column("delegate", String(40), primary_key=True),
    Column("delegate_seq", BigInteger, nullable=False),
    Column("password_hash", String(200), nullable=False),  # argon2id, PHC string format
    Column("updated", String(32), nullable=False),
)

# Token secrets are 256-bit random strings, so a fast hash is right here: there is no guessable input
# to slow down (as there is with a password), and authenticating a request must stay cheap. SHA-256
# hex of the whole secret; the secret itself is shown once and never stored.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(20), primary_key=True),  # public: "tok_" + 12 hex
    Column("party", String(80), nullable=False, index=True),
    Column("delegate", String(40), nullable=False),
    Column("delegate_seq", BigInteger, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created", String(32), nullable=False),
    Column("expires", String(10), nullable=True),  # the last day (UTC) it works, YYYY-MM-DD
    Column("revoked", String(32), nullable=True),
    Column("last_used", String(32), nullable=True),
)

CREDENTIAL_TABLES = (credentials, api_tokens)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A unit of work on the credential tables alone. It does not take the log's lock (these rows are
    not the log), so on PostgreSQL a login never waits behind appends; SQLite serialises every writer
    (`one_writer`, then BEGIN IMMEDIATE)."""
    with one_writer(engine), engine.connect() as conn, conn.begin():
        yield conn


@dataclass(frozen=True)
class TokenRow:
    token_id: str
    party: str
    delegate: str
    delegate_seq: int
    token_hash: str
    created: str
    expires: str | None
    revoked: str | None
    last_used: str | None


@dataclass(frozen=True)
class PasswordRow:
    party: str
    delegate: str
    delegate_seq: int
    password_hash: str
    updated: str


_TOKEN_COLUMNS = (
    api_tokens.c.token_id,
    api_tokens.c.party,
    api_tokens.c.delegate,
    api_tokens.c.delegate_seq,
    api_tokens.c.token_hash,
    api_tokens.c.created,
    api_tokens.c.expires,
    api_tokens.c.revoked,
    api_tokens.c.last_used,
)


def insert_token(conn: Connection, row: TokenRow) -> None:
    conn.execute(insert(api_tokens).values(**row.__dict__))


def token(conn: Connection, token_id: str) -> TokenRow | None:
    found = conn.execute(select(*_TOKEN_COLUMNS).where(api_tokens.c.token_id == token_id)).first()
    return None if found is None else TokenRow(*found)


def tokens(conn: Connection, party: str | None = None) -> list[TokenRow]:
    query = select(*_TOKEN_COLUMNS).order_by(api_tokens.c.created, api_tokens.c.token_id)
    if party is not None:
        query = query.where(api_tokens.c.party == party)
    return [TokenRow(*row) for row in conn.execute(query)]


def revoke_token(conn: Connection, token_id: str, when: str) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.token_id == token_id).values(revoked=when))


def mark_used(conn: Connection, token_id: str, when: str) -> bool:
    """Record a use; False if the token was revoked meanwhile (the check and the mark are one statement)."""
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked.is_(None))
        .values(last_used=when)
    )
    return result.rowcount == 1


def password(conn: Connection, party: str, delegate: str) -> PasswordRow | None:
    found = conn.execute(
        select(
            credentials.c.party,
            credentials.c.delegate,
            credentials.c.delegate_seq,
            credentials.c.password_hash,
            credentials.c.updated,
        ).where(credentials.c.party == party, credentials.c.delegate == delegate)
    ).first()
    return None if found is None else PasswordRow(*found)


def put_password(conn: Connection, row: PasswordRow) -> None:
    """Insert or replace a delegate's password hash (no dialect-specific upsert: delete, then insert)."""
    conn.execute(
        credentials.delete().where(credentials.c.party == row.party, credentials.c.delegate == row.delegate)
    )
    conn.execute(insert(credentials).values(**row.__dict__))


def replace_password_hash(conn: Connection, row: PasswordRow, new_hash: str, when: str) -> None:
    """Swap in a rehash of the same password, unless the password was changed meanwhile."""
    conn.execute(
        update(credentials)
        .where(
            credentials.c.party == row.party,
            credentials.c.delegate == row.delegate,
            credentials.c.password_hash == row.password_hash,
        )
        .values(password_hash=new_hash, updated=when)
    )
