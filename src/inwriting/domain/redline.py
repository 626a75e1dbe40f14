"""Redlines between two versions of a draft: which points are the same point, and word diffs per point.

`match_points` pairs points across versions (renumbered or moved), `redline` diffs each pair word by
word with diff-match-patch, `carry_eids` keeps a point's eId when a later version renumbers it. No I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from itertools import pairwise
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
_STRONG = 0.8  # a candidate this close ends the search (points are mostly edited in place)
_NEAR = 8  # candidates per point within its gap, nearest to its proportional position
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


# ---- point matching -------------------------------------------------------------------------------


class _Node:
    """A point flattened in walk order, with what matching needs."""

    __slots__ = ("children", "depth", "flat", "index", "key", "kind", "parent", "point", "shingles")

    def __init__(self, index: int, point: Point, parent: int, depth: int) -> None:
        self.index, self.point, self.parent, self.depth = index, point, parent, depth
        last = point.eid.rpartition("__")[2]
        self.kind = last.partition("_")[0] if "_" in last else ""
        self.key = (point.heading or "", point.text)
        self.flat = f"{self.key[0]}\n{self.key[1]}"
        self.children: list[int] = []
        self.shingles: frozenset[str] | None = None

    def shingle_set(self) -> frozenset[str]:
        """`_shingles` of heading and text, computed once, when needed."""
        if self.shingles is None:
            self.shingles = _shingles(self.flat)
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
        if point.children:
            stack.extend([(child, node.index, depth + 1) for child in reversed(point.children)])
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
        if len(self.match) < len(self.new):
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
        guess = lo_old + (i - lo_new) * (hi_old - lo_old) / (hi_new - lo_new)
        if stop - start > _NEAR:
            mid = bisect_left(free, guess, start, stop)
            start = max(start, min(mid - _NEAR // 2, stop - _NEAR))
            stop = start + _NEAR
        for j in sorted(free[start:stop], key=lambda j: (abs(j - guess), j)):
            yield j, GAP_THRESHOLD
        j = by_eid.get(node.point.eid, -1)
        if j >= 0 and not start <= bisect_left(free, j) < stop and self.old[j].kind == node.kind:
            yield j, MOVE_THRESHOLD

    def _rare_index(self) -> dict[tuple[str, str], list[int]]:
        """(kind, word pair) -> the unmatched old points of that kind holding it, for rare pairs."""
        index: dict[tuple[str, str], list[int]] = {}
        for node in self.old:
            if node.index not in self.taken:
                for shingle in node.shingle_set():
                    if " " in shingle:  # a word pair
                        index.setdefault((node.kind, shingle), []).append(node.index)
        return {key: js for key, js in index.items() if len(js) <= _RARE}

    def _similar(self, i: int, index: dict[tuple[str, str], list[int]]) -> Iterable[tuple[int, float]]:
        """Old points sharing the most rare word pairs, and the old parents of its matched children."""
        node = self.new[i]
        kind, empty = node.kind, ()
        hits = Counter([j for shingle in node.shingle_set() for j in index.get((kind, shingle), empty)])
        found = {j for j, _ in sorted(hits.items(), key=lambda h: (-h[1], h[0]))[:_TOP]}
        found.update(self.old[self.match[c]].parent for c in node.children if c in self.match)
        for j in sorted(found - {-1}, key=lambda j: (-hits[j], j)):
            if self.old[j].kind == node.kind:
                yield j, MOVE_THRESHOLD

    def _assign(self, level: list[int], candidates: Callable[[int], Iterable[tuple[int, float]]]) -> None:
        """Greedy by score: the best pair first; ties go to the same eId, then document order. A
        point's candidates come nearest first; one scoring `_STRONG` ends the search for that point."""
        scored = []
        for i in level:
            for j, threshold in candidates(i):
                if j in self.taken:
                    continue
                score = self._score(i, j)
                if score >= threshold:
                    same = self.new[i].point.eid == self.old[j].point.eid
                    scored.append((-score, not same, i, j))
                if score >= _STRONG:
                    break
        for _, _, i, j in sorted(scored):
            if i not in self.match and j not in self.taken:
                self._pair(i, j)

    def _score(self, i: int, j: int) -> float:
        """Similarity of own heading and text (`_similarity`); a point with children counts each child
        that went to a child of the candidate as one more agreeing part."""
        n, o = self.new[i], self.old[j]
        own = _similarity(n, o) if n.key != ("", "") and o.key != ("", "") else float(n.key == o.key)
        parts = max(len(n.children), len(o.children))
        if not parts:
            return own
        votes = sum(1 for c in n.children if c in self.match and self.old[self.match[c]].parent == j)
        if n.key == ("", "") and o.key == ("", ""):
            return votes / parts
        return (votes + own) / (parts + 1)


def _similarity(n: _Node, o: _Node) -> float:
    """How much of the longer text the other shares: characters of a common start and end count
    fully; unless they make up 80% of it (an edit in one place), the rest counts by the Jaccard
    similarity of the two texts' sets of words and word pairs (computed once per point)."""
    a, b = n.flat, o.flat
    if a == b:
        return 1.0
    head: int = _DMP.diff_commonPrefix(a, b)
    tail: int = _DMP.diff_commonSuffix(a[head:], b[head:])
    longest = max(len(a), len(b))
    if head + tail >= 0.8 * longest:
        return (head + tail) / longest
    x, y = n.shingle_set(), o.shingle_set()
    common = len(x & y)
    jaccard = common / (len(x) + len(y) - common)
    return (head + tail + jaccard * (longest - head - tail)) / longest


def _shingles(text: str) -> frozenset[str]:
    """Lower-cased words and word pairs (with start and end marks, so one word still has pairs)."""
    words = ["\x02", *text.lower().split(), "\x03"]
    return frozenset([*words[1:-1], *map(" ".join, pairwise(words))])


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
    The score of two texts (heading and text) counts the characters of their common start and end,
    and the rest by the Jaccard similarity of its words and word pairs, over the longer text's length
    (`_similarity`); for a point with children, each child matched to a child of the candidate adds
    one agreeing part. Candidates are tried nearest first, and one scoring 0.8 ends the search.
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


# ---- stable eIds ----------------------------------------------------------------------------------


def _fresh(eid: str, used: set[str], assigned: set[str]) -> str:
    """`eid` + "n1", "n2", ...: the first not in use. "art_2" becomes "art_2n1", "art_3__para_2"
    becomes "art_3__para_2n1"; importers never derive a number ending so, and the last token stays
    `[a-z]+_[A-Za-z0-9]+`."""
    stem = eid if EID_PATTERN.fullmatch(eid) else "point_x"
    k = 1
    while f"{stem}n{k}" in used or f"{stem}n{k}" in assigned:
        k += 1
    return f"{stem}n{k}"


def carry_eids(base: DraftText, new: DraftText) -> DraftText:
    """`new` with stable eIds: a point matched to a point of `base` (see `match_points`) takes that
    point's eId (a point moved under another parent keeps only its last part, under the new parent's
    eId, as an eId always extends its parent's); an unmatched point keeps its own, re-prefixed under
    its parent's final eId, unless that is now in use, when it gets a fresh one (`_fresh`). Going
    through the points in document order makes the result deterministic; eIds come out unique.
    Amendments follow their points; labels are never changed (they are what is printed)."""
    base_nodes, new_nodes = _flatten(base), _flatten(new)
    match = _match(base_nodes, new_nodes)
    used = {base_nodes[j].point.eid for j in match.values()}
    carried: list[str] = []
    assigned: set[str] = set()
    for node in new_nodes:
        j = match.get(node.index)
        prefix = carried[node.parent] + "__" if node.parent >= 0 else ""
        if j is not None and base_nodes[j].point.eid not in assigned:
            eid = base_nodes[j].point.eid
            if eid.rpartition("__")[0] + ("__" if "__" in eid else "") != prefix:
                # moved under another parent: an eId extends its parent's, so keep only its last part
                eid = prefix + eid.rpartition("__")[2]
                if eid in used or eid in assigned:
                    eid = _fresh(eid, used, assigned)
        else:
            eid = node.point.eid
            parent = new_nodes[node.parent].point.eid if node.parent >= 0 else None
            if parent is not None and eid.startswith(parent + "__"):
                eid = carried[node.parent] + eid[len(parent) :]
            if eid in used or eid in assigned or not eid:
                eid = _fresh(eid, used, assigned)
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
    "interleave",
    "match_points",
    "redline",
    "redline_to_json",
    "word_diff",
]
