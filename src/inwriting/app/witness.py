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

import httpx
from sqlalchemy import update

from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.domain.fold import Refs
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


def add_log(keystore_dir: str | None, log_key: str, url: str | None = None) -> tuple[str, bool]:
    """Trust a log by its verifier key (as `inwriting init` prints it); returns (origin, newly added).
    `url`, the log's server, is kept in the witness's state as where this log was found."""
    verifier = NoteVerifier.from_vkey(log_key.strip())
    witness = Witness(keystore_dir)
    witness.cosigner()  # a witness must exist first
    with witness.locked():
        logs = witness.logs()
        known = logs.get(verifier.name)
        if known is not None:
            if known.get("log_key") != verifier.vkey:
                raise Conflict(f"this witness already trusts {verifier.name} with key {known.get('log_key')}")
            if url is not None and known.get("url") != url:
                logs[verifier.name] = {**known, "url": url}
                witness.save(logs)
            return verifier.name, False
        logs[verifier.name] = {"log_key": verifier.vkey, "size": None, "root": None, "time": None}
        if url is not None:
            logs[verifier.name]["url"] = url
        witness.save(logs)
    return verifier.name, True


@dataclass(frozen=True)
class ProofSource:
    """Where the consistency proof comes from: a `prove consistency --json` file, or the log's database."""

    proof_json: str | None = None
    db: str | None = None
    url: str | None = None  # the log's server (GET /api/v1/public/consistency), read before the lock


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
    if source.url is not None:  # over the network: fetched before the lock, which it must not hold up
        source = _prefetched(witness, origin, parse_checkpoint_body(body).size, source.url)
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
        f" proof: --proof FILE (from `inwriting prove consistency {old} {cp.size} --json`), --db LOGDB"
        " or --url URL (the log's server)"
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


# ---- over HTTP: the log's public endpoints, and a witness that reads them ----------------------------

PUBLIC = "/api/v1/public"
MAX_ANSWER = 1 << 20  # bytes: a checkpoint or a proof is a few kilobytes
HTTP_TIMEOUT = 10.0  # seconds, to connect and between two reads
HTTP_DEADLINE = 30.0  # seconds for a whole answer (a server trickling bytes is cut off)


class LogUnreachable(InwritingError):
    """The log's server did not give what a witness asked for (`status`: its HTTP answer, if any)."""

    code = "log_unreachable"
    http_status = 502

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PublicLog:
    """What a log shows anyone, so that witnesses can find and check it: its origin, its key and its
    newest signed checkpoint. Sizes and hashes only: nothing of any event's content."""

    origin: str
    log_key: str
    checkpoint: str | None

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "log_key": self.log_key, "checkpoint": self.checkpoint}


def public_log(app: App) -> PublicLog:
    with app.store.read() as conn:
        meta = load_state(conn, Refs(meta=True))
        latest = st.latest_checkpoint(conn)
    if not meta.origin or not meta.log_vkey:
        raise NotFound("this log has no genesis yet; run `inwriting init`")
    return PublicLog(meta.origin, meta.log_vkey, None if latest is None else latest.note)


def public_consistency(app: App, old: int, new: int) -> log_cases.ConsistencyProof:
    """A consistency proof up to a size the log has signed a checkpoint for: what a witness needs, and
    no tree head of the unsigned tail."""
    with app.store.read() as conn:
        latest = st.latest_checkpoint(conn)
    if latest is None:
        raise NotFound("this log has signed no checkpoint yet")
    if new > latest.size:
        raise NotFound(f"this log's newest checkpoint is at size {latest.size}; no proof to size {new}")
    if not 0 < old <= new:  # checked here, so that no message names the size of the unsigned tail
        raise InvalidInput(f"need 0 < OLD <= NEW <= {latest.size}; got {old} and {new}")
    return log_cases.prove_consistency(app, old, new)


def server_url(url: str) -> str:
    """The log's server as given (`http://host:port`, with or without `/api/v1`), checked."""
    text = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise InvalidInput(f"not a URL: {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInput(f"not an http(s) URL of a log's server: {url!r}")
    if parsed.query or parsed.fragment:
        raise InvalidInput(f"give the log's server without a query or fragment: {url!r}")
    return text.removesuffix("/api/v1")


def _fetch(url: str, path: str, params: dict[str, int] | None = None) -> dict[str, Any]:
    """GET a public endpoint of the log's server: its JSON, or LogUnreachable saying what went wrong."""
    where = f"{url}{PUBLIC}{path}"
    try:
        with (
            httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False) as client,
            client.stream("GET", where, params=params) as response,
        ):
            body = b""
            deadline = time.monotonic() + HTTP_DEADLINE
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise LogUnreachable(f"{where} answered more than {MAX_ANSWER:,} bytes")
                if time.monotonic() > deadline:
                    raise LogUnreachable(f"{where} took more than {HTTP_DEADLINE:.0f} s to answer")
    except httpx.HTTPError as exc:
        raise LogUnreachable(f"cannot read {where}: {exc}") from exc
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        error = data.get("error") if isinstance(data, dict) else None
        detail = error.get("message") if isinstance(error, dict) else body[:200].decode(errors="replace")
        raise LogUnreachable(
            f"{where} answered HTTP {response.status_code}: {detail}", status=response.status_code
        )
    return data


def fetch_log(url: str) -> PublicLog:
    """The log's public face, its checkpoint (if any) checked against the key it serves."""
    base = server_url(url)
    data = _fetch(base, "/log")
    origin, key, note = data.get("origin"), data.get("log_key"), data.get("checkpoint")
    if not isinstance(origin, str) or not isinstance(key, str) or not isinstance(note, str | None):
        raise LogUnreachable(f"{base}{PUBLIC}/log is not a log's public face (origin, log_key, checkpoint)")
    verifier = NoteVerifier.from_vkey(key)
    if verifier.name != origin:
        raise VerificationError(f"the log at {base} serves origin {origin} with a key for {verifier.name}")
    if note is not None:
        open_checkpoint(note, verifier, origin=origin)
    return PublicLog(origin, verifier.vkey, note)


def add_log_at(keystore_dir: str | None, url: str) -> tuple[PublicLog, bool]:
    """Trust the log served at `url` with the key it serves (trust on first use: compare the key with
    what the log's operator publishes). Returns the log's public face and whether it is new."""
    found = fetch_log(url)
    _, added = add_log(keystore_dir, found.log_key, server_url(url))
    return found, added


def cosign_at(keystore_dir: str | None, url: str, clock: Clock = time.time) -> Cosigned:
    """Cosign the newest checkpoint of the log served at `url`, with the consistency proof it serves
    from the last size this witness cosigned (a log that cannot prove it is refused as a fork)."""
    found = fetch_log(url)
    if found.checkpoint is None:
        raise NotFound(f"the log at {server_url(url)} has signed no checkpoint yet")
    return cosign(keystore_dir, found.checkpoint, ProofSource(url=server_url(url)), clock)


def _prefetched(witness: Witness, origin: str, size: int, url: str) -> ProofSource:
    """The proof from the size this witness last cosigned for `origin` to `size`, from the log's server,
    as a `prove consistency --json` text. Under the lock, `_path_from_json` checks that it still
    starts where the witness stands (a cosigning in between makes it fail, and nothing is written)."""
    known = witness.logs().get(origin)
    previous = None if known is None else _previous(known)
    if previous is None or not 0 < previous[0] < size:
        return ProofSource()  # no proof needed, or a refusal that needs none
    return ProofSource(proof_json=json.dumps(_proof_from_url(url, previous[0], size, origin)))


def _proof_from_url(url: str, old: int, new: int, origin: str) -> dict[str, Any]:
    try:
        return _fetch(url, "/consistency", {"old": old, "new": new})
    except LogUnreachable as exc:
        if exc.status not in (400, 404):  # no answer, or a failing server: try again later
            raise
        raise CosignRefused(  # the server answered: it has no such proof
            f"fork suspected: the log at {url} cannot prove that the checkpoint at size {new} extends"
            f" size {old}, which this witness cosigned: {exc}",
            where=f"checkpoint of {origin}",
        ) from exc
