"""The position matrix: points down, parties across, each cell the party's position on the point.

Built from recipient statuses, so a cell says exactly what `status` says; a row is contested when
parties' positions differ or any of them rejects, counters or amends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inwriting.domain.completeness import Coverage, Outline, RecipientStatus
from inwriting.domain.events import PartyId
from inwriting.domain.model import POSITIONS

PROPOSED = "proposed"  # the author's own cell
UNANSWERED = "unanswered"
BY_PARTS = "by-parts"  # not answered as a whole, but every sub-point is
NOT_ADDRESSED = ""  # the version was never handed to this party
_DISSENT = frozenset({"reject", "counter", "amend"})


@dataclass(frozen=True, eq=False)
class Cell:
    """One cell. There is one shared instance per (state, inherited), got with `cell_for`; cells
    compare by identity, which keeps a 193 x 1,000 grid's sets and counts at C speed."""

    state: str  # a position, PROPOSED, UNANSWERED, BY_PARTS or NOT_ADDRESSED
    inherited: bool = False  # the position was taken on an ancestor point


_CELLS = {
    (state, inherited): Cell(state, inherited)
    for state in (*POSITIONS, PROPOSED, UNANSWERED, BY_PARTS, NOT_ADDRESSED)
    for inherited in (False, True)
}


def cell_for(state: str, inherited: bool = False) -> Cell:
    return _CELLS[(state, inherited)]


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


def _column(part: VersionColumns, cover: Coverage) -> list[Cell]:
    own = {eid: _CELLS[(p.position, False)] for eid, p in cover.positions.items()}
    positions, covered = cover.positions, cover.covered_eids
    for eid, source in cover.inherited.items():
        own[eid] = _CELLS[(positions[source].position, True)]
    by_parts, unanswered = _CELLS[(BY_PARTS, False)], _CELLS[(UNANSWERED, False)]
    eids = part.outline.shape[0]
    return [own.get(eid) or (by_parts if eid in covered else unanswered) for eid in eids]


def build_matrix(parts: Sequence[VersionColumns]) -> Matrix:
    """The grid, computed a column at a time (a party's coverage) and then turned into rows."""
    columns: dict[PartyId, None] = {}
    for part in parts:
        columns.setdefault(part.author)
        for status in part.statuses:
            columns.setdefault(status.party)
    order = tuple(columns)
    index = {party: i for i, party in enumerate(order)}
    empty, proposed, unanswered = (
        _CELLS[(NOT_ADDRESSED, False)],
        _CELLS[(PROPOSED, False)],
        _CELLS[(UNANSWERED, False)],
    )
    neutral = {_CELLS[(s, False)] for s in (NOT_ADDRESSED, PROPOSED, UNANSWERED, BY_PARTS)}
    rows: list[Row] = []
    for part in parts:
        eids = part.outline.shape[0]
        grid: list[list[Cell]] = [[empty] * len(eids) for _ in order]
        grid[index[part.author]] = [proposed] * len(eids)
        for status in part.statuses:
            grid[index[status.party]] = _column(part, status.coverage)
        paths = part.outline.paths()
        for eid, cells in zip(eids, zip(*grid, strict=True), strict=True):
            taken = {c.state for c in set(cells) - neutral}
            contested = len(taken) > 1 or bool(taken & _DISSENT)
            rows.append(Row(part.version, eid, paths[eid], cells, contested, cells.count(unanswered)))
    return Matrix(order, tuple(rows))
