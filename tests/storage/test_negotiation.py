"""Hand-overs, receipts, answers, meetings and preconditions on SQLite and PostgreSQL: what `status`,
`owed` and the matrix say after each act, refusals that leave nothing behind, and verify/rebuild."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from inwriting.app import drafts, registry, talks
from inwriting.app import log as log_cases
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.app.negotiation import AnswerRecorded
from inwriting.app.recorder import submit
from inwriting.domain import events as ev
from inwriting.domain.completeness import RecipientStatus
from inwriting.domain.matrix import Matrix, Row
from inwriting.domain.model import Handover, Position, Proposal, Receipt
from inwriting.errors import Conflict, InvalidInput, NotFound, RecordError, Refused, VerificationError
from inwriting.record.blob import blob_hash, new_salt
from inwriting.record.keys import SigningKey
from inwriting.storage import schema as t
from inwriting.storage import store as st
from inwriting.storage.projections import load_state
from tests.conftest import StepClock
from tests.storage.helpers import log_size, make_event, populate
from tests.storage.test_record import row_counts

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"  # 18 points, RU's, on ru-us
AGREEMENT = CORPUS / "draft_agreement_nato_ru_2021-12-17.txt"  # 26 points, RU's, on nrc (to NATO)
NOTES = CORPUS / "notes_roosevelt_litvinov_1933-11-16.txt"  # 4 numbered paragraphs

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")

T, A = "t@v1", "a@v1"
TREATY_EIDS = (
    "art_1",
    "art_1__point_i",
    "art_1__point_ii",
    "art_2",
    "art_3",
    "art_4",
    "art_4__para_1",
    "art_4__para_2",
    "art_5",
    "art_5__para_1",
    "art_5__para_2",
    "art_5__para_3",
    "art_6",
    "art_7",
    "art_7__para_1",
    "art_7__para_2",
    "art_7__para_3",
    "art_8",
)
TREATY_ARTICLES = tuple(f"art_{n}" for n in range(1, 9))
AGREEMENT_ARTICLES = tuple(f"art_{n}" for n in range(1, 10))
AMEND_4_1 = "The Parties shall respect the right of every State to choose its own security arrangements."


@pytest.fixture
def record(app: App) -> App:
    """RU's treaty (t@v1, track ru-us) and agreement (a@v1, track nrc); keys for RU, US, NATO, DE."""
    populate(app)
    registry.new_key(app, "NATO")
    registry.new_key(app, "DE")
    drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t")
    drafts.import_draft(app, AGREEMENT, track="nrc", as_party="RU", document="a")
    return app


def set_today(app: App, day: str) -> None:
    """Move the app's clock to noon UTC on `day` (acts may then be dated up to that day)."""
    clock = StepClock()
    clock.moment = datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)
    app.clock = clock


Said = str | tuple[str, str | None, str | None]  # a position, or (position, quoted text, reason)


def fill(template: str, said: Mapping[str, Said]) -> str:
    """The template with these points answered; every other point stays at `?`."""
    for eid, what in said.items():
        position, quote, reason = (what, None, None) if isinstance(what, str) else what
        extra = "".join(
            f"\n{block}\n" for block in (quote and f"> {quote}", reason and f"Reason: {reason}") if block
        )
        heading = f"{{{eid}}}: ?\n"
        assert template.count(heading) == 1, eid
        template = template.replace(heading, f"{{{eid}}}: {position}\n{extra}")
    return template


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def answer_with(
    app: App, tmp_path: Path, party: str, version: str, said: Mapping[str, Said], day: str
) -> AnswerRecorded:
    file = write(tmp_path, f"{party}-{day}-{len(said)}.md", fill(neg.answer_template(app, version), said))
    return neg.answer(app, version, as_party=party, file=file, date=day)


def key_of(app: App, party: str) -> SigningKey:
    with app.store.read() as conn:
        key_id = conn.execute(
            select(t.keys.c.key_id).where(t.keys.c.party == party, t.keys.c.revoked_seq.is_(None))
        ).scalar_one()
    return app.keystore.load(ev.PartyId(party), key_id)


def one(statuses: list[RecipientStatus], party: str) -> RecipientStatus:
    [found] = [s for s in statuses if s.party == party]
    return found


# ---- hand-over and receipt -----------------------------------------------------------------------


def test_handover_and_receipt_show_in_status(record: App) -> None:
    hid, handed = neg.handover(record, T, to=["US"], due="2022-01-20", point_by_point=True, date="2022-01-10")
    set_today(record, "2022-01-12")
    rid, received = neg.receipt(record, T, as_party="US", delegate="J. Sullivan", date="2022-01-11")
    assert (hid, rid) == ("t@v1/h1", "t@v1/h1/receipt/US")

    [us] = neg.status(record, T)
    assert us.handover == Handover(
        hid, T, "ru-us", "RU", ("US",), "2022-01-10", "2022-01-20", True, None, handed.seq
    )
    assert us.receipt == Receipt(rid, T, hid, "US", "2022-01-11", "J. Sullivan", received.seq)
    assert (us.party, us.through, us.state, us.answers, us.total) == ("US", None, "unanswered", (), 18)
    assert (us.overdue, us.late, us.complete, us.completed_on) == (False, False, False, None)
    assert us.coverage.unanswered == TREATY_ARTICLES  # whole articles, not their paragraphs

    [report] = neg.status_report(record, T)["recipients"]
    assert {
        k: report[k] for k in ("delivered", "acknowledged", "acknowledged_by", "due", "point_by_point")
    } == {
        "delivered": "2022-01-10",
        "acknowledged": "2022-01-11",
        "acknowledged_by": "J. Sullivan",
        "due": "2022-01-20",
        "point_by_point": True,
    }
    # the author signs the hand-over, the recipient its receipt, each on the version's track
    events = list(log_cases.show(record, start=handed.seq))
    assert [(e["type"], e["actor"]["party"], e["actor"]["delegate"], e["track"]) for e in events] == [
        ("handover.made", "RU", None, "ru-us"),
        ("receipt.signed", "US", "J. Sullivan", "ru-us"),
    ]


def test_a_version_handed_to_nobody_has_no_status(record: App) -> None:
    assert neg.status(record, T) == []
    assert neg.status_report(record, T)["recipients"] == []
    with pytest.raises(NotFound, match="ghost@v1"):
        neg.status(record, "ghost@v1")


def test_a_later_handover_never_withdraws_an_earlier_demand(record: App) -> None:
    first, _ = neg.handover(record, T, to=["US"], due="2022-01-20", point_by_point=True, date="2022-01-10")
    neg.receipt(record, T, as_party="US", date="2022-01-10")
    hid, _ = neg.handover(record, T, to=["US"], due="2022-02-20", date="2022-01-15")
    assert hid == "t@v1/h2"
    set_today(record, "2022-01-25")
    [us] = neg.status(record, T)
    # still point by point, still due on the earliest date, and still acknowledged (the binding one)
    assert (us.handover.id, us.demand.due, us.demand.point_by_point) == (first, "2022-01-20", True)
    assert [h.id for h in us.demand.handovers] == [first, hid]
    assert us.receipt is not None and us.receipt.handover == first and us.overdue
    rid, _ = neg.receipt(record, T, as_party="US", date="2022-01-16")  # the second one has its own receipt
    assert rid == f"{hid}/receipt/US"
    with pytest.raises(Conflict, match="already acknowledged every hand-over of t@v1"):
        neg.receipt(record, T, as_party="US", date="2022-01-17")


# ---- answers point by point ----------------------------------------------------------------------


def test_partial_answer_names_the_gaps_and_a_later_answer_completes_it(record: App, tmp_path: Path) -> None:
    neg.handover(record, T, to=["US"], due="2022-01-20", point_by_point=True, date="2022-01-10")
    set_today(record, "2022-01-16")
    first = answer_with(
        record,
        tmp_path,
        "US",
        T,
        {
            "art_1": "accept",
            "art_2": ("reject", None, "The Charter binds States, not alliances."),
            "art_4__para_1": ("amend", AMEND_4_1, None),
        },
        "2022-01-15",
    )
    assert (first.answer, first.form) == ("t@v1/answer/US/1", "points")
    assert first.parsed is not None
    assert [p.eid for p in first.parsed.positions] == ["art_1", "art_2", "art_4__para_1"]
    assert first.parsed.left_open == tuple(
        e for e in TREATY_EIDS if e not in {"art_1", "art_2", "art_4__para_1"}
    )
    gaps = ("art_3", "art_4__para_2", "art_5", "art_6", "art_7", "art_8")
    assert first.to_json()["unanswered"] == list(gaps) and first.to_json()["complete"] is False

    [us] = neg.status(record, T)
    assert us.coverage.unanswered == gaps  # art_4's answered paragraph is not named; art_5 is named whole
    assert us.coverage.covered_eids == {
        "art_1",
        "art_1__point_i",
        "art_1__point_ii",
        "art_2",
        "art_4__para_1",
    }
    assert us.coverage.inherited == {"art_1__point_i": "art_1", "art_1__point_ii": "art_1"}
    assert us.coverage.position_of("art_1__point_ii") == Position("art_1", "accept")
    assert us.coverage.position_of("art_2") == Position(
        "art_2", "reject", None, "The Charter binds States, not alliances."
    )
    assert us.coverage.position_of("art_4__para_1") == Position("art_4__para_1", "amend", AMEND_4_1)
    assert (us.state, us.complete, us.completed_on, us.overdue, us.late) == (
        "partial",
        False,
        None,
        False,
        False,
    )
    report = neg.status_report(record, T)["recipients"][0]
    assert report["answered_points"] == 5 and report["points"] == 18
    assert [u["eid"] for u in report["unanswered"]] == list(gaps)
    assert report["unanswered"][0] == {"eid": "art_3", "label": "Article 3"}
    assert report["answered"][1] == {
        "eid": "art_1__point_i",
        "label": "Article 1 i)",
        "position": "accept",
        "text": None,
        "reason": None,
        "inherited_from": "art_1",
    }

    set_today(record, "2022-01-21")  # the due date has passed and points are still open
    [us] = neg.status(record, T)
    assert (us.state, us.overdue, us.late) == ("overdue", True, False)

    second = write(
        tmp_path,
        "us-2.md",
        "# Second answer of the United States\n\n"
        "## Article 3 {art_3}: accept\n\n"
        "## Article 4 {art_4__para_2}: counter\n\n> The Parties shall consult on bases.\n\n"
        "## Article 5: reject\n\nReason: Deployments on allied territory\nare a matter for the Alliance.\n\n"
        "## Article 6 [number inferred] {art_6}: defer\n\n"
        "## Article 7 {art_7}: clarify\n\n> Which infrastructure is meant?\n\n"
        "## Article 8: noted\n\n"
        "## Article 2 {art_2}: accept\n\n"
        "## New: Article 9\n\n> This Treaty shall be registered with the United Nations.\n",
    )
    done = neg.answer(record, T, as_party="US", file=second, date="2022-01-19")  # written before the due date
    assert done.answer == "t@v1/answer/US/2"
    assert done.parsed is not None
    assert done.parsed.proposals == (
        Proposal("Article 9", "This Treaty shall be registered with the United Nations."),
    )
    assert done.to_json()["complete"] is True and done.to_json()["unanswered"] == []

    [us] = neg.status(record, T)
    assert (us.state, us.complete, us.completed_on, us.overdue, us.late) == (
        "complete",
        True,
        "2022-01-19",
        False,
        False,
    )
    assert [a.id for a in us.answers] == ["t@v1/answer/US/1", "t@v1/answer/US/2"]
    assert us.coverage.covered_eids == set(TREATY_EIDS)
    assert us.coverage.position_of("art_2") == Position("art_2", "accept")  # the later answer wins
    assert us.coverage.position_of("art_5") == Position(
        "art_5", "reject", None, "Deployments on allied territory are a matter for the Alliance."
    )
    assert us.coverage.position_of("art_7__para_3") == Position(
        "art_7", "clarify", "Which infrastructure is meant?"
    )
    assert neg.owed(record) == []


def test_due_day_boundary_and_an_answer_after_it_is_late(record: App, tmp_path: Path) -> None:
    neg.handover(record, T, to=["US"], due="2022-01-12", point_by_point=True, date="2022-01-10")
    set_today(record, "2022-01-12")
    assert one(neg.status(record, T), "US").overdue is False  # due today is not yet overdue
    set_today(record, "2022-01-13")
    assert one(neg.status(record, T), "US").state == "overdue"

    set_today(record, "2022-01-20")
    answer_with(record, tmp_path, "US", T, dict.fromkeys(TREATY_ARTICLES, "accept"), "2022-01-14")
    [us] = neg.status(record, T)
    assert (us.state, us.complete, us.completed_on, us.overdue, us.late) == (
        "complete",
        True,
        "2022-01-14",
        False,
        True,
    )
    assert len(us.coverage.inherited) == 10  # every paragraph takes its article's position


def test_a_partial_answer_after_the_due_date_is_neither_late_nor_complete(
    record: App, tmp_path: Path
) -> None:
    neg.handover(record, T, to=["US"], due="2022-01-12", point_by_point=True, date="2022-01-10")
    set_today(record, "2022-01-20")
    answer_with(record, tmp_path, "US", T, {"art_1": "accept"}, "2022-01-14")
    [us] = neg.status(record, T)
    assert (us.state, us.overdue, us.late, us.completed_on) == ("overdue", True, False, None)


# ---- answers in prose ----------------------------------------------------------------------------


def test_prose_answer_is_kept_as_received_and_answers_no_point(record: App, tmp_path: Path) -> None:
    neg.handover(record, T, to=["US"], due="2022-01-20", date="2022-01-10")  # an answer, not point by point
    neg.handover(record, A, to=["NATO"], due="2022-02-01", point_by_point=True, date="2022-01-10")
    set_today(record, "2022-01-25")
    assert one(neg.status(record, T), "US").state == "overdue"  # nothing at all by the due date

    letter = b"Dear Minister,\r\n\r\nArticle 4 is unacceptable.\tSee our paper.\r\n\r\n## Article 1: yes\r\n"
    got = neg.answer(
        record, T, as_party="US", file=write(tmp_path, "letter.txt", letter), prose=True, date="2022-01-22"
    )
    assert (got.answer, got.form, got.parsed) == ("t@v1/answer/US/1", "prose", None)
    assert {k: got.to_json()[k] for k in ("positions", "proposals", "left_open")} == {
        "positions": 0,
        "proposals": 0,
        "left_open": [],
    }
    [us] = neg.status(record, T)
    assert (us.state, us.overdue, us.late, us.complete) == ("prose", False, True, False)
    assert us.coverage.covered == 0 and us.coverage.unanswered == TREATY_ARTICLES
    [stored] = us.answers
    assert stored.form == "prose" and stored.positions == () and stored.proposals == ()
    with record.store.read() as conn:
        blob = st.blob(conn, stored.content)
    assert blob is not None and blob[1] == letter  # byte for byte, CRLF and all

    # A point-by-point demand is not met by prose: still owed, and overdue once the date passes.
    neg.answer(
        record,
        A,
        as_party="NATO",
        file=write(tmp_path, "nato.txt", "We shall reply in due course."),
        prose=True,
        date="2022-01-24",
    )
    assert one(neg.status(record, A), "NATO").state == "prose"
    assert [(o.version, o.status.party) for o in neg.owed(record)] == [(A, "NATO")]
    set_today(record, "2022-02-02")
    assert one(neg.status(record, A), "NATO").state == "overdue"


# ---- alliances -----------------------------------------------------------------------------------


def test_a_member_of_an_alliance_may_answer_for_itself(record: App, tmp_path: Path) -> None:
    neg.handover(record, A, to=["NATO"], due="2022-02-01", point_by_point=True, date="2022-01-10")
    set_today(record, "2022-01-20")
    neg.receipt(record, A, as_party="NATO", date="2022-01-11")
    neg.receipt(record, A, as_party="DE", delegate="Botschafter", date="2022-01-12")
    answer_with(record, tmp_path, "NATO", A, {"art_9": "accept"}, "2022-01-13")
    mine = answer_with(record, tmp_path, "DE", A, {"art_1": "accept", "art_9": "noted"}, "2022-01-14")
    assert mine.answer == "a@v1/answer/DE/1"
    assert mine.status is not None and mine.status.through == "NATO"
    assert mine.to_json()["unanswered"] == [f"art_{n}" for n in range(2, 9)]

    [nato] = neg.status(record, A)  # the alliance answers for itself; a member's answer is its own
    assert [a.party for a in nato.answers] == ["NATO"] and nato.coverage.unanswered == AGREEMENT_ARTICLES[:-1]

    statuses = neg.status(record, A, members=True)
    assert [(s.party, s.through) for s in statuses] == [
        ("NATO", None),
        ("US", "NATO"),
        ("DE", "NATO"),
        ("PL", "NATO"),
    ]
    de, us = one(statuses, "DE"), one(statuses, "US")
    assert [a.id for a in de.answers] == ["a@v1/answer/NATO/1", "a@v1/answer/DE/1"]
    assert de.coverage.position_of("art_9") == Position("art_9", "noted")  # its own, later, position
    assert de.coverage.unanswered == tuple(f"art_{n}" for n in range(2, 9))
    assert de.receipt is not None and (de.receipt.party, de.receipt.date) == ("DE", "2022-01-12")
    assert us.receipt is not None and (us.receipt.party, us.receipt.date) == ("NATO", "2022-01-11")
    assert us.coverage.covered_eids == {"art_9"} and us.state == "partial"
    report = neg.status_report(record, A, members=True)["recipients"]
    assert [(r["party"], r["through"], r["acknowledged"], r["acknowledged_by"]) for r in report] == [
        ("NATO", None, "2022-01-11", None),
        ("US", "NATO", "2022-01-11", None),
        ("DE", "NATO", "2022-01-12", "Botschafter"),
        ("PL", "NATO", "2022-01-11", None),
    ]


def test_an_author_inside_the_recipient_alliance_is_not_its_own_recipient(record: App) -> None:
    registry.new_track(record, "us-nato", "sg", "Consultations, Washington", ["US", "NATO"])
    drafts.import_draft(record, NOTES, track="us-nato", as_party="US", document="u")
    neg.handover(record, "u@v1", to=["NATO"], point_by_point=True, date="2022-01-10")
    assert [(s.party, s.through) for s in neg.status(record, "u@v1", members=True)] == [
        ("NATO", None),
        ("DE", "NATO"),
        ("PL", "NATO"),
    ]
    m = neg.matrix(record, "us-nato", members=True)
    assert {p: c.state for p, c in zip(m.columns, m.rows[0].cells, strict=True)}["US"] == "proposed"


# ---- refusals ------------------------------------------------------------------------------------


@pytest.fixture
def handed(record: App) -> App:
    """t@v1 handed to US (acknowledged), a@v1 to NATO (not yet); a meeting on nrc."""
    neg.handover(record, T, to=["US"], due="2022-01-20", point_by_point=True, date="2022-01-10")
    neg.receipt(record, T, as_party="US", date="2022-01-11")
    neg.handover(record, A, to=["NATO"], date="2022-01-10")
    talks.add_meeting(record, track="nrc", date="2022-01-05", place="Brussels")
    return record


def _signed_handover_by_us(app: App, tmp_path: Path) -> object:
    body = {
        "handover": "t@v1/h9",
        "version": T,
        "to": ["RU"],
        "date": "2022-01-10",
        "due": None,
        "point_by_point": False,
        "meeting": None,
    }
    signed = make_event(app, "US", key_of(app, "US"), ev.HANDOVER_MADE, body, track="ru-us")
    return submit(app, signed.event_bytes, signed.signature)


def _signed_answer(positions: list[dict[str, str | None]]) -> Callable[[App, Path], object]:
    """An answer signed elsewhere and submitted, so that the rules (not the file parser) refuse it."""

    def submit_it(app: App, tmp_path: Path) -> object:
        text, salt = b"## Article 99 {art_99}: accept\n", new_salt()
        body = {
            "answer": "t@v1/answer/US/1",
            "version": T,
            "date": "2022-01-12",
            "form": "points",
            "content": blob_hash(salt, text),
            "positions": positions,
            "proposals": [],
        }
        signed = make_event(app, "US", key_of(app, "US"), ev.ANSWER_GIVEN, body, track="ru-us")
        return submit(app, signed.event_bytes, signed.signature, [(salt, "text/markdown", text)])

    return submit_it


def _answer(party: str, text: str, version: str = T) -> Callable[[App, Path], object]:
    return lambda app, tmp_path: neg.answer(
        app, version, as_party=party, file=write(tmp_path, "bad.md", text), date="2022-01-12"
    )


REFUSALS: dict[str, tuple[Callable[[App, Path], object], type[Exception], str]] = {
    "handover by a non-author": (_signed_handover_by_us, Refused, "only the author of t@v1 (RU)"),
    "handover to an unknown party": (
        lambda app, _: neg.handover(app, T, to=["US", "ZZ"], date="2022-01-10"),
        NotFound,
        "party ZZ is not registered",
    ),
    "handover to its author": (lambda app, _: neg.handover(app, T, to=["RU"]), Refused, "to itself"),
    "handover to nobody": (lambda app, _: neg.handover(app, T, to=[]), InvalidInput, "at least one"),
    "handover twice to one party": (
        lambda app, _: neg.handover(app, T, to=["DE", "DE"]),
        InvalidInput,
        "twice",
    ),
    "handover of no version": (lambda app, _: neg.handover(app, "ghost@v1", to=["US"]), NotFound, "ghost@v1"),
    "due before the handover": (
        lambda app, _: neg.handover(app, T, to=["US"], date="2022-01-10", due="2022-01-09"),
        InvalidInput,
        "cannot be due (2022-01-09) before the hand-over (2022-01-10)",
    ),
    "due on no real date": (
        lambda app, _: neg.handover(app, T, to=["US"], date="2022-01-10", due="2022-02-30"),
        InvalidInput,
        "not a real date",
    ),
    "handover dated in the future": (
        lambda app, _: neg.handover(app, T, to=["US"], date="2999-01-01"),
        InvalidInput,
        "in the future",
    ),
    "handover at a meeting of another track": (
        lambda app, _: neg.handover(app, T, to=["US"], meeting="nrc/2022-01-05", date="2022-01-10"),
        Refused,
        "is on track nrc",
    ),
    "handover at no meeting": (
        lambda app, _: neg.handover(app, T, to=["US"], meeting="ru-us/2022-01-05", date="2022-01-10"),
        NotFound,
        "meeting ru-us/2022-01-05 does not exist",
    ),
    "receipt by a non-recipient": (
        lambda app, _: neg.receipt(app, T, as_party="DE", date="2022-01-11"),
        NotFound,  # RU's draft was not handed to DE: for DE it does not exist
        "version t@v1 does not exist",
    ),
    "duplicate receipt": (
        lambda app, _: neg.receipt(app, T, as_party="US", date="2022-01-12"),
        Conflict,
        "US has already acknowledged every hand-over of t@v1",
    ),
    "receipt before the handover": (
        lambda app, _: neg.receipt(app, A, as_party="NATO", date="2022-01-09"),
        InvalidInput,
        "cannot predate the hand-over",
    ),
    "receipt dated in the future": (
        lambda app, _: neg.receipt(app, A, as_party="NATO", date="2999-01-01"),
        InvalidInput,
        "in the future",
    ),
    "answer naming an unknown point (file)": (
        _answer("US", "## Article 99 {art_99}: accept\n"),
        InvalidInput,
        "bad.md:1: the draft has no point art_99",
    ),
    "answer naming an unknown point (signed event)": (
        _signed_answer([{"eid": "art_99", "position": "accept", "text": None, "reason": None}]),
        NotFound,
        "t@v1 has no point art_99",
    ),
    "answer taking no position (signed event)": (
        _signed_answer([]),
        InvalidInput,
        "the answer takes no position on any point and proposes none of its own",
    ),
    "answer amending without text (signed event)": (
        _signed_answer([{"eid": "art_1", "position": "amend", "text": None, "reason": None}]),
        InvalidInput,
        "amend on art_1 needs its text",
    ),
    "answer by a party not handed the version": (
        _answer("DE", "## Article 1 {art_1}: accept\n"),
        NotFound,
        "version t@v1 does not exist",
    ),
    "answer by the author": (_answer("RU", "## Article 1 {art_1}: accept\n"), Refused, "not handed to RU"),
    "answer with an unknown position": (
        _answer("US", "# Answer\n\n## Article 1 {art_1}: maybe\n"),
        InvalidInput,
        "bad.md:3: unknown position 'maybe' on art_1",
    ),
    "answer with unquoted text": (
        _answer("US", "## Article 1 {art_1}: amend\n\nThe Parties shall talk.\n"),
        InvalidInput,
        "bad.md:3: text under a point must be a '> ' quote",
    ),
    "amend without its text": (
        _answer("US", "## Article 1 {art_1}: accept\n\n## Article 2 {art_2}: amend\n"),
        InvalidInput,
        "bad.md:3: amend on art_2 needs the new text",
    ),
    "a point answered twice": (
        _answer("US", "## Article 1 {art_1}: accept\n\n## Article 1: reject\n"),
        InvalidInput,
        "bad.md:3: point art_1 is answered twice (also at line 1)",
    ),
    "an unknown label": (
        _answer("US", "## Article 4 {art_4__para_1}: accept\n\n## Article 9: accept\n"),
        InvalidInput,
        "bad.md:3: no point is labelled 'Article 9'",
    ),
    "answer without headings": (
        _answer("US", "We agree.\n"),
        InvalidInput,
        "bad.md: no point headings found",
    ),
    "answer dated in the future": (
        lambda app, tmp_path: neg.answer(
            app, T, as_party="US", file=write(tmp_path, "a.md", "## Article 1: accept\n"), date="2999-01-01"
        ),
        InvalidInput,
        "in the future",
    ),
    "meeting dated in the future": (
        lambda app, _: talks.add_meeting(app, track="ru-us", date="2999-01-01", place="Geneva"),
        InvalidInput,
        "in the future",
    ),
    "meeting recorded by a non-party": (
        lambda app, _: talks.add_meeting(
            app, track="ru-us", date="2022-01-10", place="Geneva", as_party="DE"
        ),
        Refused,
        "DE is not a party to track ru-us",
    ),
    "meeting tabling no version": (
        lambda app, _: talks.add_meeting(
            app, track="ru-us", date="2022-01-10", place="Geneva", tabled=["ghost@v1"]
        ),
        NotFound,
        "ghost@v1",
    ),
    "meeting on no track": (
        lambda app, _: talks.add_meeting(app, track="nope", date="2022-01-10", place="Geneva"),
        NotFound,
        "track nope does not exist",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_leave_nothing_written(handed: App, tmp_path: Path, case: str) -> None:
    act, error, message = REFUSALS[case]
    before = row_counts(handed)
    size = log_size(handed)
    with pytest.raises(error, match=re.escape(message)):
        act(handed, tmp_path)
    assert log_size(handed) == size
    assert row_counts(handed) == before  # no event, no projection row, no blob


def test_an_answer_cannot_predate_the_handover(handed: App, tmp_path: Path) -> None:
    before = row_counts(handed)
    with pytest.raises(InvalidInput, match="cannot predate the hand-over"):
        neg.answer(
            handed,
            T,
            as_party="US",
            file=write(tmp_path, "a.md", "## Article 1: accept\n"),
            date="2021-12-01",
        )
    assert row_counts(handed) == before


def test_an_answer_that_takes_no_position_is_refused(record: App, tmp_path: Path) -> None:
    neg.handover(record, T, to=["US"], due="2022-01-20", date="2022-01-10")
    blank = write(tmp_path, "blank.md", neg.answer_template(record, T))
    before = row_counts(record)
    with pytest.raises(InvalidInput, match=re.escape("blank.md: the answer takes no position")):
        neg.answer(record, T, as_party="US", file=blank, date="2022-01-25")
    assert row_counts(record) == before
    assert one(neg.status(record, T), "US").state == "overdue"


# ---- meetings ------------------------------------------------------------------------------------


def test_meetings_are_named_by_track_and_date(record: App) -> None:
    first, _ = talks.add_meeting(
        record, track="ru-us", date="2022-01-10", place="Geneva", delegates=["S. Ryabkov", "W. Sherman"]
    )
    second, _ = talks.add_meeting(record, track="ru-us", date="2022-01-10", place="Geneva", as_party="US")
    third, _ = talks.add_meeting(record, track="ru-us", date="2022-01-10", place="Geneva", tabled=[T])
    other, _ = talks.add_meeting(record, track="nrc", date="2022-01-12", place="Brussels")
    earlier, _ = talks.add_meeting(record, track="ru-us", date="2021-12-30", place="Telephone")
    assert (first, second, third, other, earlier) == (
        "ru-us/2022-01-10",
        "ru-us/2022-01-10-2",
        "ru-us/2022-01-10-3",
        "nrc/2022-01-12",
        "ru-us/2021-12-30",
    )
    listed = talks.meetings(record, "ru-us")
    assert [m.id for m in listed] == [earlier, first, second, third]  # by date, then as recorded
    assert listed[1].delegates == ("S. Ryabkov", "W. Sherman") and listed[1].by == ev.OPERATOR
    assert listed[2].by == "US" and listed[3].tabled == (T,)
    assert [m.id for m in talks.meetings(record)] == [earlier, first, second, third, other]

    hid, _ = neg.handover(record, T, to=["US"], meeting=second, date="2022-01-10")
    [us] = neg.status(record, T)
    assert (us.handover.id, us.handover.meeting) == (hid, "ru-us/2022-01-10-2")


# ---- preconditions -------------------------------------------------------------------------------


def test_preconditions_from_setting_to_met(record: App) -> None:
    pid, _ = talks.add_precondition(
        record, track="ru-us", as_party="RU", text="Legally binding guarantees", version=T, date="2022-01-10"
    )
    assert pid == "ru-us/pre/1"
    [pre] = talks.preconditions(record, "ru-us")
    assert (pre.by, pre.text, pre.version, pre.date, pre.anticipated, pre.status) == (
        "RU",
        "Legally binding guarantees",
        T,
        "2022-01-10",
        False,
        "open",
    )
    with pytest.raises(Refused, match="only the other parties"):
        talks.answer_precondition(record, pid, act="accept", as_party="RU", date="2022-01-11")
    with pytest.raises(InvalidInput, match="cannot predate"):
        talks.answer_precondition(record, pid, act="accept", as_party="US", date="2022-01-09")
    talks.answer_precondition(
        record, pid, act="accept", as_party="US", reason="As a basis", date="2022-01-11"
    )
    assert talks.preconditions(record)[0].status == "accepted"
    before = row_counts(record)
    with pytest.raises(Refused, match=re.escape("only the party that set precondition ru-us/pre/1 (RU)")):
        talks.answer_precondition(record, pid, act="waive", as_party="US", date="2022-01-12")
    with pytest.raises(NotFound, match=f"precondition {re.escape(pid)} does not exist"):
        talks.answer_precondition(record, pid, act="accept", as_party="DE", date="2022-01-12")
    with pytest.raises(InvalidInput, match="act must be one of"):
        talks.answer_precondition(record, pid, act="ignore", as_party="US", date="2022-01-12")
    with pytest.raises(NotFound, match="ru-us/pre/9"):
        talks.answer_precondition(record, "ru-us/pre/9", act="accept", as_party="US", date="2022-01-12")
    assert row_counts(record) == before

    talks.answer_precondition(record, pid, act="meet", as_party="US", date="2022-01-20")
    [pre] = talks.preconditions(record)
    assert pre.status == "met"
    assert [(a.act, a.party, a.date, a.reason) for a in pre.acts] == [
        ("accept", "US", "2022-01-11", "As a basis"),
        ("meet", "US", "2022-01-20", None),
    ]
    before = row_counts(record)
    for act, party in [("accept", "US"), ("reject", "US"), ("meet", "RU"), ("waive", "RU")]:
        with pytest.raises(Conflict, match="already met"):
            talks.answer_precondition(record, pid, act=act, as_party=party, date="2022-01-21")
    assert row_counts(record) == before


def test_a_precondition_rejected_in_advance_and_one_waived(record: App) -> None:
    expected, _ = talks.add_precondition(
        record,
        track="ru-us",
        as_party="US",
        text="No further NATO enlargement",
        anticipated=True,
        date="2022-01-05",
    )
    talks.answer_precondition(
        record, expected, act="reject", as_party="US", reason="Open door", date="2022-01-05"
    )
    with pytest.raises(Refused, match="only the party that set"):  # nobody waives what nobody set
        talks.answer_precondition(record, expected, act="waive", as_party="US", date="2022-01-06")
    own, _ = talks.add_precondition(
        record, track="ru-us", as_party="RU", text="Withdrawal", date="2022-01-06"
    )
    talks.answer_precondition(record, own, act="reject", as_party="US", date="2022-01-07")
    assert [(p.id, p.status) for p in talks.preconditions(record, "ru-us")] == [
        ("ru-us/pre/1", "rejected in advance"),
        ("ru-us/pre/2", "rejected"),
    ]
    talks.answer_precondition(record, own, act="waive", as_party="RU", date="2022-01-08")
    assert talks.preconditions(record, "ru-us")[1].status == "waived"
    with pytest.raises(Conflict, match="already waived"):
        talks.answer_precondition(record, own, act="accept", as_party="US", date="2022-01-09")
    nrc, _ = talks.add_precondition(
        record, track="nrc", as_party="NATO", text="De-escalation", date="2022-01-06"
    )
    assert nrc == "nrc/pre/1"
    assert [p.id for p in talks.preconditions(record)] == ["ru-us/pre/1", "ru-us/pre/2", "nrc/pre/1"]


# ---- owed ----------------------------------------------------------------------------------------


def test_owed_lists_soonest_due_first_and_undated_last(record: App, tmp_path: Path) -> None:
    drafts.import_draft(record, NOTES, track="ru-us", as_party="RU", document="n")
    drafts.import_draft(record, NOTES, track="ru-us", as_party="RU", document="m")
    neg.handover(record, "n@v1", to=["US"], point_by_point=True, date="2022-01-10")  # no date
    neg.handover(record, "m@v1", to=["US"], date="2022-01-10")  # no date, no demand: owes nothing
    neg.handover(record, T, to=["US"], due="2022-03-01", point_by_point=True, date="2022-01-10")
    neg.handover(record, A, to=["NATO"], due="2022-02-01", date="2022-01-10")
    set_today(record, "2022-02-15")

    owed = neg.owed(record)
    assert [(o.version, o.author, o.status.party, o.status.handover.due, o.status.overdue) for o in owed] == [
        (A, "RU", "NATO", "2022-02-01", True),
        (T, "RU", "US", "2022-03-01", False),
        ("n@v1", "RU", "US", None, False),
    ]
    assert owed[0].title.startswith("Agreement on measures to ensure the security")

    answer_with(record, tmp_path, "US", T, {"art_1": "accept"}, "2022-02-10")  # partial: still owed
    answer_with(
        record,
        tmp_path,
        "US",
        "n@v1",
        dict.fromkeys(["para_1", "para_2", "para_3", "para_4"], "noted"),
        "2022-02-11",
    )
    neg.answer(
        record, A, as_party="NATO", file=write(tmp_path, "n.txt", "Received."), prose=True, date="2022-02-12"
    )
    assert [(o.version, o.status.party, o.status.coverage.unanswered) for o in neg.owed(record)] == [
        (T, "US", TREATY_ARTICLES[1:]),
    ]


# ---- the matrix ----------------------------------------------------------------------------------


def cells(matrix: Matrix, version: str, eid: str) -> tuple[Row, dict[str, tuple[str, bool]]]:
    [row] = [r for r in matrix.rows if (r.version, r.eid) == (version, eid)]
    return row, {p: (c.state, c.inherited) for p, c in zip(matrix.columns, row.cells, strict=True)}


def test_matrix_cells(record: App, tmp_path: Path) -> None:
    drafts.import_draft(record, NOTES, track="ru-us", as_party="RU", document="n")  # never handed over
    neg.handover(record, T, to=["US"], point_by_point=True, date="2022-01-10")
    neg.handover(record, A, to=["NATO"], point_by_point=True, date="2022-01-10")
    answer_with(
        record,
        tmp_path,
        "US",
        T,
        {
            "art_1": "accept",
            "art_2": "reject",
            "art_4__para_1": ("amend", AMEND_4_1, None),
            "art_4__para_2": "accept",
        },
        "2022-01-12",
    )
    answer_with(record, tmp_path, "NATO", A, {"art_1": "accept", "art_9": "accept"}, "2022-01-12")
    answer_with(record, tmp_path, "DE", A, {"art_1": "reject", "art_9": "noted"}, "2022-01-13")

    m = neg.matrix(record, "sg")
    assert m.columns == ("RU", "NATO", "US")
    assert [(r.version, r.eid) for r in m.rows][:2] == [(A, "art_1"), (A, "art_1__para_1")]
    assert len(m.rows) == 26 + 18  # n@v1 was never handed over
    expected = {
        (T, "art_1"): ({"RU": ("proposed", False), "NATO": ("", False), "US": ("accept", False)}, False, 0),
        (T, "art_1__point_i"): (
            {"RU": ("proposed", False), "NATO": ("", False), "US": ("accept", True)},
            False,
            0,
        ),
        (T, "art_2"): ({"RU": ("proposed", False), "NATO": ("", False), "US": ("reject", False)}, True, 0),
        (T, "art_3"): (
            {"RU": ("proposed", False), "NATO": ("", False), "US": ("unanswered", False)},
            False,
            1,
        ),
        (T, "art_4"): ({"RU": ("proposed", False), "NATO": ("", False), "US": ("by-parts", False)}, False, 0),
        (T, "art_4__para_1"): (
            {"RU": ("proposed", False), "NATO": ("", False), "US": ("amend", False)},
            True,
            0,
        ),
        (T, "art_5__para_2"): (
            {"RU": ("proposed", False), "NATO": ("", False), "US": ("unanswered", False)},
            False,
            1,
        ),
        (A, "art_1__para_3"): (
            {"RU": ("proposed", False), "NATO": ("accept", True), "US": ("", False)},
            False,
            0,
        ),
        (A, "art_2"): (
            {"RU": ("proposed", False), "NATO": ("unanswered", False), "US": ("", False)},
            False,
            1,
        ),
    }
    for (version, eid), (want, contested, gaps) in expected.items():
        row, got = cells(m, version, eid)
        assert (got, row.contested, row.unanswered) == (want, contested, gaps), (version, eid)
    assert cells(m, T, "art_1__point_i")[0].label == "Article 1 i)"

    with_members = neg.matrix(record, "nrc", members=True)
    assert with_members.columns == ("RU", "NATO", "US", "DE", "PL")
    row, got = cells(with_members, A, "art_1__para_2")  # DE's reject against the alliance's accept
    assert got == {
        "RU": ("proposed", False),
        "NATO": ("accept", True),
        "US": ("accept", True),
        "DE": ("reject", True),
        "PL": ("accept", True),
    }
    assert row.contested and row.unanswered == 0
    row, got = cells(with_members, A, "art_9")  # differing positions, none of them dissent
    assert {p: s for p, (s, _) in got.items()} == {
        "RU": "proposed",
        "NATO": "accept",
        "US": "accept",
        "DE": "noted",
        "PL": "accept",
    }
    assert row.contested
    row, _ = cells(with_members, A, "art_5")
    assert (row.contested, row.unanswered) == (False, 4)

    only = neg.matrix(record, "ru-us")
    assert only.columns == ("RU", "US") and {r.version for r in only.rows} == {T}
    with pytest.raises(NotFound, match="no track or process named nope"):
        neg.matrix(record, "nope")


# ---- verify and rebuild --------------------------------------------------------------------------


def negotiate(app: App, tmp_path: Path) -> None:
    """A little of everything: a meeting, hand-overs, receipts, answers in both forms, preconditions."""
    meeting, _ = talks.add_meeting(app, track="ru-us", date="2022-01-10", place="Geneva", tabled=[T])
    neg.handover(app, T, to=["US"], due="2022-01-20", point_by_point=True, meeting=meeting, date="2022-01-10")
    neg.handover(app, A, to=["NATO"], due="2022-01-26", date="2022-01-12")
    neg.receipt(app, T, as_party="US", delegate="W. Sherman", date="2022-01-10")
    neg.receipt(app, A, as_party="DE", date="2022-01-13")
    answer_with(
        app,
        tmp_path,
        "US",
        T,
        {"art_1": "accept", "art_4__para_1": ("amend", AMEND_4_1, "Open door")},
        "2022-01-15",
    )
    answer_with(app, tmp_path, "DE", A, {"art_9": "noted"}, "2022-01-16")
    neg.answer(
        app,
        A,
        as_party="NATO",
        file=write(tmp_path, "letter.txt", "A letter.\n"),
        prose=True,
        date="2022-01-17",
    )
    pid, _ = talks.add_precondition(app, track="ru-us", as_party="RU", text="Guarantees", date="2022-01-10")
    talks.answer_precondition(app, pid, act="reject", as_party="US", date="2022-01-11")


def test_verify_passes_and_rebuild_leaves_status_identical(record: App, tmp_path: Path) -> None:
    negotiate(record, tmp_path)
    set_today(record, "2022-01-30")
    report = log_cases.verify(record)
    assert report.size == log_size(record)
    with record.store.read() as conn:
        projected = load_state(conn)
    assert len(projected.handovers) == 2 and len(projected.answers) == 3
    statuses = {v: neg.status_report(record, v, members=True) for v in (T, A)}
    assert statuses[T]["recipients"][0]["state"] == "overdue"

    before = row_counts(record)
    log_cases.rebuild(record)
    with record.store.read() as conn:
        assert load_state(conn) == projected
    assert row_counts(record) == before
    assert {v: neg.status_report(record, v, members=True) for v in (T, A)} == statuses
    assert [o.status.party for o in neg.owed(record)] == ["US"]
    assert log_cases.verify(record).root == report.root


def test_verify_catches_a_changed_handover_projection(record: App, tmp_path: Path) -> None:
    negotiate(record, tmp_path)
    with record.store.write() as writer:
        writer.conn.execute(update(t.handovers).where(t.handovers.c.id == "t@v1/h1").values(due="2099-01-01"))
    with pytest.raises(VerificationError, match=re.escape("handovers t@v1/h1")):
        log_cases.verify(record)


def test_verify_catches_a_changed_answer_text(record: App, tmp_path: Path) -> None:
    negotiate(record, tmp_path)
    with record.store.read() as conn:
        content = conn.execute(select(t.answers.c.content).where(t.answers.c.party == "NATO")).scalar_one()
    with record.store.write() as writer:
        writer.conn.execute(
            update(t.blobs).where(t.blobs.c.hash == content).values(content=b"Another letter.\n")
        )
    with pytest.raises(VerificationError, match=re.escape("answer a@v1/answer/NATO/1")):
        log_cases.verify(record)


def test_a_submitted_answer_must_bring_its_text(record: App) -> None:
    neg.handover(record, T, to=["US"], date="2022-01-10")
    text, salt = b"## Article 1 {art_1}: accept\n", new_salt()
    body = {
        "answer": "t@v1/answer/US/1",
        "version": T,
        "date": "2022-01-12",
        "form": "points",
        "content": blob_hash(salt, text),
        "positions": [{"eid": "art_1", "position": "accept", "text": None, "reason": None}],
        "proposals": [],
    }
    signed = make_event(record, "US", key_of(record, "US"), ev.ANSWER_GIVEN, body, track="ru-us")
    before = log_size(record)
    with pytest.raises(RecordError, match="is not stored; submit the text with the event"):
        submit(record, signed.event_bytes, signed.signature)
    assert log_size(record) == before
    with pytest.raises(RecordError, match="is not the one it names"):  # another text hashes to another blob
        submit(record, signed.event_bytes, signed.signature, [(salt, "text/markdown", text + b"x")])
    assert log_size(record) == before
    submit(record, signed.event_bytes, signed.signature, [(salt, "text/markdown", text)])
    assert log_size(record) == before + 1
    assert log_cases.verify(record).size == before + 1
