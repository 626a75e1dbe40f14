"""Checks one signed event against the state before it, and streams a whole log through those checks.

`check_signed` is used on append (refusing with RecordError) and `LogVerifier` by `log verify` and
`verify BUNDLE` (raising VerificationError). Signatures are checked on a thread pool: libsodium
releases the GIL, so verification scales with cores while the main thread parses and hashes.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from inwriting.domain import events as ev
from inwriting.domain.fold import apply, authorise
from inwriting.domain.model import State
from inwriting.errors import InwritingError, RecordError, VerificationError
from inwriting.record import merkle
from inwriting.record.chain import Head
from inwriting.record.envelope import SignedEvent
from inwriting.record.instrument import check_event_signature
from inwriting.record.keys import PublicKey, key_id_of, unb64

KEY_PROOF_DOMAIN = b"inwriting/key-proof/v1\n"
_KEY_EVENTS = frozenset({ev.GENESIS, ev.PARTY_REGISTERED, ev.KEY_ADDED, ev.KEY_REVOKED})


def key_proof_message(party: str, key_id: str) -> bytes:
    """What a new key signs to prove its holder has it (and that it is a usable Ed25519 key)."""
    return KEY_PROOF_DOMAIN + f"{party}\n{key_id}".encode()


def check_key_material(party: str, key_id: object, public_key: object, proof: object, *, where: str) -> None:
    """A key entering the log must be well formed, named by its own id and proven by its holder."""
    if not isinstance(key_id, str) or not isinstance(public_key, str) or not isinstance(proof, str):
        raise RecordError("key_id, public_key and proof must be texts", where=where)
    key = PublicKey.from_b64(public_key)
    if key.key_id != key_id:
        raise RecordError(
            f"key id {key_id} does not match its public key ({key_id_of(key.raw)})", where=where
        )
    signature = unb64(proof, what="key proof", size=64)
    try:
        key.verify(key_proof_message(party, key_id), signature, where=where)
    except VerificationError as exc:
        raise RecordError(f"the proof of possession for key {key_id} does not verify", where=where) from exc


def _check_key_event(signed: SignedEvent) -> None:
    event, where = signed.event, f"event {signed.event.seq} ({signed.event.type})"
    body = event.body
    if event.type == ev.KEY_ADDED:
        check_key_material(
            str(body.get("party")), body.get("key_id"), body.get("public_key"), body.get("proof"), where=where
        )
    elif event.type == ev.GENESIS:
        operator = body.get("operator")
        if not isinstance(operator, dict):
            raise RecordError("log.genesis must name the operator key", where=where)
        check_key_material(
            ev.OPERATOR,
            operator.get("key_id"),
            operator.get("public_key"),
            operator.get("proof"),
            where=where,
        )


def check_signed(
    state: State, head: Head, signed: SignedEvent, *, signed_by: PublicKey | None = None
) -> State:
    """Refuse (RecordError or a domain error) unless `signed` may be appended after `head`."""
    head.check_next(signed.event)
    return check_signed_in_order(state, signed, signed_by=signed_by)


def check_signed_in_order(state: State, signed: SignedEvent, *, signed_by: PublicKey | None = None) -> State:
    """Key rules and signature of an event whose place in the chain was checked elsewhere.

    `signed_by` is for an event this process has just signed: then it is enough that the key it used
    is the one the log gives the actor, and the signature need not be checked again.
    """
    _check_key_event(signed)
    key = authorise(state, signed.event)
    if signed.event.type == ev.INSTRUMENT_SIGNED:
        where = f"event {signed.event.seq} ({signed.event.type})"
        try:
            check_event_signature(signed.event.body, key.public_key, where=where)
        except VerificationError as exc:
            raise RecordError(exc.message, where=exc.where) from exc
    if signed_by is not None:
        if signed_by.b64 != key.public_key:
            raise RecordError(
                f"signed with a key that is not the log's {key.key_id}", where=f"event {signed.event.seq}"
            )
        return apply(state, signed.event)
    try:
        signed.verify(PublicKey.from_b64(key.public_key))
    except VerificationError as exc:
        raise RecordError(exc.message, where=exc.where) from exc
    return apply(state, signed.event)


@dataclass(frozen=True)
class VerifiedLog:
    size: int
    root: bytes
    state: State
    head: Head


_Item = tuple[nacl.signing.VerifyKey, bytes, bytes, str]


def _verify_chunk(items: list[_Item]) -> str | None:
    for verify_key, message, signature, where in items:
        try:
            verify_key.verify(message, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            return where
    return None


class LogVerifier:
    """Stream entries in log order; raise VerificationError naming the first thing that fails.

    `full_fold` applies every domain rule (the database log); otherwise only the events that set up
    keys are folded (a bundle, where other events may be hidden as leaf hashes).
    """

    CHUNK = 512

    def __init__(
        self,
        *,
        full_fold: bool,
        workers: int | None = None,
        on_node: Callable[[merkle.NodeKey, bytes], None] | None = None,
        locate: Callable[[int], str] | None = None,
    ) -> None:
        self.full_fold = full_fold
        self._locate = locate or (lambda seq: "")
        self.state = State()
        self.head = Head()
        self.frontier = merkle.Frontier()
        self._on_node = on_node
        self._workers = workers or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self._workers) if self._workers > 1 else None
        self._pending: deque[Future[str | None]] = deque()
        self._chunk: list[_Item] = []
        self._verifiers: dict[str, nacl.signing.VerifyKey] = {}

    def add(self, signed: SignedEvent) -> None:
        event = signed.event
        where = f"event {event.seq} ({event.type}, id {event.id}{self._locate(event.seq)})"
        try:
            self.head.check_next(event)
            if event.type in _KEY_EVENTS:
                _check_key_event(signed)
            key = authorise(self.state, event)
            if event.type == ev.INSTRUMENT_SIGNED:
                check_event_signature(event.body, key.public_key, where=where)
            if self.full_fold or event.type in _KEY_EVENTS:
                self.state = apply(self.state, event)
        except InwritingError as exc:
            self.drain()  # an earlier event's bad signature is the better explanation, if there is one
            raise VerificationError(exc.message, where=where) from exc
        verifier = self._verifiers.get(key.key_id)
        if verifier is None:
            verifier = self._verifiers[key.key_id] = PublicKey.from_b64(key.public_key).verifier()
        self._queue(
            (
                verifier,
                b"inwriting/event/v1\n" + signed.event_bytes,
                signed.signature,
                f"{where}: signature by {key.key_id} of {key.party}",
            )
        )
        self._append_leaf(signed.leaf_hash, event)

    def add_hidden(self, seq: int, leaf_hash: bytes) -> None:
        """An event the reader may not see: only its leaf hash, so the tree still verifies."""
        if seq != self.head.size:
            self.drain()
            raise VerificationError(
                f"out of order: hidden leaf carries seq {seq}, expected {self.head.size}",
                where=f"leaf {seq}{self._locate(seq)}",
            )
        if len(leaf_hash) != merkle.HASH_SIZE:
            raise VerificationError("a leaf hash has 32 bytes", where=f"leaf {seq}{self._locate(seq)}")
        self.head = Head(seq + 1, leaf_hash, self.head.time)
        self._store_nodes(self.frontier.append(leaf_hash))

    def _append_leaf(self, leaf_hash: bytes, event: ev.Event) -> None:
        self.head = self.head.advance(event, leaf_hash)
        self._store_nodes(self.frontier.append(leaf_hash))

    def _store_nodes(self, nodes: list[tuple[merkle.NodeKey, bytes]]) -> None:
        if self._on_node is not None:
            for node, digest in nodes:
                self._on_node(node, digest)

    def _queue(self, item: _Item) -> None:
        self._chunk.append(item)
        if len(self._chunk) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        chunk, self._chunk = self._chunk, []
        if not chunk:
            return
        if self._pool is None:
            self._raise_if_failed(_verify_chunk(chunk))
            return
        self._pending.append(self._pool.submit(_verify_chunk, chunk))
        while len(self._pending) > 4 * self._workers:
            self._raise_if_failed(self._pending.popleft().result())

    @staticmethod
    def _raise_if_failed(where: str | None) -> None:
        if where is not None:
            raise VerificationError(
                "the signature does not verify (the event or its signature changed)", where=where
            )

    def drain(self) -> None:
        self._flush()
        while self._pending:
            self._raise_if_failed(self._pending.popleft().result())

    def finish(self) -> VerifiedLog:
        """Wait for every signature; the log up to here is authentic if this returns."""
        try:
            self.drain()
        finally:
            self.close()
        return VerifiedLog(self.head.size, self.frontier.root(), self.state, self.head)

    def close(self) -> None:
        if self._pool is not None:
            for future in self._pending:
                future.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
