"""Use cases for instruments: fix agreed text by its hash, record each party's acts on it, show its
status the way a treaty depositary does, conclude an exchange of notes, and hand out proofs and PDFs
that anyone can check offline.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from inwriting.app.context import App
from inwriting.app.drafts import read_version
from inwriting.app.negotiation import act_date
from inwriting.app.recorder import Recorded, record_in, signing_key
from inwriting.domain import events as ev
from inwriting.domain.access import sees_instrument
from inwriting.domain.documents import DraftText, outline
from inwriting.domain.events import EventType, PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.instruments import INSTRUMENT_ID
from inwriting.domain.model import State
from inwriting.domain.notes import NotesComparison, compare_notes
from inwriting.domain.register import RATIFIED_KINDS, Instrument, InstrumentAct
from inwriting.domain.text import check_text
from inwriting.errors import InvalidInput, NotFound, Refused
from inwriting.record import instrument as inst
from inwriting.record.blob import blob_hash, check_blob, new_salt
from inwriting.storage import schema as t
from inwriting.storage import store as st
from inwriting.storage.projections import load_state
from inwriting.storage.store import LogWriter


def _slug(document: str, kind: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", document.lower()).strip("-") or "instrument"
    if not base[0].isalpha():
        base = f"i-{base}"
    if base.endswith(kind):  # "ru-us-treaty" as a treaty is "ru-us-treaty", not "ru-us-treaty-treaty"
        return base[:64].rstrip("-")
    return f"{base[:48].rstrip('-')}-{kind}"[:64]


def create(
    app: App,
    *,
    version: str,
    kind: str,
    as_party: str,
    parties: Sequence[str] = (),
    instrument: str | None = None,
    title: str | None = None,
    ratification: bool | None = None,
    required: int | None = None,
    obligors: Mapping[str, Sequence[str]] | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> tuple[str, Recorded]:
    """Fix a version's text as an instrument of `kind` (by default between the track's parties)."""
    viewer = PartyId(as_party)
    view = read_version(app, version, viewer=viewer)
    if view.seen_draft is not view.draft:
        raise NotFound(f"version {version} does not exist")  # seen only in part: not an agreed text
    with app.store.read() as conn:
        track = load_state(conn, Refs(tracks=frozenset({view.version.track}))).tracks[view.version.track]
    chosen = tuple(parties) or tuple(track.parties)
    iid = instrument or _slug(view.version.document, kind)
    day = act_date(app, date)
    with app.store.write() as writer:
        return iid, _create_in(
            app,
            writer,
            iid=iid,
            kind=kind,
            draft=view.draft,
            title=title or view.draft.title,
            sources=[version],
            track=view.version.track,
            parties=chosen,
            as_party=viewer,
            ratification=kind in RATIFIED_KINDS if ratification is None else ratification,
            required=len(chosen) if required is None else required,
            obligors=obligors or {},
            day=day,
            delegate=delegate,
        )


def _create_in(
    app: App,
    writer: LogWriter,
    *,
    iid: str,
    kind: str,
    draft: DraftText,
    title: str,
    sources: Sequence[str],
    track: str,
    parties: Sequence[str],
    as_party: PartyId,
    ratification: bool,
    required: int,
    obligors: Mapping[str, Sequence[str]],
    day: str,
    delegate: str | None,
) -> Recorded:
    if not INSTRUMENT_ID.match(iid):
        raise InvalidInput(f"instrument id {iid!r} must be lower-case letters, digits and '-' (at most 64)")
    title = check_text(title, what="title", max_len=500)  # as the record keeps it (NFC, trimmed)
    text = inst.instrument_text(
        instrument=iid, kind=kind, draft=replace(draft, title=title), sources=sources, parties=parties
    )
    salt = new_salt()
    digest = blob_hash(salt, text)
    body = {
        "instrument": iid,
        "kind": kind,
        "title": title,
        "sources": list(sources),
        "parties": list(parties),
        "content": digest,
        "outline": outline(draft),
        "ratification": ratification,
        "required": required,
        "obligors": [{"point": eid, "parties": list(who)} for eid, who in obligors.items()],
        "date": day,
    }
    writer.add_blob(digest, salt, inst.MEDIA_TYPE, text)
    return record_in(app, writer, as_party, ev.INSTRUMENT_CREATED, body, track=track, delegate=delegate)


def _instrument_in(state: State, iid: str, viewer: PartyId | None) -> Instrument:
    found = state.instruments.get(iid)
    if found is None or not sees_instrument(state, viewer, found):
        raise NotFound(f"instrument {iid} does not exist")
    return found


def _signatory(state: State, party: PartyId, delegate: str | None) -> str:
    """How the signatory is printed: a registered delegate's name and title, else the name given
    (in the normal form the record keeps, since the signature covers it)."""
    if delegate is None:
        raise InvalidInput(
            f"name {party}'s signatory (--delegate for `instrument sign`, --signatory {party}=NAME for"
            " `notes exchange`)"
        )
    known = state.delegates.get(f"{party}/{delegate}")
    return check_text(f"{known.name}, {known.title}" if known is not None else delegate, what="signatory")


def sign(
    app: App, iid: str, *, as_party: str, delegate: str | None, place: str, date: str | None = None
) -> Recorded:
    """The party's signatory signs: an Ed25519 signature by the party's key over the text hash."""
    day = act_date(app, date)
    party = PartyId(as_party)
    with app.store.write() as writer:
        return _sign_in(app, writer, iid, party, delegate, place, day)


def _sign_in(
    app: App, writer: LogWriter, iid: str, party: PartyId, delegate: str | None, place: str, day: str
) -> Recorded:
    state = writer.load(Refs(instruments=frozenset({iid}), delegates_of=frozenset({party})))
    found = _instrument_in(state, iid, party)
    key = signing_key(app, writer, party)
    signed = inst.sign(
        key,
        instrument=iid,
        text_hash=found.content,
        party=party,
        signatory=_signatory(state, party, delegate),
        place=check_text(place, what="place", max_len=200),
        date=day,
    )
    body = {"instrument": iid, "text_hash": found.content, **signed.to_json()}
    return record_in(
        app, writer, party, ev.INSTRUMENT_SIGNED, body, track=found.track, key=key, delegate=delegate
    )


def _act(
    app: App,
    iid: str,
    type_: EventType,
    *,
    as_party: str,
    date: str | None,
    delegate: str | None,
    **fields: Any,
) -> Recorded:
    day = act_date(app, date)
    party = PartyId(as_party)
    with app.store.write() as writer:
        state = writer.load(Refs(instruments=frozenset({iid}), delegates_of=frozenset({party})))
        found = _instrument_in(state, iid, party)
        body = {"instrument": iid, "date": day, **fields}
        if type_ == ev.INSTRUMENT_INITIALLED:
            body["signatory"] = _signatory(state, party, delegate)
        return record_in(app, writer, party, type_, body, track=found.track, delegate=delegate)


def initial(app: App, iid: str, *, as_party: str, delegate: str | None, date: str | None = None) -> Recorded:
    return _act(app, iid, ev.INSTRUMENT_INITIALLED, as_party=as_party, date=date, delegate=delegate)


def ratify(
    app: App, iid: str, *, as_party: str, date: str | None = None, delegate: str | None = None
) -> Recorded:
    return _act(app, iid, ev.INSTRUMENT_RATIFIED, as_party=as_party, date=date, delegate=delegate)


def reserve(
    app: App,
    iid: str,
    *,
    as_party: str,
    point: str,
    text: str,
    declaration: bool = False,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    kind = "declare" if declaration else "reserve"
    return _act(
        app,
        iid,
        ev.INSTRUMENT_RESERVED,
        as_party=as_party,
        date=date,
        delegate=delegate,
        kind=kind,
        point=point,
        text=text,
    )


def enter_into_force(
    app: App, iid: str, *, as_party: str, date: str | None = None, delegate: str | None = None
) -> Recorded:
    return _act(app, iid, ev.INSTRUMENT_ENTERED_INTO_FORCE, as_party=as_party, date=date, delegate=delegate)


def suspend(
    app: App,
    iid: str,
    *,
    as_party: str,
    reason: str,
    resume: bool = False,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    act = "resume" if resume else "suspend"
    return _act(
        app,
        iid,
        ev.INSTRUMENT_SUSPENDED,
        as_party=as_party,
        date=date,
        delegate=delegate,
        act=act,
        reason=reason,
    )


def withdraw(
    app: App, iid: str, *, as_party: str, reason: str, date: str | None = None, delegate: str | None = None
) -> Recorded:
    return _act(
        app, iid, ev.INSTRUMENT_WITHDRAWN, as_party=as_party, date=date, delegate=delegate, reason=reason
    )


# ---- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyRow:
    """One participant's line on the status page."""

    party: str
    name: str
    status: str
    initialled: str | None
    signed: InstrumentAct | None
    ratified: str | None
    in_force: str | None
    reservations: tuple[InstrumentAct, ...]
    suspended: str | None
    withdrawn: InstrumentAct | None

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "name": self.name,
            "status": self.status,
            "initialled": self.initialled,
            "signed": None if self.signed is None else _signature_json(self.signed),
            "ratified": self.ratified,
            "in_force": self.in_force,
            "reservations": [
                {"kind": r.act, "point": r.point, "text": r.text, "date": r.date} for r in self.reservations
            ],
            "suspended": self.suspended,
            "withdrawn": None
            if self.withdrawn is None
            else {"date": self.withdrawn.date, "reason": self.withdrawn.text},
        }


def _signature_json(act: InstrumentAct) -> dict[str, Any]:
    return {
        "date": act.date,
        "place": act.place,
        "signatory": act.signatory,
        "key_id": act.key_id,
        "signature": act.signature,
    }


@dataclass(frozen=True)
class InstrumentView:
    instrument: Instrument
    text: inst.InstrumentText
    rows: tuple[PartyRow, ...]

    def to_json(self) -> dict[str, Any]:
        i = self.instrument
        return {
            "instrument": i.id,
            "kind": i.kind,
            "title": i.title,
            "track": i.track,
            "sources": list(i.sources),
            "text_hash": i.content,
            "status": i.status,
            "agreed": i.date,
            "in_force": i.in_force,
            "ratification": i.ratification,
            "required": i.required,
            "parties": [r.to_json() for r in self.rows],
            "points": [{"eid": p.eid, "label": p.label, "parent": p.parent} for p in self.text.points],
        }


def _text_of(conn: Any, found: Instrument) -> tuple[bytes, bytes]:
    stored = st.blob(conn, found.content)
    if stored is None:
        raise NotFound(f"the text of {found.id} ({found.content}) is not in this database")
    salt, content = stored
    check_blob(found.content, salt, content, where=f"instrument {found.id}")
    return salt, content


def _state_for(conn: Any, iids: frozenset[str]) -> State:
    state = load_state(conn, Refs(instruments=iids))
    tracks = frozenset(i.track for i in state.instruments.values())
    around = load_state(conn, Refs(tracks=tracks))
    return State(
        instruments=state.instruments,
        commitments=state.commitments,
        versions=state.versions,
        handovers=state.handovers,
        disclosures=state.disclosures,
        tracks=around.tracks,
        parties=state.parties.update(around.parties),
    )


def show(app: App, iid: str, *, viewer: PartyId | None = None) -> InstrumentView:
    with app.store.read() as conn:
        state = _state_for(conn, frozenset({iid}))
        found = _instrument_in(state, iid, viewer)
        _, content = _text_of(conn, found)
    rows = []
    for party in found.parties:
        known = state.parties.get(party)
        ratified = found.act_of(party, "ratify")
        initialled = found.act_of(party, "initial")
        suspended = found.suspended(party)
        rows.append(
            PartyRow(
                party,
                known.name if known else party,
                found.party_status(party),
                initialled.date if initialled else None,
                found.act_of(party, "sign"),
                ratified.date if ratified else None,
                found.in_force_for(party),
                tuple(a for a in found.acts if a.party == party and a.act in ("reserve", "declare")),
                suspended.date if suspended else None,
                found.withdrawn(party),
            )
        )
    return InstrumentView(found, inst.read_text(content), tuple(rows))


def listing(app: App, *, viewer: PartyId | None = None) -> list[Instrument]:
    with app.store.read() as conn:
        ids = frozenset(conn.execute(select(t.instruments.c.id)).scalars())
        state = _state_for(conn, ids)
    seen = [i for i in state.instruments.values() if sees_instrument(state, viewer, i)]
    return sorted(seen, key=lambda i: i.seq)


def proof(app: App, iid: str, *, viewer: PartyId | None = None) -> inst.Proof:
    """The salted text, every signature and the keys that made them: checkable with no server."""
    with app.store.read() as conn:
        state = _state_for(conn, frozenset({iid}))
        found = _instrument_in(state, iid, viewer)
        salt, content = _text_of(conn, found)
        signatures = found.signatures()
        keys = load_state(conn, Refs(keys=frozenset(str(a.key_id) for a in signatures))).keys
        meta = load_state(conn, Refs(meta=True))
    return inst.Proof(
        str(meta.origin),
        iid,
        found.content,
        salt,
        content,
        tuple(
            inst.Signature(a.party, str(a.signatory), str(a.place), a.date, str(a.key_id), str(a.signature))
            for a in signatures
        ),
        {str(a.key_id): keys[str(a.key_id)].public_key for a in signatures},
    )


def pdf(app: App, iid: str, *, viewer: PartyId | None = None) -> bytes:
    from inwriting.exporters.instrument_pdf import to_pdf  # WeasyPrint loads only when a PDF is asked for

    view = show(app, iid, viewer=viewer)
    found = view.instrument
    status = [("Kind", found.kind), ("Status", _status_line(found)), ("Text agreed", found.date)]
    names = {r.party: r.name for r in view.rows}
    return to_pdf(proof(app, iid, viewer=viewer), party_names=names, status=status, generated=app.now())


def _status_line(found: Instrument) -> str:
    if found.in_force:
        return f"{found.status} (since {found.in_force})"
    return found.status


# ---- exchange of notes ---------------------------------------------------------------------------


class NotesDiffer(Refused):
    """The two notes' operative texts differ; `comparison` says exactly where."""

    def __init__(self, comparison: NotesComparison, a: str, b: str) -> None:
        shown = "; ".join(d.summary for d in comparison.differences[:5])
        more = len(comparison.differences) - 5
        super().__init__(
            f"the notes {a} and {b} differ on {len(comparison.differences)} point(s): {shown}"
            + (f"; and {more} more" if more > 0 else ""),
        )
        self.comparison = comparison


def compare(app: App, note_a: str, note_b: str, *, viewer: PartyId | None = None) -> NotesComparison:
    a = read_version(app, note_a, viewer=viewer)
    b = read_version(app, note_b, viewer=viewer)
    for view, vid in ((a, note_a), (b, note_b)):
        if view.seen_draft is not view.draft:
            raise NotFound(f"version {vid} does not exist")
    return compare_notes(a.draft, b.draft)


@dataclass(frozen=True)
class Exchange:
    instrument: str
    comparison: NotesComparison
    recorded: tuple[Recorded, ...]
    signed_by: tuple[str, ...]
    awaiting: tuple[str, ...]  # parties whose keys this keystore does not hold
    in_force: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "comparison": self.comparison.to_json(),
            "signed_by": list(self.signed_by),
            "awaiting_signature": list(self.awaiting),
            "in_force": self.in_force,
            "events": [r.to_json() for r in self.recorded],
        }


def exchange(
    app: App,
    note_a: str,
    note_b: str,
    *,
    date: str,
    place: str,
    signatories: Mapping[str, str],
    as_party: str | None = None,
    instrument: str | None = None,
    title: str | None = None,
    enter_into_force: bool = True,
    delegate: str | None = None,
    sign_for: Collection[str] | None = None,
) -> Exchange:
    """Check that two notes (each by one party) carry the same operative text, point by point; if
    they do, record the exchange as an instrument concluded on the reply's date (`date`): signed for
    each party whose key this keystore holds and, once both have signed, in force that day.

    `as_party` (default: the reply's author) records it, through `delegate` (default: its signatory);
    `sign_for` limits the signatures made here to those parties (the API signs only for its caller)."""
    day = act_date(app, date, what="date of the reply")
    viewer = None if as_party is None else PartyId(as_party)
    a = read_version(app, note_a, viewer=viewer)
    b = read_version(app, note_b, viewer=viewer)
    for view, vid in ((a, note_a), (b, note_b)):
        if view.seen_draft is not view.draft:  # published in part only: not a note this party holds
            raise NotFound(f"version {vid} does not exist")
    authors = (a.version.author, b.version.author)
    actor = viewer or authors[1]
    if actor not in authors:
        raise Refused(f"{actor} wrote neither note; the exchange is recorded by one of its two parties")
    if authors[0] == authors[1]:
        raise Refused(f"both notes are by {authors[0]}; an exchange is a note from each side")
    comparison = compare_notes(a.draft, b.draft)
    if not comparison.same:
        raise NotesDiffer(comparison, note_a, note_b)
    acting = delegate or signatories.get(actor)
    iid = instrument or _slug(a.version.document, "exchange")
    recorded: list[Recorded] = []
    signed: list[str] = []
    with app.store.write() as writer:
        recorded.append(
            _create_in(
                app,
                writer,
                iid=iid,
                kind="exchange-of-notes",
                draft=a.draft,
                title=title or a.draft.title,
                sources=[note_a, note_b],
                track=a.version.track,
                parties=authors,
                as_party=actor,
                ratification=False,
                required=2,
                obligors={},
                day=day,
                delegate=acting,
            )
        )
        for party in authors:
            if (sign_for is not None and party not in sign_for) or not _holds_key(app, writer, party):
                continue
            recorded.append(_sign_in(app, writer, iid, party, signatories.get(party), place, day))
            signed.append(party)
        in_force = None
        if enter_into_force and len(signed) == 2:
            body = {"instrument": iid, "date": day}
            recorded.append(
                record_in(
                    app,
                    writer,
                    actor,
                    ev.INSTRUMENT_ENTERED_INTO_FORCE,
                    body,
                    track=a.version.track,
                    delegate=acting,
                )
            )
            in_force = day
    awaiting = tuple(p for p in authors if p not in signed)
    return Exchange(iid, comparison, tuple(recorded), tuple(signed), awaiting, in_force)


def _holds_key(app: App, writer: LogWriter, party: PartyId) -> bool:
    try:
        signing_key(app, writer, party)
    except NotFound:
        return False
    return True


def visible_text(app: App, iid: str, *, viewer: PartyId | None = None) -> inst.InstrumentText:
    return show(app, iid, viewer=viewer).text
