"""Who may see a text, and who may act for a party. Pure rules over the (partial) state.

A version is seen by its author, by its audience (the track's parties, named parties, or everyone),
by the parties it was handed to (an alliance's members with it) and, once published, by everyone
(only the published points, if only some were). An answer is seen by the party that gave it, by the
author of the version it answers, and once published by everyone. The operator (viewer None) sees
all. Everything else answers "not found": a refusal would tell that the text exists.
"""

from __future__ import annotations

from inwriting.domain import events as ev
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import Answer, State, Version
from inwriting.domain.register import Claim, Commitment, Instrument
from inwriting.errors import NotFound, Refused

ALL = "all"
AUDIENCES = ("author", "track", "parties", "public")

# Which acts each role may sign for its party. A reader signs nothing; a signatory initials, signs and
# ratifies instruments (and makes reservations); negotiators do the rest of the talks.
ROLE_ACTS: dict[str, frozenset[str]] = {
    "reader": frozenset(),
    "drafter": frozenset({ev.VERSION_CREATED}),
    "negotiator": frozenset(
        {
            ev.HANDOVER_MADE,
            ev.RECEIPT_SIGNED,
            ev.ANSWER_GIVEN,
            ev.ANSWER_ALIGNED,
            ev.MEETING_HELD,
            ev.PRECONDITION_ADDED,
            ev.PRECONDITION_ANSWERED,
            ev.DISCLOSURE_REQUESTED,
            ev.DISCLOSURE_ANSWERED,
            ev.TEXT_PUBLISHED,
            ev.TEXT_PUBLISHED_ELSEWHERE,
            ev.INSTRUMENT_CREATED,
            ev.INSTRUMENT_RESERVED,
            ev.INSTRUMENT_ENTERED_INTO_FORCE,
            ev.INSTRUMENT_SUSPENDED,
            ev.INSTRUMENT_WITHDRAWN,
            ev.STATEMENT_RECORDED,
        }
        | ev.COMMITMENT_TYPES
        | ev.CLAIM_TYPES
    ),
    "signatory": frozenset(
        {ev.INSTRUMENT_INITIALLED, ev.INSTRUMENT_SIGNED, ev.INSTRUMENT_RATIFIED, ev.INSTRUMENT_RESERVED}
    ),
    "admin": frozenset({ev.DELEGATE_ADDED, ev.DELEGATE_REMOVED, ev.KEY_ADDED, ev.KEY_REVOKED}),
}


def reaches(state: State, recipient: PartyId, party: PartyId) -> bool:
    """`party` is `recipient` or a member of it (an alliance's members share what it receives)."""
    if party == recipient:
        return True
    group = state.parties.get(recipient)
    return group is not None and party in group.members


def sees_version(state: State, viewer: PartyId | None, version: Version) -> str | tuple[str, ...] | None:
    """ALL, the published points only, or None (the viewer may not know the version exists)."""
    if viewer is None or viewer == version.author or version.audience == "public":
        return ALL
    if version.audience == "track":
        track = state.tracks.get(version.track)
        if track is not None and any(reaches(state, p, viewer) for p in track.parties):
            return ALL
    if version.audience == "parties" and any(reaches(state, p, viewer) for p in version.audience_parties):
        return ALL
    for handover in state.handovers.values():
        if handover.version == version.id and any(reaches(state, p, viewer) for p in handover.to):
            return ALL
    return _published(state, version.id)


def sees_answer(state: State, viewer: PartyId | None, answer: Answer) -> str | tuple[str, ...] | None:
    if viewer is None or reaches(state, answer.party, viewer):
        return ALL
    version = state.versions.get(answer.version)
    if version is not None and viewer == version.author:
        return ALL
    return _published(state, answer.id)


def _published(state: State, text: str) -> str | tuple[str, ...] | None:
    disclosure = state.disclosures.get(text)
    points = None if disclosure is None else disclosure.published_points()
    if points is None:
        return None
    return ALL if points == () else points


def sees_instrument(state: State, viewer: PartyId | None, instrument: Instrument) -> bool:
    """An instrument is seen by its parties (and their members), and by whoever sees all its texts."""
    if viewer is None or any(reaches(state, p, viewer) for p in instrument.parties):
        return True
    versions = [state.versions.get(v) for v in instrument.sources]
    return all(v is not None and sees_version(state, viewer, v) == ALL for v in versions)


def sees_commitment(state: State, viewer: PartyId | None, commitment: Commitment) -> bool:
    """An instrument's commitment is seen as the instrument is; another by its obligor, beneficiaries
    and recorder, and by everyone once it is public (recorded from a public statement, say)."""
    if viewer is None:
        return True
    if commitment.instrument is not None:
        instrument = state.instruments.get(commitment.instrument)
        return instrument is not None and sees_instrument(state, viewer, instrument)
    if commitment.public or viewer == commitment.by:
        return True
    return any(reaches(state, p, viewer) for p in (commitment.obligor, *commitment.beneficiaries))


def sees_claim(state: State, viewer: PartyId | None, claim: Claim) -> bool:
    commitment = state.commitments.get(claim.commitment)
    return commitment is not None and sees_commitment(state, viewer, commitment)


def sees_text(state: State, viewer: PartyId | None, text: str) -> str | tuple[str, ...] | None:
    """Visibility of a version or an answer by id (None also when there is no such text)."""
    version = state.versions.get(text)
    if version is not None:
        return sees_version(state, viewer, version)
    answer = state.answers.get(text)
    if answer is not None:
        return sees_answer(state, viewer, answer)
    instrument = state.instruments.get(text)
    if instrument is not None:
        return ALL if sees_instrument(state, viewer, instrument) else None
    return None


def require_text(state: State, viewer: PartyId | None, text: str) -> str | tuple[str, ...]:
    """The viewer's view of a text, or NotFound worded as if it did not exist."""
    seen = sees_text(state, viewer, text)
    if seen is None:
        kind = "answer" if "/answer/" in text else "version"
        raise NotFound(f"{kind} {text} does not exist")
    return seen


def owner_of(state: State, text: str) -> PartyId:
    version = state.versions.get(text)
    if version is not None:
        return version.author
    answer = state.answers.get(text)
    if answer is not None:
        return answer.party
    raise NotFound(f"no version or answer {text}")


def check_delegate(state: State, event: Event) -> None:
    """Once a party has delegates, every act it signs names one whose role allows it."""
    party = event.actor.party
    if party == ev.OPERATOR:
        return
    active = {d.id: d for d in state.delegates.values() if d.party == party and d.removed_seq is None}
    named = event.actor.delegate
    if not active:
        # a party without registered delegates acts as itself (its key holder), naming the person
        # acting as stated; once it registers delegates, only they may act for it
        return
    if named is None:
        raise Refused(
            f"{party} acts through its delegates; name the acting one ({', '.join(sorted(active))})",
            where=f"event {event.seq} ({event.type})",
        )
    delegate = active.get(named)
    if delegate is None:
        raise Refused(f"{named} is not an active delegate of {party}", where=f"event {event.seq}")
    if not any(event.type in ROLE_ACTS[role] for role in delegate.roles):
        raise Refused(
            f"{delegate.name} ({', '.join(delegate.roles)}) may not sign {event.type} for {party}",
            where=f"event {event.seq}",
        )
