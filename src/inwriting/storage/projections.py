"""Projection tables <-> domain State: load just the entities an event names, write back what an
event changed, and rewrite everything on rebuild.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import Any

from pyrsistent import pmap
from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import (
    Answer,
    Decision,
    Delegate,
    Disclosure,
    DisclosureAct,
    Document,
    Handover,
    Key,
    Meeting,
    Party,
    Position,
    Precondition,
    PreconditionAct,
    Process,
    Proposal,
    Publication,
    Receipt,
    State,
    Track,
    Version,
)
from inwriting.domain.register import Claim, Commitment
from inwriting.storage import register_rows as rr
from inwriting.storage import schema as t

Row = dict[str, Any]


def _by_ids(table: Any, column: Any, order: tuple[Any, ...] = ()) -> tuple[Any, Any]:
    """Two statements built once: every row, and the rows whose `column` is in :ids."""
    every = select(table).order_by(*order)
    return every, every.where(column.in_(bindparam("ids", expanding=True)))


_PARTIES = _by_ids(t.parties, t.parties.c.id)
_MEMBERS = _by_ids(
    t.party_members, t.party_members.c.party, (t.party_members.c.party, t.party_members.c.position)
)
_KEYS = _by_ids(t.keys, t.keys.c.key_id)
_PROCESSES = _by_ids(t.processes, t.processes.c.id)
_TRACKS = _by_ids(t.tracks, t.tracks.c.id)
_TRACK_PARTIES = _by_ids(
    t.track_parties, t.track_parties.c.track, (t.track_parties.c.track, t.track_parties.c.position)
)
_DOCUMENTS = _by_ids(t.documents, t.documents.c.id)
_VERSIONS = _by_ids(t.versions, t.versions.c.id)
_HANDOVERS = _by_ids(t.handovers, t.handovers.c.version, (t.handovers.c.seq,))
_RECEIPTS = _by_ids(t.receipts, t.receipts.c.version, (t.receipts.c.seq,))
_ANSWERS = _by_ids(t.answers, t.answers.c.id, (t.answers.c.seq,))
_ANSWERS_TO = (
    select(t.answers)
    .where(t.answers.c.version.in_(bindparam("versions", expanding=True)))
    .order_by(t.answers.c.seq)
)
_ANSWERS_BY = _ANSWERS_TO.where(t.answers.c.party.in_(bindparam("parties", expanding=True)))
_MEETINGS = _by_ids(t.meetings, t.meetings.c.id, (t.meetings.c.seq,))
_PRECONDITIONS = _by_ids(t.preconditions, t.preconditions.c.id, (t.preconditions.c.seq,))
_DELEGATES = _by_ids(t.delegates, t.delegates.c.party, (t.delegates.c.party, t.delegates.c.added_seq))
_DISCLOSURES = _by_ids(t.disclosures, t.disclosures.c.text)
_INSTRUMENTS = _by_ids(t.instruments, t.instruments.c.id, (t.instruments.c.seq,))
_COMMITMENTS = _by_ids(t.commitments, t.commitments.c.id, (t.commitments.c.seq,))
_COMMITMENTS_OF = _by_ids(t.commitments, t.commitments.c.instrument, (t.commitments.c.seq,))
_STATEMENTS = _by_ids(t.statements, t.statements.c.id, (t.statements.c.seq,))
_CLAIMS = _by_ids(t.claims, t.claims.c.id, (t.claims.c.seq,))
_META = select(t.log_meta.c.origin, t.log_meta.c.log_vkey)
_SIZE = select(t.log_head.c.size)


def _rows(conn: Connection, statements: tuple[Any, Any], ids: Collection[str] | None) -> Any:
    if ids is None:
        return conn.execute(statements[0])
    return conn.execute(statements[1], {"ids": sorted(ids)})


def load_state(conn: Connection, refs: Refs | None = None, *, size: int | None = None) -> State:
    """The projected state: everything (refs None) or only the entities `refs` names."""
    meta = conn.execute(_META).first() if refs is None or refs.meta else None
    if size is None:
        size = conn.execute(_SIZE).scalar_one_or_none() or 0
    register = _load_register(conn, refs)
    instruments, commitments, claims = register[0], register[1], register[3]
    acts = None if refs is None else refs.version_acts
    version_ids = None if refs is None else refs.versions
    texts = None if refs is None else refs.disclosures
    if refs is not None and instruments:  # who may see an instrument depends on its sources
        sources = {v for i in instruments.values() for v in i.sources}
        acts = refs.version_acts | sources
        version_ids, texts = refs.versions | sources, refs.disclosures | sources
    handovers = _load_handovers(conn, acts)
    tracks = _load_tracks(
        conn, None if refs is None else refs.tracks | {c.track for c in commitments.values() if c.track}
    )
    versions = _load_versions(conn, version_ids)
    party_ids: Collection[str] | None = None
    if refs is not None:  # recipients, track parties and named audiences (with their members) come along
        party_ids = set(refs.parties).union(
            *(h.to for h in handovers.values()),
            *(t.parties for t in tracks.values()),
            *(v.audience_parties for v in versions.values()),
            *(i.parties for i in instruments.values()),
            *((c.obligor, *c.beneficiaries) for c in commitments.values()),
            (c.by for c in claims.values()),
        )
    return State(
        size=size,
        origin=meta.origin if meta else None,
        log_vkey=meta.log_vkey if meta else None,
        handovers=pmap(handovers),
        receipts=pmap(_load_receipts(conn, acts)),
        answers=pmap(_load_answers(conn, None if refs is None else refs.answers)),
        meetings=pmap(_load_meetings(conn, None if refs is None else refs.meetings)),
        preconditions=pmap(_load_preconditions(conn, None if refs is None else refs.preconditions)),
        parties=pmap(_load_parties(conn, party_ids)),
        keys=pmap(_load_keys(conn, None if refs is None else refs.keys)),
        processes=pmap(_load_processes(conn, None if refs is None else refs.processes)),
        tracks=pmap(tracks),
        delegates=pmap(_load_delegates(conn, None if refs is None else refs.delegates_of)),
        disclosures=pmap(_load_disclosures(conn, texts)),
        instruments=pmap(instruments),
        commitments=pmap(commitments),
        statements=pmap(register[2]),
        claims=pmap(claims),
        documents=pmap(_load_documents(conn, None if refs is None else refs.documents)),
        versions=pmap(versions),
    )


def _load_register(conn: Connection, refs: Refs | None) -> tuple[dict[str, Any], ...]:
    """Instruments, commitments (those named, and every one of the instruments loaded), statements
    and claims (with the commitments and instruments they concern)."""
    if refs is None:
        decoders: tuple[tuple[tuple[Any, Any], Callable[[Any], Any]], ...] = (
            (_INSTRUMENTS, rr.instrument_of),
            (_COMMITMENTS, rr.commitment_of),
            (_STATEMENTS, rr.statement_of),
            (_CLAIMS, rr.claim_of),
        )
        return tuple({e.id: e for e in map(decode, conn.execute(query[0]))} for query, decode in decoders)
    claims = _some(conn, _CLAIMS, refs.claims, rr.claim_of)
    commitments = _some(
        conn, _COMMITMENTS, refs.commitments | {c.commitment for c in claims.values()}, rr.commitment_of
    )
    instrument_ids = refs.instruments | {c.instrument for c in commitments.values() if c.instrument}
    instruments = _some(conn, _INSTRUMENTS, instrument_ids, rr.instrument_of)
    commitments.update(_some(conn, _COMMITMENTS_OF, instrument_ids, rr.commitment_of))
    statement_ids = refs.statements | {c.statement for c in commitments.values() if c.statement}
    statements = _some(conn, _STATEMENTS, statement_ids, rr.statement_of)
    return instruments, commitments, statements, claims


def _some(conn: Connection, statements: tuple[Any, Any], ids: Collection[str], decode: Any) -> dict[str, Any]:
    if not ids:
        return {}
    return {e.id: e for e in map(decode, conn.execute(statements[1], {"ids": sorted(ids)}))}


def _load_delegates(conn: Connection, parties: Collection[str] | None) -> dict[str, Delegate]:
    if parties is not None and not parties:
        return {}
    return {f"{r.party}/{r.id}": _delegate_of(r) for r in _rows(conn, _DELEGATES, parties)}


_DELEGATE = select(t.delegates).where(
    t.delegates.c.party == bindparam("party"), t.delegates.c.id == bindparam("id")
)


def delegate(conn: Connection, party: str, delegate_id: str) -> Delegate | None:
    """One delegate (removed or not) by party and id: one row, as every authenticated request asks."""
    r = conn.execute(_DELEGATE, {"party": party, "id": delegate_id}).first()
    return None if r is None else _delegate_of(r)


def _delegate_of(r: Any) -> Delegate:
    return Delegate(
        PartyId(r.party), r.id, r.name, r.title, tuple(json.loads(r.roles)), r.added_seq, r.removed_seq
    )


def _load_disclosures(conn: Connection, texts: Collection[str] | None) -> dict[str, Disclosure]:
    if texts is not None and not texts:
        return {}
    return {
        r.text: Disclosure(
            r.text,
            PartyId(r.owner),
            tuple(
                DisclosureAct(k, PartyId(p), d, why, until, seq)
                for k, p, d, why, until, seq in json.loads(r.acts)
            ),
            tuple(
                Publication(PartyId(by), tuple(points), d, elsewhere, publisher, source, objection, seq)
                for by, points, d, elsewhere, publisher, source, objection, seq in json.loads(r.publications)
            ),
        )
        for r in _rows(conn, _DISCLOSURES, texts)
    }


def _load_handovers(conn: Connection, versions: Collection[str] | None) -> dict[str, Handover]:
    if versions is not None and not versions:
        return {}
    return {
        r.id: Handover(
            r.id,
            r.version,
            r.track,
            PartyId(r.by_party),
            tuple(PartyId(p) for p in json.loads(r.recipients)),
            r.date,
            r.due,
            bool(r.point_by_point),
            r.meeting,
            r.seq,
        )
        for r in _rows(conn, _HANDOVERS, versions)
    }


def _load_receipts(conn: Connection, versions: Collection[str] | None) -> dict[str, Receipt]:
    if versions is not None and not versions:
        return {}
    return {
        r.id: Receipt(r.id, r.version, r.handover, PartyId(r.party), r.date, r.delegate, r.seq)
        for r in _rows(conn, _RECEIPTS, versions)
    }


def _load_answers(conn: Connection, ids: Collection[str] | None) -> dict[str, Answer]:
    if ids is not None and not ids:
        return {}
    return _answers(_rows(conn, _ANSWERS, ids))


def answers_to(
    conn: Connection, versions: Collection[str], parties: Collection[str] | None = None
) -> dict[str, Answer]:
    """The answers to these versions (by these parties only, if given), in record order."""
    if not versions or (parties is not None and not parties):
        return {}
    if parties is None:
        return _answers(conn.execute(_ANSWERS_TO, {"versions": sorted(versions)}))
    return _answers(conn.execute(_ANSWERS_BY, {"versions": sorted(versions), "parties": sorted(parties)}))


def _answers(rows: Any) -> dict[str, Answer]:
    return {
        r.id: Answer(
            r.id,
            r.version,
            PartyId(r.party),
            r.date,
            r.form,
            r.content,
            tuple(map(Position._make, json.loads(r.positions))),
            tuple(Proposal(label, text) for label, text in json.loads(r.proposals)),
            r.seq,
            tuple(_decision(d) for d in json.loads(r.alignment)),
            r.paragraphs,
            r.reading,
            r.media_type,
        )
        for r in rows
    }


def _decision(d: list[Any]) -> Decision:
    n, kind, points, position, text, was, was_position, by, delegate, seq = d
    return Decision(
        n, kind, tuple(points), position, text, tuple(was), was_position, PartyId(by), delegate, seq
    )


def _load_meetings(conn: Connection, ids: Collection[str] | None) -> dict[str, Meeting]:
    if ids is not None and not ids:
        return {}
    return {r.id: _meeting_of(r) for r in _rows(conn, _MEETINGS, ids)}


def _meeting_of(r: Any) -> Meeting:
    return Meeting(
        r.id,
        r.track,
        r.date,
        r.place,
        tuple(json.loads(r.delegates)),
        tuple(json.loads(r.tabled)),
        PartyId(r.by_party),
        r.seq,
    )


def _load_preconditions(conn: Connection, ids: Collection[str] | None) -> dict[str, Precondition]:
    if ids is not None and not ids:
        return {}
    return {r.id: _precondition_of(r) for r in _rows(conn, _PRECONDITIONS, ids)}


def _precondition_of(r: Any) -> Precondition:
    return Precondition(
        r.id,
        r.track,
        PartyId(r.by_party),
        r.text,
        r.version,
        r.date,
        tuple(PreconditionAct(a, PartyId(p), d, why, seq) for a, p, d, why, seq in json.loads(r.acts)),
        r.seq,
        bool(r.anticipated),
    )


def _load_documents(conn: Connection, ids: Collection[str] | None) -> dict[str, Document]:
    if ids is not None and not ids:
        return {}
    return {
        r.id: Document(r.id, r.track, PartyId(r.author), r.kind, r.versions, r.created_seq)
        for r in _rows(conn, _DOCUMENTS, ids)
    }


def _load_versions(conn: Connection, ids: Collection[str] | None) -> dict[str, Version]:
    if ids is not None and not ids:
        return {}
    return {
        r.id: Version(
            r.id,
            r.document,
            r.number,
            r.track,
            PartyId(r.author),
            r.kind,
            r.title,
            r.based_on,
            r.content,
            tuple((e, lab) for e, lab in json.loads(r.outline)),
            r.created_seq,
            r.audience,
            tuple(PartyId(p) for p in json.loads(r.audience_parties)),
        )
        for r in _rows(conn, _VERSIONS, ids)
    }


def _load_parties(conn: Connection, ids: Collection[str] | None) -> dict[PartyId, Party]:
    if ids is not None and not ids:
        return {}
    result = {}
    for row in _rows(conn, _PARTIES, ids):
        result[PartyId(row.id)] = Party(PartyId(row.id), row.name, row.kind, (), row.registered_seq)
    if not result:
        return result
    members: dict[str, list[PartyId]] = {}
    for row in _rows(conn, _MEMBERS, None if ids is None else list(result)):
        members.setdefault(row.party, []).append(PartyId(row.member))
    return {
        pid: replace(p, members=tuple(members.get(pid, ()))) if pid in members else p
        for pid, p in result.items()
    }


def _load_keys(conn: Connection, ids: Collection[str] | None) -> dict[str, Key]:
    if ids is not None and not ids:
        return {}
    return {
        r.key_id: Key(r.key_id, PartyId(r.party), r.public_key, r.added_seq, r.revoked_seq, r.revoked_reason)
        for r in _rows(conn, _KEYS, ids)
    }


def _load_processes(conn: Connection, ids: Collection[str] | None) -> dict[str, Process]:
    if ids is not None and not ids:
        return {}
    return {r.id: Process(r.id, r.title, r.created_seq) for r in _rows(conn, _PROCESSES, ids)}


def _load_tracks(conn: Connection, ids: Collection[str] | None) -> dict[str, Track]:
    if ids is not None and not ids:
        return {}
    rows = list(_rows(conn, _TRACKS, ids))
    if not rows:
        return {}
    parties: dict[str, list[PartyId]] = {}
    for row in _rows(conn, _TRACK_PARTIES, None if ids is None else [r.id for r in rows]):
        parties.setdefault(row.track, []).append(PartyId(row.party))
    return {
        r.id: Track(r.id, r.process, r.forum, tuple(parties.get(r.id, ())), r.created_seq, r.status, r.policy)
        for r in rows
    }


_INSERT = {table.name: insert(table) for table in t.metadata.sorted_tables}
_DELETE = {
    (table.name, column.name): delete(table).where(column == bindparam("key"))
    for table, column in (
        (t.parties, t.parties.c.id),
        (t.party_members, t.party_members.c.party),
        (t.keys, t.keys.c.key_id),
        (t.processes, t.processes.c.id),
        (t.tracks, t.tracks.c.id),
        (t.track_parties, t.track_parties.c.track),
        (t.documents, t.documents.c.id),
        (t.versions, t.versions.c.id),
        (t.handovers, t.handovers.c.id),
        (t.receipts, t.receipts.c.id),
        (t.answers, t.answers.c.id),
        (t.meetings, t.meetings.c.id),
        (t.preconditions, t.preconditions.c.id),
        (t.disclosures, t.disclosures.c.text),
        (t.instruments, t.instruments.c.id),
        (t.commitments, t.commitments.c.id),
        (t.statements, t.statements.c.id),
        (t.claims, t.claims.c.id),
    )
}


def _put(
    conn: Connection,
    table: Any,
    row: dict[str, Any],
    *,
    replacing: bool,
    children: tuple[Any, str, list[dict[str, Any]]] | None = None,
) -> None:
    """Write one entity's row (and its ordered child rows); an existing row is updated in place, so
    rows that refer to it stay valid."""
    key_column = table.primary_key.columns.values()[0]
    key = row[key_column.name]
    if replacing:
        conn.execute(update(table).where(key_column == key).values(**row))
        if children is not None:
            conn.execute(_DELETE[(children[0].name, children[1])], {"key": key})
    else:
        conn.execute(_INSERT[table.name], row)
    if children is not None and children[2]:
        conn.execute(_INSERT[children[0].name], children[2])


def write_changes(conn: Connection, before: State, after: State) -> None:
    """Upsert every entity that differs between two (possibly partial) states."""
    if (after.origin, after.log_vkey) != (before.origin, before.log_vkey) and after.origin and after.log_vkey:
        conn.execute(delete(t.log_meta))
        conn.execute(_INSERT["log_meta"], {"id": 1, "origin": after.origin, "log_vkey": after.log_vkey})
    # Registration order, so that members exist before an alliance names them.
    for pid, party in sorted(after.parties.items(), key=lambda kv: kv[1].registered_seq):
        if before.parties.get(pid) != party:
            members = [{"party": pid, "position": i, "member": m} for i, m in enumerate(party.members)]
            _put(
                conn,
                t.parties,
                {"id": pid, "name": party.name, "kind": party.kind, "registered_seq": party.registered_seq},
                replacing=pid in before.parties,
                children=(t.party_members, "party", members),
            )
    for kid, key in after.keys.items():
        if before.keys.get(kid) != key:
            _put(
                conn,
                t.keys,
                {
                    "key_id": kid,
                    "party": key.party,
                    "public_key": key.public_key,
                    "added_seq": key.added_seq,
                    "revoked_seq": key.revoked_seq,
                    "revoked_reason": key.revoked_reason,
                },
                replacing=kid in before.keys,
            )
    for prid, process in after.processes.items():
        if before.processes.get(prid) != process:
            _put(
                conn,
                t.processes,
                {"id": prid, "title": process.title, "created_seq": process.created_seq},
                replacing=prid in before.processes,
            )
    _write_tracks(conn, before, after)
    for did, doc in after.documents.items():
        if before.documents.get(did) != doc:
            _put(
                conn,
                t.documents,
                {
                    "id": did,
                    "track": doc.track,
                    "author": doc.author,
                    "kind": doc.kind,
                    "versions": doc.versions,
                    "created_seq": doc.created_seq,
                },
                replacing=did in before.documents,
            )
    for vid, v in after.versions.items():
        if before.versions.get(vid) != v:
            _put(
                conn,
                t.versions,
                {
                    "id": vid,
                    "document": v.document,
                    "number": v.number,
                    "track": v.track,
                    "author": v.author,
                    "kind": v.kind,
                    "title": v.title,
                    "based_on": v.based_on,
                    "content": v.content,
                    "outline": json.dumps([list(p) for p in v.outline]),
                    "created_seq": v.created_seq,
                    "audience": v.audience,
                    "audience_parties": json.dumps(list(v.audience_parties)),
                },
                replacing=vid in before.versions,
            )
    _write_acts(conn, before, after)
    _write_disclosure(conn, before, after)
    _write_changed(conn, t.instruments, before.instruments, after.instruments, rr.instrument_row)
    _write_changed(conn, t.commitments, before.commitments, after.commitments, rr.commitment_row)
    _write_changed(conn, t.statements, before.statements, after.statements, rr.statement_row)
    _write_changed(conn, t.claims, before.claims, after.claims, rr.claim_row)


def _write_changed(
    conn: Connection,
    table: Any,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    to_row: Callable[[Any], Row],
) -> None:
    """Write the entities of one kind that differ between two (possibly partial) states."""
    for key, entity in after.items():
        if before.get(key) != entity:
            _put(conn, table, to_row(entity), replacing=key in before)


def _handover_row(h: Handover) -> Row:
    return {
        "id": h.id,
        "version": h.version,
        "track": h.track,
        "by_party": h.by,
        "recipients": json.dumps(list(h.to)),
        "date": h.date,
        "due": h.due,
        "point_by_point": h.point_by_point,
        "meeting": h.meeting,
        "seq": h.seq,
    }


def _receipt_row(r: Receipt) -> Row:
    return {
        "id": r.id,
        "version": r.version,
        "handover": r.handover,
        "party": r.party,
        "date": r.date,
        "delegate": r.delegate,
        "seq": r.seq,
    }


def _answer_row(a: Answer) -> Row:
    return {
        "id": a.id,
        "version": a.version,
        "party": a.party,
        "date": a.date,
        "form": a.form,
        "content": a.content,
        "positions": json.dumps([[p.eid, p.position, p.text, p.reason] for p in a.positions]),
        "proposals": json.dumps([[p.label, p.text] for p in a.proposals]),
        "seq": a.seq,
        "alignment": json.dumps(
            [
                [
                    *(d.paragraph, d.decision, list(d.points), d.position, d.text),
                    *(list(d.suggested_points), d.suggested_position, d.by, d.delegate, d.seq),
                ]
                for d in a.alignment
            ]
        ),
        "paragraphs": a.paragraphs,
        "reading": a.reading,
        "media_type": a.media_type,
    }


def _meeting_row(m: Meeting) -> Row:
    return {
        "id": m.id,
        "track": m.track,
        "date": m.date,
        "place": m.place,
        "delegates": json.dumps(list(m.delegates)),
        "tabled": json.dumps(list(m.tabled)),
        "by_party": m.by,
        "seq": m.seq,
    }


def _precondition_row(p: Precondition) -> Row:
    return {
        "id": p.id,
        "track": p.track,
        "by_party": p.by,
        "text": p.text,
        "version": p.version,
        "date": p.date,
        "anticipated": p.anticipated,
        "acts": json.dumps([[a.act, a.party, a.date, a.reason, a.seq] for a in p.acts]),
        "seq": p.seq,
    }


def _disclosure_row(story: Disclosure) -> Row:
    publications = [
        [p.by, list(p.points), p.date, p.elsewhere, p.publisher, p.source, p.over_objection, p.seq]
        for p in story.publications
    ]
    return {
        "text": story.text,
        "owner": story.owner,
        "acts": json.dumps([[a.kind, a.party, a.date, a.reason, a.until, a.seq] for a in story.acts]),
        "publications": json.dumps(publications),
    }


def _write_acts(conn: Connection, before: State, after: State) -> None:
    """Hand-overs, receipts, answers, meetings and preconditions that an event added or changed."""
    _write_changed(conn, t.handovers, before.handovers, after.handovers, _handover_row)
    _write_changed(conn, t.receipts, before.receipts, after.receipts, _receipt_row)
    _write_changed(conn, t.answers, before.answers, after.answers, _answer_row)
    _write_changed(conn, t.meetings, before.meetings, after.meetings, _meeting_row)
    _write_changed(conn, t.preconditions, before.preconditions, after.preconditions, _precondition_row)


def _write_disclosure(conn: Connection, before: State, after: State) -> None:
    """Delegates (keyed by party and id) and disclosure stories an event added or changed."""
    for key, d in after.delegates.items():
        if before.delegates.get(key) != d:
            was = key in before.delegates
            if was:
                conn.execute(
                    delete(t.delegates).where(t.delegates.c.party == d.party, t.delegates.c.id == d.id)
                )
            conn.execute(
                _INSERT["delegates"],
                {
                    "party": d.party,
                    "id": d.id,
                    "name": d.name,
                    "title": d.title,
                    "roles": json.dumps(list(d.roles)),
                    "added_seq": d.added_seq,
                    "removed_seq": d.removed_seq,
                },
            )
    _write_changed(conn, t.disclosures, before.disclosures, after.disclosures, _disclosure_row)


def _write_tracks(conn: Connection, before: State, after: State) -> None:
    for tid, track in after.tracks.items():
        if before.tracks.get(tid) != track:
            parties = [{"track": tid, "position": i, "party": p} for i, p in enumerate(track.parties)]
            _put(
                conn,
                t.tracks,
                {
                    "id": tid,
                    "process": track.process,
                    "forum": track.forum,
                    "status": track.status,
                    "created_seq": track.created_seq,
                    "policy": track.policy,
                },
                replacing=tid in before.tracks,
                children=(t.track_parties, "track", parties),
            )


def replace_all(conn: Connection, state: State) -> None:
    """Empty every projection table and write `state` (the rebuild path)."""
    for table in t.PROJECTION_TABLES:
        conn.execute(delete(table))
    write_changes(conn, State(), state)


# ---- pages of the lists (bounded queries: keyset order, SQL LIMIT) --------------------------------


def meetings_page(
    conn: Connection, tracks: Collection[str], after: tuple[str, int, str] | None, limit: int
) -> list[Meeting]:
    """Up to `limit` meetings on `tracks` in (date, seq, id) order, those after the key `after`."""
    if not tracks:
        return []
    m = t.meetings
    query = select(m).where(m.c.track.in_(sorted(tracks)))
    if after is not None:
        day, seq, mid = after
        query = query.where(
            or_(
                m.c.date > day,
                and_(m.c.date == day, or_(m.c.seq > seq, and_(m.c.seq == seq, m.c.id > mid))),
            )
        )
    query = query.order_by(m.c.date, m.c.seq, m.c.id).limit(limit)
    return [_meeting_of(r) for r in conn.execute(query)]


def preconditions_page(
    conn: Connection, tracks: Collection[str], after: tuple[int, str] | None, limit: int
) -> list[Precondition]:
    """Up to `limit` preconditions on `tracks` in record (seq, id) order, those after the key `after`."""
    if not tracks:
        return []
    p = t.preconditions
    query = select(p).where(p.c.track.in_(sorted(tracks)))
    if after is not None:
        seq, pid = after
        query = query.where(or_(p.c.seq > seq, and_(p.c.seq == seq, p.c.id > pid)))
    query = query.order_by(p.c.seq, p.c.id).limit(limit)
    return [_precondition_of(r) for r in conn.execute(query)]


def commitments_page(
    conn: Connection,
    after: tuple[int, str] | None,
    limit: int,
    *,
    instrument: str | None = None,
    ids: Collection[str] | None = None,
) -> list[Commitment]:
    """Up to `limit` commitments in record (seq, id) order after the key `after` (of one instrument,
    or among `ids`, if given); who may see them is for the caller to decide."""
    c = t.commitments
    query = select(c)
    if instrument is not None:
        query = query.where(c.c.instrument == instrument)
    if ids is not None:
        query = query.where(c.c.id.in_(sorted(ids)))
    if after is not None:
        seq, cid = after
        query = query.where(or_(c.c.seq > seq, and_(c.c.seq == seq, c.c.id > cid)))
    query = query.order_by(c.c.seq, c.c.id).limit(limit)
    return [rr.commitment_of(r) for r in conn.execute(query)]


def claims_of(conn: Connection, commitments: Collection[str]) -> list[Claim]:
    """The claims about these commitments, in record order."""
    if not commitments:
        return []
    query = select(t.claims).where(t.claims.c.commitment.in_(sorted(commitments))).order_by(t.claims.c.seq)
    return [rr.claim_of(r) for r in conn.execute(query)]


def track_ids(conn: Connection, track: str | None = None) -> frozenset[str]:
    """Every track's id (or `track`'s, if it exists)."""
    query = select(t.tracks.c.id)
    if track is not None:
        query = query.where(t.tracks.c.id == track)
    return frozenset(conn.execute(query).scalars())


def next_number(conn: Connection, column: Any, prefix: str, *where: Any) -> int:
    """A number N for a new id `prefix`N in `column` (rows matching `where`) that no row has taken:
    1 + the number of the newest such id (by seq, through an index: a few rows read), or, should that
    one be taken already (ids recorded out of order), 1 + the greatest number taken."""
    seq = column.table.c.seq
    newest = conn.execute(
        select(column).where(column.startswith(prefix, autoescape=True), *where).order_by(seq.desc()).limit(1)
    ).scalar()
    if newest is None:
        return 1
    rest = newest[len(prefix) :] if newest.startswith(prefix) else ""
    if rest.isdigit() and not rest.startswith("0"):
        candidate = int(rest) + 1
        if conn.execute(select(column).where(column == f"{prefix}{candidate}")).first() is None:
            return candidate
    return _greatest_number(conn, column, prefix, *where) + 1


def _greatest_number(conn: Connection, column: Any, prefix: str, *where: Any) -> int:
    """The greatest N of the ids `prefix`N (0 if none): reads the ids longest first, then greatest
    first, and stops at the first that is a number written without leading zeros."""
    query = select(column).where(column.startswith(prefix, autoescape=True), *where)
    query = query.order_by(func.length(column).desc(), column.desc())
    found = 0
    for taken in conn.execute(query).scalars():
        rest = taken[len(prefix) :] if taken.startswith(prefix) else ""
        if rest.isdigit():
            found = max(found, int(rest))
            if not rest.startswith("0"):
                break
    return found
