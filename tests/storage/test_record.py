"""The storage contract, on SQLite and PostgreSQL: appends, refusals that leave nothing behind,
rebuild, proofs and checkpoints."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inwriting.app import log as log_cases
from inwriting.app import registry, setup
from inwriting.app.context import App
from inwriting.app.recorder import submit
from inwriting.app.setup import log_signer
from inwriting.domain import events as ev
from inwriting.domain.model import State
from inwriting.errors import Conflict, InvalidInput, NotFound, RecordError, Refused, VerificationError
from inwriting.record import merkle
from inwriting.record.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from inwriting.record.envelope import SignedEvent
from inwriting.record.keys import SigningKey
from inwriting.record.note import NoteVerifier
from inwriting.storage import schema as t
from inwriting.storage import store as st
from inwriting.storage.projections import load_state
from tests.storage.helpers import log_size, make_event, operator_key, populate


def row_counts(app: App) -> dict[str, int]:
    with app.store.read() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        }


def test_init_writes_genesis_once(app: App, db_url: str, keystore_dir: object) -> None:
    assert log_size(app) == 1
    again = setup.init(db_url, str(keystore_dir))
    assert not again.created
    assert again.origin == "test.inwriting.local/log"
    assert log_size(app) == 1


def test_registration_is_projected(app: App) -> None:
    populate(app)
    with app.store.read() as conn:
        state = load_state(conn)
    assert state.parties["NATO"].members == ("US", "DE", "PL")
    assert state.tracks["nrc"].parties == ("RU", "NATO")
    assert state.tracks["nrc"].process == "sg"
    assert {k.party for k in state.keys.values()} == {"@operator", "RU", "US"}
    entries = list(log_cases.show(app))
    assert [e["seq"] for e in entries] == list(range(len(entries)))
    assert entries[-1]["process"] == "sg" and entries[-1]["track"] == "nrc"


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (lambda app: registry.register_party(app, "RU", "Again"), Conflict),
        (lambda app: registry.register_party(app, "XX", "X", "state", ["RU"]), Refused),
        (lambda app: registry.register_party(app, "AL", "X", "alliance", ["ZZ"]), NotFound),
        (lambda app: registry.register_party(app, "ZZ", "X", "empire"), InvalidInput),
        (lambda app: registry.register_party(app, "ZZ", "Evil\u202etxt.exe"), InvalidInput),
        (lambda app: registry.register_party(app, "1bad", "X"), InvalidInput),
        (lambda app: registry.new_track(app, "t2", "sg", "F", ["RU", "ZZ"]), NotFound),
        (lambda app: registry.new_track(app, "t2", "nope", "F", ["RU", "US"]), NotFound),
        (lambda app: registry.new_track(app, "t2", "sg", "F", ["RU"]), Refused),
        (lambda app: registry.new_track(app, "ru-us", "sg", "F", ["RU", "US"]), Conflict),
        (lambda app: registry.new_process(app, "sg", "Again"), Conflict),
        (lambda app: registry.new_key(app, "ZZ"), NotFound),
        (lambda app: registry.revoke_key(app, "RU", "ed25519:0000000000000000", "x"), NotFound),
    ],
)
def test_refusals_leave_nothing_behind(app: App, action: object, error: type[Exception]) -> None:
    populate(app)
    before = row_counts(app)
    keys_before = sorted(p.name for p in app.keystore.root.rglob("*"))
    with pytest.raises(error):
        action(app)  # type: ignore[operator]
    assert row_counts(app) == before
    assert sorted(p.name for p in app.keystore.root.rglob("*")) == keys_before


def test_submitted_events_are_checked(app: App) -> None:
    keys = populate(app)
    ru = app.keystore.load("RU", keys["RU"])
    operator = operator_key(app)
    body = {"process": "p2", "title": "Second process"}
    good = make_event(app, ev.OPERATOR, operator, ev.PROCESS_CREATED, body)
    before = row_counts(app)

    cases = {
        "out of order": make_event(app, ev.OPERATOR, operator, ev.PROCESS_CREATED, body, seq=3),
        "does not follow": make_event(
            app, ev.OPERATOR, operator, ev.PROCESS_CREATED, body, prev="sha256:" + "ab" * 32
        ),
        "time goes backwards": make_event(
            app, ev.OPERATOR, operator, ev.PROCESS_CREATED, body, time="2000-01-01T00:00:00.000000Z"
        ),
        "unknown key": make_event(app, ev.OPERATOR, SigningKey.generate(), ev.PROCESS_CREATED, body),
        "belongs to RU": make_event(app, ev.OPERATOR, ru, ev.PROCESS_CREATED, body),
        "only the instance operator": make_event(app, "RU", ru, ev.PROCESS_CREATED, body),
    }
    for expected, signed in cases.items():
        with pytest.raises((RecordError, Refused), match=expected):
            submit(app, signed.event_bytes, signed.signature)
    forged = bytearray(good.signature)
    forged[10] ^= 1
    with pytest.raises(RecordError, match="signature does not verify"):
        submit(app, good.event_bytes, bytes(forged))
    with pytest.raises(InvalidInput, match="canonical"):
        submit(app, good.event_bytes.replace(b'{"actor"', b'{ "actor"'), good.signature)
    assert row_counts(app) == before

    submit(app, good.event_bytes, good.signature)
    with pytest.raises(RecordError, match="replayed"):  # the same event again
        submit(app, good.event_bytes, good.signature)


def test_replayed_event_id_is_refused(app: App) -> None:
    populate(app)
    operator = operator_key(app)
    first = make_event(app, ev.OPERATOR, operator, ev.PROCESS_CREATED, {"process": "p2", "title": "T"})
    submit(app, first.event_bytes, first.signature)
    replay = make_event(app, ev.OPERATOR, operator, ev.PROCESS_CREATED, {"process": "p3", "title": "T"})
    from dataclasses import replace

    again = SignedEvent.sign(replace(replay.event, id=first.event.id), operator)
    with pytest.raises(RecordError, match="replayed"):
        submit(app, again.event_bytes, again.signature)


def test_revoked_key_cannot_sign(app: App) -> None:
    keys = populate(app)
    ru = app.keystore.load("RU", keys["RU"])
    registry.revoke_key(app, "RU", keys["RU"], "compromised")
    before = row_counts(app)
    signed = make_event(app, "RU", ru, ev.KEY_REVOKED, {"party": "RU", "key_id": keys["RU"], "reason": "x"})
    with pytest.raises(RecordError, match="revoked"):
        submit(app, signed.event_bytes, signed.signature)
    assert row_counts(app) == before
    with pytest.raises(Conflict):
        registry.revoke_key(app, "RU", keys["RU"], "again")


def test_party_can_add_its_own_key(app: App) -> None:
    keys = populate(app)
    ru = app.keystore.load("RU", keys["RU"])
    from inwriting.record.keys import b64
    from inwriting.record.verifier import key_proof_message

    new = SigningKey.generate()
    body = {
        "party": "RU",
        "key_id": new.key_id,
        "public_key": new.public.b64,
        "proof": b64(new.sign(key_proof_message("RU", new.key_id))),
    }
    signed = make_event(app, "RU", ru, ev.KEY_ADDED, body)
    submit(app, signed.event_bytes, signed.signature)
    # A key whose proof of possession was made by another key is refused.
    other = SigningKey.generate()
    bad = dict(body, key_id=other.key_id, public_key=other.public.b64)
    signed = make_event(app, "RU", ru, ev.KEY_ADDED, bad)
    with pytest.raises(RecordError, match="proof of possession"):
        submit(app, signed.event_bytes, signed.signature)
    # A party cannot add keys for another.
    third = SigningKey.generate()
    body_us = {
        "party": "US",
        "key_id": third.key_id,
        "public_key": third.public.b64,
        "proof": b64(third.sign(key_proof_message("US", third.key_id))),
    }
    signed = make_event(app, "RU", ru, ev.KEY_ADDED, body_us)
    with pytest.raises(Refused):
        submit(app, signed.event_bytes, signed.signature)


def test_rebuild_equals_projections(app: App) -> None:
    keys = populate(app)
    registry.revoke_key(app, "US", keys["US"], "rotated")
    registry.new_key(app, "US")
    with app.store.read() as conn:
        projected = load_state(conn)
    with app.store.write() as writer:  # damage the projections
        writer.conn.execute(t.track_parties.delete())
        writer.conn.execute(t.tracks.delete())
        writer.conn.execute(t.keys.delete().where(t.keys.c.party == "US"))
    result = log_cases.rebuild(app)
    with app.store.read() as conn:
        rebuilt = load_state(conn)
    assert result.size == log_size(app)
    assert rebuilt == projected
    assert result.state.parties == projected.parties and result.state.keys == projected.keys
    assert log_cases.verify(app).size == result.size


def test_checkpoints_and_proofs(app: App) -> None:
    populate(app)
    first = log_cases.checkpoint(app)
    assert log_cases.checkpoint(app) == first  # nothing new: the same checkpoint
    registry.register_party(app, "FR", "French Republic")
    registry.register_party(app, "GB", "United Kingdom")
    second = log_cases.checkpoint(app)
    with app.store.read() as conn:
        state = load_state(conn)
    verifier = NoteVerifier.from_vkey(str(state.log_vkey))
    opened = open_checkpoint(second.note, verifier, origin=state.origin)
    assert (opened.size, opened.root) == (second.size, second.root)

    for index in range(second.size):
        proof = log_cases.prove_inclusion(app, index)
        assert proof.size == second.size and proof.root == second.root and proof.checkpoint == second.note
        merkle.verify_inclusion(proof.leaf_hash, index, proof.size, proof.path, opened.root)
    consistency = log_cases.prove_consistency(app, first.size, second.size)
    assert consistency.old_root == first.root and consistency.new_root == second.root
    merkle.verify_consistency(first.size, second.size, first.root, second.root, consistency.path)
    with pytest.raises(NotFound):
        log_cases.prove_inclusion(app, second.size)
    with pytest.raises(InvalidInput):
        log_cases.prove_consistency(app, 2, second.size + 5)


def test_appends_store_only_logarithmic_nodes(app: App) -> None:
    for i in range(40):
        registry.register_party(app, f"P{i}", f"Party {i}")
    with app.store.read() as conn:
        nodes = st.count_nodes(conn)
        size = st.head(conn).size
    assert nodes == 2 * size - bin(size).count("1")  # every perfect subtree once, nothing more
    report = log_cases.verify(app)
    assert report.nodes == nodes


def test_interleaved_writers_in_one_process(app: App, db_url: str) -> None:
    """Each Store carries its frontier and entities between units of work; another writer moving the
    head must make it read them again, or the tree and the chain would fork."""
    from inwriting.app.keystore import Keystore
    from inwriting.storage.store import Store

    populate(app)
    other = App(Store.open(db_url), Keystore.resolve(app.keystore.root))
    try:
        for i in range(5):
            registry.new_process(app, f"a{i}", "From the first writer")
            registry.new_process(other, f"b{i}", "From the second writer")
            if i == 2:
                registry.revoke_key(other, "RU", registry.new_key(other, "RU").key_id, "rotated")
        registry.new_key(app, "US")
    finally:
        other.close()
    report = log_cases.verify(app)
    assert report.size == log_size(app)
    assert report.nodes == 2 * report.size - bin(report.size).count("1")


def test_future_dated_and_operator_key_revocation_are_refused(app: App) -> None:
    populate(app)
    operator = operator_key(app)
    future = make_event(
        app,
        ev.OPERATOR,
        operator,
        ev.PROCESS_CREATED,
        {"process": "p9", "title": "T"},
        time="2999-01-01T00:00:00.000000Z",
    )
    before = row_counts(app)
    with pytest.raises(RecordError, match="in the future"):
        submit(app, future.event_bytes, future.signature)
    with pytest.raises(Refused, match="operator's key cannot be revoked"):
        registry.revoke_key(app, ev.OPERATOR, operator.key_id, "oops")
    assert row_counts(app) == before


def test_a_checkpoint_signs_when_it_was_made(app: App) -> None:
    """Its `created` time is a signed extension line, so changing the stored time fails `log verify`;
    a checkpoint signed before that line existed (no line) still verifies, its time unchecked."""
    populate(app)
    cp = log_cases.checkpoint(app)
    opened = open_checkpoint(cp.note, NoteVerifier.from_vkey(str(_state(app).log_vkey)))
    assert opened.extensions == (f"inwriting-created {cp.created}",)
    with app.store.write() as writer:
        writer.conn.execute(t.checkpoints.update().values(created="2020-01-01T00:00:00.000000Z"))
    with pytest.raises(VerificationError, match="stored as made at '2020-01-01") as caught:
        log_cases.verify(app)
    assert caught.value.where == f"checkpoint at size {cp.size}"
    legacy = sign_checkpoint(Checkpoint(opened.origin, opened.size, opened.root), log_signer(app))
    with app.store.write() as writer:
        writer.conn.execute(t.checkpoints.update().values(note=legacy))
    assert log_cases.verify(app).size == cp.size


def _state(app: App) -> State:
    with app.store.read() as conn:
        return load_state(conn)
