"""The position matrix: points down, parties across, each cell the party's position on the point.

Built from recipient statuses, so a cell says exactly what `status` says; a row is contested when
parties' positions differ or any of them rejects, counters or amends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inwriting.domain.completeness import Outline, RecipientStatus
from inwriting.domain.events import PartyId

PROPOSED = "proposed"  # the author's own cell
UNANSWERED = "unanswered"
BY_PARTS = "by-parts"  # not answered as a whole, but every sub-point is
NOT_ADDRESSED = ""  # the version was never handed to this party
_DISSENT = frozenset({"reject", "counter", "amend"})


@dataclass(frozen=True)
class Cell:
    state: str  # a position, PROPOSED, UNANSWERED or NOT_ADDRESSED
    inherited: bool = False  # the position was taken on an ancestor point


@dataclass(frozen=True)
class Row:
    version: str
    eid: str
    label: str
    cells: tuple[Cell, ...]
    contested: bool
    unanswered: int


@dataclass(frozen=True)
class Matrix:
    columns: tuple[PartyId, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class VersionColumns:
    """One version's part of the matrix: its author, outline and recipients' statuses."""

    version: str
    author: PartyId
    outline: Outline
    statuses: Sequence[RecipientStatus]


def build_matrix(parts: Sequence[VersionColumns]) -> Matrix:
    columns: dict[PartyId, None] = {}
    for part in parts:
        columns.setdefault(part.author)
        for status in part.statuses:
            columns.setdefault(status.party)
    order = tuple(columns)
    index = {party: i for i, party in enumerate(order)}
    empty = Cell(NOT_ADDRESSED)
    proposed = Cell(PROPOSED)
    unanswered = Cell(UNANSWERED)
    by_parts = Cell(BY_PARTS)
    rows: list[Row] = []
    for part in parts:
        coverages = [(index[s.party], s.coverage) for s in part.statuses]
        paths = part.outline.paths()
        for eid, _, _ in part.outline.points:
            cells = [empty] * len(order)
            cells[index[part.author]] = proposed
            taken: set[str] = set()
            gaps = 0
            for column, cover in coverages:
                own = cover.positions.get(eid)
                if own is not None:
                    cells[column] = Cell(own.position)
                    taken.add(own.position)
                    continue
                source = cover.inherited.get(eid)
                if source is not None:
                    position = cover.positions[source].position
                    cells[column] = Cell(position, inherited=True)
                    taken.add(position)
                elif eid in cover.covered_eids:
                    cells[column] = by_parts
                else:
                    cells[column] = unanswered
                    gaps += 1
            contested = len(taken) > 1 or bool(taken & _DISSENT)
            rows.append(Row(part.version, eid, paths[eid], tuple(cells), contested, gaps))
    return Matrix(order, tuple(rows))
