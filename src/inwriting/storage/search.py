"""The full-text index over every text's points: versions, answers and instruments, one row a point.

Derived data, like the projections: `index_event` adds a content event's text in the unit of work
that appends it, `reindex` recreates the whole index from the projections and the blobs. On SQLite
the index is an FTS5 table, on PostgreSQL a table with a tsvector column and a GIN index (migration
0007); this module is the only code that queries it. Who may see a hit is not its business: it
returns candidates in rank order, and the application keeps those the viewer may see.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.sql.elements import TextClause

from inwriting.domain import events as ev
from inwriting.domain.documents import DraftText, Point, draft_from_json
from inwriting.domain.events import Event
from inwriting.errors import InwritingError
from inwriting.record import instrument as inst
from inwriting.record.blob import blob_hash
from inwriting.storage import schema as t
from inwriting.storage import store as st

TABLE = "search_index"
CONFIG = "english"  # PostgreSQL's configuration; SQLite's tokenizer (porter over unicode61) matches it
MAX_WORDS = 32  # distinct words of a query that count; a 200-character query has no more in practice
MAX_FIELD = 100_000  # characters of one field indexed (a PostgreSQL tsvector holds at most 1 MB)
FIRST_BATCH = 200  # candidates ranked at first; each later batch is four times the last

# A row's key is its text's event seq and its place in the text: rank ties go to the older row,
# live and after `reindex` alike, and the text a row belongs to is known without reading the row.
SHIFT = 20
MAX_ROWS = 1 << SHIFT  # rows of one text; a text with more points is indexed up to there


def _table(key: str) -> Table:
    """The columns both backends share, under the key column's name on each (SQLite's FTS5 table has
    its rowid; neither table is in `schema.metadata`, the backends' tables differ too much)."""
    return Table(
        TABLE,
        MetaData(),
        Column(key, BigInteger, key="id", primary_key=True),
        Column("text", String(200)),
        Column("kind", String(20)),
        Column("scope", Text),  # JSON [eid, ...]: the point and the points that hold it
        Column("eid", Text),
        Column("label", Text),
        Column("heading", Text),
        Column("body", Text),
    )


_TABLES = {"sqlite": _table("rowid"), "postgresql": _table("id")}
_BATCH = 2000

WORD = re.compile(r"[^\W_]+")  # letters and digits: what both backends' tokenizers keep


@dataclass(frozen=True)
class Entry:
    """One indexed row: a point of a text, or the text's head (title and preamble, `eid` None)."""

    text: str
    kind: str  # "version" | "answer" | "instrument"
    seq: int
    pos: int
    eid: str | None
    scope: tuple[str, ...]
    label: str
    heading: str
    body: str

    @property
    def id(self) -> int:
        return self.seq << SHIFT | self.pos

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "scope": json.dumps(list(self.scope)),
            "eid": None if self.eid is None else _clean(self.eid),
            "label": _clean(self.label),
            "heading": _clean(self.heading),
            "body": _clean(self.body),
        }


@dataclass(frozen=True)
class Candidate:
    """A row that matches, in rank order; `complete` when it holds every word of the query."""

    id: int
    text: str
    kind: str
    eid: str | None
    scope: tuple[str, ...]
    label: str
    heading: str
    complete: bool


def _clean(value: str) -> str:
    """Text a database column takes: no NUL (PostgreSQL refuses it), no lone surrogate, bounded."""
    value = value[:MAX_FIELD].replace("\x00", " ")
    return value.encode("utf-8", "replace").decode("utf-8")


def words(query: str) -> list[str]:
    """The distinct words of a query (letters and digits; everything else separates them)."""
    found = WORD.findall(unicodedata.normalize("NFC", query))
    return list(dict.fromkeys(w.casefold() for w in found))[:MAX_WORDS]


# ---- what is indexed -----------------------------------------------------------------------------


def version_entries(version: str, seq: int, draft: DraftText) -> list[Entry]:
    """The head (title, preamble) and every point, each knowing the points that hold it."""
    found = [Entry(version, "version", seq, 0, None, (), "", draft.title, draft.preamble)]
    stack: list[tuple[Point, tuple[str, ...]]] = [(p, ()) for p in reversed(draft.points)]
    while stack:  # depth-first, in document order, without recursion (a hostile text may nest deep)
        point, above = stack.pop()
        scope: tuple[str, ...] = (*above, point.eid)
        heading = point.heading or ""
        found.append(
            Entry(version, "version", seq, len(found), point.eid, scope, point.label, heading, point.text)
        )
        stack.extend((c, scope) for c in reversed(point.children))
    return found


def answer_entries(
    answer: str,
    seq: int,
    form: str,
    positions: Sequence[Sequence[Any]],
    proposals: Sequence[Sequence[Any]],
    labels: Mapping[str, str],
    prose: bytes | None,
) -> list[Entry]:
    """A point-by-point answer's positions (their text and reason) and proposals; a prose answer's
    paragraphs. An answer is published whole, so a position's scope is its point alone."""
    found: list[Entry] = []
    if form == "prose":
        said = (prose or b"").decode("utf-8", "replace")
        for paragraph in re.split(r"\n\s*\n", said):
            if paragraph.strip():
                found.append(Entry(answer, "answer", seq, len(found), None, (), "", "", paragraph.strip()))
        return found
    for eid, position, said, reason in positions:
        body = "\n\n".join(str(part) for part in (said, reason) if part)
        if body:
            label = labels.get(str(eid), str(eid))
            found.append(
                Entry(answer, "answer", seq, len(found), str(eid), (str(eid),), label, str(position), body)
            )
    for label, said in proposals:
        found.append(Entry(answer, "answer", seq, len(found), None, (), str(label), "", str(said)))
    return found


def instrument_entries(instrument: str, seq: int, agreed: inst.InstrumentText) -> list[Entry]:
    found = [Entry(instrument, "instrument", seq, 0, None, (), "", agreed.title, agreed.preamble)]
    parents = {p.eid: p.parent for p in agreed.points}
    for point in agreed.points:
        scope, up, seen = [point.eid], point.parent, {point.eid}
        while up is not None and up not in seen:  # a parent chain, guarded against cycles
            scope.append(up)
            seen.add(up)
            up = parents.get(up)
        path, heading = tuple(reversed(scope)), point.heading or ""
        found.append(
            Entry(
                instrument, "instrument", seq, len(found), point.eid, path, point.label, heading, point.text
            )
        )
    return found


# ---- keeping the index ---------------------------------------------------------------------------

_VERSION = select(t.versions.c.id, t.versions.c.content, t.versions.c.created_seq)
_ANSWER = select(
    t.answers.c.id,
    t.answers.c.version,
    t.answers.c.form,
    t.answers.c.content,
    t.answers.c.positions,
    t.answers.c.proposals,
    t.answers.c.seq,
)
_OUTLINE = select(t.versions.c.outline).where(t.versions.c.id == bindparam("id"))
_INSTRUMENT = select(t.instruments.c.id, t.instruments.c.seq, t.instruments.c.data)

_TEXT_FIELD = {ev.VERSION_CREATED: "version", ev.ANSWER_GIVEN: "answer", ev.INSTRUMENT_CREATED: "instrument"}

# What can go wrong reading a stored text that a party's machine built: it is then not indexed (and
# reading it fails the same way), rather than failing the append.
_UNREADABLE = (InwritingError, ValueError, KeyError, TypeError, RecursionError)


def _content(conn: Connection, digest: str) -> bytes | None:
    """A stored text, if it is there and hashes to its name (a damaged blob is not indexed)."""
    stored = st.blob(conn, digest)
    if stored is None or blob_hash(*stored) != digest:
        return None
    return stored[1]


def _of_version(conn: Connection, row: Any) -> list[Entry]:
    content = _content(conn, row.content)
    if content is None:
        return []
    try:
        draft = draft_from_json(json.loads(content))
    except _UNREADABLE:
        return []
    return version_entries(row.id, row.created_seq, draft)


def _of_answer(conn: Connection, row: Any, outlines: dict[str, dict[str, str]]) -> list[Entry]:
    prose = _content(conn, row.content) if row.form == "prose" else None
    labels = outlines.get(row.version)
    if labels is None:
        outline = conn.execute(_OUTLINE, {"id": row.version}).scalar_one_or_none()
        labels = outlines[row.version] = {str(e): str(lab) for e, lab in json.loads(outline or "[]")}
    try:
        positions, proposals = json.loads(row.positions), json.loads(row.proposals)
        return answer_entries(row.id, row.seq, row.form, positions, proposals, labels, prose)
    except _UNREADABLE:
        return []


def _of_instrument(conn: Connection, row: Any) -> list[Entry]:
    try:
        content = _content(conn, str(json.loads(row.data)["content"]))
        if content is None:
            return []
        return instrument_entries(row.id, row.seq, inst.read_text(content))
    except _UNREADABLE:
        return []


def add(conn: Connection, entries: Iterable[Entry]) -> int:
    """Insert rows (in batches); returns how many."""
    insert_ = insert(_TABLES[conn.dialect.name])
    count, batch = 0, []
    for entry in entries:
        if entry.pos >= MAX_ROWS:
            continue
        batch.append(entry.row())
        if len(batch) >= _BATCH:
            conn.execute(insert_, batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(insert_, batch)
        count += len(batch)
    return count


def index_event(conn: Connection, event: Event) -> int:
    """Index the text a content event (version.created, answer.given, instrument.created) recorded,
    once its projection rows are written, in the same unit of work; other events index nothing."""
    key = {"id": str(event.body.get(_TEXT_FIELD.get(event.type, "")))}
    if event.type == ev.VERSION_CREATED:
        row = conn.execute(_VERSION.where(t.versions.c.id == bindparam("id")), key).first()
        return 0 if row is None else add(conn, _of_version(conn, row))
    if event.type == ev.ANSWER_GIVEN:
        answer = conn.execute(_ANSWER.where(t.answers.c.id == bindparam("id")), key).first()
        return 0 if answer is None else add(conn, _of_answer(conn, answer, {}))
    if event.type == ev.INSTRUMENT_CREATED:
        agreed = conn.execute(_INSTRUMENT.where(t.instruments.c.id == bindparam("id")), key).first()
        return 0 if agreed is None else add(conn, _of_instrument(conn, agreed))
    return 0


def clear(conn: Connection) -> None:
    conn.execute(delete(_TABLES[conn.dialect.name]))


def reindex(conn: Connection) -> int:
    """Empty the index and fill it from the projection tables and the blobs (the rebuild path, after
    the projections are rewritten); returns the number of rows."""
    clear(conn)
    outlines: dict[str, dict[str, str]] = {}
    texts: list[tuple[int, str, Any]] = [
        *((r.created_seq, "version", r) for r in conn.execute(_VERSION)),
        *((r.seq, "answer", r) for r in conn.execute(_ANSWER)),
        *((r.seq, "instrument", r) for r in conn.execute(_INSTRUMENT)),
    ]
    texts.sort(key=lambda found: found[0])  # log order, as appends fill it

    def every() -> Iterator[Entry]:
        for _, kind, row in texts:
            if kind == "version":
                yield from _of_version(conn, row)
            elif kind == "answer":
                yield from _of_answer(conn, row, outlines)
            else:
                yield from _of_instrument(conn, row)

    count = add(conn, every())
    if conn.dialect.name == "sqlite":  # one b-tree per term: what later queries read fastest
        conn.execute(text(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')"))
    return count


def count(conn: Connection) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one())


# ---- querying ------------------------------------------------------------------------------------
# Only bound parameters carry the user's words. SQLite: each word is one FTS5 string ("..."), so no
# operator (AND, OR, NOT, NEAR, *, ^, :, parentheses) can come from the input. PostgreSQL: each word
# goes through plainto_tsquery, which reads no operators at all.
#
# Two tiers, each in rank order: the rows holding every word, then those holding only some. The first
# is selective and usually fills the page, so the second (a union of every word's rows) is rarely
# read. Ranking reads row keys only; the rows themselves are read for the few keys kept.

# bm25 weights, one per column in table order: text, kind, scope (not indexed), eid, label, heading,
# body. PostgreSQL weighs them in the same order: heading A, label B, body C, eid D. A label
# ("Article 4") or heading names a point more surely than words somewhere in a text do.
_BM25 = f"bm25({TABLE}, 0, 0, 0, 0.5, 2.0, 2.5, 1.0)"
_BODY_COLUMN = 6
_PG_CONFIG = f"'{CONFIG}'::regconfig"
_PG_ALL = f"plainto_tsquery({_PG_CONFIG}, :all)"
_PG_HEADLINE = 'StartSel="", StopSel="", MaxWords=30, MinWords=12, ShortWord=3'
_COLUMNS = "text, kind, scope, eid, label, heading"
_ROWS = {
    "sqlite": text(
        f"SELECT rowid AS id, {_COLUMNS} FROM {TABLE} WHERE rowid IN (SELECT value FROM json_each(:ids))"
    ),
    "postgresql": text(f"SELECT id, {_COLUMNS} FROM {TABLE} WHERE id = ANY(CAST(:ids AS bigint[]))"),
}


def _fts(found: Sequence[str], *, complete: bool) -> str:
    """An FTS5 query: every word (complete), or some word but not every one."""
    strings = ['"' + w.replace('"', '""') + '"' for w in found]
    if complete:
        return " ".join(strings)
    return f"({' OR '.join(strings)}) NOT ({' '.join(strings)})"


def _pg_any(found: Sequence[str]) -> str:
    """tsquery OR of every word, as SQL over bound parameters :w0, :w1, ... (no input in the text)."""
    return "(" + " || ".join(f"plainto_tsquery({_PG_CONFIG}, :w{i})" for i in range(len(found))) + ")"


def _pg_params(found: Sequence[str]) -> dict[str, Any]:
    return {f"w{i}": w for i, w in enumerate(found)} | {"all": " ".join(found)}


def _ids(conn: Connection, values: Collection[int]) -> Any:
    """A list of integers as one bound parameter (JSON for SQLite's json_each, an array for PostgreSQL)."""
    listed = sorted(values)
    return json.dumps(listed) if conn.dialect.name == "sqlite" else listed


def _ranked(
    conn: Connection, found: Sequence[str], *, complete: bool, within: bool
) -> tuple[TextClause, dict[str, Any]]:
    """One tier's row keys in rank order (only rows of the texts whose seqs are :seqs, when `within`)."""
    if conn.dialect.name == "sqlite":
        only = f" AND (rowid >> {SHIFT}) IN (SELECT value FROM json_each(:seqs))" if within else ""
        sql = (
            f"SELECT rowid AS id FROM {TABLE} WHERE {TABLE} MATCH :match{only}"
            f" ORDER BY {_BM25}, rowid LIMIT :limit OFFSET :offset"
        )
        return text(sql), {"match": _fts(found, complete=complete)}
    any_ = _pg_any(found)
    match = _PG_ALL if complete else f"({any_} && !! {_PG_ALL})"
    only = f" AND (id >> {SHIFT}) = ANY(CAST(:seqs AS bigint[]))" if within else ""
    sql = (
        f"SELECT id FROM {TABLE} WHERE tsv @@ {match}{only}"
        f" ORDER BY ts_rank(tsv, {any_}, 1) DESC, id LIMIT :limit OFFSET :offset"
    )
    return text(sql), _pg_params(found)


def candidates(
    conn: Connection, found: Sequence[str], *, seqs: Collection[int] | None = None, first: int = FIRST_BATCH
) -> Iterator[list[Candidate]]:
    """Every row holding any of the words (of the texts recorded at `seqs` only, if given), best
    first (rows with all of them before the others), in batches that grow from `first`: the caller
    stops reading once it has kept enough. With `seqs`, the order is the same less the other rows."""
    if seqs is not None and not seqs:
        return
    tiers = (True, False) if len(found) > 1 else (True,) if found else ()
    for complete in tiers:
        query, params = _ranked(conn, found, complete=complete, within=seqs is not None)
        if seqs is not None:
            params["seqs"] = _ids(conn, seqs)
        offset, size = 0, first
        while True:
            keys = [
                int(k) for k in conn.execute(query, {**params, "limit": size, "offset": offset}).scalars()
            ]
            rows = {int(r.id): r for r in conn.execute(_ROWS[conn.dialect.name], {"ids": _ids(conn, keys)})}
            yield [
                Candidate(
                    key,
                    r.text,
                    r.kind,
                    r.eid,
                    tuple(json.loads(r.scope)),
                    r.label or "",
                    r.heading or "",
                    complete,
                )
                for key in keys
                if (r := rows.get(key)) is not None
            ]
            if len(keys) < size:
                break
            offset, size = offset + size, size * 4


def matching_texts(conn: Connection, found: Sequence[str]) -> dict[str, tuple[str, int]]:
    """The texts with a row holding any of the words: id -> (kind, seq). One pass, no ranking; the
    text's first row names it."""
    if not found:
        return {}
    if conn.dialect.name == "sqlite":
        strings = " OR ".join(_fts([w], complete=True) for w in found)
        sql = f"SELECT DISTINCT rowid >> {SHIFT} FROM {TABLE} WHERE {TABLE} MATCH :match"
        params: dict[str, Any] = {"match": strings}
    else:
        sql = f"SELECT DISTINCT id >> {SHIFT} FROM {TABLE} WHERE tsv @@ {_pg_any(found)}"
        params = _pg_params(found)
    seqs = [int(s) for s in conn.execute(text(sql), params).scalars()]
    firsts = conn.execute(_ROWS[conn.dialect.name], {"ids": _ids(conn, [s << SHIFT for s in seqs])})
    return {r.text: (r.kind, int(r.id) >> SHIFT) for r in firsts}


def snippets(conn: Connection, found: Sequence[str], hits: Sequence[Candidate]) -> dict[int, str]:
    """A short plain-text excerpt of each row's body around the words (no markup: pages escape it)."""
    result: dict[int, str] = {}
    for complete in (True, False):
        keys = [h.id for h in hits if h.complete == complete]
        if not keys or not found:
            continue
        if conn.dialect.name == "sqlite":
            sql = (
                f"SELECT rowid AS id, snippet({TABLE}, {_BODY_COLUMN}, '', '', '…', 24) AS snippet"
                f" FROM {TABLE} WHERE {TABLE} MATCH :match AND rowid IN (SELECT value FROM json_each(:ids))"
            )
            params: dict[str, Any] = {"match": _fts(found, complete=complete)}
        else:
            sql = (
                f"SELECT id, ts_headline({_PG_CONFIG}, body, {_pg_any(found)}, :options) AS snippet"
                f" FROM {TABLE} WHERE id = ANY(CAST(:ids AS bigint[]))"
            )
            params = _pg_params(found) | {"options": _PG_HEADLINE}
        for r in conn.execute(text(sql), {**params, "ids": _ids(conn, keys)}):
            result[int(r.id)] = " ".join((r.snippet or "").split())
    return result


# ---- the schema check ----------------------------------------------------------------------------


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """For Alembic's comparison of the database with `schema.metadata`: leave out the index's tables
    (an FTS5 table and its shadow tables on SQLite, a table with a tsvector on PostgreSQL), which
    migration 0007 creates per backend and `schema.metadata` does not describe."""
    return not (type_ == "table" and name is not None and (name == TABLE or name.startswith(TABLE + "_")))
