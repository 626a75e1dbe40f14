"""RFC 9162 Merkle trees: the shared vectors, a naive recursive reference straight from §2.1, tamper
rejection, and the streaming frontier against stored perfect subtrees."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.errors import InvalidInput, VerificationError
from inwriting.record import merkle
from inwriting.record.merkle import (
    EMPTY_ROOT,
    Frontier,
    NodeKey,
    consistency_proof,
    consistency_proof_ranges,
    inclusion_path_ranges,
    inclusion_proof,
    leaf_hash,
    needed_nodes,
    node_hash,
    perfect_nodes_for_range,
    range_hash,
    root_from,
    root_nodes,
    verify_consistency,
    verify_inclusion,
)

VECTOR_FILE = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "rfc9162.json"


# ---- a naive reference, straight from RFC 9162 §2.1 ---------------------------------------------


class Reference:
    """MTH, PATH and PROOF by the RFC's recursion over a list of leaf hashes.

    PATH and PROOF also give each element's side (True: a left sibling; None: the old subtree that
    starts a consistency proof), the shape that decides what a verifier computes from a proof.
    """

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.mth = lru_cache(maxsize=None)(self._mth)

    def _mth(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return self.leaves[start]
        k = largest_power_of_two_below(n)
        return hashlib.sha256(b"\x01" + self.mth(start, start + k) + self.mth(start + k, end)).digest()

    def path(self, m: int, start: int, end: int) -> list[tuple[bytes, bool]]:
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m < k:
            return [*self.path(m, start, start + k), (self.mth(start + k, end), False)]
        return [*self.path(m - k, start + k, end), (self.mth(start, start + k), True)]

    def subproof(self, m: int, start: int, end: int, whole: bool) -> list[tuple[bytes, bool | None]]:
        n = end - start
        if m == n:
            return [] if whole else [(self.mth(start, end), None)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, whole), (self.mth(start + k, end), False)]
        return [*self.subproof(m - k, start + k, end, False), (self.mth(start, start + k), True)]

    def inclusion(self, m: int, n: int) -> list[bytes]:
        return [digest for digest, _ in self.path(m, 0, n)]

    def consistency(self, m: int, n: int) -> list[bytes]:
        return [digest for digest, _ in self.subproof(m, 0, n, True)]

    def inclusion_shape(self, m: int, n: int) -> tuple[bool, ...]:
        return tuple(side for _, side in self.path(m, 0, n))

    def consistency_shape(self, m: int, n: int) -> tuple[bool | None, ...]:
        return tuple(side for _, side in self.subproof(m, 0, n, True))


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def leaves_for(size: int, salt: int = 0) -> list[bytes]:
    return [leaf_hash(f"{salt}:{i}".encode()) for i in range(size)]


def build(leaves: list[bytes]) -> tuple[Frontier, dict[NodeKey, bytes]]:
    """A frontier over the leaves and every node its appends returned, as a log stores them."""
    frontier, store = Frontier(), dict[NodeKey, bytes]()
    for digest in leaves:
        for node, value in frontier.append(digest):
            assert node not in store, f"node {node} returned twice"
            store[node] = value
    return frontier, store


def only(store: dict[NodeKey, bytes], allowed: set[NodeKey]) -> Callable[[NodeKey], bytes]:
    """A getter that fails the test if asked for a node outside `allowed`."""

    def get(node: NodeKey) -> bytes:
        assert node in allowed, f"node {node} fetched but not announced"
        return store[node]

    return get


def flip(digest: bytes, position: int, mask: int) -> bytes:
    changed = bytearray(digest)
    changed[position % len(digest)] ^= mask
    return bytes(changed)


STRANGER = hashlib.sha256(b"not in any tree").digest()


# ---- the shared vectors --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    if not VECTOR_FILE.is_file():
        pytest.skip(f"shared RFC 9162 test vectors {VECTOR_FILE} are absent")
    data: dict[str, Any] = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
    return data


def test_vector_leaf_hashes(vectors: dict[str, Any]) -> None:
    computed = [leaf_hash(bytes.fromhex(data)).hex() for data in vectors["leaves"]]
    assert computed == vectors["leaf_hashes"]


def test_vector_roots(vectors: dict[str, Any]) -> None:
    leaves = [bytes.fromhex(h) for h in vectors["leaf_hashes"]]
    _, store = build(leaves)
    frontier = Frontier()
    assert frontier.root().hex() == vectors["roots"]["0"] == EMPTY_ROOT.hex()
    assert root_from(0, store.__getitem__).hex() == vectors["roots"]["0"]
    for n, digest in enumerate(leaves, start=1):
        frontier.append(digest)
        assert frontier.root().hex() == vectors["roots"][str(n)], f"frontier root of {n}"
        assert root_from(n, store.__getitem__).hex() == vectors["roots"][str(n)], f"stored root of {n}"
    assert len(vectors["roots"]) == 9


def test_vector_inclusion_proofs(vectors: dict[str, Any]) -> None:
    leaves = [bytes.fromhex(h) for h in vectors["leaf_hashes"]]
    _, store = build(leaves)
    checked = 0
    for n_key, by_index in vectors["inclusion"].items():
        n = int(n_key)
        root = bytes.fromhex(vectors["roots"][n_key])
        for m_key, expected in by_index.items():
            m = int(m_key)
            proof = inclusion_proof(m, n, store.__getitem__)
            assert [p.hex() for p in proof] == expected, f"inclusion of {m} in {n}"
            verify_inclusion(leaves[m], m, n, [bytes.fromhex(p) for p in expected], root)
            checked += 1
    assert checked == 36


def test_vector_consistency_proofs(vectors: dict[str, Any]) -> None:
    leaves = [bytes.fromhex(h) for h in vectors["leaf_hashes"]]
    _, store = build(leaves)
    checked = 0
    for n_key, by_old in vectors["consistency"].items():
        n = int(n_key)
        for m_key, expected in by_old.items():
            m = int(m_key)
            proof = consistency_proof(m, n, store.__getitem__)
            assert [p.hex() for p in proof] == expected, f"consistency from {m} to {n}"
            old_root, new_root = (bytes.fromhex(vectors["roots"][key]) for key in (m_key, n_key))
            verify_consistency(m, n, old_root, new_root, [bytes.fromhex(p) for p in expected])
            checked += 1
    assert checked == 36


# ---- against the reference -----------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 41))
def test_every_proof_matches_reference_in_small_trees(n: int) -> None:
    leaves = leaves_for(n)
    ref = Reference(leaves)
    frontier, store = build(leaves)
    root = ref.mth(0, n)
    assert frontier.root() == root_from(n, store.__getitem__) == root
    for m in range(n):
        ranges = inclusion_path_ranges(m, n)
        proof = inclusion_proof(m, n, only(store, needed_nodes(ranges)))
        assert proof == ref.inclusion(m, n), f"inclusion of {m} in {n}"
        verify_inclusion(leaves[m], m, n, proof, root)
    for m in range(1, n + 1):
        ranges = consistency_proof_ranges(m, n)
        proof = consistency_proof(m, n, only(store, needed_nodes(ranges)))
        assert proof == ref.consistency(m, n), f"consistency from {m} to {n}"
        verify_consistency(m, n, ref.mth(0, m), root, proof)


tree_sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=150, deadline=None)
@given(n=tree_sizes, data=st.data())
def test_random_trees_match_reference(n: int, data: st.DataObject) -> None:
    leaves = leaves_for(n, salt=n)
    ref = Reference(leaves)
    frontier, store = build(leaves)
    assert frontier.root() == root_from(n, store.__getitem__) == ref.mth(0, n)
    m = data.draw(st.integers(0, n - 1), label="index")
    assert inclusion_proof(m, n, store.__getitem__) == ref.inclusion(m, n)
    old = data.draw(st.integers(1, n), label="old")
    assert consistency_proof(old, n, store.__getitem__) == ref.consistency(old, n)
    verify_inclusion(leaves[m], m, n, ref.inclusion(m, n), ref.mth(0, n))
    verify_consistency(old, n, ref.mth(0, old), ref.mth(0, n), ref.consistency(old, n))


# ---- tampering -----------------------------------------------------------------------------------


def inclusion_tamperings(
    leaf: bytes, proof: list[bytes], root: bytes, position: int, mask: int
) -> list[tuple[str, bytes, list[bytes], bytes]]:
    cases = [
        ("altered leaf", flip(leaf, position, mask), proof, root),
        ("altered root", leaf, proof, flip(root, position, mask)),
        ("other root", leaf, proof, STRANGER),
        ("extended", leaf, [*proof, STRANGER], root),
        ("extended at the front", leaf, [STRANGER, *proof], root),
        ("short leaf", leaf[:-1], proof, root),
        ("long root", leaf, proof, root + b"\x00"),
    ]
    for i in range(len(proof)):
        changed = [*proof[:i], flip(proof[i], position, mask), *proof[i + 1 :]]
        cases.append((f"altered hash {i}", leaf, changed, root))
    if proof:
        cases.append(("last repeated", leaf, [*proof, proof[-1]], root))
        cases.append(("truncated", leaf, proof[:-1], root))
        cases.append(("first dropped", leaf, proof[1:], root))
        cases.append(("short hash", leaf, [proof[0][:-1], *proof[1:]], root))
    return cases


@settings(max_examples=150, deadline=None)
@given(n=tree_sizes, data=st.data(), position=st.integers(0, 31), mask=st.integers(1, 255))
def test_inclusion_rejects_tampering(n: int, data: st.DataObject, position: int, mask: int) -> None:
    leaves = leaves_for(n, salt=7)
    ref = Reference(leaves)
    m = data.draw(st.integers(0, n - 1), label="index")
    proof, root = ref.inclusion(m, n), ref.mth(0, n)
    verify_inclusion(leaves[m], m, n, proof, root)
    for label, leaf, bad_proof, bad_root in inclusion_tamperings(leaves[m], proof, root, position, mask):
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, m, n, bad_proof, bad_root)
            pytest.fail(f"accepted: {label}")


@settings(max_examples=150, deadline=None)
@given(n=tree_sizes, data=st.data())
def test_inclusion_rejects_wrong_index_and_size(n: int, data: st.DataObject) -> None:
    leaves = leaves_for(2 * n + 41, salt=3)
    ref = Reference(leaves)
    m = data.draw(st.integers(0, n - 1), label="index")
    proof, root = ref.inclusion(m, n), ref.mth(0, n)
    for other in {0, n - 1, m - 1, m + 1, n, n + 5, data.draw(st.integers(0, n + 5), label="other index")}:
        if other != m:
            with pytest.raises(VerificationError):
                verify_inclusion(leaves[m], other, n, proof, root)
    for size in {1, m, m + 1, n - 1, n + 1, 2 * n, data.draw(st.integers(0, n + 40), label="size")} - {n}:
        # RFC 9162 binds the size through the signed tree head, not the path: a path of the same
        # shape (e.g. leaf 0 in trees of 3 and 4) verifies under either size. Any other must fail.
        if m < size and ref.inclusion_shape(m, size) == ref.inclusion_shape(m, n):
            verify_inclusion(leaves[m], m, size, proof, root)
            continue
        with pytest.raises(VerificationError):
            verify_inclusion(leaves[m], m, size, proof, root)


def test_same_shaped_sizes_are_indistinguishable_by_path_alone() -> None:
    leaves = leaves_for(4)
    ref = Reference(leaves)
    proof = ref.inclusion(0, 3)
    verify_inclusion(leaves[0], 0, 4, proof, ref.mth(0, 3))
    with pytest.raises(VerificationError):
        verify_inclusion(leaves[0], 0, 4, proof, ref.mth(0, 4))


@settings(max_examples=150, deadline=None)
@given(n=tree_sizes, data=st.data(), position=st.integers(0, 31), mask=st.integers(1, 255))
def test_consistency_rejects_tampering(n: int, data: st.DataObject, position: int, mask: int) -> None:
    leaves = leaves_for(n, salt=11)
    ref = Reference(leaves)
    old = data.draw(st.integers(1, n), label="old")
    proof, old_root, new_root = ref.consistency(old, n), ref.mth(0, old), ref.mth(0, n)
    verify_consistency(old, n, old_root, new_root, proof)
    cases = [
        ("altered old root", flip(old_root, position, mask), new_root, proof),
        ("altered new root", old_root, flip(new_root, position, mask), proof),
        ("roots swapped", new_root, old_root, proof)
        if old != n
        else ("heads differ", old_root, STRANGER, []),
        ("extended", old_root, new_root, [*proof, STRANGER]),
        ("extended at the front", old_root, new_root, [STRANGER, *proof]),
        ("long root", old_root + b"\x00", new_root, proof),
    ]
    for i in range(len(proof)):
        changed = [*proof[:i], flip(proof[i], position, mask), *proof[i + 1 :]]
        cases.append((f"altered hash {i}", old_root, new_root, changed))
    if proof:
        cases += [
            ("truncated", old_root, new_root, proof[:-1]),
            ("first dropped", old_root, new_root, proof[1:]),
            ("short hash", old_root, new_root, [proof[0][:-1], *proof[1:]]),
        ]
    for label, bad_old, bad_new, bad_proof in cases:
        with pytest.raises(VerificationError):
            verify_consistency(old, n, bad_old, bad_new, bad_proof)
            pytest.fail(f"accepted: {label}")


@settings(max_examples=150, deadline=None)
@given(n=tree_sizes, data=st.data())
def test_consistency_rejects_wrong_sizes(n: int, data: st.DataObject) -> None:
    leaves = leaves_for(2 * n + 41, salt=5)
    ref = Reference(leaves)
    old = data.draw(st.integers(1, n), label="old")
    proof, old_root, new_root = ref.consistency(old, n), ref.mth(0, old), ref.mth(0, n)
    shape = ref.consistency_shape(old, n)
    olds = {0, 1, old - 1, old + 1, n, data.draw(st.integers(0, n + 40), label="other old")}
    news = {n - 1, n + 1, 2 * n, old, data.draw(st.integers(0, n + 40), label="other new")}
    for other_old, other_new in {(o, n) for o in olds} | {(old, s) for s in news}:
        if (other_old, other_new) == (old, n):
            continue
        # As for paths, only a pair of sizes whose proof has the same shape may verify.
        if 0 < other_old < other_new and ref.consistency_shape(other_old, other_new) == shape:
            verify_consistency(other_old, other_new, old_root, new_root, proof)
            continue
        with pytest.raises(VerificationError):
            verify_consistency(other_old, other_new, old_root, new_root, proof)


def test_consistency_edge_cases() -> None:
    leaves = leaves_for(5)
    ref = Reference(leaves)
    root5 = ref.mth(0, 5)
    verify_consistency(5, 5, root5, root5, [])
    verify_consistency(0, 5, EMPTY_ROOT, root5, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    for args in [
        (5, 5, root5, ref.mth(0, 4), []),
        (5, 5, root5, root5, [root5]),
        (0, 5, STRANGER, root5, []),
        (0, 5, EMPTY_ROOT, root5, [root5]),
        (3, 5, ref.mth(0, 3), root5, []),
        (5, 3, root5, ref.mth(0, 3), ref.consistency(3, 5)),
        (-1, 5, EMPTY_ROOT, root5, []),
    ]:
        with pytest.raises(VerificationError) as info:
            verify_consistency(*args)
        assert info.value.where == f"consistency proof from {args[0]} to {args[1]}"


def test_inclusion_edge_cases() -> None:
    leaf = leaf_hash(b"x")
    verify_inclusion(leaf, 0, 1, [], leaf)
    for index, size, proof, root in [
        (0, 1, [leaf], leaf),
        (1, 1, [], leaf),
        (0, 0, [], EMPTY_ROOT),
        (-1, 1, [], leaf),
        (0, 1, [], STRANGER),
    ]:
        with pytest.raises(VerificationError) as info:
            verify_inclusion(leaf, index, size, proof, root)
        assert info.value.where == f"inclusion proof for leaf {index} in tree of {size}"
    # The messages say what is wrong, not only that something is.
    for args, message in [
        ((leaf, 0, 1, [leaf], leaf), "too long"),
        ((leaf, 0, 2, [], leaf), "too short"),
        ((leaf[:31], 0, 1, [], leaf[:31]), "31 bytes"),
        ((leaf, 0, 2, [leaf + b"\x00"], leaf), "33 bytes"),
    ]:
        with pytest.raises(VerificationError, match=message):
            verify_inclusion(*args)


# ---- ranges and stored nodes ---------------------------------------------------------------------


def test_perfect_nodes_for_range() -> None:
    assert perfect_nodes_for_range(0, 0) == []
    assert perfect_nodes_for_range(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_nodes_for_range(8, 16) == [(3, 1)]
    assert perfect_nodes_for_range(4, 7) == [(1, 2), (0, 6)]
    assert perfect_nodes_for_range(12, 15) == [(1, 6), (0, 14)]
    assert root_nodes(13) == [(3, 0), (2, 2), (0, 12)]
    for start, end in [(1, 3), (2, 6), (-1, 2), (5, 4)]:
        with pytest.raises(InvalidInput):
            perfect_nodes_for_range(start, end)


def test_range_hash_nests_to_the_right() -> None:
    leaves = leaves_for(7)
    ref = Reference(leaves)
    _, store = build(leaves)
    a, b, c = store[(2, 0)], store[(1, 2)], store[(0, 6)]
    assert range_hash(0, 7, store.__getitem__) == node_hash(a, node_hash(b, c)) == ref.mth(0, 7)
    assert node_hash(node_hash(a, b), c) != ref.mth(0, 7)


def test_ranges_for_known_proofs() -> None:
    assert inclusion_path_ranges(0, 1) == []
    assert inclusion_path_ranges(5, 7) == [(4, 5), (6, 7), (0, 4)]
    assert inclusion_path_ranges(6, 7) == [(4, 6), (0, 4)]
    assert consistency_proof_ranges(3, 7) == [(2, 3), (3, 4), (0, 2), (4, 7)]
    assert consistency_proof_ranges(4, 7) == [(4, 7)]
    assert consistency_proof_ranges(7, 7) == []
    assert consistency_proof_ranges(0, 7) == []
    assert needed_nodes([(2, 3), (4, 7), (0, 4)]) == {(0, 2), (1, 2), (0, 6), (2, 0)}


def test_bad_arguments_are_invalid_input() -> None:
    _, store = build(leaves_for(4))
    calls: list[Callable[[], object]] = [
        lambda: inclusion_proof(4, 4, store.__getitem__),
        lambda: inclusion_path_ranges(-1, 4),
        lambda: consistency_proof(5, 4, store.__getitem__),
        lambda: consistency_proof_ranges(-1, 4),
        lambda: Frontier().append(b"short"),
        lambda: root_nodes(-1),
    ]
    for call in calls:
        with pytest.raises(InvalidInput):
            call()


def test_missing_node_raises_key_error() -> None:
    _, store = build(leaves_for(6))
    del store[(1, 2)]
    with pytest.raises(KeyError):
        root_from(6, store.__getitem__)
    with pytest.raises(KeyError):
        inclusion_proof(0, 6, store.__getitem__)
    with pytest.raises(KeyError):
        Frontier.from_nodes(6, store.__getitem__)


@settings(max_examples=100, deadline=None)
@given(n=tree_sizes, data=st.data())
def test_proofs_fetch_only_announced_nodes(n: int, data: st.DataObject) -> None:
    _, store = build(leaves_for(n, salt=2))
    m = data.draw(st.integers(0, n - 1), label="index")
    old = data.draw(st.integers(1, n), label="old")
    inclusion_proof(m, n, only(store, needed_nodes(inclusion_path_ranges(m, n))))
    consistency_proof(old, n, only(store, needed_nodes(consistency_proof_ranges(old, n))))
    root_from(n, only(store, set(root_nodes(n))))
    # A right-edge range is several nodes; a proof element of a perfect subtree is exactly one.
    for start, end in inclusion_path_ranges(m, n):
        nodes = perfect_nodes_for_range(start, end)
        assert sum(1 << level for level, _ in nodes) == end - start
        assert len(nodes) == 1 or end == n


# ---- the frontier --------------------------------------------------------------------------------


def expected_completed(n: int) -> list[NodeKey]:
    """Appending leaf n completes every perfect node whose last leaf is n, smallest first."""
    nodes = []
    level = 0
    while (n + 1) % (1 << level) == 0:
        nodes.append((level, (n + 1 >> level) - 1))
        level += 1
    return nodes


@settings(max_examples=60, deadline=None)
@given(n=tree_sizes)
def test_frontier_appends_return_exactly_the_completed_nodes(n: int) -> None:
    leaves = leaves_for(n, salt=9)
    ref = Reference(leaves)
    frontier, store = Frontier(), dict[NodeKey, bytes]()
    for i, digest in enumerate(leaves):
        assert frontier.size == i
        completed = frontier.append(digest)
        assert [node for node, _ in completed] == expected_completed(i)
        for (level, index), value in completed:
            assert value == ref.mth(index << level, (index + 1) << level)
        store.update(completed)
        assert frontier.root() == root_from(i + 1, only(store, set(root_nodes(i + 1)))) == ref.mth(0, i + 1)
    perfect = {(level, index) for level in range(n.bit_length()) for index in range(n >> level)}
    assert set(store) == perfect


@settings(max_examples=60, deadline=None)
@given(n=tree_sizes, data=st.data())
def test_frontier_from_nodes_continues(n: int, data: st.DataObject) -> None:
    leaves = leaves_for(n, salt=4)
    cut = data.draw(st.integers(0, n), label="cut")
    original, store = build(leaves[:cut])
    resumed = Frontier.from_nodes(cut, only(store, set(root_nodes(cut))))
    assert resumed.size == cut
    assert resumed.root() == original.root()
    for digest in leaves[cut:]:
        assert resumed.append(digest) == original.append(digest)
    assert resumed.root() == original.root() == Reference(leaves).mth(0, n)


def test_public_surface() -> None:
    assert merkle.HASH_SIZE == 32
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert set(merkle.__all__) == {name for name in dir(merkle) if not name.startswith("_")} - {
        "annotations",
        "hashlib",
        "Callable",
        "Iterable",
        "Sequence",
        "InvalidInput",
        "VerificationError",
    }
