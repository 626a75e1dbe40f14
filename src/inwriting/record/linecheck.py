"""Bundle lines checked in batches by worker processes: parse, hash, chain and verify in parallel.

Parsing holds Python's GIL, so threads cannot spread it over cores; processes can. A worker checks
everything inside its batch (signatures, seq, prev links, time order) and returns a summary; the main
process checks only what joins batches (the links between them, the keys each batch used, the tree).
Batches hold BATCH leaves and start at multiples of BATCH, so a full batch is one perfect subtree.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field

import nacl.exceptions
import nacl.signing

from inwriting.domain import events as ev
from inwriting.errors import InwritingError
from inwriting.record import merkle
from inwriting.record.envelope import SignedEvent, hash_ref
from inwriting.record.keys import EVENT_DOMAIN

BATCH_LEVEL = 11
BATCH = 1 << BATCH_LEVEL
# Events the main process must fold itself, in order: they set up parties and keys.
SPECIAL_TYPES = frozenset({ev.GENESIS, ev.PARTY_REGISTERED, ev.KEY_ADDED, ev.KEY_REVOKED})
KEY_EVENT_MARKERS = (b'"type":"key.added"', b'"type":"log.genesis"')

# A visible line embeds the signed canonical bytes verbatim, so they are read without re-encoding:
#   {"seq":N,"sig":"<base64 of 64 bytes>","event":{...canonical event...}}
EVENT_LINE = re.compile(
    rb'\{"seq":(0|[1-9][0-9]{0,17}),"sig":"([A-Za-z0-9+/]{86}==)","event":(\{.*\})\}\n?\Z', re.DOTALL
)
LEAF_LINE = re.compile(rb'\{"seq":(0|[1-9][0-9]{0,17}),"leaf":"([0-9a-f]{64})"\}\n?\Z')


def event_line(seq: int, event_bytes: bytes, signature: bytes) -> bytes:
    return b'{"seq":%d,"sig":"%s","event":%s}\n' % (seq, base64.b64encode(signature), event_bytes)


def leaf_line(seq: int, leaf_hash: bytes) -> bytes:
    return b'{"seq":%d,"leaf":"%s"}\n' % (seq, leaf_hash.hex().encode())


@dataclass(frozen=True)
class Special:
    number: int
    signed: SignedEvent


@dataclass(frozen=True)
class KeyUse:
    party: str
    first: int
    last: int
    public_key: bytes


@dataclass
class BatchResult:
    """What a batch proves, for the main process to join to the rest."""

    first_line: int
    first_seq: int
    count: int = 0
    events: int = 0
    first_prev: str | None = None  # the first visible event's prev, if it is the batch's first leaf
    first_time: str = ""
    last_time: str = ""
    leaves: bytes = b""
    subtree: bytes | None = None  # the perfect subtree hash of a full batch
    specials: list[Special] = field(default_factory=list)
    key_uses: dict[str, KeyUse] = field(default_factory=dict)
    failure: tuple[int, str] | None = None  # (line number, message) of the first line that failed


class _LineError(Exception):
    pass


def check_batch(first_line: int, first_seq: int, lines: list[bytes], keys: dict[str, bytes]) -> BatchResult:
    """Check one batch of lines; stop at the first failure and report it."""
    result = BatchResult(first_line, first_seq)
    frontier = merkle.Frontier()
    leaves: list[bytes] = []
    verifiers: dict[str, nacl.signing.VerifyKey] = {}
    prev_leaf: bytes | None = None
    for offset, line in enumerate(lines):
        number, seq = first_line + offset, first_seq + offset
        try:
            leaf = _check_line(result, line, seq, number, prev_leaf, keys, verifiers)
        except _LineError as exc:
            result.failure = (number, str(exc))
            break
        except InwritingError as exc:
            result.failure = (number, str(exc))
            break
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error) as exc:
            result.failure = (number, f"malformed entry: {exc}")
            break
        leaves.append(leaf)
        frontier.append(leaf)
        prev_leaf = leaf
        result.count += 1
    result.leaves = b"".join(leaves)
    if result.count == BATCH and result.failure is None:
        result.subtree = frontier.root()
    return result


def _check_line(
    result: BatchResult,
    line: bytes,
    seq: int,
    number: int,
    prev_leaf: bytes | None,
    keys: dict[str, bytes],
    verifiers: dict[str, nacl.signing.VerifyKey],
) -> bytes:
    hidden = LEAF_LINE.match(line)
    if hidden is not None:
        if int(hidden.group(1)) != seq:
            raise _LineError(f"out of order: the line carries seq {int(hidden.group(1))}, expected {seq}")
        return bytes.fromhex(hidden.group(2).decode())
    match = EVENT_LINE.match(line)
    if match is None:
        raise _LineError("malformed entry: neither a signed event nor a leaf hash")
    signed = SignedEvent.from_parts(
        match.group(3), base64.b64decode(match.group(2), validate=True), strict=False
    )
    event = signed.event
    where = f"event {event.seq} ({event.type}, id {event.id})"
    if int(match.group(1)) != seq or event.seq != seq:
        raise _LineError(f"{where}: out of order: expected seq {seq}")
    if prev_leaf is None:
        result.first_prev = event.prev if result.count == 0 else None
    elif event.prev != hash_ref(prev_leaf):
        raise _LineError(
            f"{where}: does not follow the previous leaf: prev is {event.prev},"
            f" expected {hash_ref(prev_leaf)}"
        )
    if event.time < result.last_time:
        raise _LineError(f"{where}: time goes backwards: {event.time} is before {result.last_time}")
    result.first_time = result.first_time or event.time
    result.last_time = event.time
    result.events += 1
    if event.type in SPECIAL_TYPES:
        result.specials.append(Special(number, signed))
        return signed.leaf_hash
    _verify(result, signed, keys, verifiers, where)
    return signed.leaf_hash


def _verify(
    result: BatchResult,
    signed: SignedEvent,
    keys: dict[str, bytes],
    verifiers: dict[str, nacl.signing.VerifyKey],
    where: str,
) -> None:
    actor = signed.event.actor
    public = keys.get(actor.key_id)
    if public is None:
        raise _LineError(f"{where}: signed with unknown key {actor.key_id}")
    verifier = verifiers.get(actor.key_id)
    if verifier is None:
        verifier = verifiers[actor.key_id] = nacl.signing.VerifyKey(public)
    try:
        verifier.verify(EVENT_DOMAIN + signed.event_bytes, signed.signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
        raise _LineError(
            f"{where}: the signature by {actor.key_id} does not verify (the event or its signature changed)"
        ) from None
    use = result.key_uses.get(actor.key_id)
    seq = signed.event.seq
    if use is None:
        result.key_uses[actor.key_id] = KeyUse(actor.party, seq, seq, public)
    elif use.party != actor.party:
        raise _LineError(f"{where}: key {actor.key_id} is used for {use.party} and {actor.party}")
    else:
        result.key_uses[actor.key_id] = KeyUse(use.party, use.first, seq, public)


def key_from_line(line: bytes) -> tuple[str, bytes] | None:
    """A hint for workers: the key a key.added (or genesis) line names. Not trusted: the main process
    checks every key a batch used against the log's own key events."""
    if not any(marker in line for marker in KEY_EVENT_MARKERS):
        return None
    match = EVENT_LINE.match(line)
    if match is None:
        return None
    try:
        event = json.loads(match.group(3))
        body = event["body"]
        source = body["operator"] if event["type"] == ev.GENESIS else body
        return str(source["key_id"]), base64.b64decode(source["public_key"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
