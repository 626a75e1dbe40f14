"""Creating a log: migrate the database, make the operator and log keys, write the genesis event."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError

from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.app.recorder import record_in
from inwriting.domain import events as ev
from inwriting.domain.fold import Refs
from inwriting.errors import InvalidInput, NotFound
from inwriting.record.keys import SigningKey, b64
from inwriting.record.note import NoteSigner, NoteVerifier
from inwriting.record.verifier import key_proof_message
from inwriting.storage import migrate
from inwriting.storage.projections import load_state
from inwriting.storage.store import StorageError, Store, one_line

LOG_PARTY = "@log"


@dataclass(frozen=True)
class InitResult:
    database: str
    keystore: str
    revision_before: str | None
    revision: str
    created: bool
    origin: str
    log_key: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def init(db: str | None, keystore_dir: str | None, *, origin: str | None = None) -> InitResult:
    """Create or migrate the database; on an empty log, write its genesis. Safe to run twice."""
    store = Store.open(db, must_exist=False)
    try:
        try:
            before, after = migrate.upgrade(store.engine)
        except DBAPIError as exc:
            raise StorageError(f"cannot open the database at {store.url}: {one_line(exc.orig)}") from exc
        app = App(store, Keystore.resolve(keystore_dir))
        # Key files are staged outside the unit of work: kept only once the genesis has committed.
        with ExitStack() as staged_keys, store.write() as writer:
            state = writer.load(None)
            if writer.head.size > 0:
                if origin and origin != state.origin:
                    raise InvalidInput(f"this log's origin is {state.origin}; it cannot change")
                return InitResult(
                    store.url,
                    str(app.keystore.root),
                    before,
                    after,
                    False,
                    str(state.origin),
                    str(state.log_vkey),
                )
            origin = origin or f"inwriting.local/log-{uuid.uuid4().hex[:12]}"
            operator, log_seed = SigningKey.generate(), SigningKey.generate().seed
            signer = NoteSigner(origin, log_seed)
            body = {
                "origin": origin,
                "log_key": signer.vkey,
                "operator": {
                    "key_id": operator.key_id,
                    "public_key": operator.public.b64,
                    "proof": b64(operator.sign(key_proof_message(ev.OPERATOR, operator.key_id))),
                },
            }
            staged_keys.enter_context(app.keystore.staged(ev.OPERATOR, operator))
            staged_keys.enter_context(
                app.keystore.staged(LOG_PARTY, SigningKey(log_seed), name=origin, vkey=signer.vkey)
            )
            record_in(app, writer, ev.OPERATOR, ev.GENESIS, body, key=operator)
            return InitResult(store.url, str(app.keystore.root), before, after, True, origin, signer.vkey)
    finally:
        store.dispose()


def log_signer(app: App) -> NoteSigner:
    """The checkpoint signer for this log, from the keystore, matched against the genesis event."""
    with app.store.read() as conn:
        state = load_state(conn, Refs(meta=True))  # the origin and key only, not the whole state
    if not state.origin or not state.log_vkey:
        raise NotFound("this log has no genesis yet; run `inwriting init`")
    verifier = NoteVerifier.from_vkey(state.log_vkey)
    key_id = "note:" + verifier.key_id.hex()
    seed = _find_log_seed(app.keystore, state.log_vkey)
    if seed is None:
        raise NotFound(
            f"the log key {key_id} is not in the keystore {app.keystore.root}; only the log's"
            " operator can sign checkpoints"
        )
    return NoteSigner(state.origin, seed)


def _find_log_seed(keystore: Keystore, vkey: str) -> bytes | None:
    folder = keystore.root / LOG_PARTY
    found = (
        sorted({p.stem for p in [*folder.glob("*.json"), *folder.glob("*.pending")]})
        if folder.exists()
        else []
    )
    for stem in found:  # a `.pending` one is promoted by `load`; only the log's own key is used
        key = keystore.load(LOG_PARTY, stem.replace("ed25519-", "ed25519:"))
        if NoteSigner(NoteVerifier.from_vkey(vkey).name, key.seed).vkey == vkey:
            return key.seed
    return None
