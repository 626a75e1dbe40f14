"""Rows of the register tables (instruments, commitments, statements, claims) <-> domain values.

Each row keeps the entity as JSON beside the columns it is found by; reading it back gives a value
equal to the one written, so `log verify` can compare projections with a fold of the log.
"""

from __future__ import annotations

import json
from typing import Any

from inwriting.domain.events import PartyId
from inwriting.domain.register import Claim, ClaimAct, Commitment, Instrument, InstrumentAct, Statement

Row = dict[str, Any]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def instrument_row(i: Instrument) -> Row:
    data = {
        "kind": i.kind,
        "title": i.title,
        "sources": list(i.sources),
        "parties": list(i.parties),
        "content": i.content,
        "outline": [list(p) for p in i.outline],
        "ratification": i.ratification,
        "required": i.required,
        "obligors": [[eid, list(parties)] for eid, parties in i.obligors],
        "by": i.by,
        "date": i.date,
        "in_force": i.in_force,
        "acts": [
            [a.act, a.party, a.date, a.seq, a.signatory, a.place, a.point, a.text, a.key_id, a.signature]
            for a in i.acts
        ],
    }
    return {"id": i.id, "track": i.track, "kind": i.kind, "seq": i.seq, "data": _dump(data)}


def instrument_of(row: Any) -> Instrument:
    d = json.loads(row.data)
    return Instrument(
        row.id,
        d["kind"],
        d["title"],
        row.track,
        tuple(d["sources"]),
        tuple(PartyId(p) for p in d["parties"]),
        d["content"],
        tuple((eid, label) for eid, label in d["outline"]),
        d["ratification"],
        d["required"],
        tuple((eid, tuple(PartyId(p) for p in parties)) for eid, parties in d["obligors"]),
        PartyId(d["by"]),
        d["date"],
        row.seq,
        tuple(
            InstrumentAct(act, PartyId(party), day, seq, signatory, place, point, text, key_id, signature)
            for act, party, day, seq, signatory, place, point, text, key_id, signature in d["acts"]
        ),
        d["in_force"],
    )


def commitment_row(c: Commitment) -> Row:
    data = {
        "obligor": c.obligor,
        "beneficiaries": list(c.beneficiaries),
        "text": c.text,
        "form": c.form,
        "source_kind": c.source_kind,
        "source": c.source,
        "date": c.date,
        "by": c.by,
        "point": c.point,
        "offer": c.offer,
        "statement": c.statement,
        "meeting": c.meeting,
        "public": c.public,
        "declined": list(c.declined) if c.declined else None,
        "ended": list(c.ended) if c.ended else None,
        "suspended": c.suspended,
    }
    return {
        "id": c.id,
        "obligor": c.obligor,
        "instrument": c.instrument,
        "track": c.track,
        "seq": c.seq,
        "data": _dump(data),
    }


def commitment_of(row: Any) -> Commitment:
    d = json.loads(row.data)
    declined = d["declined"]
    ended = d["ended"]
    return Commitment(
        row.id,
        PartyId(d["obligor"]),
        tuple(PartyId(p) for p in d["beneficiaries"]),
        d["text"],
        d["form"],
        d["source_kind"],
        d["source"],
        d["date"],
        PartyId(d["by"]),
        row.seq,
        track=row.track,
        instrument=row.instrument,
        point=d["point"],
        offer=d["offer"],
        statement=d["statement"],
        meeting=d["meeting"],
        public=d["public"],
        declined=None if declined is None else (PartyId(declined[0]), declined[1], declined[2], declined[3]),
        ended=None if ended is None else (ended[0], ended[1], ended[2]),
        suspended=d["suspended"],
    )


def statement_row(s: Statement) -> Row:
    data = {
        "speaker": s.speaker,
        "date": s.date,
        "medium": s.medium,
        "source": s.source,
        "quote": s.quote,
        "points": list(s.points),
        "by": s.by,
        "track": s.track,
    }
    return {"id": s.id, "party": s.party, "seq": s.seq, "data": _dump(data)}


def statement_of(row: Any) -> Statement:
    d = json.loads(row.data)
    return Statement(
        row.id,
        d["speaker"],
        PartyId(row.party),
        d["date"],
        d["medium"],
        d["source"],
        d["quote"],
        tuple(d["points"]),
        PartyId(d["by"]),
        row.seq,
        d.get("track"),
    )


def claim_row(c: Claim) -> Row:
    data = {
        "by": c.by,
        "date": c.date,
        "text": c.text,
        "evidence": list(c.evidence),
        "obligor": c.obligor,
        "acts": [[a.kind, a.value, a.party, a.date, a.text, a.seq] for a in c.acts],
    }
    return {"id": c.id, "commitment": c.commitment, "seq": c.seq, "data": _dump(data)}


def claim_of(row: Any) -> Claim:
    d = json.loads(row.data)
    return Claim(
        row.id,
        row.commitment,
        PartyId(d["by"]),
        d["date"],
        d["text"],
        tuple(d["evidence"]),
        row.seq,
        tuple(
            ClaimAct(kind, value, PartyId(party), day, text, seq)
            for kind, value, party, day, text, seq in d["acts"]
        ),
        PartyId(d["obligor"]),
    )
