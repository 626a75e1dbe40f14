"""Instruments, exchanges of notes and the commitment register, on SQLite and PostgreSQL: the lifecycle
a depositary keeps (each refusal clear, nothing written), signatures that verify offline in bundles and
proofs and all fail when one character of the text changes, and commitments that follow the
instrument (and end with a withdrawal)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from inwriting.app import bundles, drafts, instruments, registry
from inwriting.app import log as log_cases
from inwriting.app import negotiation as neg
from inwriting.app import register as reg
from inwriting.app.context import App
from inwriting.app.instruments import NotesDiffer
from inwriting.app.recorder import submit
from inwriting.domain import events as ev
from inwriting.domain.events import PartyId
from inwriting.errors import Conflict, InvalidInput, NotFound, RecordError, Refused, VerificationError
from inwriting.record import instrument as inst
from inwriting.record.blob import blob_hash, new_salt
from inwriting.record.bundle import verify_bundle
from inwriting.record.keys import SigningKey
from inwriting.storage.projections import load_state
from tests.conftest import StepClock
from tests.storage.helpers import log_size, make_event, populate
from tests.storage.test_negotiation import set_today

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")

ENGAGEMENTS = """\
1. To respect scrupulously the indisputable right of the other Party to order its own life within its own
jurisdiction in its own way.

2. To refrain from interfering in any manner in the internal affairs of the other Party.
"""
OPENING_A = "I have the honor to inform you that it will be our fixed policy:"
OPENING_B = "I am glad to have received the assurance that it will be your fixed policy:"
NOTE_A = f"Note of the People's Commissar\n\n{OPENING_A}\n\n{ENGAGEMENTS}"
NOTE_B = f"Note of the President\n\n{OPENING_B}\n\n{ENGAGEMENTS}"


@pytest.fixture
def talks(app: App, tmp_path: Path) -> App:
    """RU's treaty t@v1 on ru-us, readable by the track's parties (RU, US); DE is an outsider."""
    populate(app)
    registry.new_key(app, "DE")
    set_today(app, "2022-03-01")
    drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t", audience="track")
    return app


def _treaty(app: App) -> str:
    iid, _ = instruments.create(app, version="t@v1", kind="treaty", as_party="RU", date="2022-01-10")
    return iid


def test_lifecycle_refusals_are_clear_and_leave_nothing(talks: App) -> None:
    iid = _treaty(talks)
    view = instruments.show(talks, iid, viewer="US")
    assert view.instrument.status == "agreed text"
    assert [r.status for r in view.rows] == ["not signed", "not signed"]

    def refused(error: type[Exception], words: str, act: object) -> None:
        size = log_size(talks)
        with pytest.raises(error, match=words):
            act()  # type: ignore[operator]
        assert log_size(talks) == size

    refused(
        Refused, "ratification comes after signature", lambda: instruments.ratify(talks, iid, as_party="RU")
    )
    refused(
        Refused,
        r"needs 2 ratifications by 2022-02-01 to enter into force; it has 0",
        lambda: instruments.enter_into_force(talks, iid, as_party="RU", date="2022-02-01"),
    )
    instruments.sign(talks, iid, as_party="RU", delegate="ryabkov", place="Geneva", date="2022-01-12")
    refused(
        Conflict,
        "already signed",
        lambda: instruments.sign(talks, iid, as_party="RU", delegate="ryabkov", place="Geneva"),
    )
    refused(
        Refused,
        r"ratification \(2022-01-11\) cannot come before RU's signature \(2022-01-12\)",
        lambda: instruments.ratify(talks, iid, as_party="RU", date="2022-01-11"),
    )
    instruments.ratify(talks, iid, as_party="RU", date="2022-01-20")
    refused(
        Refused,
        r"it has 1 \(RU 2022-01-20\)",
        lambda: instruments.enter_into_force(talks, iid, as_party="RU", date="2022-02-01"),
    )
    refused(
        NotFound,
        "has no point art_99",
        lambda: instruments.reserve(talks, iid, as_party="RU", point="art_99", text="x"),
    )
    refused(
        NotFound,
        "does not exist",
        lambda: instruments.sign(talks, iid, as_party="DE", delegate="x", place="Bonn"),
    )
    instruments.sign(talks, iid, as_party="US", delegate="donfried", place="Geneva", date="2022-01-13")
    instruments.reserve(talks, iid, as_party="US", point="art_4", text="Read with the Washington Treaty.")
    instruments.ratify(talks, iid, as_party="US", date="2022-01-25")
    refused(
        Refused,
        "it has 1",
        lambda: instruments.enter_into_force(talks, iid, as_party="US", date="2022-01-24"),
    )
    instruments.enter_into_force(talks, iid, as_party="US", date="2022-02-01")
    view = instruments.show(talks, iid, viewer="RU")
    assert view.instrument.status == "in force" and view.instrument.in_force == "2022-02-01"
    assert [(r.party, r.status, r.in_force) for r in view.rows] == [
        ("RU", "in force", "2022-02-01"),
        ("US", "in force", "2022-02-01"),
    ]
    assert [(x.point, x.text) for x in view.rows[1].reservations] == [
        ("art_4", "Read with the Washington Treaty.")
    ]

    # every article is a binding commitment of each party toward the other, quoting its text
    register = reg.commitments(talks, viewer="US")
    assert len(register) == 16
    art_1 = next(v for v in register if v.commitment.id == f"{iid}/art_1/RU")
    assert art_1.commitment.form == "binding" and art_1.commitment.beneficiaries == ("US",)
    assert "indivisible, equal and undiminished security" in art_1.text
    assert "shall not undertake actions" in art_1.text  # its sub-points come with it
    assert {v.status for v in register} == {"in effect"}

    report = log_cases.verify(talks)
    assert report.size == log_size(talks)


def test_withdrawal_ends_the_partys_commitments_from_that_day(talks: App) -> None:
    neg.handover(talks, "t@v1", to=["DE"], point_by_point=False, date="2022-01-05")
    iid, _ = instruments.create(
        talks,
        version="t@v1",
        kind="agreement",
        as_party="RU",
        parties=["RU", "US", "DE"],
        ratification=False,
        date="2022-01-10",
    )
    for party, who in (("RU", "ryabkov"), ("US", "donfried"), ("DE", "scholz")):
        instruments.sign(talks, iid, as_party=party, delegate=who, place="Geneva", date="2022-01-12")
    with pytest.raises(Refused, match="needs no ratification"):
        instruments.ratify(talks, iid, as_party="RU")
    instruments.enter_into_force(talks, iid, as_party="RU", date="2022-01-12")
    instruments.suspend(talks, iid, as_party="US", reason="Review", date="2022-01-20")
    assert {v.status for v in reg.commitments(talks, party="US") if v.commitment.obligor == "US"} == {
        "suspended"
    }
    instruments.suspend(talks, iid, as_party="US", reason="Review over", resume=True, date="2022-01-21")
    instruments.withdraw(talks, iid, as_party="RU", reason="Security situation changed", date="2022-02-24")
    views = reg.commitments(talks)
    ru = [v for v in views if v.commitment.obligor == "RU"]
    others = [v for v in views if v.commitment.obligor != "RU"]
    assert ru and {v.status for v in ru} == {"withdrawn"}
    assert {v.commitment.ended[0] for v in ru if v.commitment.ended} == {"2022-02-24"}
    assert others and {v.status for v in others} == {"in effect"}  # US and DE remain bound to each other
    view = instruments.show(talks, iid)
    assert (view.instrument.status, view.rows[0].status) == ("in force", "withdrawn")
    with pytest.raises(Refused, match="withdrew from"):
        instruments.reserve(talks, iid, as_party="RU", point="art_1", text="late")
    with pytest.raises(Refused, match="withdraw from the instrument instead"):
        reg.withdraw(talks, ru[0].commitment.id, as_party="RU", reason="x")
    # with two parties left, one more withdrawal terminates it: the last party's commitments end too
    instruments.withdraw(talks, iid, as_party="US", reason="No longer useful", date="2022-02-25")
    assert instruments.show(talks, iid).instrument.status == "terminated"
    de = [v for v in reg.commitments(talks) if v.commitment.obligor == "DE"]
    assert {v.status for v in de} == {"withdrawn"}
    assert {v.commitment.ended[1] for v in de if v.commitment.ended} == {f"{iid} terminated when US withdrew"}


def _signed_treaty(app: App) -> str:
    iid, _ = instruments.create(
        app, version="t@v1", kind="treaty", as_party="RU", ratification=False, date="2022-01-10"
    )
    instruments.sign(app, iid, as_party="RU", delegate="ryabkov", place="Geneva", date="2022-01-12")
    instruments.sign(app, iid, as_party="US", delegate="donfried", place="Geneva", date="2022-01-12")
    return iid


def test_signatures_verify_offline_in_bundles_and_one_changed_character_fails_them_all(
    talks: App, tmp_path: Path
) -> None:
    iid = _signed_treaty(talks)
    path = tmp_path / "us.jsonl"
    bundles.export(talks, path, "sg", as_party="US")
    report = verify_bundle(path, workers=1)
    assert report.instrument_signatures == 2
    operator = tmp_path / "operator.jsonl"
    bundles.export(talks, operator, "sg")
    assert verify_bundle(operator, workers=1).instrument_signatures == 2

    lines = path.read_bytes().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if b'"text":"' + iid.encode() + b'"' in line)
    text_line = json.loads(lines[index])
    assert "indivisible, equal and undiminished security" in text_line["content"]
    text_line["content"] = text_line["content"].replace("indivisible", "indivisibly", 1)  # one character
    lines[index] = json.dumps(text_line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"".join(lines))
    with pytest.raises(VerificationError) as caught:
        verify_bundle(tampered, workers=1)
    message = str(caught.value)
    assert f"the text of instrument {iid}" in message and "2 signature(s) fail" in message
    assert "RU (ryabkov, 2022-01-12" in message and "US (donfried, 2022-01-12" in message

    # the outsider's bundle holds no instrument event and no byte of its text, and still verifies
    outsider = tmp_path / "de.jsonl"
    bundles.export(talks, outsider, "sg", as_party="DE")
    assert b"indivisible" not in outsider.read_bytes() and iid.encode() not in outsider.read_bytes()
    assert verify_bundle(outsider, workers=1).instrument_signatures == 0


def test_proof_checks_offline_and_a_changed_character_fails_every_signature(talks: App) -> None:
    iid = _signed_treaty(talks)
    proof = instruments.proof(talks, iid, viewer="US")
    assert inst.verify_proof(proof).ok
    loaded = inst.load_proof(proof.dumps())
    assert inst.check_proof(loaded).ok
    changed = inst.Proof(
        loaded.origin,
        loaded.instrument,
        loaded.text_hash,
        loaded.salt,
        loaded.text.replace(b"Article 1", b"Article l", 1),
        loaded.signatures,
        loaded.keys,
    )
    report = inst.check_proof(changed)
    assert not report.ok and [s.ok for s in report.signatures] == [False, False]
    with pytest.raises(VerificationError, match=r"2 of 2 signatures fail: RU .*; US "):
        inst.verify_proof(changed)
    with pytest.raises(NotFound):
        instruments.proof(talks, iid, viewer="DE")


def test_a_forged_or_misdirected_signature_is_refused(talks: App) -> None:
    clock = StepClock()  # events signed elsewhere are dated now, as the server's clock expects
    clock.moment += timedelta(hours=1)  # after every event so far (the fixture's clock ran ahead)
    talks.clock = clock
    iid, _ = instruments.create(talks, version="t@v1", kind="treaty", as_party="RU")
    found = instruments.show(talks, iid).instrument
    ru = talks.keystore.load("RU", next(k for k in load_state_keys(talks) if k.party == "RU").key_id)
    other = SigningKey.generate()
    forged = inst.sign(
        other,
        instrument=iid,
        text_hash=found.content,
        party="RU",
        signatory="x",
        place="y",
        date=found.date,
    )
    body = {"instrument": iid, "text_hash": found.content, **forged.to_json()}
    body["key_id"] = ru.key_id  # claims RU's key, but another key made the signature
    size = log_size(talks)
    event = make_event(talks, "RU", ru, ev.INSTRUMENT_SIGNED, body, track="ru-us")
    with pytest.raises(RecordError, match="does not verify"):
        submit(talks, event.event_bytes, event.signature)
    other_text = inst.sign(
        ru,
        instrument=iid,
        text_hash="sha256:" + "0" * 64,
        party="RU",
        signatory="x",
        place="y",
        date=found.date,
    )
    body = {"instrument": iid, "text_hash": "sha256:" + "0" * 64, **other_text.to_json()}
    event = make_event(talks, "RU", ru, ev.INSTRUMENT_SIGNED, body, track="ru-us")
    with pytest.raises(Refused, match="covers another text"):
        submit(talks, event.event_bytes, event.signature)
    assert log_size(talks) == size


def load_state_keys(app: App) -> list:  # type: ignore[type-arg]
    with app.store.read() as conn:
        return list(load_state(conn).keys.values())


def _notes(app: App, tmp_path: Path, reply: str) -> None:
    (tmp_path / "a.txt").write_text(NOTE_A)
    (tmp_path / "b.txt").write_text(reply)
    drafts.import_draft(
        app,
        tmp_path / "a.txt",
        track="ru-us",
        as_party="RU",
        document="note-ru",
        kind="note",
        audience="track",
    )
    drafts.import_draft(
        app,
        tmp_path / "b.txt",
        track="ru-us",
        as_party="US",
        document="note-us",
        kind="note",
        audience="track",
    )


def test_exchange_of_notes_names_a_one_word_difference_and_writes_nothing(talks: App, tmp_path: Path) -> None:
    _notes(talks, tmp_path, NOTE_B.replace("To refrain from interfering", "To abstain from interfering"))
    size = log_size(talks)
    with pytest.raises(NotesDiffer) as caught:
        instruments.exchange(
            talks, "note-ru@v1", "note-us@v1", date="2022-01-12", place="Washington", signatories={}
        )
    assert log_size(talks) == size
    [difference] = caught.value.comparison.differences
    assert difference.eid == "para_2" and difference.kind == "text differs"
    assert '"To refrain from' in difference.summary and '"To abstain from' in difference.summary
    assert "para_2" in str(caught.value)


def test_exchange_of_notes_concludes_with_both_signatures_and_mutual_commitments(
    talks: App, tmp_path: Path
) -> None:
    _notes(talks, tmp_path, NOTE_B)
    result = instruments.exchange(
        talks,
        "note-ru@v1",
        "note-us@v1",
        date="2022-01-12",
        place="Washington",
        signatories={"RU": "lavrov", "US": "blinken"},
    )
    assert result.comparison.same and result.signed_by == ("RU", "US") and result.in_force == "2022-01-12"
    view = instruments.show(talks, result.instrument, viewer="RU")
    assert view.instrument.kind == "exchange-of-notes" and view.instrument.status == "in force"
    assert [(r.party, r.signed.signatory if r.signed else None) for r in view.rows] == [
        ("RU", "lavrov"),
        ("US", "blinken"),
    ]
    commitments = reg.commitments(talks, instrument=result.instrument)
    assert sorted((v.commitment.obligor, v.commitment.point) for v in commitments) == [
        ("RU", "para_1"),
        ("RU", "para_2"),
        ("US", "para_1"),
        ("US", "para_2"),
    ]
    assert all("interfering" in v.text or "respect scrupulously" in v.text for v in commitments)
    assert inst.verify_proof(instruments.proof(talks, result.instrument)).ok
    log_cases.verify(talks)
    with talks.store.read() as conn:
        before = load_state(conn)
    log_cases.rebuild(talks)
    with talks.store.read() as conn:
        after = load_state(conn)
    assert after.instruments == before.instruments and after.commitments == before.commitments


def test_offers_statements_and_claims_keep_not_yet_assessed_apart(talks: App) -> None:
    set_today(talks, "2022-03-01")
    sid, _ = reg.record_statement(
        talks,
        speaker="Head of the North America Department, Russian MFA",
        party="RU",
        date="2018-10-12",
        medium="interview",
        source="https://example.org/interview",
        quote="at any time",
    )
    standing, _ = reg.record_commitment(
        talks,
        party="RU",
        to=["US"],
        text="Written guarantees of non-interference, offered at any time.",
        form="spoken",
        source="https://example.org/interview",
        statement=sid,
        offer="standing",
        date="2018-10-12",
    )
    letter, _ = reg.record_commitment(
        talks,
        party="RU",
        to=["US"],
        text="A draft letter on mutual non-interference, to be exchanged between the ministers.",
        form="written",
        source="draft letter, June 2018 (text not public)",
        source_kind="note",
        offer="made",
        date="2018-06",
        as_party="RU",
        track="ru-us",
    )
    with pytest.raises(InvalidInput, match="cannot be declined"):
        reg.decline(talks, letter, as_party="US", date="2018-05")
    reg.decline(talks, letter, as_party="US", date="2018", reason="Not taken up")
    assert reg.commitment(talks, standing, viewer="DE").status == "standing offer"  # public: from a statement
    assert reg.commitment(talks, letter, viewer="US").status == "declined offer"
    with pytest.raises(NotFound):
        reg.commitment(talks, letter, viewer="DE")
    with pytest.raises(Refused, match="declined"):
        reg.file_claim(talks, letter, as_party="US", text="x", evidence=["y"])

    spoken, _ = reg.record_commitment(
        talks,
        party="US",
        to=["RU"],
        text="No deployment of strike systems.",
        form="spoken",
        source="minutes",
        as_party="RU",
        date="2022-01-10",
        public=True,
    )
    claim, _ = reg.file_claim(talks, spoken, as_party="RU", text="Deployed.", evidence=["press report"])
    assert reg.commitment(talks, spoken, viewer="RU").status == "not yet assessed"
    reg.answer_claim(talks, claim, as_party="US", answer="deny", text="Never promised in writing.")
    assert reg.commitment(talks, spoken, viewer="RU").status == "disputed"
    with pytest.raises(Refused, match="it answers RU/claim/1; others assess it"):
        reg.assess_claim(talks, claim, as_party="US", finding="kept")
    reg.assess_claim(talks, claim, as_party="RU", finding="broken")  # the claimant restates its claim
    assert [c.status for c in reg.claims(talks, viewer="US")] == ["disputed"]  # the obligor denied it
    reg.assess_claim(talks, claim, as_party="DE", finding="kept")  # a third party's finding decides
    assert [c.status for c in reg.claims(talks, viewer="US")] == ["kept"]
    with pytest.raises(Refused, match="only US"):
        reg.answer_claim(talks, claim, as_party="RU", answer="admit")
    second, _ = reg.file_claim(talks, spoken, as_party="RU", text="Again.", evidence=["satellite images"])
    reg.assess_claim(talks, second, as_party="RU", finding="no-action")
    assert next(c for c in reg.claims(talks) if c.id == second).status == "no action"
    reg.withdraw_claim(talks, second, as_party="RU")
    assert next(c for c in reg.claims(talks) if c.id == second).status == "withdrawn"
    with pytest.raises(InvalidInput, match="written YYYY-MM-DD, YYYY-MM or YYYY"):
        reg.record_commitment(
            talks, party="US", to=["RU"], text="x", form="spoken", source="y", date="June 2018"
        )
    with pytest.raises(InvalidInput, match="form must be one of"):
        reg.record_commitment(talks, party="US", to=["RU"], text="x", form="solemn", source="y")
    log_cases.verify(talks)
    with talks.store.read() as conn:
        before = load_state(conn)
    log_cases.rebuild(talks)
    with talks.store.read() as conn:
        after = load_state(conn)
    assert (after.commitments, after.claims, after.statements) == (
        before.commitments,
        before.claims,
        before.statements,
    )


def test_statements_cite_only_public_points(talks: App) -> None:
    said = {
        "speaker": "Spokeswoman",
        "party": "RU",
        "date": "2022-01-21",
        "medium": "briefing",
        "source": "s",
    }
    with pytest.raises(NotFound, match="is not a published point"):
        reg.record_statement(talks, **said, quote="each point", points=["t@v1#art_1"])
    drafts.import_draft(talks, TREATY, track="ru-us", as_party="RU", document="pub", audience="public")
    with pytest.raises(NotFound, match="has no point"):
        reg.record_statement(talks, **said, quote="each point", points=["pub@v1#art_99"])
    reg.record_statement(talks, **said, quote="Article 4 above all", points=["pub@v1#art_4"])
    assert [s.points for s in reg.statements(talks, party="RU")] == [("pub@v1#art_4",)]


def test_only_a_signatory_signs_for_a_party_with_delegates(talks: App) -> None:
    from inwriting.app import delegates

    delegates.add_delegate(
        talks, "RU", delegate="ryabkov", name="S. A. Ryabkov", title="Deputy Minister", roles=["negotiator"]
    )
    delegates.add_delegate(
        talks,
        "RU",
        delegate="lavrov",
        name="S. V. Lavrov",
        title="Minister",
        roles=["negotiator", "signatory"],
    )
    iid, _ = instruments.create(talks, version="t@v1", kind="treaty", as_party="RU", delegate="ryabkov")
    size = log_size(talks)
    with pytest.raises(Refused, match=r"may not sign instrument\.signed"):
        instruments.sign(talks, iid, as_party="RU", delegate="ryabkov", place="Geneva")
    with pytest.raises(Refused, match="not an active delegate"):
        instruments.sign(talks, iid, as_party="RU", delegate="someone", place="Geneva")
    assert log_size(talks) == size
    instruments.sign(talks, iid, as_party="RU", delegate="lavrov", place="Geneva")
    signed = instruments.show(talks, iid).rows[0].signed
    assert signed is not None and signed.signatory == "S. V. Lavrov, Minister"


def test_an_instrument_whose_text_is_not_the_agreed_version_is_refused(talks: App) -> None:
    from inwriting.domain.documents import outline

    clock = StepClock()
    clock.moment += timedelta(hours=1)
    talks.clock = clock
    ru = talks.keystore.load("RU", next(k for k in load_state_keys(talks) if k.party == "RU").key_id)
    _, draft = drafts.get_version(talks, "t@v1")
    first = draft.points[0]
    changed = replace(
        draft, points=(replace(first, text=first.text + " Unless agreed otherwise."), *draft.points[1:])
    )
    text = inst.instrument_text(
        instrument="t", kind="treaty", draft=changed, sources=["t@v1"], parties=["RU", "US"]
    )
    salt = new_salt()
    body = {
        "instrument": "t",
        "kind": "treaty",
        "title": draft.title,
        "sources": ["t@v1"],
        "parties": ["RU", "US"],
        "content": blob_hash(salt, text),
        "outline": outline(draft),
        "ratification": True,
        "required": 2,
        "obligors": [],
        "date": talks.now()[:10],
    }
    event = make_event(talks, "RU", ru, ev.INSTRUMENT_CREATED, body, track="ru-us")
    size = log_size(talks)
    with pytest.raises(RecordError, match=r"is not the agreed text of t@v1"):
        submit(talks, event.event_bytes, event.signature, texts=[(salt, inst.MEDIA_TYPE, text)])
    assert log_size(talks) == size
    good = inst.instrument_text(
        instrument="t", kind="treaty", draft=draft, sources=["t@v1"], parties=["RU", "US"]
    )
    body["content"] = blob_hash(salt, good)
    event = make_event(talks, "RU", ru, ev.INSTRUMENT_CREATED, body, track="ru-us")
    submit(talks, event.event_bytes, event.signature, texts=[(salt, inst.MEDIA_TYPE, good)])
    assert instruments.show(talks, "t", viewer="US").instrument.content == body["content"]
    log_cases.verify(talks)


# ---- what a second reading of the rules found ----------------------------------------------------


def _now_clock(app: App) -> None:
    clock = StepClock()
    clock.moment += timedelta(hours=1)
    app.clock = clock


def _key(app: App, party: str) -> SigningKey:
    return app.keystore.load(party, next(k for k in load_state_keys(app) if k.party == party).key_id)


def test_an_outsider_cannot_test_a_guess_of_a_text_it_cannot_see(talks: App, tmp_path: Path) -> None:
    """The same answer whether the guessed text is right or wrong: the agreed-text check runs only
    once the rules found that the actor may see the version."""
    from inwriting.domain.documents import outline

    _now_clock(talks)
    (tmp_path / "s.txt").write_text("Secret\n\nArticle 1\n\nThe Parties shall keep this between them.\n")
    drafts.import_draft(talks, tmp_path / "s.txt", track="ru-us", as_party="RU", document="secret")
    _, draft = drafts.get_version(talks, "secret@v1")
    de = _key(talks, "DE")
    answers = []
    for guess in (draft, replace(draft, points=(replace(draft.points[0], text="A wrong guess."),))):
        text = inst.instrument_text(
            instrument="g", kind="treaty", draft=guess, sources=["secret@v1"], parties=["DE", "RU"]
        )
        salt = new_salt()
        body = {
            "instrument": "g",
            "kind": "treaty",
            "title": "Secret",
            "sources": ["secret@v1"],
            "parties": ["DE", "RU"],
            "content": blob_hash(salt, text),
            "outline": outline(draft),
            "ratification": False,
            "required": 2,
            "obligors": [],
            "date": talks.now()[:10],
        }
        event = make_event(talks, "DE", de, ev.INSTRUMENT_CREATED, body, track="ru-us")
        with pytest.raises(NotFound) as caught:
            submit(talks, event.event_bytes, event.signature, texts=[(salt, inst.MEDIA_TYPE, text)])
        answers.append(str(caught.value))
    assert answers[0] == answers[1] == "version secret@v1 does not exist"


def test_an_exchange_whose_second_note_differs_is_refused_even_when_signed_elsewhere(
    talks: App, tmp_path: Path
) -> None:
    from inwriting.domain.documents import outline

    _notes(
        talks, tmp_path, NOTE_B.replace("To refrain from interfering", "We reserve the right to interfere")
    )
    _now_clock(talks)
    _, a = drafts.get_version(talks, "note-ru@v1")
    text = inst.instrument_text(
        instrument="x",
        kind="exchange-of-notes",
        draft=a,
        sources=["note-ru@v1", "note-us@v1"],
        parties=["RU", "US"],
    )
    salt = new_salt()
    body = {
        "instrument": "x",
        "kind": "exchange-of-notes",
        "title": a.title,
        "sources": ["note-ru@v1", "note-us@v1"],
        "parties": ["RU", "US"],
        "content": blob_hash(salt, text),
        "outline": outline(a),
        "ratification": False,
        "required": 2,
        "obligors": [],
        "date": talks.now()[:10],
    }
    event = make_event(talks, "RU", _key(talks, "RU"), ev.INSTRUMENT_CREATED, body, track="ru-us")
    with pytest.raises(RecordError, match=r"the notes of exchange x differ: .*We reserve the right"):
        submit(talks, event.event_bytes, event.signature, texts=[(salt, inst.MEDIA_TYPE, text)])


def test_an_exchange_reads_only_notes_the_party_holds_whole(talks: App, tmp_path: Path) -> None:
    from inwriting.app import disclosure

    _notes(talks, tmp_path, NOTE_B.replace("To refrain from interfering", "SECRET WORDING"))
    disclosure.publish(talks, "note-ru@v1", as_party="RU", points=["para_1"])
    disclosure.publish(talks, "note-us@v1", as_party="US", points=["para_1"])
    with pytest.raises(NotFound, match="does not exist") as caught:
        instruments.exchange(
            talks, "note-ru@v1", "note-us@v1", date="2022-01-12", place="x", signatories={}, as_party="DE"
        )
    assert "SECRET" not in str(caught.value)


def test_withdrawn_parties_do_not_count_and_late_signatories_are_bound(talks: App) -> None:
    neg.handover(talks, "t@v1", to=["DE"], point_by_point=False)  # DE must read it whole to sign it
    iid, _ = instruments.create(
        talks, version="t@v1", kind="memorandum", as_party="RU", parties=["RU", "US", "DE"], required=2
    )
    for party in ("RU", "US"):
        instruments.sign(talks, iid, as_party=party, delegate="x", place="Vienna")
    instruments.withdraw(talks, iid, as_party="US", reason="Changed course")
    with pytest.raises(Refused, match=r"needs 2 signatures .* it has 1 \(RU "):
        instruments.enter_into_force(talks, iid, as_party="RU")
    instruments.sign(talks, iid, as_party="DE", delegate="y", place="Vienna")
    instruments.enter_into_force(talks, iid, as_party="RU")
    obligors = {v.commitment.obligor for v in reg.commitments(talks, instrument=iid)}
    assert obligors == {"RU", "DE"}


def test_a_party_signing_after_entry_into_force_gets_its_commitments(talks: App) -> None:
    neg.handover(talks, "t@v1", to=["DE"], point_by_point=False)  # DE must read it whole to sign it
    iid, _ = instruments.create(
        talks,
        version="t@v1",
        kind="memorandum",
        as_party="RU",
        parties=["RU", "US", "DE"],
        required=2,
        date="2022-01-10",
    )
    for party in ("RU", "US"):
        instruments.sign(talks, iid, as_party=party, delegate="x", place="Vienna", date="2022-01-12")
    instruments.enter_into_force(talks, iid, as_party="RU", date="2022-01-15")
    instruments.sign(talks, iid, as_party="DE", delegate="y", place="Vienna\u0301", date="2022-02-01")
    de = [v for v in reg.commitments(talks, instrument=iid) if v.commitment.obligor == "DE"]
    assert len(de) == 8 and {v.status for v in de} == {"in effect"}
    assert inst.verify_proof(instruments.proof(talks, iid)).ok  # signed over the form the record keeps
    with pytest.raises(Refused, match="reservations are made by then"):
        instruments.reserve(talks, iid, as_party="DE", point="art_1", text="Too late.")


def test_statements_and_claims_name_only_what_the_actor_may_see(talks: App) -> None:
    with pytest.raises(NotFound, match="track ru-us does not exist"):
        reg.record_statement(
            talks,
            speaker="x",
            party="DE",
            date="2022-01-01",
            medium="m",
            source="s",
            quote="q",
            as_party="DE",
            track="ru-us",
        )
    private, _ = reg.record_commitment(
        talks,
        party="US",
        to=["RU"],
        text="x",
        form="spoken",
        source="minutes",
        as_party="RU",
        date="2022-01-10",
    )
    assert private.startswith("RU/commitment/")  # numbered by its recorder
    claim, _ = reg.file_claim(talks, private, as_party="RU", text="Broken.", evidence=["e"])
    messages = set()
    for commitment in (private, "US/commitment/9"):
        with pytest.raises(NotFound) as caught, talks.store.write() as writer:
            from inwriting.app.recorder import record_in

            body = {
                "claim": claim,
                "commitment": commitment,
                "instrument": None,
                "date": "2022-01-11",
                "finding": "kept",
            }
            record_in(talks, writer, PartyId("DE"), ev.CLAIM_ASSESSED, body)
        messages.add(str(caught.value))
    assert messages == {f"claim {claim} does not exist"}
    with pytest.raises(Refused, match=r"only US .* records a binding commitment"):
        reg.record_commitment(
            talks, party="US", to=["RU"], text="x", form="binding", source="s", as_party="RU"
        )
