"""The one path by which anything enters the log: build the event at the head, sign it, check it
against the state it touches, append it with its projections, commit. Or refuse and leave nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select

from inwriting.app.context import App, format_time
from inwriting.app.readings import reading_mismatch
from inwriting.domain import events as ev
from inwriting.domain.events import Actor, Event, EventType, PartyId
from inwriting.domain.fold import process_of, references
from inwriting.domain.model import State
from inwriting.errors import InvalidInput, NotFound, RecordError
from inwriting.record.blob import blob_hash
from inwriting.record.envelope import SignedEvent, hash_ref
from inwriting.record.instrument import check_agreed_text
from inwriting.record.keys import SigningKey
from inwriting.record.verifier import check_signed
from inwriting.storage import schema as t
from inwriting.storage import search as search_index
from inwriting.storage import store as st
from inwriting.storage.store import LogWriter

MAX_CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of our clock a submitted event may be dated


@dataclass(frozen=True)
class Recorded:
    seq: int
    event_id: str
    type: str
    time: str
    leaf_hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.event_id,
            "type": self.type,
            "time": self.time,
            "leaf_hash": self.leaf_hash,
        }


_ACTIVE_KEYS = (
    select(t.keys.c.key_id)
    .where(t.keys.c.party == bindparam("party"), t.keys.c.revoked_seq.is_(None))
    .order_by(t.keys.c.added_seq.desc())
)


def signing_key(app: App, writer: LogWriter, party: PartyId) -> SigningKey:
    """The newest active key of `party` whose private half this machine's keystore holds."""
    cached = writer.signing_keys.get(party)
    if isinstance(cached, SigningKey):
        return cached
    rows = writer.conn.execute(_ACTIVE_KEYS, {"party": party}).scalars().all()
    for key_id in rows:
        if app.keystore.has(party, key_id):
            key = writer.signing_keys[party] = app.keystore.load(party, key_id)
            return key
    if not rows:
        raise NotFound(f"{party} has no active key; add one with `inwriting key new {party}`")
    raise NotFound(
        f"none of {party}'s active keys ({', '.join(rows)}) is in the keystore {app.keystore.root}"
    )


def record_in(
    app: App,
    writer: LogWriter,
    actor: PartyId,
    type_: EventType,
    body: Mapping[str, Any],
    *,
    track: str | None = None,
    key: SigningKey | None = None,
    delegate: str | None = None,
) -> Recorded:
    """Append one event inside an open unit of work (the caller commits)."""
    head = writer.head
    key = key or signing_key(app, writer, actor)
    event = Event(
        type=type_,
        id=str(uuid.uuid4()),
        seq=head.size,
        prev=hash_ref(head.leaf),
        time=max(app.now(), head.time),
        actor=Actor(actor, key.key_id, delegate),
        body=dict(body),
        track=track,
    )
    return append_signed(writer, SignedEvent.sign(event, key), signed_by=key)


def append_signed(writer: LogWriter, signed: SignedEvent, *, signed_by: SigningKey | None = None) -> Recorded:
    if signed.event.type in (ev.KEY_ADDED, ev.KEY_REVOKED):
        writer.signing_keys.clear()  # which key signs next may change
    _require_texts(writer, signed.event)
    before = writer.load(references(signed.event))
    after = check_signed(before, writer.head, signed, signed_by=signed_by.public if signed_by else None)
    _check_agreed_text(writer, signed.event, after)
    _check_reading(writer, signed.event, after)
    writer.append(signed, before, after, process_of(after, signed.event))
    search_index.index_event(writer.conn, signed.event)  # the full-text index, in the same transaction
    event = signed.event
    return Recorded(event.seq, event.id, event.type, event.time, hash_ref(signed.leaf_hash))


_NAMES_A_TEXT = frozenset({ev.VERSION_CREATED, ev.ANSWER_GIVEN, ev.INSTRUMENT_CREATED})


def _require_texts(writer: LogWriter, event: Event) -> None:
    """An event that names a text by hash is refused unless the text is stored with it: otherwise
    the log would hold a commitment to words nobody can read, and `log verify` would fail for good.
    """
    content = event.body.get("content")
    where = f"event {event.seq} ({event.type})"
    if event.type in _NAMES_A_TEXT and isinstance(content, str) and not writer.has_blob(content):
        raise RecordError(
            f"the text it names ({content}) is not stored; submit the text with the event", where=where
        )


def _check_agreed_text(writer: LogWriter, event: Event, after: State) -> None:
    """An instrument the rules have accepted must carry its source version's text, point for point
    (and an exchange of notes, two notes with the same points). Checked only once the rules have
    found that the actor may see the versions, so that no answer here tells anything of a text."""
    if event.type != ev.INSTRUMENT_CREATED:
        return
    instrument = after.instruments[str(event.body.get("instrument"))]
    where = f"event {event.seq} ({event.type})"
    stored = st.blob(writer.conn, instrument.content)
    sources = []
    for vid in instrument.sources:
        found = st.blob(writer.conn, after.versions[vid].content)
        if stored is None or found is None:
            raise RecordError(f"the texts of {instrument.id} or of {vid} are not stored", where=where)
        sources.append(found[1])
    assert stored is not None
    try:
        check_agreed_text(
            stored[1],
            sources[0],
            instrument=instrument.id,
            kind=instrument.kind,
            sources=instrument.sources,
            parties=instrument.parties,
            other_notes=sources[1:],
        )
    except InvalidInput as exc:
        raise RecordError(exc.message, where=where) from exc


def _check_reading(writer: LogWriter, event: Event, after: State) -> None:
    """A confirmed reading of a prose answer must name the paragraphs the stored answer reads into."""
    if event.type != ev.ANSWER_ALIGNED:
        return
    answer = after.answers[str(event.body.get("answer"))]
    why = reading_mismatch(writer.conn, answer)
    if why is not None:
        raise RecordError(f"answer {answer.id}: {why}", where=f"event {event.seq} ({event.type})")


def record(
    app: App,
    actor: PartyId,
    type_: EventType,
    body: Mapping[str, Any],
    *,
    track: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """One use case, one event, one transaction."""
    with app.store.write() as writer:
        return record_in(app, writer, actor, type_, body, track=track, delegate=delegate)


def submit(
    app: App, event_bytes: bytes, signature: bytes, texts: Sequence[tuple[bytes, str, bytes]] = ()
) -> Recorded:
    """Append an event signed elsewhere (a party's own machine). Refused unless it fits the head.

    `texts` are the (salt, media type, content) of the texts the event names by hash; each is
    checked against its hash and stored in the same unit of work."""
    signed = SignedEvent.from_parts(event_bytes, signature, strict=True)
    latest = format_time(app.clock() + MAX_CLOCK_SKEW)
    if signed.event.time > latest:
        raise RecordError(
            f"its time {signed.event.time} is in the future (after {latest})",
            where=f"event {signed.event.seq}",
        )
    with app.store.write() as writer:
        seq = writer.seq_of(signed.event.id)
        if seq is not None:
            raise RecordError(
                f"replayed: event id {signed.event.id} is already in the log at seq {seq}",
                where=f"event {signed.event.seq}",
            )
        named = signed.event.body.get("content") if signed.event.type in _NAMES_A_TEXT else None
        for salt, media_type, content in texts:
            digest = blob_hash(salt, content)
            if digest != named:  # a text no event names would sit in the record unaccounted for
                raise RecordError(
                    f"a text given with it ({digest}) is not the one it names",
                    where=f"event {signed.event.seq}",
                )
            writer.add_blob(digest, salt, media_type, content)
        return append_signed(writer, signed)
