"""Reveals: one text with the signed event that committed to its hash, checked against a bundle.

A party's bundle shows a text it may not see only as a leaf hash. When the text is published later,
a reveal (its event, signature and salted text) proves against that earlier bundle, with no database
and no network, that the text existed, unchanged, since the event the bundle committed.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inwriting.domain import events as ev
from inwriting.domain.visibility import CONTENT_EVENTS, text_of
from inwriting.errors import InvalidInput, InwritingError, VerificationError
from inwriting.record.bundle import (
    MAX_LINE,
    MAX_TEXT_LINE,
    BundleReport,
    CheckedBundle,
    Progress,
    check_bundle,
)
from inwriting.record.envelope import SignedEvent
from inwriting.record.keys import PublicKey
from inwriting.record.linecheck import (
    EVENT_LINE,
    LineError,
    TextBlob,
    check_text,
    event_line,
    parse_text_line,
)

REVEAL_FORMAT = "inwriting-reveal/v1"
MAX_REVEAL = MAX_TEXT_LINE + 2 * MAX_LINE


@dataclass(frozen=True)
class Reveal:
    """A reveal file, parsed: the log it claims to come from, the signed event, the salted text."""

    origin: str
    log_key: str
    text: str
    signed: SignedEvent
    blob: TextBlob

    @property
    def seq(self) -> int:
        return self.signed.event.seq


@dataclass(frozen=True)
class RevealReport:
    """What a reveal proved: whose text, which event committed to it, and when."""

    text: str
    kind: str  # "version" | "answer"
    party: str
    seq: int
    time: str
    content: str  # the sha256: the event signed
    bytes: int
    title: str | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        return (
            f"{self.kind} {self.text} by {self.party}, committed at event {self.seq} on {self.time[:10]}:"
            " text verified"
        )


def write_reveal(path: Path, reveal: Reveal) -> None:
    """Three lines: a header, the event line (as in a bundle), the text line (as in a bundle)."""
    header = {
        "format": REVEAL_FORMAT,
        "origin": reveal.origin,
        "log_key": reveal.log_key,
        "text": reveal.text,
        "seq": reveal.seq,
    }
    event = event_line(reveal.seq, reveal.signed.event_bytes, reveal.signed.signature)
    data = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + event + reveal.blob.line()
    temp = path.with_name(path.name + ".partial")
    try:
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None


def read_reveal(path: Path) -> Reveal:
    """Parse a reveal file; VerificationError naming the line that is not what it should be."""
    if not path.is_file():
        raise InvalidInput(f"no reveal at {path}")
    if path.stat().st_size > MAX_REVEAL:
        raise VerificationError(f"longer than {MAX_REVEAL} bytes", where=f"reveal {path.name}")
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != 3:
        raise VerificationError(
            f"a reveal has 3 lines (header, event, text), this one {len(lines)}", where=f"reveal {path.name}"
        )
    try:
        header = json.loads(lines[0])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerificationError(f"not JSON: {exc}", where="reveal line 1") from None
    if not isinstance(header, dict) or header.get("format") != REVEAL_FORMAT:
        raise VerificationError(
            f"not an inwriting reveal (expected format {REVEAL_FORMAT})", where="reveal line 1"
        )
    origin, log_key, text, seq = (header.get(k) for k in ("origin", "log_key", "text", "seq"))
    if not (
        isinstance(origin, str) and isinstance(log_key, str) and isinstance(text, str) and type(seq) is int
    ):
        raise VerificationError("malformed header: origin, log_key, text and seq", where="reveal line 1")
    match = EVENT_LINE.match(lines[1])
    if match is None:
        raise VerificationError("not a signed event line", where="reveal line 2")
    try:
        signed = SignedEvent.from_parts(
            match.group(3), base64.b64decode(match.group(2), validate=True), strict=False
        )
    except (InwritingError, ValueError) as exc:
        raise VerificationError(f"malformed event: {exc}", where="reveal line 2") from None
    if int(match.group(1)) != signed.event.seq or signed.event.seq != seq:
        raise VerificationError(
            f"the reveal names event {seq}, its event line carries {int(match.group(1))} and its event"
            f" {signed.event.seq}",
            where="reveal line 2",
        )
    try:
        blob = parse_text_line(lines[2])
    except LineError as exc:
        raise VerificationError(str(exc), where="reveal line 3") from None
    return Reveal(origin, log_key, text, signed, blob)


def check_reveal(reveal: Reveal, bundle: CheckedBundle) -> RevealReport:
    """The reveal's event is the leaf the verified bundle committed at its seq, signed by a key the
    bundle knows for its party, and its text hashes to the content the event signed."""
    report, event = bundle.report, reveal.signed.event
    where = f"reveal of {reveal.text} (event {event.seq})"
    if (reveal.origin, reveal.log_key) != (report.origin, report.log_key):
        raise VerificationError(
            f"the reveal is from log {reveal.origin} ({reveal.log_key}), the bundle from {report.origin}"
            f" ({report.log_key})",
            where=where,
        )
    if event.seq >= report.size:
        raise VerificationError(
            f"the bundle's log has {report.size} events; it cannot have committed event {event.seq}",
            where=where,
        )
    leaf = bundle.leaves.get(event.seq)
    if leaf is None or reveal.signed.leaf_hash != leaf:
        committed = "nothing" if leaf is None else f"leaf {leaf.hex()}"
        raise VerificationError(
            f"the revealed event hashes to leaf {reveal.signed.leaf_hash.hex()}, but the bundle committed"
            f" {committed} at event {event.seq}",
            where=where,
        )
    _check_signature(reveal.signed, bundle, where=where)
    if event.type not in CONTENT_EVENTS or text_of(event) != reveal.text:
        raise VerificationError(
            f"event {event.seq} ({event.type}) does not record {reveal.text}", where=where
        )
    try:
        check_text(reveal.blob, reveal.signed)
    except LineError as exc:
        raise VerificationError(str(exc), where=where) from None
    title = event.body.get("title")
    return RevealReport(
        reveal.text,
        {ev.VERSION_CREATED: "version", ev.INSTRUMENT_CREATED: "instrument"}.get(event.type, "answer"),
        event.actor.party,
        event.seq,
        event.time,
        str(event.body.get("content")),
        len(reveal.blob.content),
        title if isinstance(title, str) else None,
    )


def _check_signature(signed: SignedEvent, bundle: CheckedBundle, *, where: str) -> None:
    """Signed by a key the bundle's own key events give the actor, live at the event's place."""
    actor, seq = signed.event.actor, signed.event.seq
    key = bundle.state.keys.get(actor.key_id)
    if key is None or key.party != actor.party:
        raise VerificationError(f"the bundle knows no key {actor.key_id} of {actor.party}", where=where)
    if not key.active_at(seq):
        raise VerificationError(
            f"key {actor.key_id} of {actor.party} was not live at event {seq}", where=where
        )
    try:
        signed.verify(PublicKey.from_b64(key.public_key))
    except (VerificationError, InvalidInput):
        raise VerificationError(
            f"the signature by {actor.key_id} ({actor.party}) does not verify", where=where
        ) from None


def verify_reveal(
    bundle: Path,
    reveal: Path,
    *,
    trusted_log_key: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[BundleReport, RevealReport]:
    """Verify the bundle as `verify_bundle` does, then the reveal against it."""
    parsed = read_reveal(reveal)
    checked = check_bundle(
        bundle, trusted_log_key=trusted_log_key, progress=progress, workers=workers, keep_leaves={parsed.seq}
    )
    return checked.report, check_reveal(parsed, checked)
