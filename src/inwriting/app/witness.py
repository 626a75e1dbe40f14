"""Witnessing: cosign a log's checkpoints only when they extend what this witness cosigned before, and
keep witnesses' cosignatures next to the log's checkpoints so that they ship in bundles.

A witness is a keystore folder (`@witness/`): its key (`key.json`) and, per trusted log origin, the log
key and the (size, root) it last cosigned (`logs.json`, replaced atomically under a lock).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update

from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.errors import Conflict, InvalidInput, InwritingError, NotFound, VerificationError
from inwriting.record import merkle
from inwriting.record.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint_body
from inwriting.record.cosignature import Cosigner, CosignerKey, add_cosignature, open_cosigned
from inwriting.record.note import NoteVerifier, format_note, generate_seed, parse_note
from inwriting.storage import schema as t
from inwriting.storage import store as st
from inwriting.storage.projections import load_state
from inwriting.storage.store import Store

WITNESS_DIR = "@witness"
Clock = Callable[[], float]


class CosignRefused(VerificationError):
    """The witness will not cosign: an untrusted log, an older checkpoint, or a fork."""


@dataclass(frozen=True)
class Cosigned:
    """What a witness did: the note with its cosignature, and the tree heads before and after."""

    note: str
    origin: str
    size: int
    root: bytes
    timestamp: int
    previous: tuple[int, bytes] | None

    def to_json(self) -> dict[str, Any]:
        before = None if self.previous is None else {"size": self.previous[0], "root": self.previous[1].hex()}
        return {
            "origin": self.origin,
            "size": self.size,
            "root": self.root.hex(),
            "timestamp": self.timestamp,
            "previous": before,
            "note": self.note,
        }


class Witness:
    """One witness's folder: its signing key and the state it keeps per log."""

    def __init__(self, keystore_dir: str | Path | None) -> None:
        self.root = Keystore.resolve(keystore_dir).root / WITNESS_DIR
        self.key_path = self.root / "key.json"
        self.state_path = self.root / "logs.json"

    def create(self, name: str) -> CosignerKey:
        if self.key_path.exists():
            raise Conflict(f"a witness key exists already in {self.root} (as {self.cosigner().public.vkey})")
        seed = generate_seed()
        key = Cosigner(name, seed).public
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_json(self.key_path, {"name": name, "seed": seed.hex(), "vkey": key.vkey})
        return key

    def cosigner(self) -> Cosigner:
        try:
            data = json.loads(self.key_path.read_text(encoding="utf-8"))
            return Cosigner(str(data["name"]), bytes.fromhex(data["seed"]))
        except FileNotFoundError:
            raise NotFound(
                f"no witness key in {self.root}; run `inwriting witness init --name NAME`"
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"the witness key file {self.key_path} is damaged: {exc}") from exc

    def logs(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise InvalidInput(f"the witness state {self.state_path} is damaged: {exc}") from exc
        logs = data.get("logs") if isinstance(data, dict) else None
        if not isinstance(logs, dict):
            raise InvalidInput(f"the witness state {self.state_path} is damaged: no 'logs' object")
        return logs

    def save(self, logs: dict[str, dict[str, Any]]) -> None:
        _write_json(self.state_path, {"logs": logs})

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One cosigning at a time: the check and the state it updates must not interleave."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.root / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def init(keystore_dir: str | None, name: str) -> CosignerKey:
    """Create this witness's Ed25519 key; its name should be a schema-less URL."""
    return Witness(keystore_dir).create(name)


def add_log(keystore_dir: str | None, log_key: str) -> tuple[str, bool]:
    """Trust a log by its verifier key (as `inwriting init` prints it); returns (origin, newly added)."""
    verifier = NoteVerifier.from_vkey(log_key.strip())
    witness = Witness(keystore_dir)
    witness.cosigner()  # a witness must exist first
    with witness.locked():
        logs = witness.logs()
        known = logs.get(verifier.name)
        if known is not None:
            if known.get("log_key") != verifier.vkey:
                raise Conflict(f"this witness already trusts {verifier.name} with key {known.get('log_key')}")
            return verifier.name, False
        logs[verifier.name] = {"log_key": verifier.vkey, "size": None, "root": None, "time": None}
        witness.save(logs)
    return verifier.name, True


@dataclass(frozen=True)
class ProofSource:
    """Where the consistency proof comes from: a `prove consistency --json` file, or the log's database."""

    proof_json: str | None = None
    db: str | None = None


def cosign(
    keystore_dir: str | None, note: str, source: ProofSource = ProofSource(), clock: Clock = time.time
) -> Cosigned:
    """Cosign `note` if the log signed it and it extends the last tree head this witness cosigned.

    Refuses (and changes nothing) a checkpoint from an untrusted log, an older one, one of the same size
    with another root, or one that no valid consistency proof links to what was cosigned: a fork.
    """
    witness = Witness(keystore_dir)
    cosigner = witness.cosigner()
    body = parse_note(note).text
    origin = parse_checkpoint_body(body).origin
    with witness.locked():
        logs = witness.logs()
        known = logs.get(origin)
        if known is None:
            raise CosignRefused(
                f"this witness does not trust the log {origin}; add its key with `witness add`"
            )
        cp = open_checkpoint(note, NoteVerifier.from_vkey(str(known["log_key"])), origin=origin)
        previous = _previous(known)
        _check_extends(cp, previous, source)
        timestamp = int(clock())
        last_time = known.get("time")
        if isinstance(last_time, int) and timestamp < last_time:
            timestamp = last_time  # a witness's clock must not make its own statements go backwards
        cosigned = add_cosignature(note, cosigner, timestamp)
        logs[origin] = {**known, "size": cp.size, "root": cp.root.hex(), "time": timestamp}
        witness.save(logs)
    return Cosigned(cosigned, origin, cp.size, cp.root, timestamp, previous)


def _previous(known: dict[str, Any]) -> tuple[int, bytes] | None:
    if known.get("size") is None:
        return None
    try:
        return int(known["size"]), bytes.fromhex(str(known["root"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"the witness state is damaged: {exc}") from exc


def _check_extends(cp: Checkpoint, previous: tuple[int, bytes] | None, source: ProofSource) -> None:
    if previous is None:
        return  # the first checkpoint seen for a log is taken on trust (and pins its history from here)
    old, old_root = previous
    new = f"size {cp.size}, root {cp.root.hex()}"
    cosigned = f"size {old}, root {old_root.hex()}"
    if cp.size < old:
        raise CosignRefused(
            f"the checkpoint ({new}) is older than the one this witness cosigned ({cosigned})",
            where=f"checkpoint of {cp.origin}",
        )
    if cp.size == old:
        if cp.root != old_root:
            raise CosignRefused(
                f"fork: the log signed two roots for one size: {new}, but this witness cosigned {cosigned}",
                where=f"checkpoint of {cp.origin}",
            )
        return
    path = _proof_path(old, cp, source)
    try:
        merkle.verify_consistency(old, cp.size, old_root, cp.root, path)
    except VerificationError as exc:
        raise CosignRefused(
            f"fork: the checkpoint ({new}) does not extend the one this witness cosigned ({cosigned}): {exc}",
            where=f"checkpoint of {cp.origin}",
        ) from exc


def _proof_path(old: int, cp: Checkpoint, source: ProofSource) -> list[bytes]:
    if old == 0:
        return []
    if source.proof_json is not None:
        return _path_from_json(source.proof_json, old, cp.size)
    if source.db is not None:
        return _path_from_db(source.db, old, cp)
    raise InvalidInput(
        f"this witness cosigned size {old} of {cp.origin}; to cosign size {cp.size} it needs a consistency"
        f" proof: --proof FILE (from `inwriting prove consistency {old} {cp.size} --json`) or --db LOGDB"
    )


def _path_from_json(text: str, old: int, new: int) -> list[bytes]:
    try:
        data = json.loads(text)
        got = (int(data["old"]), int(data["new"]))
        path = [bytes.fromhex(str(h)) for h in data["path"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"not a consistency proof (from `prove consistency --json`): {exc}") from exc
    if got != (old, new):
        raise InvalidInput(
            f"the proof goes from size {got[0]} to {got[1]}; this witness needs {old} to {new}"
            f" (`inwriting prove consistency {old} {new} --json`)"
        )
    return path


def _path_from_db(db: str, old: int, cp: Checkpoint) -> list[bytes]:
    app = App(Store.open(db), Keystore(Path(os.devnull)))
    try:
        with app.store.read() as conn:
            size = st.head(conn).size
        if cp.size > size:
            raise InvalidInput(
                f"the log in {db} holds {size} events, the checkpoint {cp.size}: it is not the log that"
                " signed this checkpoint (or not all of it)"
            )
        proof = log_cases.prove_consistency(app, old, cp.size)
    finally:
        app.close()
    if proof.new_root != cp.root:
        raise InvalidInput(
            f"the log in {db} has root {proof.new_root.hex()} at size {cp.size}, not the checkpoint's"
            f" {cp.root.hex()}: it is not the log that signed this checkpoint"
        )
    return proof.path


# ---- the log's side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attached:
    size: int
    witness: str
    timestamp: int
    note: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def attach(app: App, note: str, witness_key: str) -> Attached:
    """Keep a witness's (verified) cosignature in this log's checkpoint of that size, replacing an
    older one by the same witness; bundles then carry it with the checkpoint."""
    witness = CosignerKey.from_vkey(witness_key)
    parsed, cosig = open_cosigned(note, witness)
    with app.store.write() as writer:
        state = load_state(writer.conn)
        if not state.log_vkey or not state.origin:
            raise NotFound("this log has no genesis yet; run `inwriting init`")
        try:
            cp = open_checkpoint(note, NoteVerifier.from_vkey(state.log_vkey), origin=state.origin)
        except InwritingError as exc:
            raise VerificationError(f"not a checkpoint of this log: {exc}", where="cosigned note") from exc
        stored = st.checkpoint_at(writer.conn, cp.size)
        if stored is None:
            raise NotFound(f"this log has no checkpoint at size {cp.size}")
        mine = parse_note(stored.note)
        if mine.text != parsed.text:
            raise VerificationError(
                f"fork: the cosigned checkpoint has root {cp.root.hex()} at size {cp.size}; this log's"
                f" checkpoint there has root {stored.root.hex()}",
                where="cosigned note",
            )
        line = next(s for s in parsed.signatures if witness.matches(s))
        kept = [s for s in mine.signatures if not witness.matches(s)]
        merged = format_note(mine.text, [*kept, line])
        writer.conn.execute(update(t.checkpoints).where(t.checkpoints.c.size == cp.size).values(note=merged))
    return Attached(cp.size, f"{witness.name}+{witness.key_id.hex()}", cosig.timestamp, merged)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write-then-rename, fsynced, owner-only: a crash leaves the old file or the new one, whole."""
    temp = path.with_name(path.name + ".partial")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


__all__ = [
    "Attached",
    "CosignRefused",
    "Cosigned",
    "ProofSource",
    "Witness",
    "add_log",
    "attach",
    "cosign",
    "init",
]
