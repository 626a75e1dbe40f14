"""C2SP transparency-log checkpoints (https://c2sp.org/tlog-checkpoint): the signed head of a Merkle log.

The body is origin, tree size and base64 root hash, one per line, then optional extension lines.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from inwriting.errors import InvalidInput, InwritingError, VerificationError
from inwriting.record.note import NoteSigner, NoteVerifier, open_note, sign_note

ROOT_SIZE = 32  # an RFC 6962 / RFC 9162 tree over SHA-256
MAX_SIZE = 2**64 - 1  # tree sizes are uint64 throughout the tlog specs

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")  # ASCII digits only, no leading zeros


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: who issued it (origin), how many leaves, and the root hash over them."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, InvalidInput, where="checkpoint origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size <= MAX_SIZE:
            raise InvalidInput(f"a tree size is an integer from 0 to 2^64-1, got {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_SIZE:
            raise InvalidInput(f"a root hash has {ROOT_SIZE} bytes", where="checkpoint root")
        for i, line in enumerate(self.extensions, 1):
            _check_line(line, InvalidInput, where=f"checkpoint extension {i}")

    def body(self) -> str:
        """The note text: every line ends in a newline, the last one included."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "".join(line + "\n" for line in lines)


CREATED = "inwriting-created"  # an extension line: `inwriting-created 2026-11-24T06:55:28.123456Z`


def created_line(created: str) -> str:
    """The extension line that signs when a checkpoint was made (inwriting's own; C2SP lets a log
    add extension lines, and verifiers that do not know one pass it by)."""
    return f"{CREATED} {created}"


def signed_created(cp: Checkpoint) -> str | None:
    """When the checkpoint says it was made, if it says so (those signed before 2026-11-24 do not)."""
    for line in cp.extensions:
        name, _, value = line.partition(" ")
        if name == CREATED:
            return value
    return None


def parse_checkpoint_body(text: str) -> Checkpoint:
    """Read a checkpoint from note text; VerificationError names the offending line."""
    if not text.endswith("\n"):
        raise VerificationError("checkpoint text must end with a newline", where="checkpoint")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError("a checkpoint has origin, size and root hash lines", where="checkpoint")
    for n, line in enumerate(lines, 1):
        _check_line(line, VerificationError, where=f"checkpoint line {n}")
    return Checkpoint(lines[0], _parse_size(lines[1]), _parse_root(lines[2]), tuple(lines[3:]))


def sign_checkpoint(cp: Checkpoint, signer: NoteSigner) -> str:
    return sign_note(cp.body(), signer)


def open_checkpoint(note: str | bytes, verifier: NoteVerifier, *, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint and return it; its origin must be `origin`, or else the key's name."""
    cp = parse_checkpoint_body(open_note(note, verifier).text)
    expected = verifier.name if origin is None else origin
    if cp.origin != expected:
        raise VerificationError(f"origin is {cp.origin!r}, expected {expected!r}", where="checkpoint line 1")
    return cp


def _check_line(line: str, error: type[InwritingError], *, where: str) -> None:
    if not isinstance(line, str) or not line:
        raise error("line must be non-empty text", where=where)
    bad = next((ch for ch in line if ch < " " or "\ud800" <= ch <= "\udfff"), None)
    if bad is not None:
        raise error(f"character U+{ord(bad):04X} is not allowed", where=where)


def _parse_size(line: str) -> int:
    if not _DECIMAL.fullmatch(line) or int(line) > MAX_SIZE:
        raise VerificationError(
            "tree size must be a decimal uint64 with no leading zeros", where="checkpoint line 2"
        )
    return int(line)


def _parse_root(line: str) -> bytes:
    try:
        root = base64.b64decode(line.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise VerificationError("root hash is not valid base64", where="checkpoint line 3") from exc
    if len(root) != ROOT_SIZE or base64.b64encode(root).decode("ascii") != line:
        raise VerificationError(
            f"root hash must be {ROOT_SIZE} bytes in canonical base64", where="checkpoint line 3"
        )
    return root


__all__ = ["Checkpoint", "open_checkpoint", "parse_checkpoint_body", "sign_checkpoint"]
