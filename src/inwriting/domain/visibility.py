"""Which events of a process a party may read in its bundle; pure rules over the state.

Instruments are read as their text is (by their parties, or by whoever reads all their sources);
commitments and claims by whoever may see the commitment; statements, being public, by all.

An event that concerns a text (a version, its hand-overs and receipts, an answer, the text's
disclosure story) is readable by whoever may read the whole text (`access.sees_text`): a reader of
only some published points would otherwise learn the title and every point's label; every other
event of the process (tracks, meetings, preconditions, keys) is readable by all. What a party may not
read it still receives as a leaf hash, so the log verifies all the same.
"""

from __future__ import annotations

from inwriting.domain import events as ev
from inwriting.domain.access import ALL, sees_claim, sees_commitment, sees_text
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import State

# The body field naming the text each text-bearing event concerns.
TEXT_FIELDS: dict[str, str] = {
    ev.VERSION_CREATED: "version",
    ev.HANDOVER_MADE: "version",
    ev.RECEIPT_SIGNED: "version",
    ev.ANSWER_GIVEN: "answer",
    ev.ANSWER_ALIGNED: "answer",  # a reading of the answer, quoting it: seen as the answer is
    ev.DISCLOSURE_REQUESTED: "text",
    ev.DISCLOSURE_ANSWERED: "text",
    ev.TEXT_PUBLISHED: "text",
    ev.TEXT_PUBLISHED_ELSEWHERE: "text",
    **{t: "instrument" for t in ev.INSTRUMENT_TYPES},  # an instrument is seen as its text is
}
# The events that sign a text's content hash (their body's "content"), so a bundle can carry the text.
CONTENT_EVENTS = frozenset({ev.VERSION_CREATED, ev.ANSWER_GIVEN, ev.INSTRUMENT_CREATED})


def text_of(event: Event) -> str | None:
    """The version or answer an event concerns, or None for an event about no text."""
    name = TEXT_FIELDS.get(event.type)
    if name is None:
        return None
    value = event.body.get(name)
    return value if isinstance(value, str) else ""  # a malformed body concerns an unknown text


def event_visible_to(state: State, event: Event, party: PartyId) -> bool:
    """True if `party` may read `event`: it concerns no text, or one the party may read whole.

    `state` is the log folded to the end of what is being exported, so a text published later makes
    its earlier events readable in a later bundle.
    """
    if event.type in ev.COMMITMENT_TYPES:
        commitment = state.commitments.get(str(event.body.get("commitment")))
        return commitment is not None and sees_commitment(state, party, commitment)
    if event.type in ev.CLAIM_TYPES:
        claim = state.claims.get(str(event.body.get("claim")))
        return claim is not None and sees_claim(state, party, claim)
    text = text_of(event)
    if event.type == ev.ANSWER_ALIGNED:  # it names the version's points: whole readers of both only
        version = str(event.body.get("version"))
        return sees_text(state, party, str(text)) == ALL and sees_text(state, party, version) == ALL
    return text is None or sees_text(state, party, text) == ALL


def carries_text_for(state: State, event: Event, party: PartyId) -> bool:
    """True if the bundle for `party` may hold the text whose hash `event` signed: the party sees the
    whole text. Published points alone are never shipped (they cannot be checked against the hash
    of the whole text)."""
    if event.type not in CONTENT_EVENTS:
        return False
    text = text_of(event)
    return bool(text) and sees_text(state, party, str(text)) == ALL
