"""Exporting a process as a bundle that anyone can verify offline, whole or as one party sees it, and
revealing one text against bundles exported before it could be seen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.domain import events as ev
from inwriting.domain.access import ALL, require_text
from inwriting.domain.events import Event, PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import State
from inwriting.domain.visibility import carries_text_for, event_visible_to, text_of
from inwriting.errors import Conflict, NotFound, VerificationError
from inwriting.record.blob import check_blob
from inwriting.record.bundle import Header, Hidden, Visible, write_bundle
from inwriting.record.envelope import SignedEvent
from inwriting.record.linecheck import TextBlob
from inwriting.record.reveal import Reveal, write_reveal
from inwriting.storage import store as st
from inwriting.storage.projections import load_state

# Events everyone needs to check signatures: who the parties are and which keys they hold.
GLOBAL_TYPES = frozenset({ev.GENESIS, ev.PARTY_REGISTERED, ev.KEY_ADDED, ev.KEY_REVOKED})
# How often export signs a fresh checkpoint when other writers keep moving the head past it.
ATTEMPTS = 5


@dataclass(frozen=True)
class ExportReport:
    path: str
    process: str
    size: int
    events: int
    hidden: int
    checkpoint_size: int
    party: str | None = None
    texts: int = 0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def export(app: App, path: Path, process: str, *, as_party: str | None = None) -> ExportReport:
    """Write the process's events (and the global ones) in full, every other leaf as a hash.

    With `as_party`, only what that party may see, judged on the log as it stands: the events about
    texts it may not know exist become leaf hashes too, and every text it sees whole comes along,
    salted, right after the event that signed its hash.
    """
    party = None if as_party is None else PartyId(as_party)
    with app.store.read() as conn:
        known = load_state(conn, Refs(processes=frozenset({process}), parties=frozenset({as_party or ""})))
    if process not in known.processes:
        raise NotFound(f"process {process} does not exist")
    if party is not None and party not in known.parties:
        raise NotFound(f"party {party} is not registered")
    for _ in range(ATTEMPTS):
        latest = log_cases.checkpoint(app)  # covers the head at this moment
        with app.store.read() as conn:
            state = load_state(conn)
            if party is not None and state.size != latest.size:
                continue  # the log moved on: the view must be judged at the checkpoint's size
            return _write(app, conn, state, path, process, party, latest.size)
    raise Conflict(f"the log kept growing; no checkpoint stayed at its head over {ATTEMPTS} attempts")


def _write(
    app: App, conn: Connection, state: State, path: Path, process: str, party: PartyId | None, size: int
) -> ExportReport:
    notes = [cp.note for cp in st.checkpoints(conn) if cp.size <= size]
    header = Header(str(state.origin), str(state.log_vkey), size, notes, process, app.now(), party)
    counts = {"events": 0, "hidden": 0, "texts": 0}

    def entries() -> Iterator[Visible | Hidden | TextBlob]:
        for entry in st.iter_entries(conn, 0, size):
            if entry.type in GLOBAL_TYPES or (entry.process == process and party is None):
                event, shown = None, True
            elif entry.process != process or party is None:
                event, shown = None, False
            else:
                event = _event_of(entry)
                shown = event_visible_to(state, event, party)
            if not shown:
                counts["hidden"] += 1
                yield Hidden(entry.seq, entry.leaf_hash)
                continue
            counts["events"] += 1
            yield Visible(entry.seq, entry.event_bytes, entry.signature)
            if event is not None and party is not None and carries_text_for(state, event, party):
                counts["texts"] += 1
                yield _text_blob(conn, event)

    write_bundle(path, header, entries())
    return ExportReport(
        str(path), process, size, counts["events"], counts["hidden"], size, party, counts["texts"]
    )


def _event_of(entry: st.StoredEntry) -> Event:
    return SignedEvent.from_parts(entry.event_bytes, entry.signature, strict=False).event


def _text_blob(conn: Connection, event: Event) -> TextBlob:
    """The salted text event signed the hash of, checked against that hash before it is shipped."""
    text, digest = str(text_of(event)), str(event.body.get("content"))
    stored = st.blob(conn, digest)
    where = f"{text} (event {event.seq})"
    if stored is None:
        raise VerificationError(f"its text {digest} is missing from the database", where=where)
    salt, content = stored
    check_blob(digest, salt, content, where=where)
    return TextBlob(event.seq, text, salt, content)


@dataclass(frozen=True)
class RevealWritten:
    path: str
    text: str
    seq: int
    content: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def reveal(app: App, path: Path, text: str, *, as_party: str | None = None) -> RevealWritten:
    """Write a reveal of a version or answer: the event that signed its hash and the salted text.

    With `as_party`, only a text that party sees whole (else "not found", as if it did not exist).
    """
    with app.store.read() as conn:
        state = load_state(conn)
        if as_party is not None and require_text(state, PartyId(as_party), text) != ALL:
            raise NotFound(f"{as_party} sees only published points of {text}, not its whole text")
        found = state.versions.get(text)
        answer = state.answers.get(text)
        seq = found.created_seq if found is not None else answer.seq if answer is not None else None
        if seq is None:
            raise NotFound(f"no version or answer {text}")
        entry = next(st.iter_entries(conn, seq, seq + 1), None)
        if entry is None:
            raise NotFound(f"event {seq} of {text} is not in the log")
        signed = SignedEvent.from_parts(entry.event_bytes, entry.signature, strict=False)
        if text_of(signed.event) != text:
            raise VerificationError(f"event {seq} does not record {text}", where=f"{text}")
        blob = _text_blob(conn, signed.event)
    write_reveal(path, Reveal(str(state.origin), str(state.log_vkey), text, signed, blob))
    return RevealWritten(str(path), text, seq, str(signed.event.body.get("content")))
