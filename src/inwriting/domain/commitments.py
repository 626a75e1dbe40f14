"""Rules for the commitment register: commitments recorded from what was said or written (offers
that stand or were declined among them), public statements, and claims that a commitment was broken.

Dates of what was said long ago are often known only to the month or year ("2018-06"), so these
records take YYYY, YYYY-MM or YYYY-MM-DD; such a date is never after the day the event was signed,
and an answer never predates what it answers, as far as the dates tell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from inwriting.domain import events as ev
from inwriting.domain.access import ALL, reaches, sees_claim, sees_commitment, sees_version
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import State
from inwriting.domain.register import (
    CLAIM_ANSWERS,
    FINDINGS,
    FORMS,
    OFFERS,
    SOURCE_KINDS,
    Claim,
    ClaimAct,
    Commitment,
    Statement,
)
from inwriting.domain.text import check_text
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused

_WHEN = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_NUMBER = re.compile(r"^[1-9][0-9]{0,5}$")
NOBODY = PartyId("")  # a viewer with no standing: sees only what is public


def check_when(value: object, *, what: str = "date") -> str:
    """A date known to the day, the month or the year: YYYY-MM-DD, YYYY-MM or YYYY."""
    if not isinstance(value, str) or not _WHEN.match(value):
        raise InvalidInput(f"{what} must be written YYYY-MM-DD, YYYY-MM or YYYY; got {value!r}")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise InvalidInput(f"{what} {value} is not a real date") from exc
    return value


def not_before(later: str, earlier: str) -> bool:
    """False only when the dates show `later` to be before `earlier` ("2018" is not before "2018-06")."""
    n = min(len(later), len(earlier))
    return later[:n] >= earlier[:n]


def _when(event: Event, name: str = "date", *, what: str = "date") -> str:
    when = check_when(event.body.get(name), what=what)
    if not not_before(event.time[:10], when):
        raise InvalidInput(f"{what} {when} is after the day the event was signed ({event.time[:10]})")
    return when


def _str(event: Event, name: str) -> str:
    value = event.body.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text")
    return value


def _optional(event: Event, name: str, *, what: str, max_len: int = 5000) -> str | None:
    value = event.body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text or null")
    return check_text(value, what=what, multiline=True, max_len=max_len) or None


def _strs(event: Event, name: str) -> list[str]:
    value = event.body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{event.type}: body.{name} must be a list of texts")
    return list(value)


def _new_id(existing: object, event: Event, name: str, prefix: str) -> str:
    value = _str(event, name)
    if not (value.startswith(prefix) and _NUMBER.match(value[len(prefix) :])):
        raise InvalidInput(f"{name} id {value!r} must be {prefix!r} followed by a number")
    if value in existing:  # type: ignore[operator]
        raise Conflict(f"{value} already exists")
    return value


def _party(state: State, value: str, *, what: str) -> PartyId:
    if value not in state.parties:
        raise NotFound(f"{what} {value} is not a registered party")
    return PartyId(value)


def _track(state: State, event: Event) -> str | None:
    if event.track is None:
        return None
    track = state.tracks.get(event.track)
    actor = event.actor.party
    if track is None or (actor != ev.OPERATOR and not any(reaches(state, p, actor) for p in track.parties)):
        raise NotFound(f"track {event.track} does not exist")
    return track.id


def _commitment_recorded(state: State, event: Event) -> State:
    obligor = _party(state, _str(event, "obligor"), what="obligor")
    # numbered per recorder: an id must tell nothing of what others recorded
    cid = _new_id(state.commitments, event, "commitment", f"{event.actor.party}/commitment/")
    beneficiaries = tuple(_party(state, p, what="beneficiary") for p in _strs(event, "beneficiaries"))
    if not beneficiaries:
        raise InvalidInput("a commitment is made toward at least one other party (a beneficiary)")
    if len(set(beneficiaries)) != len(beneficiaries) or obligor in beneficiaries:
        raise InvalidInput("beneficiaries are other parties than the obligor, each named once")
    text = check_text(_str(event, "text"), what="commitment text", multiline=True, max_len=20_000)
    if not text:
        raise InvalidInput("a commitment needs its text: what was undertaken, as said or written")
    form = _str(event, "form")
    if form not in FORMS:
        raise InvalidInput(f"form must be one of {', '.join(FORMS)}; got {form!r}")
    if form in ("signed", "binding") and event.actor.party not in (obligor, ev.OPERATOR):
        raise Refused(
            f"only {obligor} (or the operator) records a {form} commitment of {obligor}; another party"
            " records what it heard or read (spoken or written)"
        )
    source_kind = _str(event, "source_kind")
    if source_kind not in SOURCE_KINDS or source_kind == "instrument":
        kinds = ", ".join(k for k in SOURCE_KINDS if k != "instrument")
        raise InvalidInput(f"source kind must be one of {kinds} (an instrument's commitments come from it)")
    source = check_text(_str(event, "source"), what="source", max_len=2000)
    if not source:
        raise InvalidInput("say where the commitment can be read or heard (a URL or a citation)")
    offer = event.body.get("offer")
    if offer is not None and offer not in OFFERS:
        raise InvalidInput(f"offer must be one of {', '.join(OFFERS)} or null; got {offer!r}")
    public = event.body.get("public", False)
    if not isinstance(public, bool):
        raise InvalidInput("public must be true or false")
    statement = event.body.get("statement")
    if statement is not None:
        found = state.statements.get(str(statement))
        if found is None:
            raise NotFound(f"statement {statement} does not exist")
        if found.party != obligor:
            raise Refused(f"statement {statement} was made for {found.party}, not for {obligor}")
    meeting = event.body.get("meeting")
    if meeting is not None:
        held = state.meetings.get(str(meeting))
        track = state.tracks.get(held.track) if held else None
        actor = event.actor.party
        if held is None or (
            actor != ev.OPERATOR
            and (track is None or not any(reaches(state, p, actor) for p in track.parties))
        ):
            raise NotFound(f"meeting {meeting} does not exist")
    commitment = Commitment(
        cid,
        obligor,
        beneficiaries,
        text,
        form,
        source_kind,
        source,
        _when(event),
        event.actor.party,
        event.seq,
        track=_track(state, event),
        offer=None if offer is None else str(offer),
        statement=None if statement is None else str(statement),
        meeting=None if meeting is None else str(meeting),
        public=public,
    )
    return replace(state, commitments=state.commitments.set(cid, commitment))


def _commitment(state: State, event: Event) -> Commitment:
    cid = _str(event, "commitment")
    found = state.commitments.get(cid)
    if found is None or not sees_commitment(state, event.actor.party, found):
        raise NotFound(f"commitment {cid} does not exist")
    return found


def _commitment_declined(state: State, event: Event) -> State:
    commitment = _commitment(state, event)
    party = event.actor.party
    if party not in commitment.beneficiaries:
        raise Refused(
            f"only a party the offer was made to ({', '.join(commitment.beneficiaries)}) declines it"
        )
    if commitment.offer is None:
        raise Refused(f"{commitment.id} is an undertaking, not an offer; there is nothing to decline")
    if commitment.declined is not None or commitment.ended is not None:
        raise Conflict(f"{commitment.id} is already {commitment.state}")
    when = _when(event)
    if not not_before(when, commitment.date):
        raise InvalidInput(f"the offer cannot be declined ({when}) before it was made ({commitment.date})")
    reason = _optional(event, "reason", what="reason")
    done = replace(commitment, declined=(party, when, reason, event.seq))
    return replace(state, commitments=state.commitments.set(done.id, done))


def _commitment_withdrawn(state: State, event: Event) -> State:
    commitment = _commitment(state, event)
    party = event.actor.party
    if commitment.instrument is not None:
        raise Refused(
            f"{commitment.id} comes from {commitment.instrument}; withdraw from the instrument instead"
        )
    if party != commitment.obligor:
        raise Refused(f"only {commitment.obligor}, who made it, withdraws {commitment.id}")
    if commitment.ended is not None:
        raise Conflict(f"{commitment.id} was already withdrawn on {commitment.ended[0]}")
    when = _when(event)
    if not not_before(when, commitment.date):
        raise InvalidInput(f"it cannot be withdrawn ({when}) before it was made ({commitment.date})")
    reason = check_text(_str(event, "reason"), what="reason", multiline=True, max_len=5000)
    done = replace(commitment, ended=(when, reason or f"withdrawn by {party}", event.seq))
    return replace(state, commitments=state.commitments.set(done.id, done))


def _statement_recorded(state: State, event: Event) -> State:
    track = _track(state, event)
    party = _party(state, _str(event, "party"), what="party")
    sid = _new_id(state.statements, event, "statement", f"{party}/statement/")
    points = []
    for ref in _strs(event, "points"):
        vid, _, eid = ref.partition("#")
        version = state.versions.get(vid)
        seen = None if version is None else sees_version(state, NOBODY, version)
        if version is None or seen is None or (seen != ALL and eid not in seen):
            # worded alike whether or not the text exists: a statement shows nothing unpublished
            raise NotFound(f"{vid}#{eid} is not a published point; a public statement cites published text")
        if eid not in {e for e, _ in version.outline}:
            raise NotFound(f"{vid} has no point {eid!r} (write VERSION#eid)")
        points.append(ref)
    statement = Statement(
        sid,
        check_text(_str(event, "speaker"), what="speaker", max_len=300),
        party,
        _when(event),
        check_text(_str(event, "medium"), what="medium", max_len=200),
        check_text(_str(event, "source"), what="source", max_len=2000),
        check_text(_str(event, "quote"), what="quote", multiline=True, max_len=20_000),
        tuple(points),
        event.actor.party,
        event.seq,
        track,
    )
    if not statement.quote or not statement.speaker or not statement.source:
        raise InvalidInput("a statement needs its speaker, its source and the quote")
    return replace(state, statements=state.statements.set(sid, statement))


def _claim_filed(state: State, event: Event) -> State:
    commitment = _commitment(state, event)
    party = event.actor.party
    cid = _new_id(state.claims, event, "claim", f"{party}/claim/")
    if party == commitment.obligor:
        raise Refused(f"{party} made {commitment.id}; a claim that it was broken is another party's")
    if commitment.state == "declined offer":
        raise Refused(f"{commitment.id} was an offer that was declined; nothing was undertaken")
    when = _when(event)
    if not not_before(when, commitment.date):
        raise InvalidInput(f"the claim ({when}) cannot predate the commitment ({commitment.date})")
    text = check_text(_str(event, "text"), what="claim", multiline=True, max_len=20_000)
    evidence = tuple(check_text(e, what="evidence", max_len=2000) for e in _strs(event, "evidence"))
    if not text or not evidence or not all(evidence):
        raise InvalidInput("a claim says what was broken and gives its evidence (at least one item)")
    claim = Claim(cid, commitment.id, party, when, text, evidence, event.seq, obligor=commitment.obligor)
    return replace(state, claims=state.claims.set(cid, claim))


def _claim(state: State, event: Event) -> Claim:
    cid = _str(event, "claim")
    claim = state.claims.get(cid)
    if (
        claim is None
        or claim.commitment != event.body.get("commitment")
        or not sees_claim(state, event.actor.party, claim)
    ):
        raise NotFound(f"claim {cid} does not exist")  # the same words, whatever is wrong
    if claim.status == "withdrawn":
        raise Conflict(f"claim {cid} was withdrawn")
    return claim


def _claim_act(kind: str, values: tuple[str, ...]) -> Callable[[State, Event], State]:
    def handler(state: State, event: Event) -> State:
        claim = _claim(state, event)
        party = event.actor.party
        commitment = state.commitments[claim.commitment]
        if kind == "answer" and party != commitment.obligor:
            raise Refused(f"only {commitment.obligor}, the party said to have broken it, answers {claim.id}")
        if kind == "withdraw" and party != claim.by:
            raise Refused(f"only {claim.by}, who filed {claim.id}, withdraws it")
        if kind == "finding" and party == commitment.obligor:
            raise Refused(f"{party} is said to have broken it: it answers {claim.id}; others assess it")
        value = "withdrawn" if kind == "withdraw" else _str(event, kind)
        if value not in values:
            raise InvalidInput(f"{kind} must be one of {', '.join(values)}; got {value!r}")
        when = _when(event)
        if not not_before(when, claim.date):
            raise InvalidInput(f"{when} is before the claim was filed ({claim.date})")
        text = _optional(event, "text", what="text", max_len=20_000)
        if kind == "answer" and value != "admit" and not text:
            raise InvalidInput(f"to {value}, say why (text)")
        done = replace(claim, acts=(*claim.acts, ClaimAct(kind, value, party, when, text, event.seq)))
        return replace(state, claims=state.claims.set(claim.id, done))

    return handler


HANDLERS: dict[str, Callable[[State, Event], State]] = {
    ev.COMMITMENT_RECORDED: _commitment_recorded,
    ev.COMMITMENT_DECLINED: _commitment_declined,
    ev.COMMITMENT_WITHDRAWN: _commitment_withdrawn,
    ev.STATEMENT_RECORDED: _statement_recorded,
    ev.CLAIM_FILED: _claim_filed,
    ev.CLAIM_ANSWERED: _claim_act("answer", CLAIM_ANSWERS),
    ev.CLAIM_ASSESSED: _claim_act("finding", FINDINGS),
    ev.CLAIM_WITHDRAWN: _claim_act("withdraw", ("withdrawn",)),
}
