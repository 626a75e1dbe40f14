"""Redlines between two versions of a draft: which points are the same point, and word diffs per point.

`match_points` pairs points across versions (renumbered or moved) and `carry_eids` keeps a point's eId
when a later version renumbers it (both in `matching`, re-exported here); `redline` diffs each pair
word by word with diff-match-patch. No I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]

from inwriting.domain.documents import DraftText
from inwriting.domain.matching import EID_PATTERN, _flatten, _lis, _match, _Node, carry_eids, match_points

Op = Literal["equal", "insert", "delete"]
Status = Literal["unchanged", "changed", "added", "removed"]


@dataclass(frozen=True)
class WordDiff:
    op: Op
    text: str


@dataclass(frozen=True)
class PointChange:
    """One point's change. `old_*` are None for an added point, `new_*` for a removed one.

    `moved`: its place among its matched siblings changed, or it now sits under another parent.
    `renumbered`: its label or its eId changed. `depth` is 0 for a top-level point; `old_index` and
    `new_index` are its positions in `DraftText.walk()` order of each version.
    """

    status: Status
    old_eid: str | None
    new_eid: str | None
    old_label: str | None
    new_label: str | None
    heading_words: tuple[WordDiff, ...]
    words: tuple[WordDiff, ...]
    moved: bool = False
    renumbered: bool = False
    depth: int = 0
    old_index: int | None = None
    new_index: int | None = None


@dataclass(frozen=True)
class Summary:
    unchanged: int
    changed: int
    added: int
    removed: int
    moved: int
    renumbered: int


@dataclass(frozen=True)
class Redline:
    """Points in new-document order; a removed point follows its predecessor in the old document."""

    old_title: str
    new_title: str
    title_words: tuple[WordDiff, ...]
    preamble_words: tuple[WordDiff, ...]
    points: tuple[PointChange, ...]
    summary: Summary


# ---- word diffs -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")  # covers every character, so tokens join back to the text
_OPS: dict[int, Op] = {0: "equal", 1: "insert", -1: "delete"}
_DMP = diff_match_patch()
_DMP.Diff_Timeout = 0  # an optimal diff; per point the texts are short enough


def _private_use(n: int) -> str:
    """The n-th code point standing for a token: the BMP private-use area, then planes 15 and 16."""
    for start, size in ((0xE000, 0x1900), (0xF0000, 0xFFFE), (0x100000, 0xFFFE)):
        if n < size:
            return chr(start + n)
        n -= size
    raise OverflowError("more distinct tokens than private-use code points")


def word_diff(old: str, new: str) -> tuple[WordDiff, ...]:
    """A word-level diff: each word, whitespace run and punctuation mark becomes one private-use
    character, diff-match-patch diffs those strings (optimal, no timeout), cleanupSemantic merges
    the fragments a reader would not want, and the characters are mapped back to text. The common
    start and end, cut where a run of whitespace begins, are kept out of the diff (most edits are
    a word or two in a long paragraph)."""
    if old == new:
        return (WordDiff("equal", old),) if old else ()
    head = _common_head(old, new)
    tail = _common_tail(old[head:], new[head:])
    pieces: list[tuple[Op, str]] = [("equal", old[:head])]
    pieces += _middle(old[head : len(old) - tail], new[head : len(new) - tail])
    pieces.append(("equal", old[len(old) - tail :]))
    merged: list[WordDiff] = []
    for op, text in pieces:
        if not text:
            continue
        if merged and merged[-1].op == op:
            merged[-1] = WordDiff(op, merged[-1].text + text)
        else:
            merged.append(WordDiff(op, text))
    return tuple(merged)


def _common_head(a: str, b: str) -> int:
    """Length of a common start ending where a whitespace run begins (a token boundary in both)."""
    common: int = _DMP.diff_commonPrefix(a, b)
    cut = a.rfind(" ", 0, common)
    while cut > 0 and a[cut - 1].isspace():
        cut -= 1
    return max(cut, 0)


def _common_tail(a: str, b: str) -> int:
    """Length of a common end starting where a whitespace run begins, the character before it common."""
    common: int = _DMP.diff_commonSuffix(a, b)
    start = len(a) - common
    cut = a.find(" ", start + 1)
    while cut > 0 and a[cut - 1].isspace():
        cut = a.find(" ", cut + 1)
    return len(a) - cut if cut > 0 else 0


def _middle(old: str, new: str) -> list[tuple[Op, str]]:
    if not old or not new:
        return [("delete", old), ("insert", new)]
    split = _TOKEN.findall(old), _TOKEN.findall(new)
    codes: dict[str, str] = {}
    try:
        for token in dict.fromkeys([*split[0], *split[1]]):
            codes[token] = _private_use(len(codes))
    except OverflowError:  # more distinct words than code points: diff characters instead
        return _diff(old, new, str)
    tokens = {char: token for token, char in codes.items()}
    encoded = ["".join(map(codes.__getitem__, split[0])), "".join(map(codes.__getitem__, split[1]))]
    return _diff(encoded[0], encoded[1], lambda chars: "".join(map(tokens.__getitem__, chars)))


def _diff(a: str, b: str, decode: Callable[[str], str]) -> list[tuple[Op, str]]:
    diffs = _DMP.diff_main(a, b, False)
    _DMP.diff_cleanupSemantic(diffs)
    return [(_OPS[op], decode(chars)) for op, chars in diffs]


# ---- redline --------------------------------------------------------------------------------------


def _moved(old: list[_Node], new: list[_Node], match: dict[int, int]) -> set[int]:
    """New indices of matched points now under another parent, or out of order among their siblings."""
    moved: set[int] = set()
    siblings: dict[int, list[int]] = {}
    for i, j in match.items():
        parent = new[i].parent
        if (match.get(parent, -2) if parent >= 0 else -1) != old[j].parent:
            moved.add(i)
        else:
            siblings.setdefault(parent, []).append(i)
    for group in siblings.values():
        group.sort()
        kept = _lis([match[i] for i in group])
        moved.update(i for pos, i in enumerate(group) if pos not in kept)
    return moved


def _single(node: _Node, status: Literal["added", "removed"]) -> PointChange:
    p, depth = node.point, node.depth
    heading, text = p.heading or "", p.text
    if status == "added":
        words = word_diff("", heading), word_diff("", text)
        return PointChange(status, None, p.eid, None, p.label, *words, depth=depth, new_index=node.index)
    words = word_diff(heading, ""), word_diff(text, "")
    return PointChange(status, p.eid, None, p.label, None, *words, depth=depth, old_index=node.index)


def _pair_change(old: _Node, new: _Node, moved: bool) -> PointChange:
    q, p = old.point, new.point
    return PointChange(
        "unchanged" if old.key == new.key else "changed",
        q.eid,
        p.eid,
        q.label,
        p.label,
        word_diff(q.heading or "", p.heading or ""),
        word_diff(q.text, p.text),
        moved=moved,
        renumbered=q.label != p.label or q.eid != p.eid,
        depth=new.depth,
        old_index=old.index,
        new_index=new.index,
    )


def redline(old: DraftText, new: DraftText) -> Redline:
    """Match the points of two versions (see `match_points`) and diff each pair word by word."""
    old_nodes, new_nodes = _flatten(old), _flatten(new)
    match = _match(old_nodes, new_nodes)
    moved = _moved(old_nodes, new_nodes, match)
    changes: list[PointChange] = []
    for i, node in enumerate(new_nodes):
        j = match.get(i)
        changes.append(_single(node, "added") if j is None else _pair_change(old_nodes[j], node, i in moved))
    # A removed point goes after the entry of its predecessor in the old document (or first).
    after: dict[int, list[PointChange]] = {}
    by_old = {j: i for i, j in match.items()}
    place = -1
    for node in old_nodes:
        if node.index in by_old:
            place = by_old[node.index]
        else:
            after.setdefault(place, []).append(_single(node, "removed"))
    ordered = after.get(-1, [])
    for i, change in enumerate(changes):
        ordered.append(change)
        ordered.extend(after.get(i, ()))
    n = Counter(c.status for c in ordered)
    moves, renumbers = sum(c.moved for c in ordered), sum(c.renumbered for c in ordered)
    summary = Summary(n["unchanged"], n["changed"], n["added"], n["removed"], moves, renumbers)
    return Redline(
        old.title,
        new.title,
        word_diff(old.title, new.title),
        word_diff(old.preamble, new.preamble),
        tuple(ordered),
        summary,
    )


def _ops(words: tuple[WordDiff, ...]) -> list[list[str]]:
    return [[w.op, w.text] for w in words]


def redline_to_json(r: Redline) -> dict[str, Any]:
    """The redline as JSON-ready values (`inwriting redline --json`); diffs are [op, text] pairs."""
    return {
        "old": {"title": r.old_title},
        "new": {"title": r.new_title},
        "title_diff": _ops(r.title_words),
        "preamble_diff": _ops(r.preamble_words),
        "summary": asdict(r.summary),
        "points": [
            {
                "status": c.status,
                "old_eid": c.old_eid,
                "new_eid": c.new_eid,
                "old_label": c.old_label,
                "new_label": c.new_label,
                "moved": c.moved,
                "renumbered": c.renumbered,
                "heading_diff": _ops(c.heading_words),
                "diff": _ops(c.words),
            }
            for c in r.points
        ],
    }


Side = Literal["both", "old", "new"]


def interleave(r: Redline) -> list[tuple[Side, PointChange]]:
    """The points in one sequence that reads as the old version when "new" entries are dropped and
    as the new version when "old" ones are: matched points that keep their order (a longest run, by
    walk position) appear once as "both"; a removed point appears as "old", an added one as "new",
    and any other matched point (moved in document order) twice, as "old" at its old place and "new"
    at its new place."""
    pairs = sorted((c for c in r.points if c.old_index is not None and c.new_index is not None), key=_new)
    kept = _lis([_old(c) for c in pairs])
    stable = [c for pos, c in enumerate(pairs) if pos in kept]
    once = {id(c) for c in stable}
    olds = sorted((c for c in r.points if c.old_index is not None and id(c) not in once), key=_old)
    news = sorted((c for c in r.points if c.new_index is not None and id(c) not in once), key=_new)
    out: list[tuple[Side, PointChange]] = []
    o = n = 0
    for sync in [*stable, None]:
        while o < len(olds) and (sync is None or _old(olds[o]) < _old(sync)):
            out.append(("old", olds[o]))
            o += 1
        while n < len(news) and (sync is None or _new(news[n]) < _new(sync)):
            out.append(("new", news[n]))
            n += 1
        if sync is not None:
            out.append(("both", sync))
    return out


def _old(c: PointChange) -> int:
    return -1 if c.old_index is None else c.old_index


def _new(c: PointChange) -> int:
    return -1 if c.new_index is None else c.new_index


__all__ = [
    "EID_PATTERN",
    "PointChange",
    "Redline",
    "Summary",
    "WordDiff",
    "carry_eids",
    "interleave",
    "match_points",
    "redline",
    "redline_to_json",
    "word_diff",
]
