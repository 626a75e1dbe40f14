"""RFC 9162 §2.1 Merkle tree hashing, audit paths and consistency proofs over stored perfect subtrees.

Storage keeps only perfect subtree hashes: node (level, index) covers leaves [index·2^level,
(index+1)·2^level). Every tree head and proof is computed from O(log n) of them by arithmetic alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from inwriting.errors import InvalidInput, VerificationError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
NodeGetter = Callable[[NodeKey], bytes]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size > 1): RFC 9162's k."""
    return 1 << ((size - 1).bit_length() - 1)


# ---- ranges of leaves and the perfect subtrees that cover them -----------------------------------


def perfect_nodes_for_range(start: int, end: int) -> list[NodeKey]:
    """Perfect subtrees, left to right and largest first, covering [start, end).

    MTH(D[start:end]) splits at start + k, so the range must begin on a multiple of its largest power
    of two; every range in RFC 9162's recursion (subtrees of a tree rooted at leaf 0) does.
    """
    size = end - start
    if start < 0 or size < 0:
        raise InvalidInput(f"no leaf range [{start}, {end})")
    if size == 0:
        return []
    top = size.bit_length() - 1
    if start % (1 << top):
        raise InvalidInput(f"leaf range [{start}, {end}) is not a subtree of the log")
    nodes: list[NodeKey] = []
    pos = start
    for level in range(top, -1, -1):
        if size >> level & 1:
            nodes.append((level, pos >> level))
            pos += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    # A right edge nests to the right: sizes 4+2+1 give H(a, H(b, c)), never H(H(a, b), c).
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for digest in reversed(hashes[:-1]):
        result = node_hash(digest, result)
    return result


def range_hash(start: int, end: int, get: NodeGetter) -> bytes:
    """MTH of leaves [start, end) from stored perfect subtrees; `get` may raise KeyError."""
    return _fold([get(node) for node in perfect_nodes_for_range(start, end)])


def root_nodes(size: int) -> list[NodeKey]:
    return perfect_nodes_for_range(0, size)


def root_from(size: int, get: NodeGetter) -> bytes:
    """The tree head for the first `size` leaves (EMPTY_ROOT for none)."""
    return range_hash(0, size, get)


# ---- which ranges a proof holds ------------------------------------------------------------------


def inclusion_path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PATH(index, D[size]), bottom-up (proof order)."""
    if not 0 <= index < size:
        raise InvalidInput(f"leaf {index} is not in a tree of size {size}")
    siblings: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            siblings.append((mid, hi))
            hi = mid
        else:
            siblings.append((lo, mid))
            lo = mid
    siblings.reverse()
    return siblings


def consistency_proof_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PROOF(old, D[new]) of RFC 9162 §2.1.4, in proof order.

    old == new and old == 0 need no proof (an empty list).
    """
    if not 0 <= old <= new:
        raise InvalidInput(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []
    siblings: list[tuple[int, int]] = []
    lo, hi, whole = 0, new, True
    while old - lo != hi - lo:
        mid = lo + _split(hi - lo)
        if old <= mid:
            siblings.append((mid, hi))
            hi = mid
        else:
            siblings.append((lo, mid))
            lo, whole = mid, False
    siblings.reverse()
    # SUBPROOF(m, D[m], false) = MTH(D[m]): the old subtree itself, unless it is the whole old tree.
    return siblings if whole else [(lo, hi), *siblings]


def needed_nodes(ranges: Iterable[tuple[int, int]]) -> set[NodeKey]:
    """Every perfect node the ranges need, so that storage can fetch them in one query."""
    return {node for start, end in ranges for node in perfect_nodes_for_range(start, end)}


def inclusion_proof(index: int, size: int, get: NodeGetter) -> list[bytes]:
    return [range_hash(start, end, get) for start, end in inclusion_path_ranges(index, size)]


def consistency_proof(old: int, new: int, get: NodeGetter) -> list[bytes]:
    return [range_hash(start, end, get) for start, end in consistency_proof_ranges(old, new)]


# ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -----------------------------------------------


def _check_lengths(hashes: Iterable[bytes], where: str) -> None:
    for digest in hashes:
        if len(digest) != HASH_SIZE:
            raise VerificationError(f"a hash has {len(digest)} bytes, not {HASH_SIZE}", where=where)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that `leaf` (a leaf hash) is leaf `index` of the tree of `size` with head `root`."""
    where = f"inclusion proof for leaf {index} in tree of {size}"
    if not 0 <= index < size:
        raise VerificationError("the leaf index is not below the tree size", where=where)
    _check_lengths([leaf, root, *proof], where)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("the proof is too long", where=where)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("the proof is too short", where=where)
    if r != root:
        raise VerificationError("the proof does not lead to the tree head", where=where)


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of `new` with head `new_root` extends the tree of `old` with `old_root`."""
    where = f"consistency proof from {old} to {new}"
    if not 0 <= old <= new:
        raise VerificationError("the old size is not between 0 and the new size", where=where)
    _check_lengths([old_root, new_root, *proof], where)
    if old == 0 or old == new:
        if proof:
            raise VerificationError("the proof should be empty", where=where)
        if old == 0 and old_root != EMPTY_ROOT:
            raise VerificationError("the old head is not the empty tree's", where=where)
        if old == new and old_root != new_root:
            raise VerificationError("the two heads of one size differ", where=where)
        return
    if not proof:
        raise VerificationError("the proof is empty", where=where)
    path = [old_root, *proof] if old & (old - 1) == 0 else list(proof)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("the proof is too long", where=where)
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("the proof is too short", where=where)
    if fr != old_root:
        raise VerificationError("the proof does not lead to the old tree head", where=where)
    if sr != new_root:
        raise VerificationError("the proof does not lead to the new tree head", where=where)


# ---- streaming builder ---------------------------------------------------------------------------


class Frontier:
    """A tree built leaf by leaf in O(log n) memory: the hashes of the perfect subtrees of the head."""

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []  # one hash per set bit of size, largest subtree first

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> list[tuple[NodeKey, bytes]]:
        """Add one leaf hash; return the perfect nodes it completes, the leaf (0, n) first."""
        if len(leaf_hash) != HASH_SIZE:
            raise InvalidInput(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf_hash)}")
        level, index, digest = 0, self._size, leaf_hash
        completed: list[tuple[NodeKey, bytes]] = [((0, index), digest)]
        while index & 1:
            digest = node_hash(self._stack.pop(), digest)
            level, index = level + 1, index >> 1
            completed.append(((level, index), digest))
        self._stack.append(digest)
        self._size += 1
        return completed

    def append_subtree(self, level: int, digest: bytes) -> None:
        """Add a whole perfect subtree of 2**level leaves at once (the size must be a multiple of it)."""
        if self._size % (1 << level):
            raise InvalidInput(f"a subtree of 2**{level} leaves cannot start at leaf {self._size}")
        index = self._size >> level
        while index & 1:
            digest = node_hash(self._stack.pop(), digest)
            index >>= 1
        self._stack.append(digest)
        self._size += 1 << level

    def root(self) -> bytes:
        return _fold(self._stack)

    def copy(self) -> Frontier:
        twin = Frontier()
        twin._stack = list(self._stack)
        twin._size = self._size
        return twin

    @classmethod
    def from_nodes(cls, size: int, get: NodeGetter) -> Frontier:
        """The frontier of a stored tree of `size` leaves, from its root_nodes(size)."""
        frontier = cls()
        frontier._stack = [get(node) for node in root_nodes(size)]
        frontier._size = size
        return frontier


__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "NodeGetter",
    "NodeKey",
    "consistency_proof",
    "consistency_proof_ranges",
    "inclusion_path_ranges",
    "inclusion_proof",
    "leaf_hash",
    "needed_nodes",
    "node_hash",
    "perfect_nodes_for_range",
    "range_hash",
    "root_from",
    "root_nodes",
    "verify_consistency",
    "verify_inclusion",
]
