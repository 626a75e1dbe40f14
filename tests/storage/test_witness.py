"""Witnesses and forks, on SQLite and PostgreSQL: a split view (two logs with one origin and one log
key that share a prefix and then diverge) is refused by the witness and reported by `verify`."""

from __future__ import annotations

import base64
import http.server
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from inwriting.app import bundles, registry
from inwriting.app import log as log_cases
from inwriting.app import witness as w
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.app.recorder import append_signed
from inwriting.cli.main import app as cli_app
from inwriting.errors import InvalidInput, VerificationError
from inwriting.record.bundle import verify_bundle
from inwriting.record.cosignature import Cosigner, CosignerKey, open_cosigned
from inwriting.record.envelope import SignedEvent
from inwriting.record.note import parse_note
from inwriting.storage import migrate
from inwriting.storage import store as st
from inwriting.storage.projections import load_state
from inwriting.storage.store import Store
from tests.conftest import StepClock, fresh_pg_database
from tests.web.browser_support import LiveServer

runner = CliRunner()


@pytest.fixture
def db_url_b(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the same backend as `db_url`."""
    if not db_url.startswith("postgresql"):
        yield str(tmp_path / "log-b.db")
        return
    with fresh_pg_database() as url:
        yield url


@dataclass
class SplitView:
    a: App
    b: App
    db_a: str
    db_b: str
    common: str  # the checkpoint both logs share (size 8)
    a9: str  # log A's checkpoint at size 9
    b9: str  # log B's checkpoint at size 9: another root
    b10: str  # log B's checkpoint at size 10


def cp_note(app: App) -> str:
    return log_cases.checkpoint(app).note


@pytest.fixture
def split(app: App, db_url: str, db_url_b: str, keystore_dir: Path, tmp_path: Path) -> Iterator[SplitView]:
    """Log A and log B: the same genesis, origin and log key, the same first 8 events, then different
    ones. B is made by replaying A's signed events into a fresh database with a copy of the keystore."""
    registry.register_party(app, "RU", "Russian Federation")
    registry.register_party(app, "US", "United States of America")
    registry.new_key(app, "RU")
    registry.new_key(app, "US")
    registry.new_process(app, "sg", "Security guarantees")
    registry.new_track(app, "ru-us", "sg", "Bilateral, Geneva", ["RU", "US"])
    registry.register_party(app, "DE", "Federal Republic of Germany")
    common = cp_note(app)
    assert parse_note(common).text.splitlines()[1] == "8"
    shutil.copytree(keystore_dir, tmp_path / "keys-b")
    store_b = Store.open(db_url_b, must_exist=False)
    migrate.upgrade(store_b.engine)
    with app.store.read() as conn:
        entries = list(st.iter_entries(conn))
    with store_b.write() as writer:
        for entry in entries:
            append_signed(writer, SignedEvent.from_parts(entry.event_bytes, entry.signature))
    b = App(store_b, Keystore.resolve(tmp_path / "keys-b"), clock=StepClock())
    try:
        registry.register_party(app, "FR", "French Republic")
        registry.register_party(b, "CN", "People's Republic of China")
        a9, b9 = cp_note(app), cp_note(b)
        registry.register_party(b, "IN", "Republic of India")
        b10 = cp_note(b)
        yield SplitView(app, b, db_url, db_url_b, common, a9, b9, b10)
    finally:
        b.close()


@pytest.fixture
def witness_dir(tmp_path: Path) -> str:
    return str(tmp_path / "witness-keys")


def trusting_witness(split: SplitView, witness_dir: str) -> CosignerKey:
    key = w.init(witness_dir, "witness.example.org/w1")
    with split.a.store.read() as conn:
        w.add_log(witness_dir, str(load_state(conn).log_vkey))
    return key


def root_hex(note: str) -> str:
    return base64.b64decode(parse_note(note).text.splitlines()[2]).hex()


def test_both_logs_share_origin_key_and_prefix(split: SplitView) -> None:
    with split.a.store.read() as ca, split.b.store.read() as cb:
        sa, sb = load_state(ca), load_state(cb)
    assert (sa.origin, sa.log_vkey) == (sb.origin, sb.log_vkey)
    assert parse_note(split.a9).text != parse_note(split.b9).text
    log_cases.verify(split.a)
    log_cases.verify(split.b)


def test_the_witness_refuses_the_second_view(split: SplitView, witness_dir: str) -> None:
    key = trusting_witness(split, witness_dir)
    first = w.cosign(witness_dir, split.common)  # the first checkpoint is taken on trust
    assert first.previous is None
    done = w.cosign(witness_dir, split.a9, w.ProofSource(db=split.db_a))
    assert open_cosigned(done.note, key)[1].timestamp == done.timestamp
    state = Path(witness_dir, "@witness", "logs.json")
    before = state.read_bytes()

    # Log B at a larger size: no proof links it to what was cosigned, whichever side gives the proof.
    proof_b = json.dumps(log_cases.prove_consistency(split.b, 9, 10).to_json())
    for source in (w.ProofSource(db=split.db_b), w.ProofSource(proof_json=proof_b)):
        with pytest.raises(w.CosignRefused, match="fork") as refused:
            w.cosign(witness_dir, split.b10, source)
        assert root_hex(split.a9) in refused.value.message and root_hex(split.b10) in refused.value.message
        assert "size 9" in refused.value.message and "size 10" in refused.value.message
    # Same size, another root.
    with pytest.raises(w.CosignRefused, match="two roots for one size") as same:
        w.cosign(witness_dir, split.b9)
    assert root_hex(split.a9) in same.value.message and root_hex(split.b9) in same.value.message
    # Older than what was cosigned.
    with pytest.raises(w.CosignRefused, match="older"):
        w.cosign(witness_dir, split.common)
    assert state.read_bytes() == before  # nothing written


def test_a_consistent_later_checkpoint_is_cosigned(split: SplitView, witness_dir: str) -> None:
    key = trusting_witness(split, witness_dir)
    w.cosign(witness_dir, split.a9)
    registry.register_party(split.a, "PL", "Republic of Poland")
    registry.register_party(split.a, "IT", "Italian Republic")
    a11 = cp_note(split.a)
    with pytest.raises(InvalidInput, match="needs a consistency proof"):
        w.cosign(witness_dir, a11)
    wrong = json.dumps(log_cases.prove_consistency(split.a, 8, 11).to_json())
    with pytest.raises(InvalidInput, match="needs 9 to 11"):
        w.cosign(witness_dir, a11, w.ProofSource(proof_json=wrong))
    proof = json.dumps(log_cases.prove_consistency(split.a, 9, 11).to_json())
    done = w.cosign(witness_dir, a11, w.ProofSource(proof_json=proof))
    assert (done.size, done.previous) == (11, (9, bytes.fromhex(root_hex(split.a9))))
    open_cosigned(done.note, key)
    again = w.cosign(witness_dir, a11)  # the same head again: re-cosigned, no proof needed
    assert again.size == 11
    # Log B's database cannot vouch for log A's checkpoint.
    registry.register_party(split.a, "ES", "Kingdom of Spain")
    with pytest.raises(InvalidInput, match="not the log that signed"):
        w.cosign(witness_dir, cp_note(split.a), w.ProofSource(db=split.db_b))


def test_an_untrusted_log_or_a_bad_log_signature_is_refused(split: SplitView, witness_dir: str) -> None:
    w.init(witness_dir, "witness.example.org/w1")
    with pytest.raises(w.CosignRefused, match="does not trust"):
        w.cosign(witness_dir, split.a9)
    with split.a.store.read() as conn:
        w.add_log(witness_dir, str(load_state(conn).log_vkey))
    forged = split.a9.replace(split.a9.splitlines()[1], "99", 1)
    with pytest.raises(VerificationError, match="does not verify"):
        w.cosign(witness_dir, forged)
    assert not Path(witness_dir, "@witness", "logs.json").read_text().count('"size": 9')


def test_cosignatures_ship_in_bundles_and_verify_reports_the_fork(
    split: SplitView, witness_dir: str, tmp_path: Path
) -> None:
    key = trusting_witness(split, witness_dir)
    cosigned = w.cosign(witness_dir, split.a9).note
    attached = w.attach(split.a, cosigned, key.vkey)
    assert attached.size == 9
    with pytest.raises(VerificationError, match="fork"):
        w.attach(split.b, cosigned, key.vkey)  # log B's checkpoint at 9 has another root
    tampered = cosigned.replace(parse_note(cosigned).text.splitlines()[2], root_hex(split.b9)[:44], 1)
    with pytest.raises(VerificationError):
        w.attach(split.a, tampered, key.vkey)
    log_cases.verify(split.a)  # the stored note with its cosignature still checks

    bundle_a = tmp_path / "a.bundle"
    bundles.export(split.a, bundle_a, "sg")
    report = verify_bundle(bundle_a, witnesses=[key.vkey], checkpoints=[("the common one", split.common)])
    assert report.cosigned_by == [attached.witness] and report.extra_checkpoints == 1
    stranger = Cosigner("witness.example.org/w1", bytes([1]) * 32).public.vkey
    with pytest.raises(VerificationError, match="no cosignature"):
        verify_bundle(bundle_a, witnesses=[stranger])
    beyond = verify_bundle(bundle_a, checkpoints=[("B's", split.b10)])
    assert beyond.beyond and "past the bundle" in beyond.beyond[0]

    bundle_b = tmp_path / "b.bundle"
    bundles.export(split.b, bundle_b, "sg")
    with pytest.raises(VerificationError, match="fork") as fork:
        verify_bundle(bundle_b, checkpoints=[("A's checkpoint", cosigned)])
    assert root_hex(split.a9) in fork.value.message and root_hex(split.b9) in fork.value.message
    with pytest.raises(VerificationError, match="two histories"):
        verify_bundle(bundle_b, checkpoints=[("A's", split.a9)], workers=2)


def test_the_cli_flow(split: SplitView, tmp_path: Path) -> None:
    wk = str(tmp_path / "w")
    with split.a.store.read() as conn:
        log_key = str(load_state(conn).log_vkey)

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli_app, list(args))
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run("witness", "init", "--name", "witness.example.org/cli", "--keystore", wk)
    assert code == 0
    witness_key = out.strip()
    assert run("witness", "add", log_key, "--keystore", wk)[0] == 0
    (tmp_path / "a9.note").write_text(split.a9)
    (tmp_path / "b10.note").write_text(split.b10)
    code, cosigned, _ = run("witness", "cosign", str(tmp_path / "a9.note"), "--keystore", wk)
    assert code == 0 and cosigned.startswith(split.a9) and cosigned.count("\u2014 ") == 2
    code, _, err = run("witness", "cosign", str(tmp_path / "b10.note"), "--db", split.db_b, "--keystore", wk)
    assert code == 1 and "fork" in err
    (tmp_path / "a9.cosigned").write_text(cosigned)
    code, _, err = run(
        "witness", "attach", str(tmp_path / "a9.cosigned"), "--witness", witness_key, "--db", split.db_a
    )
    assert code == 0, err
    bundle_b = tmp_path / "b.bundle"
    bundles.export(split.b, bundle_b, "sg")
    code, _, err = run("verify", str(bundle_b), "--checkpoint", str(tmp_path / "a9.cosigned"))
    assert code == 1 and "fork" in err and root_hex(split.a9) in err.replace("\n", "")


# ---- over HTTP: the log's public endpoints and `witness add URL`, `witness cosign --url` ------------


@contextmanager
def serving(*apps: App) -> Iterator[list[str]]:
    """Each app under a real server on 127.0.0.1; yields their base URLs."""
    servers = [LiveServer(app).start() for app in apps]
    try:
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()


def test_a_witness_over_http_refuses_the_second_view(split: SplitView, witness_dir: str) -> None:
    """Two servers show two histories under one origin and key. The witness trusts the first by its
    URL, cosigns its checkpoints with the proofs it serves, and refuses the second's as a fork."""
    key = w.init(witness_dir, "witness.example.org/w1")
    with serving(split.a, split.b) as (url_a, url_b):
        found, added = w.add_log_at(witness_dir, url_a + "/api/v1/")
        with split.a.store.read() as conn:
            assert found.log_key == load_state(conn).log_vkey
        assert added and found.checkpoint == split.a9
        state = Path(witness_dir, "@witness", "logs.json")
        assert json.loads(state.read_text())["logs"][found.origin]["url"] == url_a

        first = w.cosign_at(witness_dir, url_a)  # the first checkpoint is taken on trust
        assert (first.size, first.previous) == (9, None)
        open_cosigned(first.note, key)
        before = state.read_bytes()
        with pytest.raises(w.CosignRefused, match="fork") as refused:
            w.cosign_at(witness_dir, url_b)  # B's newest is size 10, which no proof links to A's 9
        assert root_hex(split.a9) in refused.value.message and root_hex(split.b10) in refused.value.message
        assert state.read_bytes() == before  # nothing written

        registry.register_party(split.a, "PL", "Republic of Poland")
        registry.register_party(split.a, "IT", "Italian Republic")
        a11 = cp_note(split.a)
        with pytest.raises(w.LogUnreachable, match="cannot read"):  # no answer is no refusal: retry later
            w.cosign(witness_dir, a11, w.ProofSource(url=f"http://127.0.0.1:{closed_port()}"))
        assert state.read_bytes() == before
        later = w.cosign_at(witness_dir, url_a)  # with the proof from 9 to 11 that A serves
        assert later.note.startswith(a11) and later.previous == (9, bytes.fromhex(root_hex(split.a9)))


def test_the_public_endpoints_show_signed_sizes_and_hashes_only(split: SplitView) -> None:
    """No token needed, nothing of any event's content, and no tree head past the newest checkpoint."""
    registry.register_party(split.a, "PL", "Republic of Poland")  # an unsigned tail: size 10, checkpoint 9
    with serving(split.a) as (url,):
        public = httpx.get(f"{url}/api/v1/public/log")
        assert public.status_code == 200
        assert set(public.json()) == {"ok", "origin", "log_key", "checkpoint"}
        assert public.json()["checkpoint"] == split.a9
        proof = httpx.get(f"{url}/api/v1/public/consistency", params={"old": 8, "new": 9})
        assert proof.status_code == 200 and proof.json()["new_root"] == root_hex(split.a9)
        tail = httpx.get(f"{url}/api/v1/public/consistency", params={"old": 8, "new": 10})
        assert tail.status_code == 404 and "newest checkpoint is at size 9" in tail.text
        backwards = httpx.get(f"{url}/api/v1/public/consistency", params={"old": 9, "new": 8})
        assert backwards.status_code == 400 and "NEW <= 9;" in backwards.json()["error"]["message"]
        assert "10" not in backwards.text  # the unsigned size is named nowhere
        for text in (public.text, proof.text):
            for secret in ("Russian Federation", "Republic of Poland", "Security guarantees", "ru-us"):
                assert secret not in text
        assert httpx.get(f"{url}/api/v1/checkpoints/latest").status_code == 401  # the rest still asks


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _HugeAnswer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"origin": "' + b"x" * (w.MAX_ANSWER + 10) + b'"}')

    def log_message(self, *_: object) -> None:
        return


def test_a_bad_or_silent_server_is_refused_and_nothing_is_written(tmp_path: Path, witness_dir: str) -> None:
    w.init(witness_dir, "witness.example.org/w1")
    state = Path(witness_dir, "@witness", "logs.json")
    for bad in ("ftp://127.0.0.1/", "http://", "http://127.0.0.1:1/?x=1", "not a url"):
        with pytest.raises(InvalidInput):
            w.add_log_at(witness_dir, bad)
    with pytest.raises(w.LogUnreachable, match="cannot read"):
        w.add_log_at(witness_dir, f"http://127.0.0.1:{closed_port()}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HugeAnswer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(w.LogUnreachable, match="more than"):
            w.add_log_at(witness_dir, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert not state.exists()


def test_the_cli_over_http(split: SplitView, tmp_path: Path) -> None:
    wk = str(tmp_path / "w")

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli_app, [*args, "--keystore", wk])
        return result.exit_code, result.stdout, result.stderr

    assert run("witness", "init", "--name", "witness.example.org/cli")[0] == 0
    with serving(split.a, split.b) as (url_a, url_b):
        code, out, err = run("witness", "add", url_a, "--json")
        assert code == 0, err
        added = json.loads(out)
        assert added["added"] is True and added["url"] == url_a and added["origin"] in split.a9
        code, out, err = run("witness", "add", url_a)
        assert code == 0 and out.strip() == added["log_key"] and "already trusted" in err
        code, out, err = run("witness", "cosign", "--url", url_a)
        assert code == 0 and out.startswith(split.a9) and "cosigned" in err
        code, _, err = run("witness", "cosign", "--url", url_b)
        assert code == 1 and "fork" in err
        (tmp_path / "b10.note").write_text(split.b10)
        code, _, err = run("witness", "cosign", str(tmp_path / "b10.note"), "--url", url_a)
        assert code == 1 and "fork suspected" in err  # A has no proof to B's size 10
        code, _, err = run("witness", "cosign")
        assert code == 1 and "--url" in err
