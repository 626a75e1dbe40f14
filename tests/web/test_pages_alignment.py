"""The page that reads an answer given in prose against the points it answers, through HTTP, on SQLite
and PostgreSQL: each paragraph beside the points it seems to address and the position it seems to
take (its carrying sentence marked), the points none addresses; decisions recorded from the form and
then shown confirmed, on the page and wherever the answer's status is shown; form errors that keep
the input and write nothing; cross-site POSTs refused; an unseen answer not found in the words of a
missing one; a third party that reads the answer but may not confirm it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from inwriting.app import disclosure
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from tests.storage.helpers import log_size
from tests.web.test_pages import hand_over, login, post, record, rows, web

__all__ = ["record", "web"]  # the fixtures, shared

ANSWER = "t@v1/answer/US/1"
URL = f"/answers/{ANSWER}/alignment"
PROSE = """Reply of the United States

The United States accepts Article 1 and will cooperate.

We cannot accept Article 2 as drafted: the Parties should not be barred from deploying.

We welcome the proposal that the Parties shall consult, and would consult often.

Thank you for the draft.
"""
CONFIRMED = "answered in prose, confirmed by US (sherman)"


@pytest.fixture
def prose(record: App, tmp_path: Path) -> App:
    """RU's treaty t@v1 handed to the US, which answered it in prose (5 paragraphs, 1 a heading)."""
    hand_over(record)
    path = tmp_path / "reply.txt"
    path.write_text(PROSE, encoding="utf-8")
    got = neg.answer(record, "t@v1", as_party="US", file=path, prose=True, delegate="sherman")
    assert got.answer == ANSWER
    return record


def paragraph(page: str, n: int) -> str:
    """The HTML of paragraph n's row."""
    found = re.search(rf'<tr [^>]*data-testid="paragraph" data-paragraph="{n}".*?</tr>', page, re.S)
    assert found is not None, n
    return found[0]


def attr(tag: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', tag)
    assert found is not None, (tag, name)
    return found[1]


def texts_of(page: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', page)


def test_the_page_shows_each_paragraph_beside_its_suggested_reading(web: TestClient, prose: App) -> None:
    login(web, "US")
    response = web.get(URL)
    assert response.status_code == 200, response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    page = response.text
    assert 'src="/static/alignment.js"' in page and "<script>" not in page and "style=" not in page
    tags = rows(page, "paragraph")
    assert [attr(t, "data-heading") for t in tags] == ["true", "false", "false", "false", "false"]
    assert "Reply of the United States" in paragraph(page, 1)

    accepted = paragraph(page, 2)
    assert [attr(t, "data-eid") for t in rows(accepted, "suggested-point")] == ["art_1"]
    assert "named" in accepted and 'data-position="accept"' in accepted
    assert texts_of(accepted, "carrying-sentence") == [
        "The United States accepts Article 1 and will cooperate."
    ]
    consult = paragraph(page, 4)
    assert [attr(t, "data-eid") for t in rows(consult, "suggested-point")] == [
        "art_2__para_2",
        "art_2",
    ]
    scores = re.findall(r'class="small score">([^<]*)<', consult)  # the engine's similarity, not named
    assert len(scores) == 2 and all(re.fullmatch(r"0\.\d\d", x) for x in scores) and scores[0] > scores[1]
    assert re.search(r"confidence 0\.\d\d", consult)
    assert "addresses no point" in paragraph(page, 5)
    assert texts_of(page, "unanswered-point") == ["Article 3"]
    assert texts_of(page, "reading-summary") == ["answered in prose, not confirmed"]
    assert texts_of(page, "undecided") == ["not confirmed"] * 4
    assert 'data-testid="alignment-form"' in page and 'data-testid="cannot-confirm"' not in page
    # every point of the version may be chosen, by its printed label
    options = re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', paragraph(page, 3))
    assert ("art_2__para_1", "Article 2 1.") in options and ("art_3", "Article 3") in options


def test_the_form_records_decisions_and_the_status_says_who_confirmed(web: TestClient, prose: App) -> None:
    login(web, "US")
    size = log_size(prose)
    form = {
        "engine": "tfidf",
        "decision:2": "keep",
        "decision:3": "change",
        "points:3": ["art_2__para_1"],
        "position:3": "reject",
        "decision:4": "drop",
        "points:4": ["art_2__para_2", "art_2"],  # sent, as the form always does; not a change, so ignored
        "decision:5": "",
        "date": "",
        "step": "record",
    }
    done = post(web, URL, form)
    assert done.status_code == 303, done.text
    assert log_size(prose) == size + 1
    assert done.headers["location"] == f"/answers/{ANSWER}/alignment?recorded={size}"

    page = web.get(done.headers["location"]).text
    [recorded] = rows(page, "alignment-recorded")
    assert f'data-event="{size}"' in recorded and CONFIRMED in page
    assert texts_of(page, "reading-summary") == [CONFIRMED]
    assert [attr(t, "data-confirmed") for t in rows(page, "paragraph")[1:]] == [
        "keep",
        "change",
        "drop",
        "",
    ]
    assert texts_of(paragraph(page, 3), "confirmed-point") == ["Article 2 1."]
    assert 'data-position="reject"' in paragraph(page, 3).split('data-testid="confirmed"')[1]
    assert "by US (sherman)" in paragraph(page, 2)
    still = re.search(r'data-testid="unanswered-confirmed">.*?</div>', page, re.S)
    assert still is not None and re.findall(r'data-eid="(\w+)"', still[0]) == ["art_2__para_2", "art_3"]

    # the record: Article 1 accepted, paragraph 1 of Article 2 rejected, the rest unanswered
    [us] = neg.status(prose, "t@v1")
    assert {eid: p.position for eid, p in us.coverage.positions.items()} == {
        "art_1": "accept",
        "art_2__para_1": "reject",
    }
    assert us.coverage.unanswered == ("art_2__para_2", "art_3")

    # the status, where it is shown, says so and leads to the page
    for url in ("/versions/t@v1", "/versions/t@v1/answers/US", "/"):
        shown = web.get(url).text
        assert CONFIRMED in shown and f'href="/answers/{ANSWER}/alignment"' in shown, url
    [owed] = rows(web.get("/").text, "owed-prose")
    assert f'data-answer="{ANSWER}"' in owed
    login(web, "RU")  # the author sees the same status, and may not change what the US confirmed
    assert texts_of(web.get("/").text, "owed-prose") == [CONFIRMED]
    assert texts_of(web.get("/versions/t@v1").text, "prose-reading") == [CONFIRMED]
    author = web.get(URL).text
    assert len(rows(author, "locked")) == 3 and len(rows(author, "decide")) == 1  # only paragraph 5 is open

    # the author accepts the rest
    accepted = post(web, URL, {"engine": "tfidf", "step": "accept-all"})
    assert accepted.status_code == 303 and log_size(prose) == size + 2
    page = web.get(accepted.headers["location"]).text
    assert texts_of(page, "reading-summary") == ["answered in prose, confirmed by US (sherman), RU (ryabkov)"]
    nothing_left = post(web, URL, {"engine": "tfidf", "step": "accept-all"})
    assert nothing_left.status_code == 409 and "already decided" in nothing_left.text
    assert log_size(prose) == size + 2


def test_a_form_error_keeps_the_input_and_writes_nothing(web: TestClient, prose: App) -> None:
    login(web, "US")
    size = log_size(prose)

    same = {"decision:3": "change", "points:3": ["art_2"], "position:3": "reject", "date": "2022-01-10"}
    refused = post(web, URL, {**same, "decision:2": "keep", "step": "record"})
    assert refused.status_code == 400, refused.text
    assert 'data-testid="form-error"' in refused.text
    assert "paragraph 3 is marked changed but is what was suggested: keep it instead" in refused.text
    again = paragraph(refused.text, 3)
    assert '<option value="change" selected>' in again and '<option value="reject" selected>' in again
    assert '<option value="art_2" selected>' in again and '<option value="art_3">' in again
    assert '<option value="keep" selected>' in paragraph(refused.text, 2)
    assert 'value="2022-01-10"' in refused.text

    text = "The Parties should be free to deploy."
    unknown = {"decision:3": "change", "points:3": ["art_99"], "position:3": "amend", "text:3": text}
    missing = post(web, URL, {**unknown, "step": "record"})
    assert missing.status_code == 400
    assert "t@v1 has no point 'art_99' (paragraph 3)" in html.unescape(missing.text)
    assert f">{text}</textarea>" in missing.text and '<option value="amend" selected>' in missing.text

    late = post(web, URL, {"decision:2": "keep", "date": "2999-01-01", "step": "record"})
    assert late.status_code == 400 and "2999-01-01" in late.text and 'value="2999-01-01"' in late.text
    nothing = post(web, URL, {"decision:2": "", "step": "record"})
    assert nothing.status_code == 400 and "choose keep, change or drop" in nothing.text
    nowhere = post(web, URL, {"decision:3": "change", "position:3": "reject", "step": "record"})
    assert nowhere.status_code == 400 and "drop the suggestion instead" in nowhere.text
    engine = post(web, URL, {"engine": "magic", "decision:2": "keep", "step": "record"})
    assert engine.status_code == 400 and "engine must be one of" in engine.text
    assert log_size(prose) == size
    assert texts_of(web.get(URL).text, "reading-summary") == ["answered in prose, not confirmed"]


def test_cross_site_posts_are_refused(web: TestClient, prose: App) -> None:
    login(web, "US")
    size = log_size(prose)
    form = {"decision:2": "keep", "step": "record"}
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": f"http://evil.example{URL}"},
        {},
    ):
        refused = web.post(URL, data=form, headers=headers)
        assert refused.status_code == 403, headers
        assert 'data-testid="error"' in refused.text
    accept_all = web.post(URL, data={"step": "accept-all"}, headers={"Origin": "http://evil.example"})
    assert accept_all.status_code == 403
    assert log_size(prose) == size
    same = web.post(URL, data=form, headers={"Referer": f"http://testserver{URL}"})
    assert same.status_code == 303 and log_size(prose) == size + 1


def test_an_unseen_answer_is_not_found_in_the_words_of_a_missing_one(web: TestClient, prose: App) -> None:
    login(web, "DE")  # t@v1 and its answer are between RU and the US
    size = log_size(prose)
    missing = web.get("/answers/t@v1/answer/US/9/alignment")
    assert missing.status_code == 404
    for url in ("/versions/ghost@v1", "/answers/ghost@v1/answer/US/1/alignment", URL):
        unseen = web.get(url)
        assert (unseen.status_code, unseen.text) == (404, missing.text), url
    for form in ({"decision:2": "keep", "step": "record"}, {"step": "accept-all"}):
        unseen = post(web, URL, form)
        assert (unseen.status_code, unseen.text) == (404, missing.text)
        gone = post(web, "/answers/t@v1/answer/US/9/alignment", form)
        assert (gone.status_code, gone.text) == (404, missing.text)
    assert "cooperate" not in web.get(URL).text
    assert log_size(prose) == size


def test_a_third_party_reads_a_published_answer_but_may_not_confirm(web: TestClient, prose: App) -> None:
    disclosure.publish(prose, ANSWER, as_party="US", date="2022-01-11", delegate="sherman")
    disclosure.publish(prose, "t@v1", as_party="RU", date="2022-01-11", delegate="ryabkov")
    login(web, "DE")
    page = web.get(URL)
    assert page.status_code == 200 and "The United States accepts Article 1" in page.text
    assert 'data-testid="cannot-confirm"' in page.text and 'data-testid="alignment-form"' not in page.text
    size = log_size(prose)
    refused = post(web, URL, {"decision:2": "keep", "step": "record"})
    assert refused.status_code == 422 and "only US, which gave" in refused.text
    assert 'data-testid="form-error"' in refused.text
    assert log_size(prose) == size
