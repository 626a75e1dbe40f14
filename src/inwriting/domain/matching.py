"""Which points of two versions are the same point, even renumbered or moved, and the stable eIds
that follow from it: `match_points` pairs points, `carry_eids` gives a new version its base's ids.
No I/O; `redline` builds on the pairs.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from itertools import pairwise

from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.errors import InvalidInput

# An eId is tokens like "art_4" joined by "__"; fresh ids (see carry_eids) keep to this form.
EID_PATTERN = re.compile(r"[a-z]+_[A-Za-z0-9]+(?:__[a-z]+_[A-Za-z0-9]+)*")

_DMP = diff_match_patch()

GAP_THRESHOLD = 0.3  # a pair in the same place between anchors: "changed" rather than removed + added
MOVE_THRESHOLD = 0.5  # a pair anywhere else (moved, or same eId out of place) must agree more
_STRONG = 0.8  # a candidate this close ends the search (points are mostly edited in place)
_NEAR = 8  # candidates per point within its gap, nearest to its proportional position
_TOP = 4  # candidates per point from the rare-shingle index
_RARE = 3  # a shingle held by more unmatched old points than this says nothing about identity


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


__all__ = ["EID_PATTERN", "GAP_THRESHOLD", "MOVE_THRESHOLD", "carry_eids", "match_points"]
