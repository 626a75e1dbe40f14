"""Bundle lines checked in batches by worker processes: parse, hash, chain and verify in parallel.

Parsing holds Python's GIL, so threads cannot spread it over cores; processes can. A worker checks
everything inside its batch (signatures, seq, prev links, time order) and returns a summary; the main
process checks only what joins batches (the links between them, the keys each batch used, the tree).
Batches hold BATCH leaves and start at multiples of BATCH, so a full batch is one perfect subtree.
A text line (a per-party bundle's salted text) is no leaf: it travels in the batch of the event whose
hash it must match, right after that event's line.
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
from inwriting.domain.visibility import CONTENT_EVENTS, text_of
from inwriting.errors import InwritingError
from inwriting.record import merkle
from inwriting.record.blob import SALT_SIZE, blob_hash
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
# A text line follows the event that signed the text's hash (version.created, answer.given):
#   {"seq":N,"text":"<id>","salt":"<base64 of 32 bytes>","content":"<the text, UTF-8>"}
# with "content_b64" in place of "content" for a text that is not UTF-8.
TEXT_LINE = re.compile(rb'\{"seq":(0|[1-9][0-9]{0,17}),"text":')


def event_line(seq: int, event_bytes: bytes, signature: bytes) -> bytes:
    return b'{"seq":%d,"sig":"%s","event":%s}\n' % (seq, base64.b64encode(signature), event_bytes)


def leaf_line(seq: int, leaf_hash: bytes) -> bytes:
    return b'{"seq":%d,"leaf":"%s"}\n' % (seq, leaf_hash.hex().encode())


def text_line(seq: int, text: str, salt: bytes, content: bytes) -> bytes:
    """The salted text whose hash event `seq` signed; readable (and greppable) when it is UTF-8."""
    line: dict[str, object] = {"seq": seq, "text": text, "salt": base64.b64encode(salt).decode()}
    try:
        line["content"] = content.decode("utf-8")
    except UnicodeDecodeError:
        line["content_b64"] = base64.b64encode(content).decode()
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def is_text_line(line: bytes) -> bool:
    return TEXT_LINE.match(line) is not None


@dataclass(frozen=True)
class TextBlob:
    """A text line, parsed: the text's id, the event that signed its hash, its salt and its bytes."""

    seq: int
    text: str
    salt: bytes
    content: bytes

    def line(self) -> bytes:
        return text_line(self.seq, self.text, self.salt, self.content)


class LineError(Exception):
    """A line that is not what it claims; the message names the event or text and what failed."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise LineError("malformed text line: a field is given twice")
    return found


_TEXT_FIELDS = ({"seq", "text", "salt", "content"}, {"seq", "text", "salt", "content_b64"})


def parse_text_line(line: bytes) -> TextBlob:
    """A text line's fields, or LineError saying what is malformed."""
    try:
        obj = json.loads(line, object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LineError(f"malformed text line: {exc}") from None
    if not isinstance(obj, dict) or set(obj) not in _TEXT_FIELDS:
        raise LineError("malformed text line: fields must be seq, text, salt and content (or content_b64)")
    seq, text, salt = obj["seq"], obj["text"], obj["salt"]
    encoded = "content_b64" in obj
    content = obj["content_b64" if encoded else "content"]
    if not (
        type(seq) is int and isinstance(text, str) and isinstance(salt, str) and isinstance(content, str)
    ):
        raise LineError("malformed text line: seq must be a number; text, salt and content texts")
    try:
        raw_salt = base64.b64decode(salt, validate=True)
        raw = base64.b64decode(content, validate=True) if encoded else content.encode("utf-8")
    except (ValueError, UnicodeEncodeError) as exc:  # binascii.Error is a ValueError
        raise LineError(f"malformed text line: {exc}") from None
    if len(raw_salt) != SALT_SIZE:
        raise LineError(f"text {text}: the salt must have {SALT_SIZE} bytes, not {len(raw_salt)}")
    return TextBlob(seq, text, raw_salt, raw)


def check_text(blob: TextBlob, signed: SignedEvent | None, *, defer_instruments: bool = False) -> str:
    """The text is the one `signed` (the event right before it) names, and hashes to what it signed;
    returns the hash of the text as carried. With `defer_instruments` (a bundle's own pass), an
    instrument's text that does not is let through here: its signatures are then checked over the
    text as carried, and the bundle fails naming each of them."""
    if signed is None:
        raise LineError(f"text {blob.text}: it must directly follow the line of event {blob.seq}, its signer")
    if signed.event.seq != blob.seq:
        raise LineError(f"text {blob.text}: it is of event {blob.seq}, not of event {signed.event.seq}")
    event = signed.event
    if event.type not in CONTENT_EVENTS or text_of(event) != blob.text:
        raise LineError(f"text {blob.text}: event {event.seq} ({event.type}) does not record that text")
    digest = event.body.get("content")
    computed = blob_hash(blob.salt, blob.content)
    if computed != digest and not (defer_instruments and event.type == ev.INSTRUMENT_CREATED):
        raise LineError(
            f"text {blob.text}: it does not hash to {digest}, the content event {event.seq} signed"
        )
    return computed


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
    texts: int = 0  # text lines checked against their events
    # instruments created in the batch: (id, the content hash signed, the hash of the text carried or None)
    instruments: list[tuple[str, str, str | None]] = field(default_factory=list)
    signatures: list[Special] = field(default_factory=list)  # instrument.signed events, in order
    failure: tuple[int, str] | None = None  # (line number, message) of the first line that failed


def check_batch(first_line: int, first_seq: int, lines: list[bytes], keys: dict[str, bytes]) -> BatchResult:
    """Check one batch of lines; stop at the first failure and report it."""
    result = BatchResult(first_line, first_seq)
    frontier = merkle.Frontier()
    leaves: list[bytes] = []
    verifiers: dict[str, nacl.signing.VerifyKey] = {}
    prev_leaf: bytes | None = None
    last: SignedEvent | None = None  # the event on the line just before, which a text line may follow
    for offset, line in enumerate(lines):
        number = first_line + offset
        try:
            if is_text_line(line):
                computed = check_text(parse_text_line(line), last, defer_instruments=True)
                result.texts += 1
                if last is not None and last.event.type == ev.INSTRUMENT_CREATED:
                    iid, content, _ = result.instruments[-1]
                    result.instruments[-1] = (iid, content, computed)
                last = None  # one text per event
                continue
            leaf, last = _check_line(
                result, line, first_seq + result.count, number, prev_leaf, keys, verifiers
            )
        except (LineError, InwritingError) as exc:
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
) -> tuple[bytes, SignedEvent | None]:
    """The line's leaf hash, and its signed event if the line shows one."""
    hidden = LEAF_LINE.match(line)
    if hidden is not None:
        if int(hidden.group(1)) != seq:
            raise LineError(f"out of order: the line carries seq {int(hidden.group(1))}, expected {seq}")
        return bytes.fromhex(hidden.group(2).decode()), None
    match = EVENT_LINE.match(line)
    if match is None:
        raise LineError("malformed entry: neither a signed event nor a leaf hash")
    signed = SignedEvent.from_parts(
        match.group(3), base64.b64decode(match.group(2), validate=True), strict=False
    )
    event = signed.event
    where = f"event {event.seq} ({event.type}, id {event.id})"
    if int(match.group(1)) != seq or event.seq != seq:
        raise LineError(f"{where}: out of order: expected seq {seq}")
    if prev_leaf is None:
        result.first_prev = event.prev if result.count == 0 else None
    elif event.prev != hash_ref(prev_leaf):
        raise LineError(
            f"{where}: does not follow the previous leaf: prev is {event.prev},"
            f" expected {hash_ref(prev_leaf)}"
        )
    if event.time < result.last_time:
        raise LineError(f"{where}: time goes backwards: {event.time} is before {result.last_time}")
    result.first_time = result.first_time or event.time
    result.last_time = event.time
    result.events += 1
    if event.type in SPECIAL_TYPES:
        result.specials.append(Special(number, signed))
        return signed.leaf_hash, signed
    _verify(result, signed, keys, verifiers, where)
    if event.type == ev.INSTRUMENT_CREATED:
        result.instruments.append((str(event.body.get("instrument")), str(event.body.get("content")), None))
    elif event.type == ev.INSTRUMENT_SIGNED:
        result.signatures.append(Special(number, signed))
    return signed.leaf_hash, signed


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
        raise LineError(f"{where}: signed with unknown key {actor.key_id}")
    verifier = verifiers.get(actor.key_id)
    if verifier is None:
        verifier = verifiers[actor.key_id] = nacl.signing.VerifyKey(public)
    try:
        verifier.verify(EVENT_DOMAIN + signed.event_bytes, signed.signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
        raise LineError(
            f"{where}: the signature by {actor.key_id} does not verify (the event or its signature changed)"
        ) from None
    use = result.key_uses.get(actor.key_id)
    seq = signed.event.seq
    if use is None:
        result.key_uses[actor.key_id] = KeyUse(actor.party, seq, seq, public)
    elif use.party != actor.party:
        raise LineError(f"{where}: key {actor.key_id} is used for {use.party} and {actor.party}")
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
