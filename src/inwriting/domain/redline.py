"""Redlines between two versions of a draft: which points are the same point, and word diffs per point.

`match_points` pairs points across versions (renumbered or moved), `redline` diffs each pair word by
word with diff-match-patch, `carry_eids` keeps a point's eId when a later version renumbers it. No I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.errors import InvalidInput

Op = Literal["equal", "insert", "delete"]
Status = Literal["unchanged", "changed", "added", "removed"]

# An eId is tokens like "art_4" joined by "__"; fresh ids (see carry_eids) keep to this form.
EID_PATTERN = re.compile(r"[a-z]+_[A-Za-z0-9]+(?:__[a-z]+_[A-Za-z0-9]+)*")

GAP_THRESHOLD = 0.3  # a pair in the same place between anchors: "changed" rather than removed + added
MOVE_THRESHOLD = 0.5  # a pair anywhere else (moved, or same eId out of place) must agree more
_NEAR = 12  # candidates per point within its gap, nearest to its proportional position
_TOP = 4  # candidates per point from the rare-shingle index
_RARE = 3  # a shingle held by more unmatched old points than this says nothing about identity


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
_WORD = re.compile(r"\w+")
_OPS: dict[int, Op] = {0: "equal", 1: "insert", -1: "delete"}
_DMP = diff_match_patch()
_DMP.Diff_Timeout = 0  # an optimal diff; per point the texts are short enough


@cache
def _private_use() -> str:
    """Code points to stand for tokens: the BMP private-use area, then planes 15 and 16 (137k)."""
    codes = (*range(0xE000, 0xF900), *range(0xF0000, 0xFFFFE), *range(0x100000, 0x10FFFE))
    return "".join(map(chr, codes))


def word_diff(old: str, new: str) -> tuple[WordDiff, ...]:
    """A word-level diff: each word, whitespace run and punctuation mark becomes one private-use
    character, diff-match-patch diffs those strings (optimal, no timeout), cleanupSemantic merges
    the fragments a reader would not want, and the characters are mapped back to text."""
    if old == new:
        return (WordDiff("equal", old),) if old else ()
    if not old:
        return (WordDiff("insert", new),)
    if not new:
        return (WordDiff("delete", old),)
    codes: dict[str, str] = {}
    tokens: dict[str, str] = {}
    pua = _private_use()
    encoded = []
    for text in (old, new):
        chars = []
        for token in _TOKEN.findall(text):
            char = codes.get(token)
            if char is None:
                if len(codes) == len(pua):  # more distinct words than code points: diff characters
                    return _diff(old, new, str)
                char = codes[token] = pua[len(codes)]
                tokens[char] = token
            chars.append(char)
        encoded.append("".join(chars))
    return _diff(encoded[0], encoded[1], lambda chars: "".join(map(tokens.__getitem__, chars)))


def _diff(a: str, b: str, decode: Callable[[str], str]) -> tuple[WordDiff, ...]:
    diffs = _DMP.diff_main(a, b, False)
    _DMP.diff_cleanupSemantic(diffs)
    return tuple(WordDiff(_OPS[op], decode(chars)) for op, chars in diffs if chars)


# ---- point matching -------------------------------------------------------------------------------


class _Node:
    """A point flattened in walk order, with what matching needs."""

    __slots__ = ("children", "depth", "index", "key", "kind", "parent", "point", "shingles")

    def __init__(self, index: int, point: Point, parent: int, depth: int) -> None:
        self.index, self.point, self.parent, self.depth = index, point, parent, depth
        last = point.eid.rpartition("__")[2]
        self.kind = last.partition("_")[0] if "_" in last else ""
        self.key = (point.heading or "", point.text)
        self.children: list[int] = []
        self.shingles: frozenset[object] | None = None

    def shingle_set(self) -> frozenset[object]:
        """Lower-cased words and word pairs of heading and text (computed once, when needed)."""
        if self.shingles is None:
            words = ["\x02", *_WORD.findall(f"{self.key[0]} {self.key[1]}".lower()), "\x03"]
            self.shingles = frozenset([*words[1:-1], *zip(words, words[1:], strict=False)])
        return self.shingles


def _flatten(draft: DraftText) -> list[_Node]:
    nodes: list[_Node] = []
    stack = [(point, -1, 0) for point in reversed(draft.points)]
    while stack:
        point, parent, depth = stack.pop()
        node = _Node(len(nodes), point, parent, depth)
        nodes.append(node)
        if parent >= 0:
            nodes[parent].children.append(node.index)
        stack.extend((child, node.index, depth + 1) for child in reversed(point.children))
    return nodes


def _lis(values: list[int]) -> set[int]:
    """Positions in `values` of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_pos: list[int] = []
    back = [-1] * len(values)
    for pos, value in enumerate(values):
        k = bisect_left(tails, value)
        back[pos] = tail_pos[k - 1] if k else -1
        if k == len(tails):
            tails.append(value)
            tail_pos.append(pos)
        else:
            tails[k], tail_pos[k] = value, pos
    keep, pos = set(), tail_pos[-1] if tail_pos else -1
    while pos >= 0:
        keep.add(pos)
        pos = back[pos]
    return keep


class _Matcher:
    """Pairs new points with old ones (new index -> old index); see `match_points` for the method."""

    def __init__(self, old: list[_Node], new: list[_Node]) -> None:
        self.old, self.new = old, new
        self.match: dict[int, int] = {}
        self.taken: set[int] = set()

    def run(self) -> dict[int, int]:
        self._exact()
        pairs = sorted(self.match.items())
        kept = _lis([j for _, j in pairs])
        self.anchors_new = [pairs[k][0] for k in sorted(kept)]
        self.anchors_old = [pairs[k][1] for k in sorted(kept)]
        self.free_old: dict[str, list[int]] = {}
        for node in self.old:
            if node.index not in self.taken:
                self.free_old.setdefault(node.kind, []).append(node.index)
        by_eid = {node.point.eid: node.index for node in self.old}
        for level in self._levels():
            self._assign(level, lambda i: self._near(i, by_eid))
        rest = [node.index for node in self.new if node.index not in self.match]
        if rest:
            index = self._rare_index()
            for level in self._levels():
                self._assign(level, lambda i: self._similar(i, index))
        return self.match

    def _pair(self, i: int, j: int) -> None:
        self.match[i] = j
        self.taken.add(j)

    def _exact(self) -> None:
        """Identical heading and text, each occurring once in either version, same kind of point."""
        seen: dict[tuple[str, str], int] = {}
        for node in self.old:
            if node.key != ("", ""):
                seen[node.key] = -1 if node.key in seen else node.index
        counts = Counter(node.key for node in self.new)
        for node in self.new:
            j = seen.get(node.key, -1)
            if j >= 0 and counts[node.key] == 1 and self.old[j].kind == node.kind:
                self._pair(node.index, j)

    def _levels(self) -> list[list[int]]:
        """Unmatched new points by depth, deepest first, so a parent's children are decided before it."""
        levels: dict[int, list[int]] = {}
        for node in self.new:
            if node.index not in self.match:
                levels.setdefault(node.depth, []).append(node.index)
        return [levels[d] for d in sorted(levels, reverse=True)]

    def _near(self, i: int, by_eid: dict[str, int]) -> Iterable[tuple[int, float]]:
        """Old points between the same two anchors (the nearest few), and the one with the same eId."""
        node = self.new[i]
        k = bisect_right(self.anchors_new, i)
        lo_new = self.anchors_new[k - 1] if k else -1
        hi_new = self.anchors_new[k] if k < len(self.anchors_new) else len(self.new)
        lo_old = self.anchors_old[k - 1] if k else -1
        hi_old = self.anchors_old[k] if k < len(self.anchors_old) else len(self.old)
        free = self.free_old.get(node.kind, [])
        start, stop = bisect_right(free, lo_old), bisect_left(free, hi_old)
        if stop - start > _NEAR:
            guess = lo_old + (i - lo_new) * (hi_old - lo_old) / (hi_new - lo_new)
            mid = bisect_left(free, guess, start, stop)
            start = max(start, min(mid - _NEAR // 2, stop - _NEAR))
            stop = start + _NEAR
        for j in free[start:stop]:
            yield j, GAP_THRESHOLD
        j = by_eid.get(node.point.eid, -1)
        if j >= 0 and not start <= bisect_left(free, j) < stop and self.old[j].kind == node.kind:
            yield j, MOVE_THRESHOLD

    def _rare_index(self) -> dict[object, list[int]]:
        index: dict[object, list[int]] = {}
        for node in self.old:
            if node.index not in self.taken:
                for shingle in node.shingle_set():
                    if isinstance(shingle, tuple):
                        index.setdefault(shingle, []).append(node.index)
        return {s: js for s, js in index.items() if len(js) <= _RARE}

    def _similar(self, i: int, index: dict[object, list[int]]) -> Iterable[tuple[int, float]]:
        """Old points sharing the most rare word pairs, and the old parents of its matched children."""
        node = self.new[i]
        hits: Counter[int] = Counter()
        for shingle in node.shingle_set():
            hits.update(index.get(shingle, ()))
        found = {j for j, _ in sorted(hits.items(), key=lambda h: (-h[1], h[0]))[:_TOP]}
        found.update(self.old[self.match[c]].parent for c in node.children if c in self.match)
        for j in sorted(found - {-1}):
            if self.old[j].kind == node.kind:
                yield j, MOVE_THRESHOLD

    def _assign(self, level: list[int], candidates: Callable[[int], Iterable[tuple[int, float]]]) -> None:
        """Greedy by score: the best pair first; ties go to the same eId, then document order."""
        scored = []
        for i in level:
            for j, threshold in candidates(i):
                if j in self.taken:
                    continue
                score = self._score(i, j)
                if score >= threshold:
                    same = self.new[i].point.eid == self.old[j].point.eid
                    scored.append((-score, not same, i, j))
        for _, _, i, j in sorted(scored):
            if i not in self.match and j not in self.taken:
                self._pair(i, j)

    def _score(self, i: int, j: int) -> float:
        """Word and word-pair Jaccard of own text; a point with children counts each child that went
        to a child of the candidate as one more agreeing part."""
        n, o = self.new[i], self.old[j]
        own = 0.0
        if n.key == o.key:
            own = 1.0
        elif n.key != ("", "") and o.key != ("", ""):
            a, b = n.shingle_set(), o.shingle_set()
            common = len(a & b)
            own = common / (len(a) + len(b) - common)
        parts = max(len(n.children), len(o.children))
        if not parts:
            return own
        votes = sum(1 for c in n.children if self.old[self.match.get(c, -1)].parent == j) if self.match else 0
        if n.key == ("", "") and o.key == ("", ""):
            return votes / parts
        return (votes + own) / (parts + 1)


def _match(old: list[_Node], new: list[_Node]) -> dict[int, int]:
    return _Matcher(old, new).run()


def match_points(old: DraftText, new: DraftText) -> dict[str, str]:
    """New eId -> old eId for every point of `new` that is the same point as one of `old`.

    1. Exact: identical heading and text, occurring once in each version, same kind (art/para/point).
    2. Anchors: the exact pairs in a longest run that keeps document order (an LIS) split both
       versions into gaps. Level by level, deepest first (children are decided before parents), each
       unmatched point is scored against the nearest unmatched old points of its kind in the same gap
       (score >= 0.3) and against the old point with its own eId (score >= 0.5 outside the gap); pairs
       are taken greedily, best score first, ties to the same eId then document order.
    3. Moved: points still unmatched are scored against old points sharing the most rare word pairs
       (an inverted index of pairs held by at most 3 old points) and against the old parents of their
       matched children (score >= 0.5), again deepest first and greedily.
    The score is the Jaccard similarity of the sets of words and word pairs of heading and text; for a
    point with children, each child matched to a child of the candidate adds one agreeing part.
    Each candidate set is bounded, so the cost grows with the number of points, not its square.
    """
    old_nodes, new_nodes = _flatten(old), _flatten(new)
    for nodes, which in ((old_nodes, "old"), (new_nodes, "new")):
        if len({node.point.eid for node in nodes}) != len(nodes):
            raise InvalidInput(f"the {which} draft has duplicate eIds")
    return {new_nodes[i].point.eid: old_nodes[j].point.eid for i, j in _match(old_nodes, new_nodes).items()}


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


def redline(old: DraftText, new: DraftText) -> Redline:
    """Match the points of two versions (see `match_points`) and diff each pair word by word."""
    old_nodes, new_nodes = _flatten(old), _flatten(new)
    match = _match(old_nodes, new_nodes)
    moved = _moved(old_nodes, new_nodes, match)
    changes: list[PointChange] = []
    for node in new_nodes:
        p, j = node.point, match.get(node.index)
        if j is None:
            changes.append(
                PointChange(
                    "added", None, p.eid, None, p.label, word_diff("", p.heading or ""),
                    word_diff("", p.text), depth=node.depth, new_index=node.index,
                )
            )  # fmt: skip
            continue
        q = old_nodes[j].point
        changes.append(
            PointChange(
                "unchanged" if old_nodes[j].key == node.key else "changed",
                q.eid, p.eid, q.label, p.label,
                word_diff(q.heading or "", p.heading or ""), word_diff(q.text, p.text),
                moved=node.index in moved, renumbered=q.label != p.label or q.eid != p.eid,
                depth=node.depth, old_index=j, new_index=node.index,
            )
        )  # fmt: skip
    # A removed point goes after the entry of its predecessor in the old document (or first).
    after: dict[int, list[PointChange]] = {}
    by_old = {j: i for i, j in match.items()}
    place = -1
    for node in old_nodes:
        q = node.point
        if node.index in by_old:
            place = by_old[node.index]
            continue
        after.setdefault(place, []).append(
            PointChange(
                "removed", q.eid, None, q.label, None, word_diff(q.heading or "", ""),
                word_diff(q.text, ""), depth=node.depth, old_index=node.index,
            )
        )  # fmt: skip
    ordered = after.get(-1, [])
    for change in changes:
        ordered.append(change)
        ordered.extend(after.get(change.new_index or 0, []) if change.new_index is not None else [])
    statuses = Counter(c.status for c in ordered)
    summary = Summary(
        statuses["unchanged"],
        statuses["changed"],
        statuses["added"],
        statuses["removed"],
        sum(c.moved for c in ordered),
        sum(c.renumbered for c in ordered),
    )
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
        "summary": {
            "unchanged": r.summary.unchanged,
            "changed": r.summary.changed,
            "added": r.summary.added,
            "removed": r.summary.removed,
            "moved": r.summary.moved,
            "renumbered": r.summary.renumbered,
        },
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


# ---- stable eIds ----------------------------------------------------------------------------------


def _fresh(eid: str, used: set[str]) -> str:
    """`eid` + "n1", "n2", ...: the first not in use. "art_2" becomes "art_2n1", "art_3__para_2"
    becomes "art_3__para_2n1"; importers never derive a number ending so, and the last token stays
    `[a-z]+_[A-Za-z0-9]+`."""
    stem = eid if EID_PATTERN.fullmatch(eid) else "point_x"
    k = 1
    while f"{stem}n{k}" in used:
        k += 1
    return f"{stem}n{k}"


def carry_eids(base: DraftText, new: DraftText) -> DraftText:
    """`new` with stable eIds: a point matched to a point of `base` (see `match_points`) takes that
    point's eId; an unmatched point keeps its own, re-prefixed under its parent's final eId, unless
    that is now in use, when it gets a fresh one (`_fresh`). Going through the points in document
    order makes the result deterministic; eIds come out unique. Amendments follow their points;
    labels are never changed (they are what is printed)."""
    base_nodes, new_nodes = _flatten(base), _flatten(new)
    match = _match(base_nodes, new_nodes)
    used = {base_nodes[j].point.eid for j in match.values()}
    carried: list[str] = []
    assigned: set[str] = set()
    for node in new_nodes:
        j = match.get(node.index)
        if j is not None and base_nodes[j].point.eid not in assigned:
            eid = base_nodes[j].point.eid
        else:
            eid = node.point.eid
            parent = new_nodes[node.parent].point.eid if node.parent >= 0 else None
            if parent is not None and eid.startswith(parent + "__"):
                eid = carried[node.parent] + eid[len(parent) :]
            if eid in used or eid in assigned or not eid:
                eid = _fresh(eid, used | assigned)
        assigned.add(eid)
        carried.append(eid)
    order = iter(carried)

    def rebuild(point: Point) -> Point:
        eid = next(order)
        return replace(point, eid=eid, children=tuple(rebuild(c) for c in point.children))

    points = tuple(rebuild(p) for p in new.points)
    renamed: dict[str, str] = {}
    for node, eid in zip(new_nodes, carried, strict=True):
        renamed.setdefault(node.point.eid, eid)
    amendments = tuple(Amendment(renamed.get(a.eid, a.eid), a.text, a.author, a.date) for a in new.amendments)
    return replace(new, points=points, amendments=amendments)


__all__ = [
    "EID_PATTERN",
    "PointChange",
    "Redline",
    "Summary",
    "WordDiff",
    "carry_eids",
    "match_points",
    "redline",
    "redline_to_json",
    "word_diff",
]
