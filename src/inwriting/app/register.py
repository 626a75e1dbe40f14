"""Use cases for the commitment register: record commitments (and offers) from what was said or
written, public statements, and claims that a commitment was broken, with their answers and findings;
list them as a party may see them, each commitment with its text and where it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select

from inwriting.app.context import App
from inwriting.app.negotiation import today
from inwriting.app.recorder import Recorded, record_in
from inwriting.domain import events as ev
from inwriting.domain.access import sees_claim, sees_commitment
from inwriting.domain.commitments import check_when
from inwriting.domain.events import EventType, PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import State
from inwriting.domain.register import Claim, Commitment, Statement, compliance
from inwriting.errors import InvalidInput, NotFound
from inwriting.record import instrument as inst
from inwriting.storage import projections as pj
from inwriting.storage import schema as t
from inwriting.storage import store as st
from inwriting.storage.projections import load_state


def _when(app: App, value: str | None, *, what: str = "date") -> str:
    if value is None:
        return today(app)
    check_when(value, what=what)
    if value[: len(today(app))] > today(app)[: len(value)]:
        raise InvalidInput(f"{what} {value} is in the future; record what has happened")
    return value


def _next_id(conn: Connection, column: Any, prefix: str) -> str:
    return f"{prefix}{pj.next_number(conn, column, prefix)}"


def _actor(as_party: str | None) -> PartyId:
    return PartyId(as_party) if as_party else ev.OPERATOR


def record_commitment(
    app: App,
    *,
    party: str,
    to: Sequence[str],
    text: str,
    form: str,
    source: str,
    source_kind: str = "other",
    date: str | None = None,
    as_party: str | None = None,
    offer: str | None = None,
    statement: str | None = None,
    meeting: str | None = None,
    public: bool | None = None,
    track: str | None = None,
    delegate: str | None = None,
) -> tuple[str, Recorded]:
    """Record what `party` undertook (or offered) toward `to`, as said or written, and where.

    Recorded by `as_party` (default: the operator). A commitment taken from a public statement is
    public unless told otherwise."""
    when = _when(app, date)
    if statement is not None:
        source_kind = "statement"
    if meeting is not None:
        source_kind = "meeting"
    with app.store.write() as writer:
        cid = _next_id(writer.conn, t.commitments.c.id, f"{_actor(as_party)}/commitment/")
        if track is None and meeting is not None:
            track = meeting.rsplit("/", 1)[0]
        body = {
            "commitment": cid,
            "obligor": party,
            "beneficiaries": list(to),
            "text": text,
            "form": form,
            "source_kind": source_kind,
            "source": source,
            "date": when,
            "offer": offer,
            "statement": statement,
            "meeting": meeting,
            "public": statement is not None if public is None else public,
        }
        recorded = record_in(
            app, writer, _actor(as_party), ev.COMMITMENT_RECORDED, body, track=track, delegate=delegate
        )
    return cid, recorded


def _commitment_act(
    app: App,
    commitment: str,
    type_: EventType,
    *,
    as_party: str,
    date: str | None,
    delegate: str | None,
    **fields: Any,
) -> Recorded:
    when = _when(app, date)
    party = PartyId(as_party)
    with app.store.write() as writer:
        state = writer.load(Refs(commitments=frozenset({commitment})))
        found = state.commitments.get(commitment)
        if found is None or not sees_commitment(state, party, found):
            raise NotFound(f"commitment {commitment} does not exist")
        body = {"commitment": commitment, "instrument": found.instrument, "date": when, **fields}
        return record_in(app, writer, party, type_, body, track=found.track, delegate=delegate)


def decline(
    app: App,
    commitment: str,
    *,
    as_party: str,
    reason: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """A party the offer was made to declines it."""
    return _commitment_act(
        app,
        commitment,
        ev.COMMITMENT_DECLINED,
        as_party=as_party,
        date=date,
        delegate=delegate,
        reason=reason,
    )


def withdraw(
    app: App,
    commitment: str,
    *,
    as_party: str,
    reason: str,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """The obligor withdraws its commitment or offer (an instrument's: withdraw from the instrument)."""
    return _commitment_act(
        app,
        commitment,
        ev.COMMITMENT_WITHDRAWN,
        as_party=as_party,
        date=date,
        delegate=delegate,
        reason=reason,
    )


def record_statement(
    app: App,
    *,
    speaker: str,
    party: str,
    date: str,
    medium: str,
    source: str,
    quote: str,
    points: Sequence[str] = (),
    as_party: str | None = None,
    track: str | None = None,
    delegate: str | None = None,
) -> tuple[str, Recorded]:
    """What an official of `party` said publicly, quoted from `source`; `points` are VERSION#eid."""
    when = _when(app, date)
    with app.store.write() as writer:
        sid = _next_id(writer.conn, t.statements.c.id, f"{party}/statement/")
        body = {
            "statement": sid,
            "speaker": speaker,
            "party": party,
            "date": when,
            "medium": medium,
            "source": source,
            "quote": quote,
            "points": list(points),
        }
        recorded = record_in(
            app, writer, _actor(as_party), ev.STATEMENT_RECORDED, body, track=track, delegate=delegate
        )
    return sid, recorded


def file_claim(
    app: App,
    commitment: str,
    *,
    as_party: str,
    text: str,
    evidence: Sequence[str],
    date: str | None = None,
    delegate: str | None = None,
) -> tuple[str, Recorded]:
    """`as_party` claims that `commitment` was broken, with its evidence."""
    when = _when(app, date)
    party = PartyId(as_party)
    with app.store.write() as writer:
        state = writer.load(Refs(commitments=frozenset({commitment})))
        found = state.commitments.get(commitment)
        if found is None or not sees_commitment(state, party, found):
            raise NotFound(f"commitment {commitment} does not exist")
        cid = _next_id(writer.conn, t.claims.c.id, f"{party}/claim/")
        body = {
            "claim": cid,
            "commitment": commitment,
            "instrument": found.instrument,
            "date": when,
            "text": text,
            "evidence": list(evidence),
        }
        return cid, record_in(app, writer, party, ev.CLAIM_FILED, body, track=found.track, delegate=delegate)


def _claim_act(
    app: App,
    claim: str,
    type_: EventType,
    *,
    as_party: str,
    date: str | None,
    delegate: str | None,
    **fields: Any,
) -> Recorded:
    when = _when(app, date)
    party = PartyId(as_party)
    with app.store.write() as writer:
        state = writer.load(Refs(claims=frozenset({claim})))
        found = state.claims.get(claim)
        if found is None or not sees_claim(state, party, found):
            raise NotFound(f"claim {claim} does not exist")
        commitment = state.commitments[found.commitment]
        body = {
            "claim": claim,
            "commitment": found.commitment,
            "instrument": commitment.instrument,
            "date": when,
            **fields,
        }
        return record_in(app, writer, party, type_, body, track=commitment.track, delegate=delegate)


def answer_claim(
    app: App,
    claim: str,
    *,
    as_party: str,
    answer: str,
    text: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """The obligor admits, denies or explains."""
    return _claim_act(
        app,
        claim,
        ev.CLAIM_ANSWERED,
        as_party=as_party,
        date=date,
        delegate=delegate,
        answer=answer,
        text=text,
    )


def assess_claim(
    app: App,
    claim: str,
    *,
    as_party: str,
    finding: str,
    text: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """A party's finding on a claim: kept, broken or no-action."""
    return _claim_act(
        app,
        claim,
        ev.CLAIM_ASSESSED,
        as_party=as_party,
        date=date,
        delegate=delegate,
        finding=finding,
        text=text,
    )


def withdraw_claim(
    app: App,
    claim: str,
    *,
    as_party: str,
    text: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    return _claim_act(
        app, claim, ev.CLAIM_WITHDRAWN, as_party=as_party, date=date, delegate=delegate, text=text
    )


# ---- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentView:
    """A commitment with its text (an instrument point's, read from the signed text), its claims and
    where it stands: its own state, then what the claims say."""

    commitment: Commitment
    text: str
    claims: tuple[Claim, ...]

    @property
    def status(self) -> str:
        own = self.commitment.state
        if own != "in effect":
            return own
        return compliance(list(self.claims)) or "in effect"

    def to_json(self) -> dict[str, Any]:
        c = self.commitment
        return {
            "id": c.id,
            "obligor": c.obligor,
            "beneficiaries": list(c.beneficiaries),
            "text": self.text,
            "form": c.form,
            "source_kind": c.source_kind,
            "source": c.source,
            "date": c.date,
            "recorded_by": c.by,
            "instrument": c.instrument,
            "point": c.point,
            "offer": c.offer,
            "statement": c.statement,
            "meeting": c.meeting,
            "public": c.public,
            "state": c.state,
            "status": self.status,
            "declined": None
            if c.declined is None
            else {"by": c.declined[0], "date": c.declined[1], "reason": c.declined[2]},
            "ended": None if c.ended is None else {"date": c.ended[0], "reason": c.ended[1]},
            "suspended": c.suspended,
            "claims": [claim_json(x) for x in self.claims],
        }


def claim_json(c: Claim) -> dict[str, Any]:
    return {
        "id": c.id,
        "commitment": c.commitment,
        "by": c.by,
        "date": c.date,
        "text": c.text,
        "evidence": list(c.evidence),
        "status": c.status,
        "acts": [
            {"kind": a.kind, "value": a.value, "party": a.party, "date": a.date, "text": a.text}
            for a in c.acts
        ],
    }


def statement_json(s: Statement) -> dict[str, Any]:
    return {
        "id": s.id,
        "speaker": s.speaker,
        "party": s.party,
        "date": s.date,
        "medium": s.medium,
        "source": s.source,
        "quote": s.quote,
        "points": list(s.points),
    }


def _everything(conn: Connection) -> State:
    """Commitments, claims, statements and what deciding who sees them needs."""
    return load_state(conn)


def commitments(
    app: App,
    *,
    viewer: PartyId | None = None,
    party: str | None = None,
    instrument: str | None = None,
) -> list[CommitmentView]:
    """The register as `viewer` may see it; `party` keeps the commitments it made or received."""
    with app.store.read() as conn:
        state = _everything(conn)
        texts: dict[str, inst.InstrumentText] = {}
        for iid, found in state.instruments.items():
            stored = st.blob(conn, found.content)
            if stored is not None:
                texts[iid] = inst.read_text(stored[1])
    views = []
    for c in sorted(state.commitments.values(), key=lambda c: (c.seq, c.id)):
        if not sees_commitment(state, viewer, c):
            continue
        if party is not None and party != c.obligor and party not in c.beneficiaries:
            continue
        if instrument is not None and c.instrument != instrument:
            continue
        text = c.text
        if text is None:
            found_text = texts.get(str(c.instrument))
            text = "" if found_text is None else found_text.full_text(str(c.point))
        claims = tuple(
            sorted((x for x in state.claims.values() if x.commitment == c.id), key=lambda x: x.seq)
        )
        views.append(CommitmentView(c, text, claims))
    return views


def _views(conn: Connection, found: Sequence[Commitment], viewer: PartyId | None) -> list[CommitmentView]:
    """The views of those of `found` (record order) that `viewer` may see, reading only what deciding
    that needs: their instruments (with the instruments' sources, the sources' tracks and hand-overs),
    their parties, their claims, and the texts of the instruments whose points they are."""
    if not found:
        return []
    claimed = pj.claims_of(conn, [c.id for c in found])
    refs = Refs(  # sees_commitment reads the instrument and the parties (with their members)
        instruments=frozenset(c.instrument for c in found if c.instrument is not None),
        parties=frozenset(p for c in found for p in (c.obligor, *c.beneficiaries)),
    )
    state = load_state(conn, refs)
    tracks = {v.track for v in state.versions.values()} - set(state.tracks)
    if tracks:  # who sees a source version may depend on its track's parties
        state = load_state(conn, replace(refs, tracks=frozenset(tracks)))
    seen = [c for c in found if sees_commitment(state, viewer, c)]
    texts: dict[str, inst.InstrumentText] = {}
    for iid in sorted({str(c.instrument) for c in seen if c.text is None and c.instrument is not None}):
        instrument = state.instruments.get(iid)
        stored = None if instrument is None else st.blob(conn, instrument.content)
        if stored is not None:
            texts[iid] = inst.read_text(stored[1])
    views = []
    for c in seen:
        text = c.text
        if text is None:
            found_text = texts.get(str(c.instrument))
            text = "" if found_text is None else found_text.full_text(str(c.point))
        views.append(CommitmentView(c, text, tuple(x for x in claimed if x.commitment == c.id)))
    return views


def commitments_page(
    app: App,
    *,
    viewer: PartyId | None = None,
    party: str | None = None,
    instrument: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> tuple[list[CommitmentView], str | None]:
    """A page of the register as `viewer` may see it (record order, oldest first, after the cursor
    `after`; `party` keeps those it made or received), and the cursor of the next page (None on the
    last). Rows are read in batches of the page's size and filtered as `commitments` filters them,
    until the page is full: a page never holds what the viewer may not see, and every page but the
    last is full."""
    if not 1 <= limit <= 1000:
        raise InvalidInput(f"a page holds 1 to 1000 items, not {limit}")
    key = None
    if after is not None:
        seq, sep, cid = after.partition("~")
        if not (seq.isdigit() and sep and cid):
            raise InvalidInput(f"{after!r} is not a cursor of commitments: pass the previous page's `next`")
        key = (int(seq), cid)
    views: list[CommitmentView] = []
    batch = limit + 1
    with app.store.read() as conn:
        while len(views) <= limit:
            rows = pj.commitments_page(conn, key, batch, instrument=instrument)
            if not rows:
                break
            key = (rows[-1].seq, rows[-1].id)
            mine = [c for c in rows if party is None or party == c.obligor or party in c.beneficiaries]
            views.extend(_views(conn, mine, viewer))
            if len(rows) < batch:
                break
    if len(views) <= limit:
        return views, None
    last = views[limit - 1].commitment
    return views[:limit], f"{last.seq}~{last.id}"


def commitment(app: App, cid: str, *, viewer: PartyId | None = None) -> CommitmentView:
    with app.store.read() as conn:
        found = _views(conn, pj.commitments_page(conn, None, 1, ids=[cid]), viewer)
    if not found:
        raise NotFound(f"commitment {cid} does not exist")
    return found[0]


def statements(app: App, *, party: str | None = None) -> list[Statement]:
    """Statements are public: everyone sees them all."""
    with app.store.read() as conn:
        state = load_state(
            conn, Refs(statements=frozenset(conn.execute(select(t.statements.c.id)).scalars()))
        )
    found = sorted(state.statements.values(), key=lambda s: s.seq)
    return [s for s in found if party is None or s.party == party]


def claims(app: App, *, viewer: PartyId | None = None, commitment: str | None = None) -> list[Claim]:
    with app.store.read() as conn:
        state = _everything(conn)
    found = [c for c in state.claims.values() if sees_claim(state, viewer, c)]
    return sorted((c for c in found if commitment is None or c.commitment == commitment), key=lambda c: c.seq)
