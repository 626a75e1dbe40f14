"""Per-party bundles and reveals, on SQLite and PostgreSQL: a party's bundle holds the events and texts
it may see and nothing else (not a byte of a text it may not read), every view verifies offline, and
a text published later is revealed against a bundle exported before, while any tampered reveal is
refused."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from inwriting.app import bundles, disclosure, drafts, registry
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.cli import logcmds
from inwriting.cli.common import reports_errors
from inwriting.domain import events as ev
from inwriting.domain.events import Actor, Event, EventType, PartyId
from inwriting.errors import InvalidInput, NotFound, VerificationError
from inwriting.record.blob import blob_hash, new_salt
from inwriting.record.bundle import FORMAT, PARTY_FORMAT, Header, Hidden, Visible, verify_bundle, write_bundle
from inwriting.record.envelope import SignedEvent, hash_ref
from inwriting.record.linecheck import BATCH, TextBlob, is_text_line, parse_text_line
from inwriting.record.reveal import verify_reveal
from inwriting.storage import store as st
from inwriting.storage.projections import load_state
from tests.record.test_bundle_stream import ORIGIN, LogBuilder

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")

DRAFT, PRIVATE = "t@v1", "fallback@v1"
# Sentences found only in the draft's text (the treaty's Articles 3 and 4), in the answer, and in a
# draft RU keeps to itself.
DRAFT_PHRASES = (
    "use the territories of other States with a view to preparing or carrying out an armed attack",
    "shall not establish military bases in the territory of the States of the former Union",
)
ANSWER_PHRASE = "The proposed moratorium on Article 4 bases cannot be accepted in this form"
ANSWER_LETTER = f"Dear Minister,\n\n{ANSWER_PHRASE}; our counter-proposal follows by courier.\n"
PRIVATE_PHRASE = "a moratorium on intermediate-range deployments in Kaliningrad oblast"
PRIVATE_DRAFT = f"Fallback position (internal)\n\nArticle 1\n\nThe Parties may consider {PRIVATE_PHRASE}.\n"


class Talks:
    """The record the tests share: a draft RU handed to US, US's answer in prose, RU's private draft."""

    def __init__(self, app: App, tmp_path: Path) -> None:
        self.app, self.tmp = app, tmp_path
        for party, name in (
            ("RU", "Russian Federation"),
            ("US", "United States of America"),
            ("DE", "Federal Republic of Germany"),
        ):
            registry.register_party(app, party, name)
            registry.new_key(app, party)
        registry.new_process(app, "sg", "Security guarantees")
        registry.new_track(app, "ru-us", "sg", "Bilateral, Geneva", ["RU", "US"])
        drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t", audience="author")
        neg.handover(app, DRAFT, to=["US"])
        letter = tmp_path / "letter.txt"
        letter.write_text(ANSWER_LETTER, encoding="utf-8")
        self.answer = neg.answer(app, DRAFT, as_party="US", file=letter, prose=True).answer
        private = tmp_path / "fallback.txt"
        private.write_text(PRIVATE_DRAFT, encoding="utf-8")
        drafts.import_draft(
            app, private, track="ru-us", as_party="RU", document="fallback", audience="author"
        )
        with app.store.read() as conn:
            state = load_state(conn)
        self.log_key = str(state.log_vkey)
        self.seq = {DRAFT: state.versions[DRAFT].created_seq, PRIVATE: state.versions[PRIVATE].created_seq}
        self.seq[self.answer] = state.answers[self.answer].seq

    def export(self, name: str, party: str | None) -> Path:
        path = self.tmp / name
        bundles.export(self.app, path, "sg", as_party=party)
        return path

    def reveal(self, name: str, text: str, party: str | None = None) -> Path:
        path = self.tmp / name
        bundles.reveal(self.app, path, text, as_party=party)
        return path


@pytest.fixture
def talks(app: App, tmp_path: Path) -> Talks:
    return Talks(app, tmp_path)


def plain_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def texts_in(path: Path) -> dict[str, TextBlob]:
    lines = plain_bytes(path).split(b"\n")[1:]
    return {blob.text: blob for blob in (parse_text_line(line) for line in lines if is_text_line(line))}


def hidden_seqs(path: Path) -> set[int]:
    lines = plain_bytes(path).split(b"\n")[1:]
    return {json.loads(line)["seq"] for line in lines if b'"leaf":"' in line[:40]}


def test_outsider_bundle_verifies_and_holds_no_byte_of_any_text(talks: Talks) -> None:
    for name in ("de.bundle", "de.bundle.gz"):
        path = talks.export(name, "DE")
        report = verify_bundle(path, trusted_log_key=talks.log_key, workers=1)
        assert report.party == "DE"
        assert report.texts == 0
        # The draft, its hand-over, the answer and the private draft: leaf hashes only.
        assert report.hidden == 4
        assert hidden_seqs(path) == {
            talks.seq[DRAFT],
            talks.seq[DRAFT] + 1,
            talks.seq[talks.answer],
            talks.seq[PRIVATE],
        }
        data = plain_bytes(path)
        assert json.loads(data.split(b"\n")[0])["format"] == PARTY_FORMAT
        for phrase in (
            *DRAFT_PHRASES,
            ANSWER_PHRASE,
            PRIVATE_PHRASE,
            "Fallback position",
            "SECURITY GUARANTEES",
        ):
            assert phrase.encode() not in data, f"{name} leaks {phrase!r}"
        assert DRAFT.encode() not in data and talks.answer.encode() not in data
        assert texts_in(path) == {}


def test_recipient_and_author_bundles_carry_the_texts_they_see(talks: Talks) -> None:
    us, ru = talks.export("us.bundle", "US"), talks.export("ru.bundle", "RU")
    us_report = verify_bundle(us, trusted_log_key=talks.log_key, workers=1)
    ru_report = verify_bundle(ru, trusted_log_key=talks.log_key, workers=1)
    assert (us_report.party, us_report.texts, us_report.hidden) == ("US", 2, 1)  # RU's private draft
    assert (ru_report.party, ru_report.texts, ru_report.hidden) == ("RU", 3, 0)
    assert set(texts_in(us)) == {DRAFT, talks.answer}
    assert set(texts_in(ru)) == {DRAFT, talks.answer, PRIVATE}
    assert hidden_seqs(us) == {talks.seq[PRIVATE]}
    us_data = us.read_bytes()
    for phrase in (*DRAFT_PHRASES, ANSWER_PHRASE):  # the texts travel readable, as the party has them
        assert phrase.encode() in us_data
        assert phrase.encode() in ru.read_bytes()
    assert PRIVATE_PHRASE.encode() not in us_data and b"Fallback position" not in us_data
    assert PRIVATE_PHRASE.encode() in ru.read_bytes()
    with talks.app.store.read() as conn:
        state = load_state(conn)
        for text, blob in texts_in(ru).items():
            digest = state.versions[text].content if text in state.versions else state.answers[text].content
            assert st.blob(conn, digest) == (blob.salt, blob.content)
            assert blob.seq == talks.seq[text]
    assert texts_in(us)[talks.answer].content == ANSWER_LETTER.encode()


def test_operator_bundle_is_as_before(talks: Talks) -> None:
    path = talks.export("all.bundle", None)
    report = verify_bundle(path, trusted_log_key=talks.log_key, workers=1)
    assert (report.party, report.texts, report.hidden) == (None, 0, 0)
    header = json.loads(path.read_bytes().split(b"\n")[0])
    assert header["format"] == FORMAT and "party" not in header
    assert texts_in(path) == {}


def test_unknown_party_or_process_is_refused(talks: Talks) -> None:
    with pytest.raises(NotFound, match="party FR"):
        talks.export("fr.bundle", "FR")
    with pytest.raises(NotFound, match="process nope"):
        bundles.export(talks.app, talks.tmp / "x.bundle", "nope", as_party="DE")
    assert not (talks.tmp / "fr.bundle").exists() and not (talks.tmp / "x.bundle").exists()


def test_changed_or_misplaced_text_lines_are_caught(talks: Talks) -> None:
    original = talks.export("us.bundle", "US").read_bytes().split(b"\n")
    number = next(i for i, line in enumerate(original) if is_text_line(line) and b'"text":"t@v1"' in line)
    phrase, seq = DRAFT_PHRASES[0].encode(), talks.seq[DRAFT]

    def check(lines: list[bytes], match: str) -> None:
        path = talks.tmp / "mutated.bundle"
        path.write_bytes(b"\n".join(lines))
        with pytest.raises(VerificationError, match=match):
            verify_bundle(path, workers=1)

    changed = list(original)
    changed[number] = changed[number].replace(phrase, phrase.replace(b"armed", b"armer"))
    check(changed, f"line {number + 1}: text t@v1: it does not hash to sha256:")
    moved = list(original)
    moved.insert(number + 1, moved.pop(number))  # after the hand-over instead of the version
    check(
        moved,
        f"line {number + 2}: text t@v1: it is of event {seq}, not of event {seq + 1}",
    )
    twice = list(original)
    twice.insert(number + 1, twice[number])
    check(twice, f"line {number + 2}: text t@v1: it must directly follow the line of event")
    other = list(original)
    answer = next(i for i, line in enumerate(original) if is_text_line(line) and b"/answer/" in line)
    other[answer] = original[number].replace(
        b'"seq":%d' % talks.seq[DRAFT], b'"seq":%d' % talks.seq[talks.answer]
    )
    check(
        other, f"line {answer + 1}: text t@v1: event {talks.seq[talks.answer]} .* does not record that text"
    )
    salt = list(original)
    salt[number] = re.sub(rb'"salt":"[^"]*"', b'"salt":"AAAA"', salt[number])
    check(salt, "the salt must have 32 bytes")
    # A party may leave out a text it was given; what remains still verifies.
    dropped = [line for i, line in enumerate(original) if i != number]
    path = talks.tmp / "dropped.bundle"
    path.write_bytes(b"\n".join(dropped))
    assert verify_bundle(path, workers=1).texts == 1


def test_publication_reveals_the_text_against_an_earlier_bundle(talks: Talks) -> None:
    before = talks.export("de-before.bundle.gz", "DE")
    with pytest.raises(NotFound, match=f"version {DRAFT} does not exist"):
        talks.reveal("early.reveal", DRAFT, "DE")  # DE may not even learn that it exists yet
    disclosure.publish(talks.app, DRAFT, as_party="RU")
    after = talks.export("de-after.bundle", "DE")
    report = verify_bundle(after, trusted_log_key=talks.log_key, workers=1)
    assert set(texts_in(after)) == {DRAFT}  # the published draft now comes with DE's bundle
    assert report.hidden == 2  # still the answer and the private draft
    assert DRAFT_PHRASES[0].encode() in after.read_bytes()

    reveal = talks.reveal("t.reveal", DRAFT, "DE")
    bundle_report, revealed = verify_reveal(before, reveal, trusted_log_key=talks.log_key, workers=1)
    assert bundle_report.party == "DE" and bundle_report.texts == 0
    assert (revealed.text, revealed.kind, revealed.party, revealed.seq) == (
        DRAFT,
        "version",
        "RU",
        talks.seq[DRAFT],
    )
    assert revealed.summary() == (
        f"version {DRAFT} by RU, committed at event {talks.seq[DRAFT]} on {revealed.time[:10]}: text verified"
    )
    assert revealed.title is not None and "SECURITY GUARANTEES" in revealed.title.upper()
    # The operator may reveal any text; an answer checks the same way against the earlier bundle.
    _, answer = verify_reveal(before, talks.reveal("a.reveal", talks.answer), workers=1)
    assert (answer.kind, answer.party, answer.bytes) == ("answer", "US", len(ANSWER_LETTER.encode()))
    with pytest.raises(NotFound):
        talks.reveal("a-de.reveal", talks.answer, "DE")  # not published: DE may not ask for it


def test_tampered_reveals_are_refused(talks: Talks) -> None:
    before = talks.export("de.bundle", "DE")
    good = talks.reveal("t.reveal", DRAFT).read_bytes().split(b"\n")
    answer = talks.reveal("a.reveal", talks.answer).read_bytes().split(b"\n")
    seq = talks.seq[DRAFT]

    def refused(lines: list[bytes], match: str, bundle: Path = before) -> None:
        path = talks.tmp / "tampered.reveal"
        path.write_bytes(b"\n".join(lines))
        with pytest.raises(VerificationError, match=match):
            verify_reveal(bundle, path, workers=1)

    phrase = DRAFT_PHRASES[1].encode()
    assert phrase in good[2]
    refused(
        [good[0], good[1], good[2].replace(phrase, phrase.replace(b"bases", b"basis"))], "does not hash to"
    )
    # Another seq: in the header and the line only, in the signed event too, or all of them.
    header = json.loads(good[0])
    moved = json.dumps({**header, "seq": seq + 1}).encode()
    refused([moved, good[1], good[2]], f"the reveal names event {seq + 1}")
    event_moved = good[1].replace(b'"seq":%d' % seq, b'"seq":%d' % (seq + 1))
    refused([moved, event_moved, good[2]], f"committed leaf [0-9a-f]{{64}} at event {seq + 1}")
    # The event of another text (the answer) with the draft's text, and the other way round.
    answer_header = json.loads(answer[0])
    refused([good[0], answer[1], good[2]], "the reveal names event")
    refused(
        [json.dumps({**header, "seq": answer_header["seq"]}).encode(), answer[1], good[2]], "does not record"
    )
    refused([answer[0], answer[1], good[2]], f"it is of event {seq}, not of event {talks.seq[talks.answer]}")
    refused(
        [json.dumps({**answer_header, "text": DRAFT}).encode(), answer[1], answer[2]],
        f"does not record {DRAFT}",
    )
    # A changed signature changes the leaf; another log's bundle is another log.
    sig = re.search(rb'"sig":"([^"]{4})', good[1])
    assert sig is not None
    flipped = good[1].replace(sig.group(0), b'"sig":"' + (b"AAAA" if sig.group(1) != b"AAAA" else b"BBBB"), 1)
    refused([good[0], flipped, good[2]], f"bundle committed leaf [0-9a-f]{{64}} at event {seq}")
    refused(
        [json.dumps({**header, "origin": "elsewhere.example/log"}).encode(), good[1], good[2]], "is from log"
    )
    refused([good[0], good[1]], "a reveal has 3 lines")
    refused([b'{"format":"inwriting-bundle/v1"}', good[1], good[2]], "not an inwriting reveal")


def test_reveal_of_an_event_after_the_bundle_is_refused(talks: Talks) -> None:
    early = talks.tmp / "early.bundle"
    bundles.export(talks.app, early, "sg", as_party="DE")
    before_size = verify_bundle(early, workers=1).size
    path = talks.tmp / "late.txt"
    path.write_text("Late draft\n\nArticle 1\n\nSomething said later.\n", encoding="utf-8")
    late = drafts.import_draft(talks.app, path, track="ru-us", as_party="RU", document="late").version
    reveal = talks.reveal("late.reveal", late)
    with pytest.raises(VerificationError, match=f"the bundle's log has {before_size} events"):
        verify_reveal(early, reveal, workers=1)


def test_cli_export_as_party_reveal_and_verify(talks: Talks, db_url: str, keystore_dir: Path) -> None:
    cli = typer.Typer()
    for name, command in (("export", logcmds.export), ("verify", logcmds.verify), ("reveal", logcmds.reveal)):
        cli.command(name)(reports_errors(command))
    runner = CliRunner()
    bundle = talks.tmp / "de.bundle"
    args = [
        "export",
        str(bundle),
        "--process",
        "sg",
        "--as",
        "DE",
        "--db",
        db_url,
        "--keystore",
        str(keystore_dir),
    ]
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert (written["ok"], written["party"], written["texts"], written["hidden"]) == (True, "DE", 0, 4)
    disclosure.publish(talks.app, DRAFT, as_party="RU")
    out = talks.tmp / "t.reveal"
    result = runner.invoke(cli, ["reveal", DRAFT, "--out", str(out), "--as", "DE", "--db", db_url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["verify", str(bundle), "--reveal", str(out), "--log-key", talks.log_key])
    assert result.exit_code == 0, result.output
    assert f"revealed: version {DRAFT} by RU, committed at event {talks.seq[DRAFT]} on" in result.stderr
    assert "text verified" in result.stderr
    out.write_bytes(out.read_bytes().replace(DRAFT_PHRASES[1].encode(), DRAFT_PHRASES[1].upper().encode()))
    result = runner.invoke(cli, ["verify", str(bundle), "--reveal", str(out), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "verification_failed"
    assert "does not hash to" in result.stderr


# --- text lines across batches, straight from the record primitives (no database) -----------------


def _version_event(builder: LogBuilder, text: str, content: bytes) -> tuple[Visible, TextBlob]:
    """A version.created leaf (offline, only its signature is checked) and the text it signed."""
    salt = new_salt()
    body = {"version": text, "content": blob_hash(salt, content)}
    event = Event(
        EventType(ev.VERSION_CREATED),
        f"id-{builder.size}",
        builder.size,
        hash_ref(builder.prev),
        "2026-11-23T10:00:00.000000Z",
        Actor(PartyId(ev.OPERATOR), builder.operator.key_id),
        body,
    )
    signed = SignedEvent.sign(event, builder.operator)
    builder.prev = signed.leaf_hash
    builder.frontier.append(signed.leaf_hash)
    visible = Visible(event.seq, signed.event_bytes, signed.signature)
    builder.entries.append(visible)
    return visible, TextBlob(event.seq, text, salt, content)


@pytest.mark.parametrize("workers", [1, 2])
def test_text_lines_at_batch_boundaries(tmp_path: Path, workers: int) -> None:
    builder = LogBuilder()
    for i in range(BATCH - 2):  # with the genesis, one leaf short of a full batch
        builder.process(i, hidden=i % 5 == 1)
    entries: list[Visible | Hidden | TextBlob] = list(builder.entries)
    for n in range(3):  # the last leaf of batch 1 and the first two of batch 2, each with its text
        entries += _version_event(builder, f"d{n}@v1", f'Text {n}\n\n\u00c9t\u00e9 "quoted"\n'.encode())
    binary = _version_event(builder, "bin@v1", b"\xff\xfe not UTF-8")  # not UTF-8: as content_b64
    assert b'"content_b64":' in binary[1].line()
    entries += binary
    assert isinstance(entries[BATCH - 1], Visible) and isinstance(entries[BATCH], TextBlob)
    builder.checkpoint()
    path = tmp_path / "texts.bundle"
    write_bundle(
        path, Header(ORIGIN, builder.log.vkey, builder.size, builder.checkpoints, party="RU"), entries
    )
    report = verify_bundle(path, trusted_log_key=builder.log.vkey, workers=workers)
    assert (report.size, report.texts, report.party, report.hidden) == (
        BATCH + 3,
        4,
        "RU",
        sum(isinstance(e, Hidden) for e in entries),
    )
    assert report.root == builder.frontier.root().hex()
    assert texts_in(path)["bin@v1"].content == b"\xff\xfe not UTF-8"
    assert texts_in(path)["d1@v1"].content == 'Text 1\n\n\u00c9t\u00e9 "quoted"\n'.encode()


def test_operator_bundle_refuses_texts(tmp_path: Path) -> None:
    builder = LogBuilder()
    visible, blob = _version_event(builder, "d@v1", b"text")
    builder.checkpoint()
    header = Header(ORIGIN, builder.log.vkey, builder.size, builder.checkpoints)
    with pytest.raises(InvalidInput, match="only a party's bundle carries texts"):
        write_bundle(tmp_path / "x.bundle", header, [builder.entries[0], visible, blob])
    assert not (tmp_path / "x.bundle").exists()
