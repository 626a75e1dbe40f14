"""Every table the record depends on, every kind of row change: `log verify` must catch each one and
name the place.

A varied record is built once per backend: parties, keys and a revoked key, two tracks, the corpus
drafts and a second version, meetings, hand-overs, receipts, preconditions, an answer point by point and
one in prose with its confirmed reading, an exchange of notes and a treaty in force with their
commitments, statements, claims, delegates, publications, three checkpoints, a password and an API
token. Then, for each table of `schema.metadata.sorted_tables`, mutations are generated from the rows
actually stored (first, middle and last row by key): one byte or character changed in each column,
another value in each column (another row's, else one that differs by type), NULL in a nullable one and
a value in an empty one, the row deleted, an extra row, two rows' values swapped; for the log also
swapped signed events, neighbours exchanged whole, truncation and a rollback that keeps entries, nodes
and head consistent; for blobs also a well-formed text that no event names.

Each mutation runs on its own fresh copy of the record and is applied with plain SQLAlchemy, foreign keys
off (as anyone editing the file or holding a login could). The outcome is "named" only if `log verify`
raises VerificationError (or RecordError) whose text names the row's entity: the event seq, the Merkle
node, `log_head`, the checkpoint size, the text's hash or the version, answer or instrument naming it,
`log_meta`, or the projection entity (`parties RU`, `delegates US/sherman`, ...). Anything else fails
the table's test, with every such mutation listed: missed (verify passed), crashed (an exception that
is not a verification error), unnamed, or not applied (the plan asked the database for the impossible).

A table of the schema with no naming rule here and not in EXEMPT (with its reason) fails, so a new table
is never silently skipped. INWRITING_TAMPER_REPORT=path appends every outcome there as JSON lines.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import psycopg
import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    String,
    Table,
    and_,
    create_engine,
    event,
    select,
)

from inwriting.app import accounts, delegates, disclosure, drafts, instruments, registry, setup, talks
from inwriting.app import alignment as al
from inwriting.app import log as log_cases
from inwriting.app import negotiation as neg
from inwriting.app import register as reg
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.errors import RecordError, VerificationError
from inwriting.record.blob import blob_hash, new_salt
from inwriting.storage import schema as t
from inwriting.storage.engine import resolve_url
from inwriting.storage.projections import load_state
from inwriting.storage.store import Store
from tests.conftest import PG_ADMIN_URL, PG_UNAVAILABLE, StepClock
from tests.storage.helpers import populate
from tests.storage.test_alignment import PROSE
from tests.storage.test_instruments import NOTE_A, NOTE_B
from tests.storage.test_negotiation import AGREEMENT, TREATY, answer_with, set_today, write

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")

Row = dict[str, Any]

# Tables of the schema that are not part of the record, each with its reason; nothing else is left out.
# (The search index is not in `schema.metadata`: migration 0007 makes it per backend, FTS5 on SQLite, a
# tsvector table on PostgreSQL; it is derived from projections and blobs, `rebuild` recreates it, and
# nothing verify or a proof says rests on it. Alembic's `alembic_version` is not in it either.)
EXEMPT = {
    "credentials": "delegates' password hashes (argon2id): credentials, not statements of the record. No "
    "event derives them, `rebuild` never touches them (storage/credentials.py), and each use re-checks the "
    "delegate against the projection, so there is nothing in the log to fold them from",
    "api_tokens": "SHA-256 hashes of API token secrets: credentials like `credentials`, outside the record "
    "for the same reasons",
}

# What the plan must at least hold per backend (it gives a few more); a plan that shrinks fails.
MIN_MUTATIONS = 800

# What `log verify` cannot catch from the database alone, and why: a mutation of these kinds that
# verify misses is reported (printed) but not failed; one it now catches, or a miss of any other kind,
# fails the test, so this list can only shrink honestly.
KNOWN_LIMITS = {
    ("checkpoints", "delete", None): "a checkpoint is evidence given to others: the database alone cannot"
    " show one was deleted; a witness's cosignature or a party's bundle can (see witnesses)",
}


def known_limit(outcome: Outcome) -> str | None:
    m = outcome.mutation
    if outcome.verdict != "missed":
        return None
    return KNOWN_LIMITS.get((m.table, m.kind, m.column))


# ---- naming the place ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the record says about its rows, for naming: the log's size and who names each text."""

    size: int
    text_owners: dict[str, tuple[str, ...]]  # blob hash -> ("version t@v1", "answer ...", ...)


Namer = Callable[[Row, Facts], list[str]]


def _entity(name: str, key: Callable[[Row], object]) -> Namer:
    return lambda row, facts: [f"{name} {key(row)}"]


NAMERS: dict[str, Namer] = {
    "log_entries": lambda r, f: [f"event {r['seq']}"],
    "log_nodes": lambda r, f: [f"Merkle node (level {r['level']}, index {r['idx']})"],
    "log_head": lambda r, f: ["log_head"],
    "checkpoints": lambda r, f: [f"checkpoint at size {r['size']}"],
    "blobs": lambda r, f: [str(r["hash"]), *f.text_owners.get(str(r["hash"]), ())],
    "log_meta": lambda r, f: ["log_meta"],
    "parties": _entity("parties", lambda r: r["id"]),
    "party_members": _entity("parties", lambda r: r["party"]),
    "keys": _entity("keys", lambda r: r["key_id"]),
    "processes": _entity("processes", lambda r: r["id"]),
    "tracks": _entity("tracks", lambda r: r["id"]),
    "track_parties": _entity("tracks", lambda r: r["track"]),
    "documents": _entity("documents", lambda r: r["id"]),
    "versions": _entity("versions", lambda r: r["id"]),
    "handovers": _entity("handovers", lambda r: r["id"]),
    "receipts": _entity("receipts", lambda r: r["id"]),
    "answers": _entity("answers", lambda r: r["id"]),
    "meetings": _entity("meetings", lambda r: r["id"]),
    "preconditions": _entity("preconditions", lambda r: r["id"]),
    "delegates": _entity("delegates", lambda r: f"{r['party']}/{r['id']}"),
    "disclosures": _entity("disclosures", lambda r: r["text"]),
    "instruments": _entity("instruments", lambda r: r["id"]),
    "commitments": _entity("commitments", lambda r: r["id"]),
    "statements": _entity("statements", lambda r: r["id"]),
    "claims": _entity("claims", lambda r: r["id"]),
}


def names_place(said: str, names: tuple[str, ...]) -> bool:
    """Whether the error names one of the places, as a whole name (`event 1` is not `event 12`)."""
    return any(re.search(re.escape(name) + r"(?![\w@/.-])", said) for name in names)


# ---- mutations -------------------------------------------------------------------------------------

Apply = Callable[[Connection], None]


@dataclass(frozen=True)
class Mutation:
    table: str
    kind: str  # byte char value null set delete insert swap swap-signed truncate rollback
    target: str  # the row and column, for people
    apply: Apply
    names: tuple[str, ...]  # verify names the place if its error names any of these
    column: str | None = None


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    verdict: str  # named | unnamed | crashed | missed | not applied
    said: str

    def line(self) -> str:
        m = self.mutation
        return f"{m.table} {m.kind} {m.target}: {self.verdict}: {self.said[:240]}"


def _pk(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _where(table: Table, row: Row) -> Any:
    return and_(*(table.c[name] == row[name] for name in _pk(table)))


def _key_text(table: Table, row: Row) -> str:
    return ",".join(f"{name}={row[name]}" for name in _pk(table))


def _update(table: Table, row: Row, values: Row) -> Apply:
    def apply(conn: Connection) -> None:
        result = conn.execute(table.update().where(_where(table, row)).values(**values))
        assert result.rowcount == 1, f"{table.name} {_key_text(table, row)}: the update touched no row"

    return apply


def _delete(table: Table, rows: list[Row]) -> Apply:
    def apply(conn: Connection) -> None:
        for row in rows:
            result = conn.execute(table.delete().where(_where(table, row)))
            assert result.rowcount == 1, f"{table.name} {_key_text(table, row)}: the delete touched no row"

    return apply


def _insert(table: Table, row: Row) -> Apply:
    def apply(conn: Connection) -> None:
        conn.execute(table.insert().values(**row))

    return apply


def _all(*steps: Apply) -> Apply:
    def apply(conn: Connection) -> None:
        for step in steps:
            step(conn)

    return apply


def _flip_byte(value: bytes, offset: int) -> bytes:
    changed = bytearray(value)
    changed[offset % len(changed)] ^= 0x01
    return bytes(changed)


_NEXT_CHAR = {c: chr(ord(c) + 1) for c in "abcdefghijklmnopqrstuvwxyABCDEFGHIJKLMNOPQRSTUVWXY012345678"}
_NEXT_CHAR.update({"z": "a", "Z": "A", "9": "0"})


def _change_char(value: str) -> str:
    """One character changed: the alphanumeric one nearest the middle (so JSON stays JSON where it can),
    else the middle one."""
    if not value:
        return "X"
    middle = len(value) // 2
    for distance in range(len(value)):
        for i in (middle - distance, middle + distance):
            if 0 <= i < len(value) and value[i] in _NEXT_CHAR:
                return value[:i] + _NEXT_CHAR[value[i]] + value[i + 1 :]
    return value[:middle] + ("X" if value[middle] != "X" else "Y") + value[middle + 1 :]


def _json_variant(value: str) -> str | None:
    """The same JSON with one element fewer (one more, if empty), or None if it is not a JSON list/map."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if isinstance(data, list):
        return json.dumps(data[:-1] if data else ["X"])
    if isinstance(data, dict):
        return json.dumps(dict(list(data.items())[:-1]) if data else {"X": 1})
    return None


def _fits(column: Column[Any], value: object) -> bool:
    length = getattr(column.type, "length", None)
    return not (isinstance(value, str) and length is not None and len(value) > length)


def _kind_of(column: Column[Any]) -> str:
    if isinstance(column.type, LargeBinary):
        return "bytes"
    if isinstance(column.type, Boolean):
        return "bool"
    if isinstance(column.type, Integer):  # BigInteger and the SQLite variant too
        return "int"
    if isinstance(column.type, String):  # Text too
        return "str"
    raise AssertionError(f"{column.table.name}.{column.name}: no mutation for type {column.type!r}")


def _short(value: object) -> str:
    text = value.hex() if isinstance(value, bytes) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Planner:
    """The mutations of one table, generated from its stored rows."""

    def __init__(self, table: Table, rows: list[Row], facts: Facts) -> None:
        self.table, self.rows, self.facts = table, rows, facts
        self.pk = _pk(table)
        self.keys = {tuple(r[k] for k in self.pk) for r in rows}
        self.namer = NAMERS[table.name]
        self.mutations: list[Mutation] = []

    def names(self, *rows: Row) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for row in rows for n in self.namer(row, self.facts)))

    def add(
        self, kind: str, target: str, apply: Apply, names: tuple[str, ...], column: str | None = None
    ) -> None:
        self.mutations.append(Mutation(self.table.name, kind, target, apply, names, column))

    def chosen(self) -> list[Row]:
        n = len(self.rows)
        return [self.rows[i] for i in sorted({0, n // 2, n - 1})] if n else []

    def plan(self) -> list[Mutation]:
        for row in self.chosen():
            self.row_mutations(row)
        n = len(self.rows)
        if n:
            self.extra_row(self.rows[0])
        for a, b in sorted({(0, n - 1), (n // 2, n - 1)}):
            if a != b:
                self.swap(self.rows[a], self.rows[b])
        return self.mutations

    def free_key(self, row: Row, column: str, candidates: list[Any]) -> Any:
        """The first candidate for a key column that makes no existing key."""
        for value in candidates:
            key = tuple(value if k == column else row[k] for k in self.pk)
            if value != row[column] and key not in self.keys and _fits(self.table.c[column], value):
                return value
        raise AssertionError(f"{self.table.name}.{column}: no free key among {candidates}")

    def changed(self, row: Row, column: str, value: object) -> tuple[str, ...]:
        """The names of the place when `column` of `row` becomes `value` (a key change: either row)."""
        return self.names(row, {**row, column: value})

    def change(self, kind: str, row: Row, column: str, value: object, label: str = "") -> None:
        target = f"{_key_text(self.table, row)} {column}{label}"
        apply = _update(self.table, row, {column: value})
        self.add(kind, target, apply, self.changed(row, column, value), column)

    def row_mutations(self, row: Row) -> None:
        for column in self.table.columns:
            name, value, kind = column.name, row[column.name], _kind_of(column)
            if value is None:
                others = [r[name] for r in self.rows if r[name] is not None]
                default = {"bool": True, "int": 1, "str": "X", "bytes": b"X"}[kind]
                chosen = others[0] if others else default
                self.change("set", row, name, chosen, f" = {_short(chosen)}")
                continue
            if kind == "bytes":
                for offset, label in ((0, "first"), (len(value) // 2, "middle"), (-1, "last")):
                    self.change("byte", row, name, _flip_byte(value, offset), f" {label} byte")
            elif kind == "str":
                changed = _change_char(value)
                if name in self.pk:
                    changed = self.free_key(row, name, [changed, value + "x", "x" + value])
                self.change("char", row, name, changed)
            self.other_value(row, column)
            if column.nullable:
                self.change("null", row, name, None)
        self.delete(row)

    def other_value(self, row: Row, column: Column[Any]) -> None:
        """Another plausible value: another row's (a substitution), else one that differs by type."""
        name, value, kind = column.name, row[column.name], _kind_of(column)
        candidates: list[Any] = []
        if kind == "bool":
            candidates = [not value]
        elif kind == "int":
            candidates = [value + 1, value + 1000]
        else:
            if name not in self.pk and not column.unique:
                candidates = [r[name] for r in self.rows if r[name] is not None and r[name] != value]
            if kind == "str":
                variant = _json_variant(value)
                candidates += [variant] if variant is not None else [value[:-1] or "X", value + "x"]
            else:
                candidates += [value[:-1], value + b"\x00"]
        if name in self.pk:
            chosen = self.free_key(row, name, candidates)
        else:
            chosen = next(v for v in candidates if v != value and _fits(column, v))
        self.change("value", row, name, chosen, f" = {_short(chosen)}")

    def delete(self, row: Row) -> None:
        self.add("delete", _key_text(self.table, row), _delete(self.table, [row]), self.names(row))

    def extra_row(self, row: Row) -> None:
        """A copy of a row under a new key (its last key column changed)."""
        column, value = self.pk[-1], row[self.pk[-1]]
        candidates = (
            [value + 1000] if isinstance(value, int) else [_change_char(value), value + "x", "x" + value]
        )
        new = {**row, column: self.free_key(row, column, candidates)}
        self.add("insert", _key_text(self.table, new), _insert(self.table, new), self.names(row, new))

    def swap(self, a: Row, b: Row, columns: list[str] | None = None, kind: str = "swap") -> None:
        """Two rows exchange their values (every column but the key, unless `columns` says)."""
        columns = columns or [c.name for c in self.table.columns if c.name not in self.pk]
        if all(a[c] == b[c] for c in columns):
            return
        unique = {c: f"{a[c]}~" for c in columns if self.table.c[c].unique}  # out of the way meanwhile
        steps = [
            _update(self.table, a, {**{c: b[c] for c in columns}, **unique}),
            _update(self.table, b, {c: a[c] for c in columns}),
        ]
        if unique:
            steps.append(_update(self.table, a, {c: b[c] for c in unique}))
        target = f"{_key_text(self.table, a)} <-> {_key_text(self.table, b)} ({', '.join(columns)})"
        self.add(kind, target, _all(*steps), self.names(a, b))


class LogPlanner(Planner):
    """log_entries: also signed events swapped, neighbours exchanged whole, and truncation."""

    def changed(self, row: Row, column: str, value: object) -> tuple[str, ...]:
        seq = row["seq"]
        if column == "seq":  # the row moved: a gap where it was, or a stray row where it went
            return (f"event {seq}", f"event {seq + 1}", f"event {value}", "log_head")
        return (f"event {seq}",)

    def delete(self, row: Row) -> None:
        seq = row["seq"]  # a gap is reported where the log resumes; the last event's absence, at the head
        self.add("delete", f"seq={seq}", _delete(self.table, [row]), (f"event {seq + 1}", "log_head"))

    def extra_row(self, row: Row) -> None:
        size = self.facts.size
        for source, what in (
            (self.rows[-1], "a copy of the last event"),
            (self.rows[1], "a replay of event 1"),
        ):
            new = {**source, "seq": size, "event_id": source["event_id"] + "x"}
            self.add("insert", f"seq={size} ({what})", _insert(self.table, new), (f"event {size}",))

    def plan(self) -> list[Mutation]:
        super().plan()
        n = len(self.rows)
        for a, b in sorted({(0, n - 1), (n // 2, n - 1), (n // 2, n // 2 + 1)}):
            self.swap(self.rows[a], self.rows[b], ["event_bytes", "signature", "leaf_hash"], "swap-signed")
        self.swap(self.rows[n // 2], self.rows[n // 2 + 1])  # two neighbours exchanged whole
        self.add(
            "truncate", f"seq={n - 1} (the last event)", _delete(self.table, self.rows[-1:]), ("log_head",)
        )
        self.add("truncate", f"seq>={n // 2}", _delete(self.table, self.rows[n // 2 :]), ("log_head",))
        return self.mutations


class NodePlanner(Planner):
    """log_nodes: a node moved by its level or index is missing where it was; an extra one is counted."""

    def changed(self, row: Row, column: str, value: object) -> tuple[str, ...]:
        return self.names(row)

    def extra_row(self, row: Row) -> None:
        new = {**row, "idx": self.free_key(row, "idx", [row["idx"] + 1000])}
        self.add("insert", _key_text(self.table, new), _insert(self.table, new), ("log_nodes",))


class BlobPlanner(Planner):
    """blobs: one text of each kind (version, answer point by point, answer in prose, instrument) rather
    than first/middle/last by hash, which is random; and also a well-formed text no event names."""

    def __init__(self, table: Table, rows: list[Row], facts: Facts) -> None:
        owned = sorted(rows, key=lambda r: facts.text_owners.get(r["hash"], ("~",)))
        super().__init__(table, owned, facts)

    def chosen(self) -> list[Row]:
        picked: dict[str, Row] = {}
        for row in self.rows:
            for owner in self.facts.text_owners.get(row["hash"], ()):
                kind = owner.split()[0]
                if kind == "answer":
                    kind = "prose answer" if row["media_type"] == "text/plain" else "answer"
                picked.setdefault(kind, row)
        return list(picked.values())

    def plan(self) -> list[Mutation]:
        super().plan()
        salt, content = new_salt(), b"A text no event names.\n"
        digest = blob_hash(salt, content)
        orphan = {"hash": digest, "salt": salt, "media_type": "text/plain", "content": content}
        self.add("insert", f"hash={digest} (well formed)", _insert(self.table, orphan), (digest,))
        return self.mutations


PLANNERS: dict[str, type[Planner]] = {
    "log_entries": LogPlanner,
    "log_nodes": NodePlanner,
    "blobs": BlobPlanner,
}


def _rollback(entries: list[Row], nodes: list[Row], keep: int) -> Apply:
    """Cut the log to its first `keep` events, with the Merkle nodes and the head to match."""
    last = entries[keep - 1]
    cut = [r for r in nodes if (r["idx"] + 1) << r["level"] > keep]

    def apply(conn: Connection) -> None:
        conn.execute(t.log_entries.delete().where(t.log_entries.c.seq >= keep))
        for r in cut:
            conn.execute(t.log_nodes.delete().where(_where(t.log_nodes, r)))
        conn.execute(t.log_head.update().values(size=keep, leaf_hash=last["leaf_hash"], time=last["time"]))

    return apply


# Tables keyed by something random (key ids are hashes of fresh keys) are planned in record order, so
# every run and both backends pick the same rows: here the operator's key, NATO's and PL's revoked one.
PLAN_ORDER = {"keys": "added_seq"}


def plan_table(name: str, rows: dict[str, list[Row]], facts: Facts) -> list[Mutation]:
    table = t.metadata.tables[name]
    ordered = sorted(rows[name], key=lambda r: r[PLAN_ORDER[name]]) if name in PLAN_ORDER else rows[name]
    mutations = PLANNERS.get(name, Planner)(table, ordered, facts).plan()
    if name == "log_entries":  # roll back to just before the last checkpoint, and to after the first
        sizes = sorted(r["size"] for r in rows["checkpoints"])
        for keep in (sizes[-1] - 1, sizes[0] + 1):
            target = f"to size {keep} (entries, nodes and head cut together)"
            apply = _rollback(rows["log_entries"], rows["log_nodes"], keep)
            names = tuple(f"checkpoint at size {s}" for s in sizes if s > keep)
            mutations.append(Mutation(name, "rollback", target, apply, names))
    return mutations


# ---- the record, once per backend ------------------------------------------------------------------


def build_record(app: App, tmp: Path) -> None:
    """A record with rows in every table (see the module's docstring)."""
    populate(app)
    registry.new_key(app, "NATO")
    registry.new_key(app, "DE")
    lost = registry.new_key(app, "PL")
    registry.revoke_key(app, "PL", lost.key_id, "Key lost in transit.")
    set_today(app, "2022-03-01")
    drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t", audience="track")
    drafts.import_draft(app, AGREEMENT, track="nrc", as_party="RU", document="a")
    log_cases.checkpoint(app)
    second = TREATY.read_text(encoding="utf-8").replace("shall not", "undertake not to", 1)
    drafts.import_draft(app, write(tmp, "treaty-v2.txt", second), track="ru-us", as_party="RU", document="t")
    talks.add_meeting(
        app,
        track="ru-us",
        date="2022-01-10",
        place="Geneva",
        delegates=["ryabkov", "sherman"],
        tabled=["t@v1"],
    )
    talks.add_meeting(app, track="nrc", date="2022-01-12", place="Brussels", tabled=["a@v1"])
    neg.handover(app, "t@v1", to=["US"], due="2022-01-27", point_by_point=True, date="2022-01-10")
    neg.handover(app, "a@v1", to=["NATO"], point_by_point=True, date="2022-01-12")
    neg.handover(app, "t@v2", to=["US"], point_by_point=False, date="2022-02-20")
    neg.receipt(app, "t@v1", as_party="US", delegate="W. Sherman", date="2022-01-11")
    neg.receipt(app, "a@v1", as_party="NATO", date="2022-01-12")
    first, _ = talks.add_precondition(
        app, track="ru-us", as_party="RU", text="Binding guarantees first.", version="t@v1", date="2022-01-13"
    )
    talks.answer_precondition(
        app, first, act="reject", as_party="US", reason="Not a precondition.", date="2022-01-14"
    )
    talks.add_precondition(
        app, track="nrc", as_party="NATO", text="De-escalation first.", date="2022-01-15", anticipated=True
    )
    neg.answer(app, "t@v1", as_party="US", file=write(tmp, "us.txt", PROSE), prose=True, date="2022-01-26")
    al.confirm(app, "t@v1/answer/US/1", as_party="US", accept_all=True, date="2022-01-27")
    said: dict[str, str | tuple[str, str | None, str | None]] = {
        "art_1": "accept",
        "art_4": ("reject", None, "The door stays open."),
        "art_5": ("amend", "The Parties shall consult.", None),
    }
    answer_with(app, tmp, "NATO", "a@v1", said, "2022-01-26")
    for party, note, text in (("RU", "note-ru", NOTE_A), ("US", "note-us", NOTE_B)):
        path = write(tmp, f"{note}.txt", text)
        drafts.import_draft(
            app, path, track="ru-us", as_party=party, document=note, kind="note", audience="track"
        )
    instruments.exchange(
        app,
        "note-ru@v1",
        "note-us@v1",
        date="2022-02-01",
        place="Washington",
        signatories={"RU": "lavrov", "US": "blinken"},
    )
    log_cases.checkpoint(app)
    for party, did, name, title, roles in (
        ("US", "sherman", "W. Sherman", "Deputy Secretary", ["negotiator"]),
        ("RU", "ryabkov", "S. Ryabkov", "Deputy Minister", ["negotiator", "signatory"]),
        ("US", "donfried", "K. Donfried", "Assistant Secretary", ["signatory"]),
    ):
        delegates.add_delegate(app, party, delegate=did, name=name, title=title, roles=roles)
    disclosure.request_publication(app, "t@v1", as_party="US", delegate="sherman")
    disclosure.publish(app, "t@v1", as_party="RU", date="2022-02-02", delegate="ryabkov")
    disclosure.publish(app, "a@v1", as_party="RU", points=["art_1"], date="2022-02-03", delegate="ryabkov")
    treaty, _ = instruments.create(
        app,
        version="t@v1",
        kind="treaty",
        as_party="RU",
        ratification=False,
        date="2022-02-10",
        delegate="ryabkov",
    )
    instruments.sign(app, treaty, as_party="RU", delegate="ryabkov", place="Geneva", date="2022-02-12")
    instruments.sign(app, treaty, as_party="US", delegate="donfried", place="Geneva", date="2022-02-12")
    instruments.enter_into_force(app, treaty, as_party="US", date="2022-02-13", delegate="sherman")
    reg.record_statement(
        app,
        speaker="Spokeswoman",
        party="RU",
        date="2022-02-14",
        medium="briefing",
        source="https://example.org/b",
        quote="at any time",
    )
    reg.record_statement(
        app,
        speaker="Spokesman",
        party="US",
        date="2022-02-15",
        medium="press release",
        source="https://example.org/p",
        quote="Article 1 is not acceptable.",
        points=["t@v1#art_1"],
    )
    spoken, _ = reg.record_commitment(
        app,
        party="US",
        to=["RU"],
        text="No deployment of strike systems.",
        form="spoken",
        source="minutes",
        as_party="RU",
        date="2022-01-10",
        public=True,
        delegate="ryabkov",
    )
    claim, _ = reg.file_claim(
        app, spoken, as_party="RU", text="Deployed.", evidence=["press report"], delegate="ryabkov"
    )
    reg.answer_claim(
        app, claim, as_party="US", answer="deny", text="Never promised in writing.", delegate="sherman"
    )
    reg.file_claim(
        app, spoken, as_party="RU", text="Again.", evidence=["satellite images"], delegate="ryabkov"
    )
    accounts.set_password(app, "US", "sherman", "correct horse battery staple")
    accounts.issue_token(app, "US", "sherman")
    log_cases.checkpoint(app)


def read_tables(conn: Connection) -> dict[str, list[Row]]:
    """Every table's rows in the order the database returns them (its physical order)."""
    found = {}
    for table in t.metadata.sorted_tables:
        rows = [dict(r._mapping) for r in conn.execute(select(table))]
        for row in rows:
            for key, value in row.items():
                if isinstance(value, memoryview):
                    row[key] = bytes(value)
        found[table.name] = rows
    return found


def by_key(tables: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """The rows sorted by key in Python, so both backends pick the same first, middle and last."""
    sorted_tables = {}
    for name, rows in tables.items():
        pk = _pk(t.metadata.tables[name])
        sorted_tables[name] = sorted(rows, key=lambda r: tuple(r[k] for k in pk))
    return sorted_tables


def read_facts(app: App) -> Facts:
    with app.store.read() as conn:
        state = load_state(conn)
    owners: dict[str, list[str]] = {}
    for vid, version in state.versions.items():
        owners.setdefault(version.content, []).append(f"version {vid}")
    for aid, answer in state.answers.items():
        owners.setdefault(answer.content, []).append(f"answer {aid}")
    for iid, instrument in state.instruments.items():
        owners.setdefault(instrument.content, []).append(f"instrument {iid}")
    return Facts(state.size, {digest: tuple(sorted(names)) for digest, names in owners.items()})


def _plain_engine(url: str) -> Engine:
    """Plain SQLAlchemy, as anyone with the file or a login would use it: foreign keys off (SQLite's
    default; on PostgreSQL each mutation turns their triggers off). On SQLite writes skip fsync: a copy
    thrown away needs no durability."""
    engine = create_engine(resolve_url(url))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _unsynced(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA synchronous=OFF")

    return engine


class Slot:
    """One worker's copy of the record; each mutation starts from a fresh one. On SQLite the pristine
    file is copied over it. On PostgreSQL, `CREATE DATABASE ... TEMPLATE` makes it once per worker (per
    mutation that costs 0.3-0.5 s here, fsync on, 100 s or more a run), and after each mutation every
    table is put back from the template's rows, in their order, and compared with them before the next.
    The engines stay, pools emptied, so statements compile once per worker, not per mutation."""

    def __init__(self, pristine: Pristine, n: int) -> None:
        self.pristine = pristine
        if pristine.admin is None:
            self.url = str(pristine.work / f"copy-{n}.db")
            shutil.copyfile(pristine.url, self.url)
        else:
            template = pristine.url.rsplit("/", 1)[1]
            self.name = f"{template}_{n}"
            self.url = f"{pristine.url.rsplit('/', 1)[0]}/{self.name}"
            with psycopg.connect(pristine.admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        self.raw = _plain_engine(self.url)
        self.app = App(Store.open(self.url), Keystore.resolve(pristine.keys))

    @contextmanager
    def _unchecked(self) -> Iterator[Connection]:
        with self.raw.begin() as conn:
            if self.pristine.admin is not None:  # foreign keys off for this transaction
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield conn

    def _fresh(self) -> None:
        if self.pristine.admin is None:
            self.app.store.engine.dispose()
            for suffix in ("-wal", "-shm"):
                Path(f"{self.url}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.pristine.url, self.url)

    def _put_back(self) -> None:
        if self.pristine.admin is None:
            return
        with self._unchecked() as conn:
            for table in reversed(t.metadata.sorted_tables):
                conn.execute(table.delete())
            for table in t.metadata.sorted_tables:
                if self.pristine.stored[table.name]:
                    conn.execute(table.insert(), self.pristine.stored[table.name])
        with self.raw.connect() as conn:
            now = read_tables(conn)
        assert by_key(now) == self.pristine.rows, "the copy was not put back as the template has it"

    def attempt(self, mutation: Mutation) -> Outcome:
        self._fresh()
        try:
            try:
                with self._unchecked() as conn:
                    mutation.apply(conn)
            except Exception as exc:  # a mutation the database refused is a fault of the plan: reported
                return Outcome(mutation, "not applied", f"{type(exc).__name__}: {exc}")
            finally:
                self.raw.dispose()
            return self._verify(mutation)
        finally:
            self._put_back()

    def _verify(self, mutation: Mutation) -> Outcome:
        try:
            log_cases.verify(self.app)
        except (VerificationError, RecordError) as exc:
            said = str(exc)
            return Outcome(mutation, "named" if names_place(said, mutation.names) else "unnamed", said)
        except Exception as exc:  # a crash is an outcome to report, not to hide
            return Outcome(mutation, "crashed", f"{type(exc).__name__}: {exc}")
        return Outcome(mutation, "missed", "verify passed")

    def close(self) -> None:
        self.raw.dispose()
        self.app.close()
        if self.pristine.admin is not None:
            with psycopg.connect(self.pristine.admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Pristine:
    """The record of one backend, built once; `run` gives each mutation its own fresh copy."""

    WORKERS: ClassVar[dict[str, int]] = {"sqlite": 2, "postgresql": 4}

    def __init__(self, backend: str, url: str, keys: Path, work: Path, admin: str | None) -> None:
        self.backend, self.url, self.keys, self.work, self.admin = backend, url, keys, work, admin
        self.stored: dict[str, list[Row]] = {}  # in the database's order
        self.rows: dict[str, list[Row]] = {}  # by key
        self.facts = Facts(0, {})
        self.slots: queue.SimpleQueue[Slot] = queue.SimpleQueue()
        self.all_slots: list[Slot] = []

    def _attempt(self, mutation: Mutation) -> Outcome:
        slot = self.slots.get()
        try:
            return slot.attempt(mutation)
        finally:
            self.slots.put(slot)

    def run(self, mutations: list[Mutation]) -> list[Outcome]:
        if not self.all_slots:
            self.all_slots = [Slot(self, n) for n in range(self.WORKERS[self.backend])]
            for slot in self.all_slots:
                self.slots.put(slot)
        with ThreadPoolExecutor(len(self.all_slots)) as pool:
            return list(pool.map(self._attempt, mutations))

    def close(self) -> None:
        for slot in self.all_slots:
            slot.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pristine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pristine]:
    """The record, built once per backend (conftest's `db_url` and `app`, made once for the module)."""
    backend = request.param
    work = tmp_path_factory.mktemp(f"tamper-{backend}")
    admin = None
    if backend == "sqlite":
        url = str(work / "pristine.db")
    else:
        if PG_UNAVAILABLE:
            pytest.skip(PG_UNAVAILABLE)
        admin = PG_ADMIN_URL
        name = f"inwriting_tamper_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{admin.rsplit('/', 1)[0]}/{name}"
    keys = work / "keys"
    pristine = Pristine(backend, url, keys, work, admin)
    try:
        setup.init(url, str(keys), origin="test.inwriting.local/log")
        app = App(Store.open(url), Keystore.resolve(keys), clock=StepClock())
        try:
            build_record(app, work)
            log_cases.verify(app)
            facts = read_facts(app)
        finally:
            app.close()
        if admin is None:
            with sqlite3.connect(url) as conn:  # the WAL folded into the file: a file copy is the record
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        engine = create_engine(resolve_url(url))
        try:
            with engine.connect() as conn:
                pristine.stored = read_tables(conn)
        finally:
            engine.dispose()
        pristine.rows, pristine.facts = by_key(pristine.stored), facts
        yield pristine
    finally:
        pristine.close()
        if admin is not None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


# ---- the tests ---------------------------------------------------------------------------------------

RESULTS: dict[str, dict[str, list[Outcome]]] = {}  # backend -> table -> outcomes, for the summary


def test_every_table_has_a_strategy_or_a_reason() -> None:
    tables = {table.name for table in t.metadata.sorted_tables}
    assert not set(NAMERS) & set(EXEMPT), "a table is both mutated and exempt"
    assert sorted((set(NAMERS) | set(EXEMPT)) - tables) == [], "no such table in the schema"
    assert sorted(tables - set(NAMERS) - set(EXEMPT)) == [], "tables with no mutation strategy"


def test_every_table_has_rows(pristine: Pristine) -> None:
    empty = [name for name, rows in pristine.rows.items() if not rows]
    assert empty == [], f"tables the record leaves empty: {empty}"


@pytest.mark.parametrize("table", [table.name for table in t.metadata.sorted_tables])
def test_every_mutation_of_the_table_is_named(pristine: Pristine, table: str) -> None:
    if table in EXEMPT:
        pytest.skip(f"not part of the record: {EXEMPT[table]}")
    if table not in NAMERS:
        pytest.fail(f"{table} has no mutation strategy: add it to NAMERS (or, with a reason, to EXEMPT)")
    started = time.perf_counter()
    outcomes = pristine.run(plan_table(table, pristine.rows, pristine.facts))
    RESULTS.setdefault(pristine.backend, {})[table] = outcomes
    _report(pristine.backend, outcomes)
    counts = dict(Counter(o.verdict for o in outcomes))
    seconds = time.perf_counter() - started
    print(f"{pristine.backend} {table}: {len(outcomes)} mutations {counts} in {seconds:.1f} s")
    limits = [o for o in outcomes if known_limit(o)]
    for o in limits:
        print(f"  known limit: {o.line()} [{known_limit(o)}]")
    failures = [o.line() for o in outcomes if o.verdict != "named" and not known_limit(o)]
    stale = {k for k in KNOWN_LIMITS if k[0] == table} - {
        (o.mutation.table, o.mutation.kind, o.mutation.column) for o in limits
    }
    assert not stale, f"known limits verify now catches (or that no longer occur): {sorted(map(str, stale))}"
    if failures:
        heading = (
            f"{len(failures)} of {len(outcomes)} mutations of {table} not caught and named by log verify:"
        )
        pytest.fail("\n".join([heading, *failures]), pytrace=False)


def test_mutation_count(pristine: Pristine) -> None:
    """The plan is at least MIN_MUTATIONS; with the tables' tests run before, the count they named."""
    planned = {name: plan_table(name, pristine.rows, pristine.facts) for name in NAMERS}
    total = sum(len(mutations) for mutations in planned.values())
    ran = RESULTS.get(pristine.backend, {})
    named = sum(o.verdict == "named" for outcomes in ran.values() for o in outcomes)
    run = sum(map(len, ran.values()))
    print(f"\n{pristine.backend}: {total} mutations over {len(planned)} tables; named {named} of {run} run")
    for name, mutations in sorted(planned.items()):
        kinds = Counter(m.kind for m in mutations)
        caught = Counter(o.mutation.kind for o in ran.get(name, []) if o.verdict == "named")
        print(f"  {name}: " + ", ".join(f"{k} {caught.get(k, 0)}/{n}" for k, n in sorted(kinds.items())))
    assert total >= MIN_MUTATIONS


def _report(backend: str, outcomes: list[Outcome]) -> None:
    path = os.environ.get("INWRITING_TAMPER_REPORT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for o in outcomes:
            m = o.mutation
            line = {
                "backend": backend,
                "table": m.table,
                "kind": m.kind,
                "column": m.column,
                "target": m.target,
            }
            out.write(json.dumps({**line, "verdict": o.verdict, "said": o.said, "names": m.names}) + "\n")
