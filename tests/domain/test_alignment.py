"""The pure rules of reading prose against points: points named in words, positions from cue phrases,
links from scores, the points left unaddressed, and how confirmed decisions become positions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.domain.alignment import (
    Paragraph,
    PointText,
    References,
    Tuning,
    align,
    merge,
    paragraphs_of,
    positions_from,
    read_position,
    summary,
)
from inwriting.domain.events import PartyId
from inwriting.domain.model import DECISIONS, POSITIONS, Decision

TREATY = (
    PointText("art_1", "Article 1", "Article 1", "Indivisible security"),
    PointText("art_2", "Article 2", "Article 2", "Consultations"),
    PointText("art_4", "Article 4", "Article 4", "No further enlargement"),
    PointText("art_4__para_1", "1.", "Article 4 1.", "no enlargement of NATO", "art_4"),
    PointText("art_4__para_2", "2.", "Article 4 2.", "no bases in former Soviet states", "art_4"),
    PointText("art_5", "Article 5", "Article 5", "Missiles"),
    PointText("art_6", "Article 6 [number inferred]", "Article 6 [number inferred]", "Heavy bombers"),
)
QUESTIONS = tuple(PointText(f"q{n}", f"Question {n}", f"Question {n}", f"question {n}") for n in range(1, 13))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("We cannot accept Article 1.", ("art_1",)),
        ("Articles 1 and 2 are acceptable; Art. 5 is not.", ("art_1", "art_2", "art_5")),
        ("Articles 4 to 6 go too far.", ("art_4", "art_5", "art_6")),
        ("On Article 6, see below.", ("art_6",)),  # an editorial mark in the label is no obstacle
        ("Paragraph 2 of Article 4 is unacceptable.", ("art_4__para_2",)),
        ("Article 4(1) is a non-starter.", ("art_4__para_1",)),
        ("Article 5 of the Washington Treaty stands.", ()),  # a point of another text
        ("Article 5 of the Treaty is fine.", ("art_5",)),  # of this one
        ("Article 9 does not exist.", ()),
        ("This article is vague.", ()),
    ],
)
def test_points_named_in_words(text: str, named: tuple[str, ...]) -> None:
    assert References(TREATY, "Treaty on security guarantees").named(text) == named


def test_questions_and_ranges() -> None:
    refs = References(QUESTIONS)
    assert refs.named("In answer to questions 3-5 and Q7:") == ("q3", "q4", "q5", "q7")
    assert refs.named("Question XI is out of scope.") == ("q11",)


@given(st.integers(1, 12), st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_a_named_question_is_always_found(n: int, noise: str) -> None:
    text = f"{noise} Question {n} {noise}"
    assert f"q{n}" in References(QUESTIONS).named(text)


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("We cannot accept this proposal.", "reject"),
        ("The United States does not agree with Article 4.", "reject"),
        ("This is a non-starter.", "reject"),
        ("We agree with the principle and support it.", "accept"),
        ("What is meant by 'threat'?", "clarify"),
        ("We ask Russia to clarify the scope.", "clarify"),
        ("We will return to this at a later stage.", "defer"),
        ("We propose instead a reciprocal arrangement.", "counter"),
        ("The wording should be amended to read 'all States'.", "amend"),
        ("We take note of the proposal.", "noted"),
        ("The weather in Geneva was cold.", None),
    ],
)
def test_positions_from_cue_phrases(text: str, position: str | None) -> None:
    found, confidence, sentence = read_position(text)
    assert found == position
    assert (sentence is None) == (position is None) and 0 <= confidence <= 1


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_reading_any_text_gives_a_position_or_none_and_its_own_sentence(text: str) -> None:
    position, confidence, sentence = read_position(text)
    assert position is None or position in POSITIONS
    assert 0 <= confidence <= 1
    if sentence is not None:
        assert sentence in text


def test_paragraphs_take_their_heading_as_context() -> None:
    paragraphs = paragraphs_of(
        [("On Article 4", True), ("We reject it.", False), ("Closing", True), ("Bye.", False)]
    )
    assert [(p.index, p.context) for p in paragraphs] == [
        (1, ""),
        (2, "On Article 4"),
        (3, ""),
        (4, "Closing"),
    ]


def test_links_from_names_headings_and_scores() -> None:
    paragraphs = paragraphs_of(
        [
            ("On Article 4", True),
            ("This would freeze the alliance forever and cannot be accepted by us.", False),
            ("Intermediate-range missiles deserve a reciprocal arrangement that we propose now.", False),
            ("Thank you.", False),
        ]
    )
    n = len(TREATY)
    scores = [[0.0] * n, [0.0] * n, [0.9 if p.eid == "art_5" else 0.05 for p in TREATY], [0.5] * n]
    result = align(paragraphs, TREATY, scores, engine="test", tuning=Tuning(floor=0.2, ratio=0.8))
    by = {s.paragraph: s for s in result.suggestions}
    assert by[1].points == () and by[1].position is None  # a heading addresses nothing itself
    assert by[2].points == ("art_4",) and by[2].links[0].named and by[2].position == "reject"
    assert by[3].points == ("art_4", "art_5") and by[3].position == "counter"  # its heading's, and alike
    assert [link.named for link in by[3].links] == [True, False]
    assert by[4].points == ()  # too short to address anything
    assert result.unanswered == ("art_1", "art_2", "art_6")  # art_4's paragraphs are covered by it


@settings(max_examples=200)
@given(
    st.lists(st.lists(st.floats(0, 1), min_size=len(TREATY), max_size=len(TREATY)), min_size=1, max_size=8)
)
def test_every_point_is_either_addressed_or_named_unanswered(rows: list[list[float]]) -> None:
    paragraphs = tuple(
        Paragraph(i, "some words of a paragraph that is long enough") for i in range(1, len(rows) + 1)
    )
    result = align(paragraphs, TREATY, rows, engine="test", tuning=Tuning(floor=0.3, ratio=0.7))
    linked = {eid for s in result.suggestions for eid in s.points}
    for point in TREATY:
        covered = point.eid in linked or point.parent in linked
        covered = covered or (
            any(p.parent == point.eid for p in TREATY)
            and all(p.eid in linked for p in TREATY if p.parent == point.eid)
        )
        assert covered == (point.eid not in result.unanswered)
    for s in result.suggestions:
        assert len(s.points) <= 3 and (s.position is None) == (not s.points)


def decision(
    n: int, kind: str, points: tuple[str, ...], position: str | None, seq: int, by: str = "US"
) -> Decision:
    return Decision(n, kind, points, position, "text", points, position, PartyId(by), None, seq)


decisions = st.builds(
    decision,
    st.integers(1, 6),
    st.sampled_from(DECISIONS),
    st.lists(st.sampled_from(["art_1", "art_2", "art_4"]), unique=True, max_size=3).map(tuple),
    st.sampled_from(POSITIONS),
    st.integers(0, 1000),
)


@given(st.lists(decisions, max_size=6), st.lists(decisions, max_size=6))
def test_the_latest_decision_on_a_paragraph_stands(first: list[Decision], second: list[Decision]) -> None:
    merged = merge(merge((), first), second)
    assert [d.paragraph for d in merged] == sorted({d.paragraph for d in [*first, *second]})
    latest = {d.paragraph: d for d in [*first, *second]}
    assert list(merged) == [latest[n] for n in sorted(latest)]


@given(st.lists(decisions, max_size=8))
def test_positions_come_from_the_most_direct_paragraph(items: list[Decision]) -> None:
    standing = merge((), items)
    positions = positions_from(standing)
    live = [d for d in standing if d.decision != "drop" and d.points]
    assert {p.eid for p in positions} == {eid for d in live for eid in d.points}
    for p in positions:
        fewest = min(len(d.points) for d in live if p.eid in d.points)
        chosen = next(d for d in live if f"paragraph {d.paragraph}" == p.reason.split(", ")[-1])
        assert len(chosen.points) == fewest and chosen.position == p.position


def test_summary_names_who_confirmed() -> None:
    assert summary(()) == "answered in prose, not confirmed"
    both = [decision(1, "keep", ("art_1",), "accept", 5), decision(2, "keep", (), None, 9, by="RU")]
    assert summary(both) == "answered in prose, confirmed by US, RU"
