"""Full-text search on SQLite and PostgreSQL, over the real corpus: words are found in the points of
versions, in answers and in instruments; a party finds nothing in a text it may not see (and finds it
once published, only the published points if only some are); rebuild gives the same results; no query
makes it fail; a point holding every word ranks first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

from inwriting.app import disclosure, drafts, instruments, registry
from inwriting.app import log as log_cases
from inwriting.app import negotiation as neg
from inwriting.app import search as search_cases
from inwriting.app.context import App
from inwriting.app.recorder import submit
from inwriting.app.search import MAX_QUERY, Hit, search
from inwriting.domain import events as ev
from inwriting.domain.events import PartyId
from inwriting.errors import InvalidInput
from inwriting.record.blob import blob_hash, new_salt
from inwriting.storage import search as index
from tests.storage.helpers import make_event, populate
from tests.storage.test_negotiation import fill, key_of, set_today, write

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"  # RU's, 18 points
AGREEMENT = CORPUS / "draft_agreement_nato_ru_2021-12-17.txt"  # RU's, 26 points

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")

T, A = "t@v1", "a@v1"
RU, US, DE, NATO = PartyId("RU"), PartyId("US"), PartyId("DE"), PartyId("NATO")
HOSTILE = (
    '"',
    '""',
    '"heavy bombers',
    "(",
    ")",
    "((security)",
    "*",
    "secur*",
    "NEAR(heavy bombers)",
    "heavy NEAR/2 bombers",
    "-security",
    "security -bombers",
    "body:bombers",
    ":",
    "title: treaty",
    "^security",
    "AND",
    "OR OR",
    "NOT security",
    "security & | ! <-> :* guarantees",
    "'; DROP TABLE versions; --",
    "\x00",
    "a\x00b",
    "Ménage à trois",
    "安全保障",
    "безопасность",
    "🙂 bombers",
    "e\u0301",
    "_",
    "art_4__para_2",
    "x" * MAX_QUERY,
    " ".join(["heavy"] * (MAX_QUERY // 6)),
    "a " * (MAX_QUERY // 2),
)


@pytest.fixture
def record(app: App) -> App:
    """RU's treaty (t@v1, on ru-us) and agreement (a@v1, on nrc), each seen by RU alone so far."""
    populate(app)
    registry.new_key(app, "NATO")
    registry.new_key(app, "DE")
    set_today(app, "2022-01-10")
    drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t")
    drafts.import_draft(app, AGREEMENT, track="nrc", as_party="RU", document="a")
    set_today(app, "2022-01-20")  # hand-overs on the 20th; answers may be dated the 20th
    return app


def where(hits: list[Hit]) -> list[tuple[str, str | None]]:
    """Where the hits holding every word are (those holding only some follow them)."""
    return [(h.text, h.eid) for h in hits if h.complete]


def test_finds_words_in_the_points_and_preambles_of_versions(record: App) -> None:
    [hit] = search(record, "heavy bombers", viewer=None)  # "heavy" is nowhere else
    assert (hit.text, hit.kind, hit.eid, hit.label) == (T, "version", "art_5__para_2", None)  # unnumbered
    assert hit.title.startswith("Treaty between The United States of America and the Russian Federation")
    assert "heavy bombers" in hit.snippet and hit.complete
    assert "<" not in hit.snippet and len(hit.snippet) <= 300
    assert where(search(record, "eastward expansion", viewer=RU)) == [(T, "art_4__para_1")]
    assert (T, None) in where(search(record, "guarantee", viewer=RU))  # the title, stemmed alike on both
    helsinki = where(search(record, "Helsinki", viewer=None))
    assert sorted(helsinki) == [(A, None), (T, None)]  # both preambles
    assert where(search(record, "hotlines", viewer=RU)) == [(A, "art_2__para_3")]
    assert search(record, "Article 4", viewer=RU)[0].label == "Article 4"  # labels are searched too


def test_a_party_sees_no_hit_in_a_text_not_addressed_to_it(record: App) -> None:
    for party in (US, DE, NATO):
        assert search(record, "heavy bombers", viewer=party) == []
        assert search(record, "Helsinki", viewer=party) == []
    neg.handover(record, T, to=["US"])
    assert where(search(record, "heavy bombers", viewer=US)) == [(T, "art_5__para_2")]
    assert where(search(record, "Helsinki", viewer=US)) == [(T, None)]  # not the agreement's
    assert search(record, "heavy bombers", viewer=DE) == []
    neg.handover(record, A, to=["NATO"])
    assert where(search(record, "hotlines", viewer=DE)) == [(A, "art_2__para_3")]  # a member of NATO
    assert search(record, "hotlines", viewer=US) != []  # so is the US
    assert search(record, "hotlines", viewer=PartyId("PL")) != []
    assert search(record, "hotlines", viewer=RU) != []


def test_published_points_only_are_found_by_outsiders(record: App) -> None:
    disclosure.publish(record, T, as_party="RU", points=["art_4"])
    found = where(search(record, "States", viewer=DE, limit=500))
    assert found and {eid for _, eid in found} <= {"art_4", "art_4__para_1", "art_4__para_2"}
    assert {text for text, _ in found} == {T}
    assert (T, "art_4__para_2") in where(search(record, "military bases", viewer=DE))
    assert search(record, "heavy bombers", viewer=DE) == []  # art_5 is not published
    assert search(record, "Helsinki", viewer=DE) == []  # nor is the preamble
    titled = search(record, "Treaty security guarantees", viewer=DE)
    assert titled and all(h.eid is not None for h in titled)  # nor the title
    disclosure.publish(record, T, as_party="RU")
    assert where(search(record, "heavy bombers", viewer=DE)) == [(T, "art_5__para_2")]
    assert where(search(record, "Helsinki", viewer=DE)) == [(T, None)]


def test_hidden_hits_neither_show_nor_count(record: App) -> None:
    neg.handover(record, T, to=["US"])
    every = search(record, "military security Parties", viewer=None, limit=500)
    assert {h.text for h in every} == {T, A}
    for limit in (1, 3, 10):
        expected = [h for h in every if h.text == T][:limit]
        assert search(record, "military security Parties", viewer=US, limit=limit) == expected


def test_ranking_puts_a_point_with_every_word_first(record: App) -> None:
    hits = search(record, "military bombers", viewer=RU, limit=500)
    assert where(hits)[0] == (T, "art_5__para_2")  # the one point with both words
    assert hits[0].complete and not any(h.complete for h in hits[1:])
    assert len({(h.text, h.eid) for h in hits}) == len(hits) > 10  # points with "military" follow
    # "military" three times in art_4__para_2 does not outrank the point holding both words
    assert (T, "art_4__para_2") in [(h.text, h.eid) for h in hits[1:]]


def test_answers_are_found_by_those_who_may_read_them(record: App, tmp_path: Path) -> None:
    neg.handover(record, T, to=["US"], point_by_point=True)
    template = neg.answer_template(record, T, viewer=US)
    answer = (
        fill(
            template,
            {
                "art_4__para_1": ("amend", "The Parties shall discuss an open door in Vienna.", None),
                "art_5__para_2": ("reject", None, "Bomber flights are routine and transparent."),
            },
        )
        + "\n## New: Article 9\n\n> This Treaty shall be registered with the Secretariat.\n"
    )
    neg.answer(record, T, as_party="US", file=write(tmp_path, "us.md", answer), date="2022-01-20")
    aid = f"{T}/answer/US/1"
    for party in (None, US, RU):
        hits = search(record, "open door Vienna", viewer=party)
        assert [(h.text, h.kind, h.eid, h.label) for h in hits if h.complete] == [
            (aid, "answer", "art_4__para_1", None)
        ]
        assert hits[0].title.startswith("Answer by US: Treaty between")
    assert where(search(record, "routine bomber flights", viewer=RU)) == [(aid, "art_5__para_2")]
    assert where(search(record, "Secretariat", viewer=US)) == [(aid, None)]  # the proposal
    assert search(record, "Secretariat", viewer=US)[0].label == "Article 9"
    for party in (DE, NATO):
        assert where(search(record, "open door Vienna", viewer=party)) == []
        assert search(record, "Secretariat", viewer=party) == []
    neg.handover(record, A, to=["NATO"])
    letter = write(
        tmp_path,
        "n.txt",
        "Dear Minister,\n\nThe Alliance rejects any veto on enlargement.\n\nYours, the Secretary General.\n",
    )
    neg.answer(record, A, as_party="NATO", file=letter, prose=True, date="2022-01-20")
    nato = f"{A}/answer/NATO/1"
    assert where(search(record, "veto enlargement", viewer=RU)) == [(nato, None)]  # prose, by paragraph
    assert "veto on enlargement" in search(record, "veto enlargement", viewer=DE)[0].snippet  # a member
    assert search(record, "veto enlargement", viewer=US) != []  # the US is a member too
    assert search(record, "veto enlargement", viewer=PartyId("XX")) == []
    disclosure.publish(record, aid, as_party="US")
    assert where(search(record, "open door Vienna", viewer=DE)) == [(aid, "art_4__para_1")]


def test_instruments_are_found_as_their_text_is_seen(app: App) -> None:
    populate(app)
    registry.new_key(app, "DE")
    set_today(app, "2022-03-01")
    drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t", audience="track")
    iid, _ = instruments.create(app, version=T, kind="treaty", as_party="RU", date="2022-01-10")
    for party in (None, RU, US):
        hits = search(app, "heavy bombers", viewer=party)
        assert sorted((h.kind, h.text, h.eid) for h in hits) == [
            ("instrument", iid, "art_5__para_2"),
            ("version", T, "art_5__para_2"),
        ]
        titled = [h for h in search(app, "Helsinki", viewer=party) if h.kind == "instrument"]
        assert [(h.eid, h.title.startswith("Treaty between")) for h in titled] == [(None, True)]
    assert search(app, "heavy bombers", viewer=DE) == []


def test_rebuild_gives_the_same_results(record: App, tmp_path: Path) -> None:
    neg.handover(record, T, to=["US"])
    template = neg.answer_template(record, T, viewer=US)
    said = {"art_2": ("reject", None, "International organizations decide for themselves.")}
    file = write(tmp_path, "us.md", fill(template, said))
    neg.answer(record, T, as_party="US", file=file, date="2022-01-20")
    disclosure.publish(record, A, as_party="RU", points=["art_1"])
    queries = ("security", "military bombers", "organizations decide", "Helsinki Charter", "Article")
    viewers = (None, RU, US, DE)
    before = {(q, v): search(record, q, viewer=v, limit=500) for q in queries for v in viewers}
    with record.store.read() as conn:
        rows = index.count(conn)
    log_cases.rebuild(record)
    with record.store.read() as conn:
        assert index.count(conn) == rows > 40
    assert {(q, v): search(record, q, viewer=v, limit=500) for q in queries for v in viewers} == before
    assert any(before[("security", v)] for v in viewers)


def test_an_unreadable_or_odd_text_is_indexed_as_far_as_it_goes(app: App) -> None:
    """A party's machine may store a version text the importers would never write: the append still
    succeeds, and what can be read is found (no NUL, lone surrogate or non-JSON stops it)."""
    populate(app)
    key = key_of(app, "RU")
    odd = {
        "title": "Odd\x00title",
        "preamble": "A preamble with a lone \ud800 surrogate and the word quokka.",
        "points": [
            {"eid": "art_1", "label": "1", "heading": None, "text": "Nul\x00here wombat", "children": []}
        ],
        "notes": [],
        "source_header": [],
    }
    for number, content in ((1, b"not json at all"), (2, json.dumps(odd).encode())):
        salt = new_salt()
        digest = blob_hash(salt, content)
        body = {
            "document": "odd",
            "version": f"odd@v{number}",
            "kind": "treaty",
            "title": "Odd",
            "based_on": None,
            "content": digest,
            "outline": [{"eid": "art_1", "label": "1"}],
            "audience": "author",
            "audience_parties": [],
        }
        signed = make_event(app, "RU", key, ev.VERSION_CREATED, body, track="ru-us")
        submit(app, signed.event_bytes, signed.signature, [(salt, drafts.MEDIA_TYPE, content)])
    assert where(search(app, "quokka", viewer=RU)) == [("odd@v2", None)]
    assert where(search(app, "wombat", viewer=RU)) == [("odd@v2", "art_1")]
    assert search(app, "wombat", viewer=US) == []


def test_the_index_is_where_the_migration_put_it(record: App) -> None:
    names = set(inspect(record.store.engine).get_table_names())
    assert index.TABLE in names
    with record.store.read() as conn:
        assert index.count(conn) == 2 + 18 + 26  # two heads and every point


def test_hostile_queries_never_fail(record: App) -> None:
    for query in HOSTILE:
        hits = search(record, query, viewer=RU)
        assert all(isinstance(h, Hit) and h.text in (T, A) for h in hits), query
    near = search(record, "NEAR(heavy bombers)", viewer=RU)  # three plain words, "near" found nowhere
    assert (near[0].text, near[0].eid, near[0].complete) == (T, "art_5__para_2", False)
    assert where(search(record, '"heavy bombers', viewer=RU)) == [(T, "art_5__para_2")]


def test_empty_or_overlong_queries_and_odd_limits_are_refused(record: App) -> None:
    for query in ("", "   ", "x" * (MAX_QUERY + 1)):
        with pytest.raises(InvalidInput):
            search(record, query, viewer=RU)
    for limit in (0, -1, 10_000):
        with pytest.raises(InvalidInput):
            search(record, "security", viewer=RU, limit=limit)
    assert search(record, "((( ))) * : -", viewer=RU) == []  # no word at all


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.lists(
        st.one_of(
            st.sampled_from([*"\"()*:-^+~&|!<>{}[],.;'\\/_ \t\n", "NEAR", "AND", "OR", "NOT", "bombers"]),
            st.characters(),
        ),
        max_size=60,
    ).map("".join)
)
@example(query='NEAR("heavy" "bombers", 2)')
@example(query='"security" OR')
def test_no_query_makes_search_fail(record: App, query: str) -> None:
    query = query[:MAX_QUERY]
    if not query.strip():
        with pytest.raises(InvalidInput):
            search(record, query, viewer=US)
        return
    assert search(record, query, viewer=US) == []  # US sees nothing yet
    for hit in search(record, query, viewer=RU, limit=5):
        assert hit.text in (T, A) and len(hit.snippet) <= 300


def test_a_party_that_sees_little_gets_the_same_hits_by_the_shorter_way(
    record: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a threshold of invisible candidates, search lists the viewer's texts and ranks within
    them; the hits are the same as reading on would give (thresholds lowered to take that way here)."""
    neg.handover(record, T, to=["US"])
    disclosure.publish(record, A, as_party="RU", points=["art_1", "art_2"])
    queries = ("security", "military Parties", "Helsinki Charter", "States territory", "xylophone")
    cases = [(q, v, n) for q in queries for v in (None, RU, US, DE, PartyId("PL")) for n in (1, 3, 50)]
    usual = [search(record, q, viewer=v, limit=n) for q, v, n in cases]
    monkeypatch.setattr(search_cases, "FIRST", 1)
    monkeypatch.setattr(search_cases, "SCARCE_AFTER", 1)
    monkeypatch.setattr(search_cases, "SCARCE", 10**6)
    assert [search(record, q, viewer=v, limit=n) for q, v, n in cases] == usual
    assert any(usual) and not all(usual)
