"""Redlines: point matching across renumbering and moves, word diffs, stable eIds; examples written
by hand, the corpus drafts against themselves, and property tests over generated drafts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.domain.redline import (
    EID_PATTERN,
    PointChange,
    Redline,
    WordDiff,
    carry_eids,
    interleave,
    match_points,
    redline,
    redline_to_json,
    word_diff,
)
from inwriting.errors import InvalidInput
from inwriting.importers.text import parse_text
from tests.importers.strategies import drafts, sentences

CORPUS = Path("/work/shared/corpus")

THIRD = [
    "Nothing in this Treaty affects the rights of third States.",
    "The Parties shall consult each other in case of doubt about this Article.",
]
# Article bodies by name: a str is the article's own text, a list its numbered paragraphs.
BODY: dict[str, str | list[str]] = {
    "scope": "The Parties shall cooperate on the basis of equal and indivisible security.",
    "notify": "Each Party shall notify the other of exercises involving more than 5,000 troops.",
    "third": THIRD,
    "bases": "Neither Party shall establish military bases in the territory of the former republics.",
    "force": "This Treaty enters into force on the date of the last ratification notice.",
    "hotline": "The Parties shall keep a direct telephone line between their capitals at all times.",
    "missiles": "Neither Party shall deploy intermediate-range missiles outside its territory.",
}


def article(number: int, body: str | list[str]) -> Point:
    eid = f"art_{number}"
    if isinstance(body, str):
        return Point(eid, f"Article {number}", body)
    paras = tuple(Point(f"{eid}__para_{n}", f"{n}.", text) for n, text in enumerate(body, 1))
    return Point(eid, f"Article {number}", "", None, paras)


def draft(*names: str, bodies: dict[str, str | list[str]] = BODY) -> DraftText:
    """A draft whose articles are numbered by position, as an importer would number them."""
    points = tuple(article(n, bodies[name]) for n, name in enumerate(names, 1))
    return DraftText("Treaty on security", "The Parties have agreed as follows:", points)


def by_new(r: Redline) -> dict[str, PointChange]:
    return {c.new_eid: c for c in r.points if c.new_eid is not None}


def ops(words: tuple[WordDiff, ...]) -> list[tuple[str, str]]:
    return [(w.op, w.text) for w in words]


# ---- word diffs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "The Parties shall cooperate on the basis of equal security.",
            "The Parties shall cooperate on the basis of equal and indivisible security.",
            [
                ("equal", "The Parties shall cooperate on the basis of equal"),
                ("insert", " and indivisible"),
                ("equal", " security."),
            ],
        ),
        (
            "Each Party shall notify the other.",
            "Each Party shall inform the other.",
            [
                ("equal", "Each Party shall "),
                ("delete", "notify"),
                ("insert", "inform"),
                ("equal", " the other."),
            ],
        ),
        (  # cleanupSemantic joins "not", " " and "deploy" into one replaced phrase
            "The Parties shall not deploy forces.",
            "The Parties shall refrain from deploying forces.",
            [
                ("equal", "The Parties shall "),
                ("delete", "not deploy"),
                ("insert", "refrain from deploying"),
                ("equal", " forces."),
            ],
        ),
        ("a, b", "a; b", [("equal", "a"), ("delete", ","), ("insert", ";"), ("equal", " b")]),
        ("", "new text", [("insert", "new text")]),
        ("old text", "", [("delete", "old text")]),
        ("same", "same", [("equal", "same")]),
        ("", "", []),
    ],
)
def test_word_diff(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert ops(word_diff(old, new)) == expected


def test_word_diff_keeps_whole_words() -> None:
    """A changed word is replaced whole, never character by character ("notify" -> "nullify")."""
    assert ops(word_diff("to notify them", "to nullify them")) == [
        ("equal", "to "),
        ("delete", "notify"),
        ("insert", "nullify"),
        ("equal", " them"),
    ]


# ---- matching and redlines ------------------------------------------------------------------------


def test_inserted_article_renumbers_the_rest_without_removing_them() -> None:
    old = draft("scope", "notify", "third", "bases", "force")
    new = draft("scope", "hotline", "notify", "third", "bases", "force")
    assert match_points(old, new) == {
        "art_1": "art_1",
        "art_3": "art_2",
        "art_4": "art_3",
        "art_4__para_1": "art_3__para_1",
        "art_4__para_2": "art_3__para_2",
        "art_5": "art_4",
        "art_6": "art_5",
    }
    r = redline(old, new)
    assert [(c.status, c.old_label, c.new_label, c.renumbered, c.moved) for c in r.points] == [
        ("unchanged", "Article 1", "Article 1", False, False),
        ("added", None, "Article 2", False, False),
        ("unchanged", "Article 2", "Article 3", True, False),
        ("unchanged", "Article 3", "Article 4", True, False),
        ("unchanged", "1.", "1.", True, False),  # same label, but the eId moved with its article
        ("unchanged", "2.", "2.", True, False),
        ("unchanged", "Article 4", "Article 5", True, False),
        ("unchanged", "Article 5", "Article 6", True, False),
    ]
    assert r.summary.added == 1 and r.summary.removed == 0 and r.summary.renumbered == 6


def test_word_change_inside_a_renumbered_paragraph() -> None:
    promptly = "The Parties shall promptly consult each other in case of doubt about this Article."
    bodies = dict(BODY, third2=[THIRD[0], promptly])
    old = draft("scope", "notify", "third", "bases")
    new = draft("hotline", "scope", "notify", "third2", "bases", bodies=bodies)
    change = by_new(redline(old, new))["art_4__para_2"]
    assert (change.status, change.old_eid, change.renumbered) == ("changed", "art_3__para_2", True)
    assert ops(change.words) == [
        ("equal", "The Parties shall"),
        ("insert", " promptly"),
        ("equal", " consult each other in case of doubt about this Article."),
    ]


def test_edited_articles_are_matched_across_renumbering() -> None:
    """Every paragraph edited and the articles renumbered: the edits still pair up in place."""
    bodies = {
        "a": ["The Parties shall cooperate closely.", "Each Party shall notify the other."],
        "b": ["Neither Party shall station forces abroad.", "Both Parties shall report annually."],
        "a2": ["The Parties shall cooperate very closely.", "Each Party shall promptly notify the other."],
        "b2": ["Neither Party shall station any forces abroad.", "Both Parties shall report every year."],
        "new": ["A hotline is hereby established between the capitals."],
    }
    r = redline(draft("a", "b", bodies=bodies), draft("new", "a2", "b2", bodies=bodies))
    pairs = [(c.old_eid, c.new_eid, c.status) for c in r.points]
    assert pairs == [
        (None, "art_1", "added"),
        (None, "art_1__para_1", "added"),
        ("art_1", "art_2", "unchanged"),
        ("art_1__para_1", "art_2__para_1", "changed"),
        ("art_1__para_2", "art_2__para_2", "changed"),
        ("art_2", "art_3", "unchanged"),
        ("art_2__para_1", "art_3__para_1", "changed"),
        ("art_2__para_2", "art_3__para_2", "changed"),
    ]


def test_moved_article() -> None:
    old = draft("scope", "notify", "third", "bases", "force")
    new = draft("scope", "bases", "notify", "third", "force")
    r = redline(old, new)
    moved = [(c.old_eid, c.new_eid) for c in r.points if c.moved]
    assert moved == [("art_4", "art_2")]
    assert r.summary.moved == 1 and r.summary.added == r.summary.removed == 0
    assert all(c.status == "unchanged" for c in r.points)
    # Reading the interleaved sequence one side at a time gives each version's order.
    sides = interleave(r)
    assert [c.old_eid for s, c in sides if s != "new"] == [p.eid for p in old.walk()]
    assert [c.new_eid for s, c in sides if s != "old"] == [p.eid for p in new.walk()]


def test_paragraph_moved_to_another_article() -> None:
    bodies = dict(BODY, third1=THIRD[:1], third2=[THIRD[1], "Neither Party shall station forces abroad."])
    r = redline(draft("scope", "third"), draft("scope", "third1", "third2", bodies=bodies))
    change = by_new(r)["art_3__para_1"]
    assert (change.old_eid, change.moved, change.status) == ("art_2__para_2", True, "unchanged")


def test_added_and_removed_points_keep_their_places() -> None:
    old = draft("scope", "notify", "third", "force")
    new = draft("scope", "third", "missiles", "force")
    r = redline(old, new)
    assert [(c.status, c.old_eid, c.new_eid) for c in r.points] == [
        ("unchanged", "art_1", "art_1"),
        ("removed", "art_2", None),  # after its old predecessor, Article 1
        ("unchanged", "art_3", "art_2"),
        ("unchanged", "art_3__para_1", "art_2__para_1"),
        ("unchanged", "art_3__para_2", "art_2__para_2"),
        ("added", None, "art_3"),
        ("unchanged", "art_4", "art_4"),
    ]
    removed = r.points[1]
    assert ops(removed.words) == [("delete", BODY["notify"])]
    assert ops(r.points[5].words) == [("insert", BODY["missiles"])]


def test_removed_article_with_its_paragraphs_first() -> None:
    r = redline(draft("third", "scope"), draft("scope"))
    assert [(c.status, c.old_eid) for c in r.points] == [
        ("removed", "art_1"),
        ("removed", "art_1__para_1"),
        ("removed", "art_1__para_2"),
        ("unchanged", "art_2"),
    ]


def test_title_preamble_and_headings() -> None:
    old = draft("scope", "notify")
    new = replace(
        old,
        title="Treaty on security guarantees",
        preamble="The Parties, desiring peace, have agreed as follows:",
        points=(replace(old.points[0], heading="Scope"), old.points[1]),
    )
    r = redline(old, new)
    assert ops(r.title_words) == [("equal", "Treaty on security"), ("insert", " guarantees")]
    assert ops(r.preamble_words) == [
        ("equal", "The Parties"),
        ("insert", ", desiring peace,"),
        ("equal", " have agreed as follows:"),
    ]
    first = r.points[0]
    assert (first.status, ops(first.heading_words)) == ("changed", [("insert", "Scope")])


@pytest.mark.parametrize(
    "name", ["draft_treaty_us_ru_2021-12-17.txt", "draft_agreement_nato_ru_2021-12-17.txt"]
)
def test_corpus_draft_against_itself(name: str) -> None:
    text = parse_text((CORPUS / name).read_bytes(), source=name)
    r = redline(text, text)
    assert len(r.points) == sum(1 for _ in text.walk())
    assert {c.status for c in r.points} == {"unchanged"}
    assert not any(c.moved or c.renumbered for c in r.points)
    assert all(c.old_eid == c.new_eid for c in r.points)
    assert ops(r.title_words) == [("equal", text.title)]


def test_corpus_drafts_against_each_other_keep_the_laws() -> None:
    us_ru = parse_text((CORPUS / "draft_treaty_us_ru_2021-12-17.txt").read_bytes())
    nato_ru = parse_text((CORPUS / "draft_agreement_nato_ru_2021-12-17.txt").read_bytes())
    check_laws(us_ru, nato_ru)


def test_redline_to_json() -> None:
    r = redline(draft("scope", "notify"), draft("hotline", "scope"))
    data = redline_to_json(r)
    assert list(data) == ["old", "new", "title_diff", "preamble_diff", "summary", "points"]
    counts = {"unchanged": 1, "changed": 0, "added": 1, "removed": 1, "moved": 0, "renumbered": 1}
    assert data["summary"] == counts
    assert data["points"][0] == {
        "status": "added",
        "old_eid": None,
        "new_eid": "art_1",
        "old_label": None,
        "new_label": "Article 1",
        "moved": False,
        "renumbered": False,
        "heading_diff": [],
        "diff": [["insert", BODY["hotline"]]],
    }
    assert [p["status"] for p in data["points"]] == ["added", "unchanged", "removed"]


def test_match_points_refuses_duplicate_eids() -> None:
    twice = DraftText("T", "", (Point("art_1", "Article 1", "a"), Point("art_1", "Article 1", "b")))
    with pytest.raises(InvalidInput):
        match_points(twice, twice)


# ---- stable eIds ----------------------------------------------------------------------------------


def test_carry_eids_through_an_inserted_article() -> None:
    old = draft("scope", "notify", "third")
    new = draft("scope", "hotline", "notify", "third")
    carried = carry_eids(old, new)
    assert [(p.eid, p.label) for p in carried.walk()] == [
        ("art_1", "Article 1"),
        ("art_2n1", "Article 2"),  # new; "art_2" is still the id of the article now printed as 3
        ("art_2", "Article 3"),
        ("art_3", "Article 4"),
        ("art_3__para_1", "1."),
        ("art_3__para_2", "2."),
    ]
    # Carrying again from the carried version changes nothing: the ids are stable.
    assert carry_eids(carried, carried) == carried


def test_carry_eids_new_child_follows_its_parent() -> None:
    bodies = dict(BODY, third3=[*THIRD, "The Parties shall meet once a year."])
    carried = carry_eids(draft("scope", "third"), draft("hotline", "scope", "third3", bodies=bodies))
    assert [p.eid for p in carried.walk()] == [
        "art_1n1",
        "art_1",
        "art_2",
        "art_2__para_1",
        "art_2__para_2",
        "art_2__para_3",  # unmatched: derived art_3__para_3, re-prefixed under its parent's eId
    ]


def test_carry_eids_remaps_amendments() -> None:
    new = replace(draft("hotline", "scope"), amendments=(Amendment("art_2", "changed text", "A", "2021"),))
    carried = carry_eids(draft("scope"), new)
    assert carried.amendments == (Amendment("art_1", "changed text", "A", "2021"),)


# ---- properties -----------------------------------------------------------------------------------


def renumber(points: list[Point]) -> tuple[Point, ...]:
    """Number articles by position, as an importer would after an edit; children follow."""

    def rename(point: Point, old: str, new: str) -> Point:
        children = tuple(rename(c, old, new) for c in point.children)
        return replace(point, eid=new + point.eid[len(old) :], children=children)

    return tuple(replace(rename(p, p.eid, f"art_{n}"), label=f"Article {n}") for n, p in enumerate(points, 1))


@st.composite
def edited(draw: st.DrawFn) -> tuple[DraftText, DraftText]:
    """A draft and a later version: articles inserted, removed, swapped and words changed."""
    old = draw(drafts())
    points = list(old.points)
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["insert", "remove", "swap", "edit"]))
        k = draw(st.integers(0, max(len(points) - 1, 0)))
        if action == "insert":
            points.insert(k, Point("art_0", "Article 0", draw(sentences())))
        elif action == "remove" and len(points) > 1:
            del points[k]
        elif action == "swap" and k + 1 < len(points):
            points[k], points[k + 1] = points[k + 1], points[k]
        elif action == "edit" and points:
            point, extra = points[k], " " + draw(sentences(3))
            if point.children:
                last = replace(point.children[-1], text=point.children[-1].text + extra)
                points[k] = replace(point, children=(*point.children[:-1], last))
            else:
                points[k] = replace(point, text=point.text + extra)
    return old, replace(old, points=renumber(points))


def check_laws(old: DraftText, new: DraftText) -> Redline:
    r = redline(old, new)
    old_points = {p.eid: p for p in old.walk()}
    new_points = {p.eid: p for p in new.walk()}
    for c in r.points:
        if c.old_eid is not None:
            point = old_points[c.old_eid]
            assert "".join(w.text for w in c.words if w.op != "insert") == point.text
            assert "".join(w.text for w in c.heading_words if w.op != "insert") == (point.heading or "")
        if c.new_eid is not None:
            point = new_points[c.new_eid]
            assert "".join(w.text for w in c.words if w.op != "delete") == point.text
            assert "".join(w.text for w in c.heading_words if w.op != "delete") == (point.heading or "")
        if c.old_eid is not None and c.new_eid is not None:
            assert (c.status == "unchanged") == all(w.op == "equal" for w in (*c.words, *c.heading_words))
        assert (c.status == "added") == (c.old_eid is None)
        assert (c.status == "removed") == (c.new_eid is None)
    # Every point appears exactly once; new points in the new document's order.
    assert sorted(c.old_eid for c in r.points if c.old_eid is not None) == sorted(old_points)
    assert [c.new_eid for c in r.points if c.new_eid] == list(new_points)
    assert "".join(w.text for w in r.title_words if w.op != "delete") == new.title
    assert "".join(w.text for w in r.preamble_words if w.op != "insert") == old.preamble
    sides = interleave(r)
    assert [c.old_eid for s, c in sides if s != "new"] == list(old_points)
    assert [c.new_eid for s, c in sides if s != "old"] == list(new_points)
    return r


@settings(max_examples=60, deadline=None)
@given(drafts(), drafts())
def test_laws_for_unrelated_drafts(old: DraftText, new: DraftText) -> None:
    check_laws(old, new)


@settings(max_examples=60, deadline=None)
@given(edited())
def test_laws_for_edited_drafts(pair: tuple[DraftText, DraftText]) -> None:
    check_laws(*pair)


@settings(max_examples=40, deadline=None)
@given(drafts())
def test_a_draft_against_itself_is_unchanged(text: DraftText) -> None:
    r = redline(text, text)
    assert all(c.status == "unchanged" and c.old_eid == c.new_eid for c in r.points)
    assert not any(c.moved or c.renumbered for c in r.points)
    assert len(r.points) == sum(1 for _ in text.walk())


@settings(max_examples=60, deadline=None)
@given(edited())
def test_carry_eids_keeps_ids_unique_and_unchanged_points_ids(pair: tuple[DraftText, DraftText]) -> None:
    old, new = pair
    carried = carry_eids(old, new)
    eids = [p.eid for p in carried.walk()]
    assert len(set(eids)) == len(eids)
    assert all(EID_PATTERN.fullmatch(eid) for eid in eids)
    # Only eIds change: labels, texts and structure are the new version's.
    strip = [replace(p, eid="", children=()) for p in new.walk()]
    assert [replace(p, eid="", children=()) for p in carried.walk()] == strip
    position = {p.eid: k for k, p in enumerate(new.walk())}
    parent_of: dict[str, str] = {}
    for point in carried.walk():
        for child in point.children:
            parent_of[child.eid] = point.eid
            assert child.eid.startswith(point.eid + "__")  # an eId always extends its parent's
    for c in redline(old, new).points:
        if c.status == "unchanged" and c.new_eid is not None and c.old_eid is not None:
            kept = eids[position[c.new_eid]]
            if kept != c.old_eid:  # only a point now under another parent may change its id
                assert parent_of.get(kept) != c.old_eid.rpartition("__")[0]
