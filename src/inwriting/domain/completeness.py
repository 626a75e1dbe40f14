"""Who has answered which points of a version, computed from the record and never typed in.

A point counts as answered for a party when the party (or, for an alliance's member, the alliance)
took a position on it, on one of its ancestors, or on every one of its sub-points. An answer in prose
answers nothing point by point until its paragraphs are matched to points and confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from inwriting.domain.events import PartyId
from inwriting.domain.model import Answer, Handover, Party, Position, Receipt


@dataclass(frozen=True)
class Outline:
    """A version's points in document order: (eid, label, parent eid or None)."""

    points: tuple[tuple[str, str, str | None], ...]

    @classmethod
    def of(cls, points: Iterable[tuple[str, str, str | None]]) -> Outline:
        return cls(tuple(points))

    @cached_property
    def shape(self) -> tuple[list[str], list[int], list[list[int]]]:
        """Eids, each point's parent index (-1 for none) and children's indexes, computed once."""
        eids = [eid for eid, _, _ in self.points]
        index = {eid: i for i, eid in enumerate(eids)}
        parents = [index.get(parent, -1) if parent else -1 for _, _, parent in self.points]
        children: list[list[int]] = [[] for _ in eids]
        for i, p in enumerate(parents):
            if p >= 0:
                children[p].append(i)
        return eids, parents, children

    def labels(self) -> dict[str, str]:
        return {eid: label for eid, label, _ in self.points}

    def paths(self) -> dict[str, str]:
        """Each point's label with its ancestors' ("Article 1 1. (a)"), for people reading a list."""
        result: dict[str, str] = {}
        for eid, label, parent in self.points:  # parents come first
            own = label or eid.rsplit("__", 1)[-1].replace("_", " ")  # "para 1" where none is printed
            result[eid] = f"{result[parent]} {own}" if parent in result else own
        return result


@dataclass(frozen=True)
class Coverage:
    """One party's effective positions on a version and the points it left unanswered."""

    positions: Mapping[str, Position]  # its own position on each point it answered directly
    inherited: Mapping[str, str]  # eid -> the ancestor whose position covers it
    unanswered: tuple[str, ...]  # the fewest points that name every gap (a whole article, not its paras)
    covered_eids: frozenset[str]  # answered directly, through an ancestor or through all sub-points

    @property
    def covered(self) -> int:
        return len(self.covered_eids)

    def position_of(self, eid: str) -> Position | None:
        found = self.positions.get(eid)
        if found is None and eid in self.inherited:
            return self.positions[self.inherited[eid]]
        return found


def effective_positions(answers: Iterable[Answer]) -> dict[str, Position]:
    """Merge a party's answers in record order: a later position on a point replaces an earlier one."""
    result: dict[str, Position] = {}
    for answer in sorted(answers, key=lambda a: a.seq):
        for position in answer.positions:
            result[position.eid] = position
    return result


def coverage(outline: Outline, positions: Mapping[str, Position]) -> Coverage:
    eids, parents, children = outline.shape
    n = len(eids)
    has = [eid in positions for eid in eids]
    source: list[str | None] = [None] * n  # the ancestor whose position covers point i
    for i in range(n):  # parents come before their children
        p = parents[i]
        if p >= 0 and not has[i]:
            source[i] = eids[p] if has[p] else source[p]
    covered = [False] * n
    touched = [False] * n  # the point or one of its descendants is covered
    for i in range(n - 1, -1, -1):  # children before their parents
        kids = children[i]
        if has[i] or source[i] is not None:
            covered[i] = touched[i] = True
        elif kids:
            covered[i] = all(covered[k] for k in kids)
            touched[i] = covered[i] or any(touched[k] for k in kids)
    gaps = []
    for i in range(n):
        if covered[i] or touched[i]:
            continue  # answered, or some sub-points are: the gaps are named among them
        p = parents[i]
        if p >= 0 and not touched[p]:
            continue  # its parent is named instead
        gaps.append(eids[i])
    inherited = {eids[i]: src for i, src in enumerate(source) if src is not None}
    answered = frozenset(e for e, c in zip(eids, covered, strict=True) if c)
    return Coverage(positions, inherited, tuple(gaps), answered)


@dataclass(frozen=True)
class Demand:
    """What the hand-overs that reached a party ask of it, together: a later hand-over never
    withdraws an earlier demand, so the answer is point by point if any asked for that, and due on
    the earliest due date any of them set."""

    handovers: tuple[Handover, ...]  # in record order
    point_by_point: bool
    due: str | None
    binding: (
        Handover  # the hand-over that set the due date (else the first point-by-point one, else the last)
    )

    @classmethod
    def of(cls, handovers: Sequence[Handover]) -> Demand:
        ordered = tuple(sorted(handovers, key=lambda h: h.seq))
        dated = [h for h in ordered if h.due is not None]
        strict = [h for h in ordered if h.point_by_point]
        if dated:
            binding = min(dated, key=lambda h: (h.due or "", h.seq))
        else:
            binding = strict[0] if strict else ordered[-1]
        return cls(ordered, bool(strict), binding.due, binding)

    @property
    def delivered(self) -> str:
        return self.handovers[0].date


@dataclass(frozen=True)
class RecipientStatus:
    """Where one recipient stands on a version: delivered, acknowledged, answered, overdue."""

    party: PartyId
    through: PartyId | None  # the alliance it received the version through, if not directly
    demand: Demand
    receipt: Receipt | None  # its (or its alliance's) receipt of the hand-over that binds it
    answers: tuple[Answer, ...]  # its own answers (and, for a member, its alliance's), in order
    coverage: Coverage
    total: int
    completed_on: str | None  # the date of the answer that left no point unanswered
    overdue: bool
    late: bool

    @property
    def handover(self) -> Handover:
        return self.demand.binding

    @property
    def complete(self) -> bool:
        return not self.coverage.unanswered

    @property
    def in_prose(self) -> tuple[Answer, ...]:
        return tuple(a for a in self.answers if a.form == "prose")

    @property
    def state(self) -> str:
        """One word for a cell or a list: overdue, complete, partial, prose, unanswered."""
        if self.overdue:
            return "overdue"
        if self.complete:
            return "complete"
        if self.coverage.covered:
            return "partial"
        return "prose" if self.in_prose else "unanswered"


def recipient_status(
    party: PartyId,
    through: PartyId | None,
    demand: Demand,
    receipt: Receipt | None,
    answers: Sequence[Answer],
    outline: Outline,
    today: str,
    *,
    group_answers: Sequence[Answer] = (),
) -> RecipientStatus:
    """`answers` are the party's own; `group_answers` its alliance's, which its own override."""
    ordered = tuple(sorted((*group_answers, *answers), key=lambda a: a.seq))
    positions = effective_positions(group_answers)
    positions.update(effective_positions(answers))
    result = coverage(outline, positions)
    completed_on = None
    if not result.unanswered and ordered:
        # the set of answered points only grows: find the first answer after which none was open
        seen: dict[str, Position] = {}
        for answer in ordered:
            seen.update((p.eid, p) for p in answer.positions)
            if answer.positions and not coverage(outline, seen).unanswered:
                completed_on = answer.date
                break
    answered_enough = completed_on is not None if demand.point_by_point else bool(ordered)
    due = demand.due
    overdue = due is not None and today > due and not answered_enough
    first_answer = completed_on if demand.point_by_point else (ordered[0].date if ordered else None)
    late = due is not None and first_answer is not None and first_answer > due
    return RecipientStatus(
        party,
        through,
        demand,
        receipt,
        ordered,
        result,
        len(outline.points),
        completed_on,
        overdue,
        late,
    )


def version_status(
    version: str,
    handovers: Iterable[Handover],
    receipts: Iterable[Receipt],
    answers: Iterable[Answer],
    parties: Mapping[PartyId, Party],
    outline: Outline,
    today: str,
    *,
    members: bool = False,
) -> list[RecipientStatus]:
    """Every recipient of `version` (and, with `members`, each member of a recipient alliance)."""
    reached: dict[PartyId, list[Handover]] = {}
    for handover in sorted((h for h in handovers if h.version == version), key=lambda h: h.seq):
        for party in handover.to:
            reached.setdefault(party, []).append(handover)
    by_party: dict[PartyId, list[Answer]] = {}
    for answer in answers:
        if answer.version == version:
            by_party.setdefault(answer.party, []).append(answer)
    got = {(r.handover, r.party): r for r in receipts if r.version == version}
    result = []
    for party, reaching in reached.items():
        demand = Demand.of(reaching)
        own = by_party.get(party, [])
        receipt = got.get((demand.binding.id, party))
        result.append(recipient_status(party, None, demand, receipt, own, outline, today))
        group = parties.get(party)
        if members and group is not None:
            for member in group.members:
                if member in reached or member == demand.binding.by:
                    continue  # it has its own row, or wrote the text
                receipt = got.get((demand.binding.id, member)) or got.get((demand.binding.id, party))
                mine = by_party.get(member, [])
                result.append(
                    recipient_status(member, party, demand, receipt, mine, outline, today, group_answers=own)
                )
    return result
