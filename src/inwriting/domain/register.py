"""Instruments, commitments, statements and claims as plain values, and the status each one shows.

An **instrument** is agreed text fixed by its hash, with every party's acts on it (initialled, signed,
ratified, reservations, entry into force, suspension, withdrawal). A **commitment** is what one party
undertook toward others: a point of an instrument in force, or something said or written (recorded
from a statement, a meeting record or a note), including offers that stand or were declined.
A **statement** is what an official said publicly. A **claim** says a commitment was broken; the
obligor answers it and parties assess it. Statuses are computed here, never typed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from inwriting.domain.events import PartyId

INSTRUMENT_KINDS = ("treaty", "agreement", "exchange-of-notes", "memorandum", "joint-statement", "protocol")
RATIFIED_KINDS = frozenset({"treaty", "agreement", "protocol"})  # need ratification unless told otherwise
INSTRUMENT_ACTS = (
    "initial",
    "sign",
    "ratify",
    "reserve",
    "declare",
    "enter-into-force",
    "suspend",
    "resume",
    "withdraw",
)


@dataclass(frozen=True)
class InstrumentAct:
    """One party's act on an instrument (or, for "enter-into-force", the instrument's)."""

    act: str  # one of INSTRUMENT_ACTS
    party: PartyId
    date: str
    seq: int
    signatory: str | None = None  # who signed or initialled for the party
    place: str | None = None
    point: str | None = None  # a reservation's or declaration's point
    text: str | None = None  # a reservation's text, a suspension's or withdrawal's reason
    key_id: str | None = None  # a signature's key
    signature: str | None = None  # base64 Ed25519 over the text hash (see record.instrument)


@dataclass(frozen=True)
class Instrument:
    id: str
    kind: str
    title: str
    track: str
    sources: tuple[str, ...]  # the versions whose text it fixes (two notes for an exchange of notes)
    parties: tuple[PartyId, ...]
    content: str  # sha256 of the salted canonical text: what every signature covers
    outline: tuple[tuple[str, str], ...]  # (eid, label) of every point
    ratification: bool  # each party must ratify (after signing) to be bound
    required: int  # how many parties must be bound before it can enter into force
    obligors: tuple[tuple[str, tuple[PartyId, ...]], ...]  # per top-level point; () = every party
    by: PartyId
    date: str
    seq: int
    acts: tuple[InstrumentAct, ...] = ()
    in_force: str | None = None  # the day it entered into force

    def act_of(self, party: PartyId, act: str) -> InstrumentAct | None:
        """The party's latest act of this kind."""
        for found in reversed(self.acts):
            if found.party == party and found.act == act:
                return found
        return None

    def bound_since(self, party: PartyId) -> str | None:
        """The day `party` consented to be bound (its ratification, or signature if none is needed)."""
        act = self.act_of(party, "ratify" if self.ratification else "sign")
        return act.date if act else None

    def withdrawn(self, party: PartyId) -> InstrumentAct | None:
        return self.act_of(party, "withdraw")

    def suspended(self, party: PartyId) -> InstrumentAct | None:
        """The party's suspension, if it has not resumed since."""
        for act in reversed(self.acts):
            if act.party == party and act.act in ("suspend", "resume"):
                return act if act.act == "suspend" else None
        return None

    def in_force_for(self, party: PartyId) -> str | None:
        """The day the instrument took effect for `party`, if it has (and the party has not withdrawn)."""
        since = self.bound_since(party)
        if self.in_force is None or since is None or self.withdrawn(party) is not None:
            return None
        return max(self.in_force, since)

    def obligors_of(self, eid: str) -> tuple[PartyId, ...]:
        for point, parties in self.obligors:
            if point == eid:
                return parties
        return self.parties

    def top_level(self) -> list[tuple[str, str]]:
        return [(eid, label) for eid, label in self.outline if "__" not in eid]

    def party_status(self, party: PartyId) -> str:
        if self.withdrawn(party) is not None:
            return "withdrawn"
        if self.suspended(party) is not None:
            return "suspended"
        if self.in_force_for(party) is not None:
            return "in force"
        if self.ratification and self.act_of(party, "ratify"):
            return "ratified"
        if self.act_of(party, "sign"):
            return "signed"
        if self.act_of(party, "initial"):
            return "initialled"
        return "not signed"

    @property
    def status(self) -> str:
        """The instrument's overall status, in the words of a treaty depositary."""
        if sum(1 for p in self.parties if self.withdrawn(p) is None) < 2:
            return "terminated"  # a bilateral instrument ends when either party withdraws
        if self.in_force is not None:
            return "in force"
        signed = sum(1 for p in self.parties if self.act_of(p, "sign"))
        if signed == len(self.parties):
            return "concluded" if not self.ratification else "signed, awaiting ratification"
        if signed:
            return "open for signature"
        return "initialled" if any(a.act == "initial" for a in self.acts) else "agreed text"

    def signatures(self) -> list[InstrumentAct]:
        """Every signature still on record, in the order given."""
        return [a for a in self.acts if a.act == "sign"]


FORMS = ("spoken", "written", "signed", "binding")
SOURCE_KINDS = ("statement", "meeting", "note", "document", "instrument", "other")
OFFERS = ("standing", "made")  # an offer "ready at any time", or one made once (it can be declined)


@dataclass(frozen=True)
class Commitment:
    """What `obligor` undertook toward `beneficiaries`, in the form it took."""

    id: str
    obligor: PartyId
    beneficiaries: tuple[PartyId, ...]
    text: str | None  # None for an instrument's point: its text is the instrument's
    form: str  # one of FORMS
    source_kind: str  # one of SOURCE_KINDS
    source: str  # a citation or URL; for an instrument, "INSTRUMENT#eid"
    date: str  # YYYY, YYYY-MM or YYYY-MM-DD: when it was made (or took effect)
    by: PartyId  # who recorded it
    seq: int
    track: str | None = None  # the talks it belongs to (so a process's bundle carries it)
    instrument: str | None = None
    point: str | None = None
    offer: str | None = None  # one of OFFERS, or None for an undertaking
    statement: str | None = None  # the statement it was recorded from
    meeting: str | None = None
    public: bool = False
    declined: tuple[PartyId, str, str | None, int] | None = None  # (by, date, reason, seq)
    ended: tuple[str, str, int] | None = (
        None  # (date, why, seq): withdrawn, or the obligor left the instrument
    )
    suspended: str | None = None  # the day the obligor suspended the instrument

    @property
    def state(self) -> str:
        """Where the commitment stands, before any claim: withdrawn, declined offer, standing offer,
        offer, suspended or in effect."""
        if self.ended is not None:
            return "withdrawn"
        if self.declined is not None:
            return "declined offer"
        if self.offer == "standing":
            return "standing offer"
        if self.offer == "made":
            return "offer"
        if self.suspended is not None:
            return "suspended"
        return "in effect"


CLAIM_ANSWERS = ("admit", "deny", "explain")
FINDINGS = ("kept", "broken", "no-action")
CLAIM_STATUSES = ("not yet assessed", "no action", "kept", "disputed", "broken", "withdrawn")


@dataclass(frozen=True)
class ClaimAct:
    kind: str  # "answer" (by the obligor), "finding" (by any party that sees it), "withdraw" (claimant)
    value: str  # the answer (CLAIM_ANSWERS), the finding (FINDINGS) or "withdrawn"
    party: PartyId
    date: str
    text: str | None
    seq: int


@dataclass(frozen=True)
class Claim:
    """A party's claim that a commitment was broken, with its evidence and what came of it."""

    id: str
    commitment: str
    by: PartyId
    date: str
    text: str
    evidence: tuple[str, ...]
    seq: int
    acts: tuple[ClaimAct, ...] = ()
    obligor: str = ""  # who is said to have broken it (the commitment's obligor)

    @property
    def status(self) -> str:
        """ "not yet assessed" until someone answers or assesses it (never mistaken for "no action").

        Findings by third parties decide when they agree ("disputed" when they differ); without them,
        a claimant that finds it kept (or needing no action) concedes, and otherwise the obligor's
        answer decides: admitted, it is broken; denied, disputed."""
        if any(a.kind == "withdraw" for a in self.acts):
            return "withdrawn"
        findings = {a.party: a.value for a in self.acts if a.kind == "finding"}
        third = {v for p, v in findings.items() if p not in (self.by, self.obligor)}
        if third:
            return third.pop().replace("-", " ") if len(third) == 1 else "disputed"
        own = findings.get(self.by)
        if own in ("kept", "no-action"):
            return own.replace("-", " ")
        answers = [a.value for a in self.acts if a.kind == "answer"]
        if answers:
            return {"admit": "broken", "deny": "disputed"}.get(answers[-1], "not yet assessed")
        return "not yet assessed"


def compliance(claims: list[Claim]) -> str | None:
    """The worst open finding over a commitment's claims, or None when no claim stands."""
    order = ("broken", "disputed", "not yet assessed", "no action", "kept")
    found = {c.status for c in claims if c.status != "withdrawn"}
    for status in order:
        if status in found:
            return status
    return None


@dataclass(frozen=True)
class Statement:
    """What an official said publicly, quoted from its source."""

    id: str
    speaker: str
    party: PartyId
    date: str
    medium: str
    source: str
    quote: str
    points: tuple[str, ...]  # "VERSION#eid" of the points it concerns
    by: PartyId
    seq: int
    track: str | None = None
