"""The answer-file convention: headings with a position per point, quoted texts, reasons, points of
the answering party's own; every mistake named with its line; the template reads back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.domain.documents import DraftText, outline
from inwriting.domain.model import POSITIONS, Position, Proposal
from inwriting.errors import InvalidInput
from inwriting.exporters.answer_template import to_answer_template
from inwriting.importers.answer import parse_answer
from tests.importers.strategies import drafts

OUTLINE = [
    ("art_1", "Article 1"),
    ("art_1__para_1", "1."),
    ("art_1__para_2", "2."),
    ("art_2", "Article 2"),
    ("art_3", "Article 3"),
    ("art_3__para_1", "1."),
]


def test_positions_texts_reasons_and_new_points() -> None:
    parsed = parse_answer(
        """# Answer of the United States

A covering note before the first point is not part of any position.

## Article 1 {art_1__para_1}: amend
> The Parties shall consult
> each other.

> Second paragraph of the new text.

Reason: closer to the 1997 Founding Act.

It runs on.

## Article 2: REJECT

## {art_1__para_2}: ?
<!-- left open on purpose -->

## Article 3: clarify
> What is meant by "areas"?

## New: Article 9
> The Parties shall exchange notifications.
""",
        outline=OUTLINE,
    )
    assert parsed.positions == (
        Position(
            "art_1__para_1",
            "amend",
            "The Parties shall consult each other.\n\nSecond paragraph of the new text.",
            "closer to the 1997 Founding Act.\n\nIt runs on.",
        ),
        Position("art_2", "reject"),
        Position("art_3", "clarify", 'What is meant by "areas"?'),
    )
    assert parsed.left_open == ("art_1__para_2",)
    assert parsed.proposals == (Proposal("Article 9", "The Parties shall exchange notifications."),)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("## Article 1: maybe\n", "unknown position 'maybe' on art_1", 1),
        ("## {art_9}: accept\n", "the draft has no point art_9", 1),
        ("## 1.: accept\n", "several points are labelled '1.'", 1),
        ("## Article 7: accept\n", "no point is labelled 'Article 7'", 1),
        ("## Article 1: accept\n\n## {art_1}: reject\n", "point art_1 is answered twice (also at line 1)", 3),
        ("## Article 1: amend\n\nReason: no text given.\n", "amend on art_1 needs the new text", 1),
        ("## Article 2: counter\n", "counter on art_2 needs the counter-text", 1),
        ("## Article 2: accept\n\nJust some words.\n", "text under a point must be a '> ' quote", 3),
        ("## Article 2: accept\n\n- a list\n", "lists and code blocks are not part", 3),
        ("## New: Article 9\n", "new point 'Article 9' needs its text", 1),
        ("## Nothing to see here\n", "cannot read the heading", 1),
        ("# Only a title\n\nAnd prose.\n", "no point headings found", None),
        ("## Article 2: reject\n\nReason: \u202eevil\n", "bidi control", 3),
    ],
)
def test_mistakes_are_named_with_their_line(text: str, message: str, line: int | None) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_answer(text, outline=OUTLINE, source="answer.md")
    assert message in err.value.message
    if line is not None:
        assert err.value.where == f"answer.md:{line}"


def test_empty_and_oversized_files_are_refused() -> None:
    with pytest.raises(InvalidInput, match="the file is empty"):
        parse_answer(b"  \n", outline=OUTLINE)
    with pytest.raises(InvalidInput, match="the limit is 5 MB"):
        parse_answer(b"#" * (5 * 1024 * 1024 + 1), outline=OUTLINE)


def test_bidi_in_a_heading_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidInput, match="bidi control character U\\+202E"):
        parse_answer("## Article 1\u202e: accept\n", outline=OUTLINE)


@settings(max_examples=40, deadline=None)
@given(drafts(), st.data())
def test_a_filled_template_answers_exactly_the_points_filled(draft: DraftText, data: st.DataObject) -> None:
    points = [(p["eid"], p["label"]) for p in outline(draft)]
    template = to_answer_template("d@v1", draft)
    with pytest.raises(InvalidInput, match="the answer takes no position"):
        parse_answer(template, outline=points)  # an untouched template answers nothing
    chosen = {eid: data.draw(st.sampled_from(POSITIONS)) for eid, _ in points if data.draw(st.booleans())}
    if not chosen:
        chosen[points[0][0]] = "accept"
    filled = template
    for eid, position in chosen.items():
        quote = "\n> Some new text." if position in ("amend", "counter", "clarify") else ""
        filled = filled.replace(f"{{{eid}}}: ?", f"{{{eid}}}: {position}{quote}")
    parsed = parse_answer(filled, outline=points)
    assert {p.eid: p.position for p in parsed.positions} == chosen
    assert set(parsed.left_open) == {eid for eid, _ in points} - set(chosen)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("## Article 1: accept\n\n<p>Reason: we agree</p>\n", "HTML is not part of the answer convention", 3),
        ("## Article 1: amend\n> new text\n> ## Article 2: reject\n", "a heading inside a '> ' quote", 3),
    ],
)
def test_nothing_is_silently_dropped(text: str, message: str, line: int) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_answer(text, outline=OUTLINE, source="a.md")
    assert message in err.value.message and err.value.where == f"a.md:{line}"


def test_a_template_survives_hyphen_runs_in_the_draft() -> None:
    from inwriting.domain.documents import Point

    draft = DraftText("T", "", (Point("art_1", "Article 1", "A ---> B -- C -->"),))
    template = to_answer_template("d@v1", draft)
    filled = template.replace("{art_1}: ?", "{art_1}: accept")
    assert parse_answer(filled, outline=[("art_1", "Article 1")]).positions == (Position("art_1", "accept"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## Article 1: accept\n\n# Article 2 {art_2}: reject\n", "a '#' heading after the first point"),
        ("## Article 2: ?\n> but some text\n", "art_2 is left at '\\?' but has text under it"),
    ],
)
def test_positions_are_never_silently_lost(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_answer(text, outline=OUTLINE)
