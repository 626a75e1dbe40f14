"""An instrument's text in canonical form, the signatures parties put on its hash, and the proof file
that lets anyone check them offline.

The text is RFC 8785 JSON (`instrument_text`), stored as a salted blob like every other text; its
hash (`sha256:` of salt ‖ bytes) is what each party signs. A signature is Ed25519 by the party's key
over a domain tag and the canonical JSON of who signed what, where and when (`signature_message`),
so a signature cannot be moved to another text, instrument, party or signatory.

A proof (`inwriting-instrument/v1`, JSON) carries the salted text, the signatures and the public keys;
`verify_proof` checks it with no server and no network. Whether a key really is the party's is what
the log says (its `key.added` event, verified with `inwriting verify BUNDLE`); the proof names the key
ids so that a reader can compare them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.signing

from inwriting.domain.documents import DraftText, Point
from inwriting.errors import InvalidInput, VerificationError
from inwriting.record.blob import SALT_SIZE, blob_hash
from inwriting.record.canonical import canonical
from inwriting.record.keys import PublicKey, SigningKey, b64, key_id_of, unb64

SIGNATURE_DOMAIN = b"inwriting/instrument-signature/v1\n"
TEXT_FORMAT = "inwriting-instrument-text/v1"
PROOF_FORMAT = "inwriting-instrument/v1"
MEDIA_TYPE = "application/vnd.inwriting.instrument+json"
MAX_PROOF = 64 << 20


def instrument_text(
    *, instrument: str, kind: str, draft: DraftText, sources: Sequence[str], parties: Sequence[str]
) -> bytes:
    """The canonical bytes of an instrument's text: title, preamble and every point in order (each
    naming its parent), the versions it was taken from and the parties it binds."""
    points: list[dict[str, Any]] = []

    def walk(point: Point, parent: str | None) -> None:
        points.append(
            {
                "eid": point.eid,
                "label": point.label,
                "heading": point.heading,
                "text": point.text,
                "parent": parent,
            }
        )
        for child in point.children:
            walk(child, point.eid)

    for point in draft.points:
        walk(point, None)
    return canonical(
        {
            "format": TEXT_FORMAT,
            "instrument": instrument,
            "kind": kind,
            "title": draft.title,
            "preamble": draft.preamble,
            "points": points,
            "sources": list(sources),
            "parties": list(parties),
        }
    )


@dataclass(frozen=True)
class TextPoint:
    eid: str
    label: str
    heading: str | None
    text: str
    parent: str | None


@dataclass(frozen=True)
class InstrumentText:
    """An instrument's text read back from its canonical bytes."""

    instrument: str
    kind: str
    title: str
    preamble: str
    points: tuple[TextPoint, ...]
    sources: tuple[str, ...]
    parties: tuple[str, ...]

    def top_level(self) -> list[TextPoint]:
        return [p for p in self.points if p.parent is None]

    def full_text(self, eid: str) -> str:
        """A point's text with its sub-points' (labelled), as one commitment would quote it."""
        lines: list[str] = []

        def walk(target: str, depth: int) -> None:
            for point in self.points:
                if point.eid == target:
                    prefix = f"{point.label} " if depth and point.label else ""
                    if point.text:
                        lines.append(prefix + point.text)
                elif point.parent == target:
                    walk(point.eid, depth + 1)

        walk(eid, 0)
        return "\n\n".join(lines)


def read_text(data: bytes) -> InstrumentText:
    """Parse an instrument's canonical text, refusing anything else."""
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"not an instrument text: {exc}") from exc
    if not isinstance(obj, dict) or obj.get("format") != TEXT_FORMAT:
        raise InvalidInput(f"not an instrument text (format {TEXT_FORMAT})")
    try:
        points = tuple(
            TextPoint(str(p["eid"]), str(p["label"]), p["heading"], str(p["text"]), p["parent"])
            for p in obj["points"]
        )
        return InstrumentText(
            str(obj["instrument"]),
            str(obj["kind"]),
            str(obj["title"]),
            str(obj["preamble"]),
            points,
            tuple(str(s) for s in obj["sources"]),
            tuple(str(p) for p in obj["parties"]),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"malformed instrument text: {exc}") from exc


def signature_message(
    *, instrument: str, text_hash: str, party: str, signatory: str, place: str, date: str, key_id: str
) -> bytes:
    """The bytes a party's signature on an instrument covers."""
    return SIGNATURE_DOMAIN + canonical(
        {
            "instrument": instrument,
            "text": text_hash,
            "party": party,
            "signatory": signatory,
            "place": place,
            "date": date,
            "key_id": key_id,
        }
    )


@dataclass(frozen=True)
class Signature:
    """One party's signature on an instrument's text hash, with the signatory, place and date."""

    party: str
    signatory: str
    place: str
    date: str
    key_id: str
    signature: str  # base64 of 64 bytes

    def message(self, instrument: str, text_hash: str) -> bytes:
        return signature_message(
            instrument=instrument,
            text_hash=text_hash,
            party=self.party,
            signatory=self.signatory,
            place=self.place,
            date=self.date,
            key_id=self.key_id,
        )

    def verifies(self, instrument: str, text_hash: str, public_key: PublicKey) -> bool:
        """True if this signature by `public_key` covers `text_hash` of `instrument`."""
        if public_key.key_id != self.key_id:
            return False
        try:
            raw = unb64(self.signature, what="signature", size=64)
            nacl.signing.VerifyKey(public_key.raw).verify(self.message(instrument, text_hash), raw)
        except (InvalidInput, nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            return False
        return True

    def to_json(self) -> dict[str, str]:
        return {
            "party": self.party,
            "signatory": self.signatory,
            "place": self.place,
            "date": self.date,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def sign(
    key: SigningKey, *, instrument: str, text_hash: str, party: str, signatory: str, place: str, date: str
) -> Signature:
    message = signature_message(
        instrument=instrument,
        text_hash=text_hash,
        party=party,
        signatory=signatory,
        place=place,
        date=date,
        key_id=key.key_id,
    )
    return Signature(party, signatory, place, date, key.key_id, b64(key.sign(message)))


@dataclass(frozen=True)
class Proof:
    """What anyone needs to check an instrument's signatures offline."""

    origin: str
    instrument: str
    text_hash: str
    salt: bytes
    text: bytes
    signatures: tuple[Signature, ...]
    keys: dict[str, str]  # key id -> base64 public key

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PROOF_FORMAT,
            "origin": self.origin,
            "instrument": self.instrument,
            "text_hash": self.text_hash,
            "salt": base64.b64encode(self.salt).decode(),
            "text": self.text.decode("utf-8"),
            "signatures": [{**s.to_json(), "public_key": self.keys[s.key_id]} for s in self.signatures],
        }

    def dumps(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def load_proof(data: bytes) -> Proof:
    """Parse a proof file, refusing anything not shaped like one."""
    if len(data) > MAX_PROOF:
        raise InvalidInput(f"an instrument proof is at most {MAX_PROOF} bytes")
    if not data.strip():
        raise InvalidInput("the file is empty: not an instrument proof")
    try:
        obj = json.loads(data)
    except UnicodeDecodeError:
        raise InvalidInput("not an instrument proof: the file is not UTF-8 text (JSON)") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not an instrument proof: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(obj, dict) or obj.get("format") != PROOF_FORMAT:
        raise InvalidInput(f"not an instrument proof (format {PROOF_FORMAT})")
    try:
        salt = base64.b64decode(obj["salt"], validate=True)
        signatures = []
        keys: dict[str, str] = {}
        for s in obj["signatures"]:
            signatures.append(
                Signature(
                    str(s["party"]),
                    str(s["signatory"]),
                    str(s["place"]),
                    str(s["date"]),
                    str(s["key_id"]),
                    str(s["signature"]),
                )
            )
            keys[str(s["key_id"])] = str(s["public_key"])
        return Proof(
            str(obj["origin"]),
            str(obj["instrument"]),
            str(obj["text_hash"]),
            salt,
            str(obj["text"]).encode("utf-8"),
            tuple(signatures),
            keys,
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise InvalidInput(f"malformed instrument proof: {exc}") from exc


@dataclass(frozen=True)
class SignatureCheck:
    party: str
    signatory: str
    date: str
    key_id: str
    ok: bool

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class ProofReport:
    instrument: str
    text_hash: str  # the hash the signatures claim
    computed_hash: str  # the hash of the text the proof carries
    signatures: tuple[SignatureCheck, ...]

    @property
    def ok(self) -> bool:
        return (
            self.text_hash == self.computed_hash
            and bool(self.signatures)
            and all(s.ok for s in self.signatures)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "instrument": self.instrument,
            "text_hash": self.text_hash,
            "computed_hash": self.computed_hash,
            "signatures": [s.to_json() for s in self.signatures],
        }


def check_proof(proof: Proof) -> ProofReport:
    """Every signature checked over the hash of the text the proof carries (not the hash it claims):
    a changed character makes every signature fail."""
    if len(proof.salt) != SALT_SIZE:
        raise InvalidInput(f"the salt must have {SALT_SIZE} bytes, not {len(proof.salt)}")
    computed = blob_hash(proof.salt, proof.text)
    checks = []
    for s in proof.signatures:
        try:
            public = PublicKey.from_b64(proof.keys[s.key_id])
            ok = key_id_of(public.raw) == s.key_id and s.verifies(proof.instrument, computed, public)
        except InvalidInput:
            ok = False
        checks.append(SignatureCheck(s.party, s.signatory, s.date, s.key_id, ok))
    return ProofReport(proof.instrument, proof.text_hash, computed, tuple(checks))


def verify_proof(proof: Proof) -> ProofReport:
    """`check_proof`, raising VerificationError that names every signature that fails."""
    report = check_proof(proof)
    if report.ok:
        return report
    if not report.signatures:
        raise VerificationError("the proof carries no signature", where=f"instrument {proof.instrument}")
    failed = [s for s in report.signatures if not s.ok]
    names = "; ".join(f"{s.party} ({s.signatory}, {s.date}, key {s.key_id})" for s in failed)
    if report.computed_hash != report.text_hash:
        raise VerificationError(
            f"the text does not hash to {report.text_hash}, the hash that was signed (it hashes to"
            f" {report.computed_hash}): {len(failed)} of {len(report.signatures)} signatures fail: {names}",
            where=f"instrument {proof.instrument}",
        )
    raise VerificationError(
        f"{len(failed)} of {len(report.signatures)} signatures do not verify: {names}",
        where=f"instrument {proof.instrument}",
    )


def signature_of_event(body: Any) -> Signature:
    """The signature an `instrument.signed` event's body carries (InvalidInput if malformed)."""
    if not isinstance(body, dict):
        raise InvalidInput("instrument.signed: the body must be an object")
    fields = ("party", "signatory", "place", "date", "key_id", "signature")
    values = [body.get(f) for f in fields]
    if not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"instrument.signed: {', '.join(fields)} must be texts")
    return Signature(*(str(v) for v in values))


def check_event_signature(body: Any, public_key: str, *, where: str) -> None:
    """Raise VerificationError unless the instrument signature an `instrument.signed` body carries
    verifies, by `public_key`, over the text hash the body names."""
    signature = signature_of_event(body)
    instrument, text_hash = body.get("instrument"), body.get("text_hash")
    if not isinstance(instrument, str) or not isinstance(text_hash, str):
        raise InvalidInput("instrument.signed: instrument and text_hash must be texts")
    if not signature.verifies(instrument, text_hash, PublicKey.from_b64(public_key)):
        raise VerificationError(
            f"the signature of {signature.party} ({signature.signatory}) on {instrument} does not verify"
            f" over {text_hash} with key {signature.key_id}",
            where=where,
        )


def check_agreed_text(
    text: bytes,
    source: bytes,
    *,
    instrument: str,
    kind: str,
    sources: Sequence[str],
    parties: Sequence[str],
    other_notes: Sequence[bytes] = (),
) -> None:
    """Raise InvalidInput unless `text` is the canonical text of `instrument` made from the source
    version's stored text `source` (its points, word for word; the title is the instrument's own),
    and every other note of an exchange (`other_notes`, stored texts) has the same points."""
    from dataclasses import replace

    from inwriting.domain.documents import draft_from_json
    from inwriting.domain.notes import compare_notes
    from inwriting.record.canonical import parse

    stored = read_text(text)
    draft = draft_from_json(parse(source, what="the source version's text"))
    for vid, other in zip(sources[1:], other_notes, strict=True):
        comparison = compare_notes(draft, draft_from_json(parse(other, what=f"the text of {vid}")))
        if not comparison.same:
            raise InvalidInput(
                f"the notes of exchange {instrument} differ: "
                + "; ".join(d.summary for d in comparison.differences[:3])
            )
    expected = instrument_text(
        instrument=instrument,
        kind=kind,
        draft=replace(draft, title=stored.title),
        sources=sources,
        parties=parties,
    )
    if expected != text:
        raise InvalidInput(f"the text of instrument {instrument} is not the agreed text of {sources[0]}")
