"""Entities of the record so far (parties, keys, processes, tracks) and the State they fold into.

Everything is a frozen dataclass; State changes only through `inwriting.domain.fold.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple, get_args

from pyrsistent import PMap, pmap

from inwriting.domain.events import PartyId
from inwriting.domain.register import Claim, Commitment, Instrument, Statement

PartyKind = Literal["state", "alliance", "organisation", "company", "person"]
PARTY_KINDS: tuple[str, ...] = get_args(PartyKind)
GROUP_KINDS = frozenset({"alliance", "organisation"})


@dataclass(frozen=True)
class Party:
    id: PartyId
    name: str
    kind: str
    members: tuple[PartyId, ...] = ()
    registered_seq: int = 0


@dataclass(frozen=True)
class Key:
    key_id: str
    party: PartyId
    public_key: str  # base64 of the 32 raw bytes
    added_seq: int
    revoked_seq: int | None = None
    revoked_reason: str | None = None

    def active_at(self, seq: int) -> bool:
        """True if an event at `seq` may be signed with this key (a key may sign its own revocation)."""
        return self.added_seq < seq and (self.revoked_seq is None or seq <= self.revoked_seq)


@dataclass(frozen=True)
class Process:
    id: str
    title: str
    created_seq: int


@dataclass(frozen=True)
class Track:
    id: str
    process: str
    forum: str
    parties: tuple[PartyId, ...]
    created_seq: int
    status: str = "open"
    policy: str = "consent"  # publishing another party's text: "consent" (its consent needed) | "unilateral"


@dataclass(frozen=True)
class Document:
    id: str
    track: str
    author: PartyId
    kind: str
    versions: int  # how many versions it has
    created_seq: int


@dataclass(frozen=True)
class Version:
    id: str  # "doc@v2"
    document: str
    number: int
    track: str
    author: PartyId
    kind: str
    title: str
    based_on: str | None
    content: str  # "sha256:…" of the salted text blob
    outline: tuple[tuple[str, str], ...]  # (eid, label) of every point, in order
    created_seq: int
    audience: str = "track"  # "author" | "track" | "parties" | "public"
    audience_parties: tuple[PartyId, ...] = ()  # for "parties"


POSITIONS = ("accept", "amend", "counter", "reject", "clarify", "defer", "noted")
NEEDS_TEXT = frozenset({"amend", "counter", "clarify"})  # the new text, the counter-text, the question


@dataclass(frozen=True)
class Handover:
    """A version handed to recipients; `point_by_point` demands a written answer on every point."""

    id: str  # "doc@v1/h1"
    version: str
    track: str
    by: PartyId
    to: tuple[PartyId, ...]
    date: str  # YYYY-MM-DD, the day it was handed over
    due: str | None
    point_by_point: bool
    meeting: str | None
    seq: int


@dataclass(frozen=True)
class Receipt:
    """A recipient's signed acknowledgement of one hand-over: it has the version and knows the
    deadline that hand-over set."""

    id: str  # "doc@v1/h2/receipt/US"
    version: str
    handover: str  # the hand-over it acknowledges
    party: PartyId
    date: str
    delegate: str | None
    seq: int


class Position(NamedTuple):
    """A party's position on one point (a named tuple: a big matrix loads hundreds of thousands)."""

    eid: str
    position: str  # one of POSITIONS
    text: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A point the answering party adds of its own."""

    label: str
    text: str


DECISIONS = ("keep", "change", "drop")  # what a delegate did with a suggested alignment of a paragraph


@dataclass(frozen=True)
class Decision:
    """A delegate's confirmed reading of one paragraph of a prose answer: the points it addresses and
    the position it takes there, next to what the engine had suggested."""

    paragraph: int  # 1-based, in the answer's paragraphs as `importers.prose` reads them
    decision: str  # one of DECISIONS
    points: tuple[str, ...]  # eids; empty when dropped
    position: str | None  # one of POSITIONS when it addresses points, else None
    text: str | None  # the sentence that carries the position (the new text, counter-text or question)
    suggested_points: tuple[str, ...]
    suggested_position: str | None
    by: PartyId
    delegate: str | None
    seq: int


@dataclass(frozen=True)
class Answer:
    """A party's written answer to a version: positions per point, or prose received as it came.

    A prose answer takes positions only through confirmed decisions (`alignment`, the latest per
    paragraph); its `positions` are derived from them.
    """

    id: str  # "doc@v1/answer/US/1"
    version: str
    party: PartyId
    date: str
    form: str  # "points" | "prose"
    content: str  # "sha256:…" of the salted blob holding the answer as received
    positions: tuple[Position, ...]
    proposals: tuple[Proposal, ...]
    seq: int
    alignment: tuple[Decision, ...] = ()  # a prose answer's confirmed paragraphs, by paragraph
    paragraphs: int = 0  # how many paragraphs a prose answer has (set by its first confirmation)
    reading: str | None = None  # "sha256:…" of its paragraphs as read then (`importers.prose.reading_of`)
    media_type: str | None = None  # as signed in `answer.given` (how its bytes are read); None if not

    @property
    def confirmed_by(self) -> tuple[tuple[PartyId, str | None], ...]:
        """Who confirmed the decisions that stand, (party, delegate), in the order they first did."""
        seen: dict[tuple[PartyId, str | None], int] = {}
        for d in self.alignment:
            key = (d.by, d.delegate)
            seen[key] = min(seen.get(key, d.seq), d.seq)
        return tuple(sorted(seen, key=lambda k: seen[k]))


@dataclass(frozen=True)
class Meeting:
    id: str  # "track/2022-01-12"
    track: str
    date: str
    place: str
    delegates: tuple[str, ...]
    tabled: tuple[str, ...]  # versions put on the table
    by: PartyId
    seq: int


PRECONDITION_ACTS = ("accept", "reject", "meet", "waive")


@dataclass(frozen=True)
class PreconditionAct:
    act: str  # one of PRECONDITION_ACTS
    party: PartyId
    date: str
    reason: str | None
    seq: int


@dataclass(frozen=True)
class Precondition:
    """A condition one party sets for the talks or a text; others accept or reject it (even in
    advance, before it is formally put), the setter waives it, and it can be recorded as met."""

    id: str  # "track/pre/1"
    track: str
    by: PartyId
    text: str
    version: str | None
    date: str
    acts: tuple[PreconditionAct, ...]
    seq: int
    anticipated: bool = False  # recorded by a party that expects it to be set, to reject it in advance

    @property
    def status(self) -> str:
        final = [a.act for a in self.acts if a.act in ("meet", "waive")]
        if final:
            return {"meet": "met", "waive": "waived"}[final[-1]]
        answers = {a.party: a.act for a in self.acts if a.act in ("accept", "reject")}
        if "reject" in answers.values():
            return "rejected in advance" if self.anticipated else "rejected"
        return "accepted" if answers else "open"


ROLES = ("reader", "drafter", "negotiator", "signatory", "admin")


@dataclass(frozen=True)
class Delegate:
    """A person acting for a party, with the roles that say which acts they may sign for it."""

    party: PartyId
    id: str  # unique within the party: "ryabkov"
    name: str
    title: str
    roles: tuple[str, ...]
    added_seq: int
    removed_seq: int | None = None


@dataclass(frozen=True)
class DisclosureAct:
    """A request about a text's publication, or the owner's answer to one."""

    kind: str  # "embargo" | "publication" (requests) | "consent" | "refuse" (the owner's answers)
    party: PartyId
    date: str
    reason: str | None
    until: str | None  # an embargo's end, if it has one
    seq: int


@dataclass(frozen=True)
class Publication:
    """A text made public: by a party through inwriting, or by a third party elsewhere (a fact)."""

    by: PartyId
    points: tuple[str, ...]  # () = the whole text
    date: str
    elsewhere: bool  # published by a third party; inwriting itself does not publish it
    publisher: str | None
    source: str | None
    over_objection: bool  # the owner had asked not to publish, or refused its consent
    seq: int


@dataclass(frozen=True)
class Disclosure:
    """The publication story of one text (a version or an answer): requests, answers, publications."""

    text: str
    owner: PartyId
    acts: tuple[DisclosureAct, ...] = ()
    publications: tuple[Publication, ...] = ()

    def stance(self, on: str | None = None) -> str | None:
        """The owner's latest word on day `on` (default: its latest act): "embargo", "refuse",
        "consent", or None; an embargo whose `until` has passed by then says nothing any more."""
        for act in reversed(self.acts):
            if act.party == self.owner and act.kind in ("embargo", "refuse", "consent"):
                if act.kind == "embargo" and act.until is not None and on is not None and on > act.until:
                    return None
                return act.kind
        return None

    def published_points(self) -> tuple[str, ...] | None:
        """() when the whole text is public through inwriting, the points when only some are, else None."""
        points: set[str] = set()
        for publication in self.publications:
            if publication.elsewhere:
                continue
            if not publication.points:
                return ()
            points.update(publication.points)
        return tuple(sorted(points)) if points else None


@dataclass(frozen=True)
class State:
    """What the log says, folded (persistent maps, so a fold over a million events stays O(n log n)).

    `size` is one past the last event applied. A State may also be partial: the service loads only the
    entities an event touches, and the rules need nothing else.
    """

    size: int = 0
    origin: str | None = None
    log_vkey: str | None = None
    parties: PMap[PartyId, Party] = field(default_factory=pmap)
    keys: PMap[str, Key] = field(default_factory=pmap)
    processes: PMap[str, Process] = field(default_factory=pmap)
    tracks: PMap[str, Track] = field(default_factory=pmap)
    documents: PMap[str, Document] = field(default_factory=pmap)
    versions: PMap[str, Version] = field(default_factory=pmap)
    handovers: PMap[str, Handover] = field(default_factory=pmap)
    receipts: PMap[str, Receipt] = field(default_factory=pmap)
    answers: PMap[str, Answer] = field(default_factory=pmap)
    meetings: PMap[str, Meeting] = field(default_factory=pmap)
    preconditions: PMap[str, Precondition] = field(default_factory=pmap)
    delegates: PMap[str, Delegate] = field(default_factory=pmap)  # by "PARTY/id"
    disclosures: PMap[str, Disclosure] = field(default_factory=pmap)  # by text id
    instruments: PMap[str, Instrument] = field(default_factory=pmap)
    commitments: PMap[str, Commitment] = field(default_factory=pmap)
    statements: PMap[str, Statement] = field(default_factory=pmap)
    claims: PMap[str, Claim] = field(default_factory=pmap)

    def active_key(self, party: PartyId) -> Key | None:
        """The newest unrevoked key of `party`, if any."""
        live = [k for k in self.keys.values() if k.party == party and k.revoked_seq is None]
        return max(live, key=lambda k: k.added_seq) if live else None
