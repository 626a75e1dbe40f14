"""Backup and restore on SQLite and PostgreSQL, each way: a varied record comes back verified and equal,
table by table and row by row; a backup is one snapshot while others write; a truncated, altered or
foreign file, and a target that holds a log already, are refused and leave the target as it was."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, select, text, update

from inwriting.app import accounts, drafts, instruments, registry, setup, witness
from inwriting.app import backup as bk
from inwriting.app import log as log_cases
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.errors import Conflict, InvalidInput, InwritingError, NotFound, VerificationError
from inwriting.storage import migrate
from inwriting.storage import schema as t
from inwriting.storage.engine import resolve_url, sqlite_path
from inwriting.storage.projections import load_state
from inwriting.storage.store import Store
from tests.conftest import PG_ADMIN_URL, PG_UNAVAILABLE, StepClock
from tests.storage.helpers import populate
from tests.storage.test_accounts import PASSWORD, add_delegate
from tests.storage.test_negotiation import AGREEMENT, TREATY, answer_with, set_today

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")


def build(app: App, tmp_path: Path) -> None:
    """Parties, keys, two corpus drafts, a hand-over, a receipt, an answer, a signed treaty and its
    commitments, a delegate with a password and a token, a checkpoint a witness cosigned, and an event
    after it."""
    populate(app)
    registry.new_key(app, "NATO")
    set_today(app, "2022-03-01")
    drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t", audience="track")
    drafts.import_draft(app, AGREEMENT, track="nrc", as_party="RU", document="a")
    neg.handover(app, "t@v1", to=["US"], due="2022-01-20", point_by_point=True, date="2022-01-10")
    neg.receipt(app, "t@v1", as_party="US", delegate="J. Sullivan", date="2022-01-11")
    said = {"art_1": "accept", "art_2": ("reject", None, "The Charter binds States, not alliances.")}
    answer_with(app, tmp_path, "US", "t@v1", said, "2022-01-15")
    iid, _ = instruments.create(
        app, version="t@v1", kind="treaty", as_party="RU", ratification=False, date="2022-01-20"
    )
    instruments.sign(app, iid, as_party="RU", delegate="ryabkov", place="Geneva", date="2022-01-21")
    instruments.sign(app, iid, as_party="US", delegate="donfried", place="Geneva", date="2022-01-21")
    add_delegate(app, "US", "sherman", "negotiator", "admin")
    accounts.set_password(app, "US", "sherman", PASSWORD)
    accounts.issue_token(app, "US", "sherman")
    note = log_cases.checkpoint(app).note
    witness_keys = str(tmp_path / "witness-keys")
    cosigner = witness.init(witness_keys, "witness.example.org/w1")
    with app.store.read() as conn:
        witness.add_log(witness_keys, str(load_state(conn).log_vkey))
    witness.attach(app, witness.cosign(witness_keys, note).note, cosigner.vkey)
    registry.register_party(app, "FR", "French Republic")


# ---- databases -------------------------------------------------------------------------------------


def pg(statement: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["to-sqlite", "to-postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a SQLite file not yet there, or a PostgreSQL database with
    no tables."""
    if request.param == "sqlite":
        yield str(tmp_path / "restored" / "inwriting.db")
        return
    if PG_UNAVAILABLE:
        pytest.skip(PG_UNAVAILABLE)
    name = f"inwriting_test_{uuid.uuid4().hex[:12]}"
    pg(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def target_dir(target: str) -> str:
    path = sqlite_path(resolve_url(target))
    if path is not None:
        path.parent.mkdir()
    return target


def untouched(url: str) -> None:
    """Nothing of a refused restore remains: no SQLite file, or no table in the PostgreSQL database."""
    path = sqlite_path(resolve_url(url))
    if path is not None:
        assert sorted(p.name for p in path.parent.iterdir()) == []
        return
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the database, each row as a tuple, in primary-key order. The order is Python's:
    PostgreSQL sorts text by its collation, SQLite by bytes."""
    store = Store.open(url)
    try:
        with store.read() as conn:
            tables: dict[str, list[tuple[Any, ...]]] = {}
            for table in t.metadata.sorted_tables:
                keys = [list(table.columns).index(c) for c in table.primary_key.columns]
                rows = [tuple(_plain(v) for v in row) for row in conn.execute(select(table))]
                tables[table.name] = sorted(rows, key=lambda row: [row[k] for k in keys])
            key = "rowid" if conn.dialect.name == "sqlite" else "id"
            found = conn.execute(
                text(f"SELECT {key}, text, kind, scope, eid, label, heading, body FROM search_index")
            )
            tables["search_index"] = sorted(tuple(row) for row in found)
            tables["alembic_version"] = [
                tuple(r) for r in conn.execute(text("SELECT * FROM alembic_version"))
            ]
            present = {n for n in inspect(conn).get_table_names() if not n.startswith("search_index_")}
            assert present == set(tables), "a table is left out of the comparison"
        return tables
    finally:
        store.dispose()


def _plain(value: object) -> object:
    return bytes(value) if isinstance(value, bytes | memoryview) else value


# ---- round trips -----------------------------------------------------------------------------------


def test_every_table_is_in_the_backup_or_derived_from_it() -> None:
    """A table added to the schema must be placed: carried by backups, or rebuilt by restore."""
    derived = {t.log_nodes, t.log_head, *t.PROJECTION_TABLES}
    assert set(t.metadata.sorted_tables) == {t.log_entries, *bk.TABLES} | derived
    assert not derived & {t.log_entries, *bk.TABLES}


def test_a_restored_database_verifies_and_equals_the_original(
    app: App, db_url: str, target_dir: str, tmp_path: Path
) -> None:
    build(app, tmp_path)
    original = log_cases.verify(app)
    file = tmp_path / "record.iwb"

    written = bk.backup(app, file)
    assert (written.size, written.root) == (original.size, original.root)
    assert written.counts == {
        "events": original.size,
        "blobs": 4,  # two drafts, the answer, the treaty's agreed text
        "checkpoints": 1,
        "credentials": 1,
        "api_tokens": 1,
    }
    assert written.bytes == file.stat().st_size and not file.with_name("record.iwb.partial").exists()

    restored = bk.restore(file, target_dir)
    assert (restored.size, restored.root, restored.counts) == (written.size, written.root, written.counts)
    assert restored.verified.size == original.size and restored.verified.nodes == original.nodes
    assert restored.verified.warnings == ["1 event after the latest checkpoint"]

    again = App(Store.open(target_dir), Keystore.resolve(None))
    try:
        report = log_cases.verify(again)
    finally:
        again.close()
    assert (report.size, report.root, report.checkpoints) == (original.size, original.root, 1)
    before, after = dump(db_url), dump(target_dir)
    for name in before:
        assert after[name] == before[name], f"{name} differs after the restore"
    [(_, _, note, _)] = after["checkpoints"]
    assert "\n— witness.example.org/w1 " in note  # a witness's cosignature is kept with its checkpoint


def test_a_restored_log_takes_new_events_and_credentials_still_work(
    app: App, target_dir: str, tmp_path: Path, keystore_dir: Path
) -> None:
    build(app, tmp_path)
    bk.backup(app, tmp_path / "record.iwb")
    bk.restore(tmp_path / "record.iwb", target_dir)
    restored = App(Store.open(target_dir), Keystore.resolve(keystore_dir), clock=app.clock)
    try:
        registry.register_party(restored, "IT", "Italian Republic")  # the same keystore signs on
        log_cases.checkpoint(restored)
        assert accounts.login(restored, "US", "sherman", PASSWORD).delegate == "sherman"
        assert log_cases.verify(restored).warnings == []
    finally:
        restored.close()


def test_a_backup_is_one_snapshot_while_others_write(app: App, db_url: str, tmp_path: Path) -> None:
    build(app, tmp_path)
    size = log_cases.verify(app).size
    other = App(Store.open(db_url), app.keystore, clock=app.clock)
    wrote: list[int] = []

    def meanwhile(done: int, total: int) -> None:
        if not wrote:  # after the events, before the texts and checkpoints: a text and a checkpoint
            drafts.import_draft(other, TREATY, track="nrc", as_party="RU", document="late")
            wrote.append(log_cases.checkpoint(other).size)

    try:
        report = bk.backup(app, tmp_path / "record.iwb", meanwhile)
    finally:
        other.close()
    assert wrote == [size + 1]
    assert report.size == size and report.counts["blobs"] == 4 and report.counts["checkpoints"] == 1
    assert bk.check_file(tmp_path / "record.iwb").counts == report.counts


def test_restore_into_a_migrated_empty_database(app: App, target_dir: str, tmp_path: Path) -> None:
    build(app, tmp_path)
    bk.backup(app, tmp_path / "record.iwb")
    empty = Store.open(target_dir, must_exist=False)
    try:
        migrate.upgrade(empty.engine)
    finally:
        empty.dispose()
    assert bk.restore(tmp_path / "record.iwb", target_dir).size == log_cases.verify(app).size


# ---- refusals ---------------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return gzip.decompress(data).splitlines(keepends=True)


def _rehashed(lines: list[bytes]) -> bytes:
    """The lines with a fresh end line over them: a file whose damage only the record's checks see."""
    import hashlib

    body = b"".join(lines[:-1])
    end = {"end": bk.FORMAT, "lines": len(lines) - 1, "sha256": hashlib.sha256(body).hexdigest()}
    return gzip.compress(body + json.dumps(end, separators=(",", ":")).encode() + b"\n")


def _alter(lines: list[bytes], old: bytes, new: bytes) -> list[bytes]:
    [at] = [i for i, line in enumerate(lines) if old in line][:1]
    return [*lines[:at], lines[at].replace(old, new, 1), *lines[at + 1 :]]


def _header(lines: list[bytes], **changes: object) -> list[bytes]:
    return [json.dumps(json.loads(lines[0]) | changes).encode() + b"\n", *lines[1:]]


Damage = Callable[[bytes], bytes]
DAMAGES: dict[str, tuple[Damage, str]] = {
    "truncated": (lambda data: data[: len(data) // 2], "damaged or truncated"),
    "a byte flipped": (  # zlib or the CRC may notice first, or else the end line's hash
        lambda data: (
            data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0x20]) + data[len(data) // 2 + 1 :]
        ),
        "(damaged|altered) or truncated",
    ),
    "a line altered": (
        lambda data: gzip.compress(
            b"".join(_alter(_lines(data), b"Russian Federation", b"Russian Federatiom"))
        ),
        "it was altered or truncated",
    ),
    "the end line dropped": (
        lambda data: gzip.compress(b"".join(_lines(data)[:-1])),
        "ends without its end line",
    ),
    "lines dropped, end line kept": (
        lambda data: gzip.compress(b"".join(_lines(data)[:3] + _lines(data)[-1:])),
        "it was altered or truncated",
    ),
    "another format": (
        lambda data: _rehashed(_header(_lines(data), format="inwriting-backup/9")),
        "not an inwriting backup: format 'inwriting-backup/9'",
    ),
    "a foreign file": (
        lambda data: b"%PDF-1.7 " * 10_000,
        "not an inwriting backup: the first line is longer",
    ),
    "a bundle": (
        lambda data: _rehashed(_header(_lines(data), format="inwriting-bundle/v1")),
        "not an inwriting backup",
    ),
    "an event altered and the file rehashed": (
        lambda data: _rehashed(_alter(_lines(data), b"Russian Federation", b"Russian Federatiom")),
        "the signature does not verify",
    ),
    "a text altered and the file rehashed": (
        lambda data: _rehashed(_alter(_lines(data), b"respect", b"Respect")),
        "the stored text does not hash to",
    ),
    "a checkpoint dropped and the counts too": (
        lambda data: _rehashed(
            _header(
                [line for line in _lines(data) if not line.startswith(b'{"table":"checkpoints"')],
                counts=json.loads(_lines(data)[0])["counts"] | {"checkpoints": 0},
            )
        ),
        "",  # a log with no checkpoint is a log; what must hold is that the rest restores
    ),
}


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The backup of `build`'s record on SQLite (where it comes from does not matter here)."""
    root = tmp_path_factory.mktemp("good-backup")
    setup.init(str(root / "source.db"), str(root / "keys"), origin="test.inwriting.local/log")
    source = App(Store.open(str(root / "source.db")), Keystore.resolve(root / "keys"), clock=StepClock())
    try:
        build(source, root)
        bk.backup(source, root / "record.iwb")
    finally:
        source.close()
    return (root / "record.iwb").read_bytes()


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_file_is_refused_and_the_target_stays_empty(
    good_backup: bytes, target_dir: str, tmp_path: Path, damage: str
) -> None:
    bad = tmp_path / "bad.iwb"
    change, says = DAMAGES[damage]
    bad.write_bytes(change(good_backup))
    if not says:
        assert bk.restore(bad, target_dir).counts["checkpoints"] == 0
        return
    with pytest.raises(VerificationError, match=says):
        bk.restore(bad, target_dir)
    untouched(target_dir)


def test_an_uncompressed_backup_restores_too(good_backup: bytes, target_dir: str, tmp_path: Path) -> None:
    """The end line hashes the lines, not the gzip stream: a file unpacked to read it still restores."""
    plain = tmp_path / "record.jsonl"
    plain.write_bytes(gzip.decompress(good_backup))
    assert bk.restore(plain, target_dir).counts == bk.check_file(plain).counts


def test_restore_refuses_a_database_that_holds_a_log(app: App, db_url: str, tmp_path: Path) -> None:
    build(app, tmp_path)
    file = tmp_path / "record.iwb"
    bk.backup(app, file)
    before = dump(db_url)
    with pytest.raises(Conflict, match=r"already holds a log of \d+ events; restore only into an empty"):
        bk.restore(file, db_url)
    assert dump(db_url) == before


def test_restore_refuses_a_database_that_holds_credentials_only(
    app: App, target_dir: str, tmp_path: Path
) -> None:
    build(app, tmp_path)
    bk.backup(app, tmp_path / "record.iwb")
    store = Store.open(target_dir, must_exist=False)
    try:
        migrate.upgrade(store.engine)
        with store.engine.begin() as conn:
            conn.execute(
                t.metadata.tables["credentials"]
                .insert()
                .values(party="US", delegate="x", delegate_seq=1, password_hash="h", updated="now")
            )
    finally:
        store.dispose()
    with pytest.raises(Conflict, match="already holds 1 rows of credentials"):
        bk.restore(tmp_path / "record.iwb", target_dir)


def test_missing_and_unreadable_files(tmp_path: Path, target_dir: str) -> None:
    with pytest.raises(InvalidInput, match="no backup at"):
        bk.restore(tmp_path / "nothing.iwb", target_dir)
    empty = tmp_path / "empty.iwb"
    empty.write_bytes(b"")
    with pytest.raises(VerificationError, match="truncated"):
        bk.restore(empty, target_dir)
    untouched(target_dir)


def test_a_damaged_database_gives_no_backup(app: App, tmp_path: Path) -> None:
    build(app, tmp_path)
    with app.store.engine.begin() as conn:
        digest = conn.execute(select(t.blobs.c.hash).limit(1)).scalar_one()
        conn.execute(
            update(t.blobs).where(t.blobs.c.hash == digest).values(media_type="x", content=b"forged")
        )
    file = tmp_path / "record.iwb"
    with pytest.raises(VerificationError, match=f"blob {digest}: the stored text does not hash"):
        bk.backup(app, file)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("record")) == []


def test_an_empty_or_uninitialised_database_has_nothing_to_back_up(tmp_path: Path) -> None:
    with pytest.raises(InwritingError, match="no inwriting database"):
        App.open(str(tmp_path / "none.db"))
    store = Store.open(str(tmp_path / "bare.db"), must_exist=False)
    migrate.upgrade(store.engine)
    empty = App(store, Keystore.resolve(tmp_path / "keys"))
    try:
        with pytest.raises(NotFound, match="holds no log yet"):
            bk.backup(empty, tmp_path / "b.iwb")
    finally:
        empty.close()
