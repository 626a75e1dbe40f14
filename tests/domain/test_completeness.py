"""Completeness and the matrix, computed from positions: what counts as answered, which points are
named as unanswered, when a demand is overdue or was answered late, and which rows are contested."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.domain.completeness import Demand, Outline, coverage, recipient_status, version_status
from inwriting.domain.events import PartyId
from inwriting.domain.matrix import BY_PARTS, PROPOSED, UNANSWERED, VersionColumns, build_matrix, cell_for
from inwriting.domain.model import POSITIONS, Answer, Handover, Party, Position

# Article 1 (two paragraphs, the first with two items), Article 2 (text only), Article 3 (two paragraphs)
OUTLINE = Outline.of(
    [
        ("art_1", "Article 1", None),
        ("art_1__para_1", "1.", "art_1"),
        ("art_1__para_1__point_a", "(a)", "art_1__para_1"),
        ("art_1__para_1__point_b", "(b)", "art_1__para_1"),
        ("art_1__para_2", "2.", "art_1"),
        ("art_2", "Article 2", None),
        ("art_3", "Article 3", None),
        ("art_3__para_1", "1.", "art_3"),
        ("art_3__para_2", "2.", "art_3"),
    ]
)
US, RU, NATO, PL = PartyId("US"), PartyId("RU"), PartyId("NATO"), PartyId("PL")


def positions(**taken: str) -> dict[str, Position]:
    return {eid: Position(eid, position) for eid, position in taken.items()}


def handover(
    due: str | None = "2022-01-26", point_by_point: bool = True, to: tuple[PartyId, ...] = (US,)
) -> Handover:
    return Handover("v@v1/h1", "v@v1", "t", RU, to, "2021-12-15", due, point_by_point, None, 5)


def answer(party: PartyId, seq: int, day: str, form: str = "points", **taken: str) -> Answer:
    return Answer(
        f"v@v1/answer/{party}/{seq}",
        "v@v1",
        party,
        day,
        form,
        "sha256:" + "0" * 64,
        tuple(positions(**taken).values()),
        (),
        seq,
    )


def test_nothing_answered_names_whole_articles() -> None:
    result = coverage(OUTLINE, {})
    assert result.unanswered == ("art_1", "art_2", "art_3")
    assert result.covered == 0


def test_position_on_an_article_covers_its_paragraphs() -> None:
    result = coverage(OUTLINE, positions(art_1="accept"))
    assert result.unanswered == ("art_2", "art_3")
    assert result.inherited["art_1__para_1__point_a"] == "art_1"
    assert result.position_of("art_1__para_2") == Position("art_1", "accept")


def test_all_sub_points_answered_answers_the_article() -> None:
    result = coverage(OUTLINE, positions(art_3__para_1="reject", art_3__para_2="noted", art_2="accept"))
    assert "art_3" in result.covered_eids
    assert result.unanswered == ("art_1",)


def test_gaps_are_named_at_the_deepest_level_that_is_partly_answered() -> None:
    result = coverage(
        OUTLINE, positions(art_1__para_1__point_a="accept", art_2="accept", art_3__para_1="defer")
    )
    # art_1: para_1 partly answered (point_b open), para_2 untouched; art_3: para_2 open
    assert result.unanswered == ("art_1__para_1__point_b", "art_1__para_2", "art_3__para_2")


@st.composite
def taken_positions(draw: st.DrawFn) -> dict[str, Position]:
    eids = [eid for eid, _, _ in OUTLINE.points]
    chosen = draw(st.lists(st.sampled_from(eids), unique=True))
    return {eid: Position(eid, draw(st.sampled_from(POSITIONS))) for eid in chosen}


@settings(max_examples=200, deadline=None)
@given(taken_positions())
def test_every_open_leaf_is_named_once_by_itself_or_an_ancestor(taken: dict[str, Position]) -> None:
    result = coverage(OUTLINE, taken)
    parents = {eid: parent for eid, _, parent in OUTLINE.points}
    has_children = {parent for _, _, parent in OUTLINE.points if parent}

    def ancestry(eid: str) -> list[str]:
        chain: list[str] = []
        current: str | None = eid
        while current is not None:
            chain.append(current)
            current = parents[current]
        return chain

    assert not set(result.unanswered) & result.covered_eids
    for eid, _, _ in OUTLINE.points:
        named = [a for a in ancestry(eid) if a in result.unanswered]
        answered = any(a in taken for a in ancestry(eid))
        if eid not in has_children:  # a leaf is either answered or named exactly once
            assert (eid in result.covered_eids) == answered
            assert len(named) == (0 if answered else 1)
    assert (not result.unanswered) == (result.covered == len(OUTLINE.points))


def test_overdue_only_after_the_due_date_and_until_complete() -> None:
    partial = answer(US, 7, "2022-01-20", art_1="accept")
    on_day = recipient_status(US, None, Demand.of([handover()]), None, [partial], OUTLINE, "2022-01-26")
    after = recipient_status(US, None, Demand.of([handover()]), None, [partial], OUTLINE, "2022-01-27")
    assert not on_day.overdue and on_day.state == "partial"
    assert after.overdue and after.state == "overdue"
    rest = answer(US, 9, "2022-02-02", art_2="reject", art_3="counter")
    done = recipient_status(US, None, Demand.of([handover()]), None, [partial, rest], OUTLINE, "2022-03-01")
    assert done.complete and not done.overdue and done.late and done.completed_on == "2022-02-02"


def test_without_point_by_point_any_answer_meets_the_deadline() -> None:
    prose = answer(US, 7, "2022-01-26", form="prose")
    status = recipient_status(
        US, None, Demand.of([handover(point_by_point=False)]), None, [prose], OUTLINE, "2022-03-01"
    )
    assert not status.overdue and not status.late and status.state == "prose"
    assert status.coverage.unanswered == ("art_1", "art_2", "art_3")


def test_no_due_date_is_never_overdue() -> None:
    status = recipient_status(US, None, Demand.of([handover(due=None)]), None, [], OUTLINE, "2030-01-01")
    assert not status.overdue and status.state == "unanswered"


def test_a_later_answer_replaces_an_earlier_position() -> None:
    first = answer(US, 7, "2022-01-20", art_1="accept", art_2="accept", art_3="accept")
    second = answer(US, 9, "2022-01-21", art_2="reject")
    status = recipient_status(US, None, Demand.of([handover()]), None, [second, first], OUTLINE, "2022-01-22")
    assert status.coverage.position_of("art_2") == Position("art_2", "reject")
    assert status.completed_on == "2022-01-20"


def test_alliance_members_inherit_the_alliance_answer_unless_they_answer_themselves() -> None:
    parties = {NATO: Party(NATO, "NATO", "alliance", (US, PL))}
    to_nato = handover(to=(NATO,))
    answers = [
        answer(NATO, 7, "2022-01-26", art_1="reject", art_2="reject"),
        answer(PL, 8, "2022-01-27", art_2="accept", art_3="accept"),
    ]
    rows = version_status("v@v1", [to_nato], [], answers, parties, OUTLINE, "2022-02-01", members=True)
    by_party = {r.party: r for r in rows}
    assert set(by_party) == {NATO, US, PL}
    assert by_party[US].through == NATO and by_party[US].coverage.unanswered == ("art_3",)
    assert by_party[PL].complete and by_party[PL].coverage.position_of("art_2") == Position("art_2", "accept")
    assert by_party[NATO].coverage.position_of("art_2") == Position("art_2", "reject")
    plain = version_status("v@v1", [to_nato], [], answers, parties, OUTLINE, "2022-02-01")
    assert [r.party for r in plain] == [NATO]


def test_matrix_cells_inheritance_and_contested_rows() -> None:
    parties = {NATO: Party(NATO, "NATO", "alliance", (US, PL))}
    to_all = handover(to=(US, PL))
    answers = [
        answer(US, 7, "2022-01-26", art_1="accept", art_3__para_1="accept", art_3__para_2="accept"),
        answer(PL, 8, "2022-01-26", art_1__para_1="accept", art_2="reject"),
    ]
    statuses = version_status("v@v1", [to_all], [], answers, parties, OUTLINE, "2022-02-01")
    grid = build_matrix([VersionColumns("v@v1", RU, OUTLINE, statuses)])
    assert grid.columns == (RU, US, PL)
    rows = {r.eid: r for r in grid.rows}
    assert rows["art_1"].cells == (cell_for(PROPOSED), cell_for("accept"), cell_for(UNANSWERED))
    assert rows["art_1__para_1__point_a"].cells[1:] == (cell_for("accept", True), cell_for("accept", True))
    assert rows["art_3"].cells[1] is cell_for(BY_PARTS)
    assert rows["art_2"].contested and rows["art_2"].unanswered == 1  # PL rejects, US did not answer
    assert not rows["art_1__para_1"].contested
    assert rows["art_1__para_2"].unanswered == 1 and rows["art_1__para_2"].label == "Article 1 2."


def test_a_members_own_position_overrides_its_alliance_whatever_the_order() -> None:
    parties = {NATO: Party(NATO, "NATO", "alliance", (US, PL))}
    own = answer(US, 7, "2022-01-26", art_1="reject")
    later_alliance = answer(NATO, 9, "2022-01-27", art_1="accept", art_2="accept", art_3="accept")
    rows = version_status(
        "v@v1",
        [handover(to=(NATO,))],
        [],
        [own, later_alliance],
        parties,
        OUTLINE,
        "2022-02-01",
        members=True,
    )
    us = next(r for r in rows if r.party == US)
    assert us.coverage.position_of("art_1") == Position("art_1", "reject")
    assert us.complete and us.completed_on == "2022-01-27"


def test_the_strictest_demand_of_several_handovers_binds() -> None:
    lax = Handover("v@v1/h2", "v@v1", "t", RU, (US,), "2022-01-10", None, False, None, 9)
    rows = version_status("v@v1", [handover(), lax], [], [], {}, OUTLINE, "2022-02-01")
    [us] = rows
    assert us.demand.point_by_point and us.demand.due == "2022-01-26" and us.overdue
    assert us.demand.delivered == "2021-12-15" and us.handover.id == "v@v1/h1"
