"""The server-rendered pages through HTTP, on SQLite and PostgreSQL: logging in and out, the dashboard's
answers owed, answering point by point with a review that flags the points left out, form errors that
keep the input and write nothing, NotFound in the same words for an unseen text and a missing one,
cross-site POSTs refused, search and the timeline as one party sees them, and the other pages' acts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from inwriting.app import accounts, delegates, drafts, instruments, registry, talks
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.record.bundle import verify_bundle
from inwriting.web.app import create_app
from inwriting.web.auth import SESSION_COOKIE
from tests.storage.helpers import log_size, populate

PASSWORD = "correct horse battery staple"
ORIGIN = {"Origin": "http://testserver"}
TREATY = """Treaty on Test Guarantees

The Parties agree as follows:

Article 1

The Parties shall cooperate.

Article 2

1. The Parties shall not deploy.

2. The Parties shall consult.

Article 3

This Treaty enters into force on signature.
"""
SECRET = """Reserved Note

Article 1

The Parties shall consult in private on the zephyrine clause.
"""
PEOPLE = {  # party: (delegate, roles)
    "RU": ("ryabkov", ["drafter", "negotiator", "signatory"]),
    "US": ("sherman", ["negotiator", "signatory"]),
    "DE": ("baerbock", ["negotiator"]),
}


@pytest.fixture
def record(app: App, tmp_path: Path) -> App:
    """RU's treaty t@v1 (on ru-us, not yet handed over) and RU's own note s@v1 (for RU's eyes only);
    a delegate with a password for RU, US and DE."""
    populate(app)
    registry.new_key(app, "DE")
    for party, (delegate, roles) in PEOPLE.items():
        delegates.add_delegate(
            app, party, delegate=delegate, name=delegate.title(), title="Envoy", roles=roles
        )
        accounts.set_password(app, party, delegate, PASSWORD)
    for name, text, doc in (("treaty.txt", TREATY, "t"), ("note.txt", SECRET, "s")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        drafts.import_draft(app, path, track="ru-us", as_party="RU", document=doc, delegate="ryabkov")
    return app


@pytest.fixture
def web(record: App) -> Iterator[TestClient]:
    with TestClient(create_app(record), follow_redirects=False) as client:
        yield client


def login(client: TestClient, party: str, *, next: str = "/") -> httpx.Response:
    delegate = PEOPLE[party][0]
    form = {"party": party, "delegate": delegate, "password": PASSWORD, "next": next}
    response = post(client, "/login", form)
    assert response.status_code == 303, response.text
    return response


def post(client: TestClient, url: str, data: Any, **kwargs: Any) -> httpx.Response:
    response: httpx.Response = client.post(url, data=data, headers=ORIGIN, **kwargs)
    return response


def hand_over(app: App) -> None:
    neg.handover(
        app,
        "t@v1",
        to=["US"],
        due="2022-01-20",
        point_by_point=True,
        date="2022-01-10",
        delegate="ryabkov",
        as_party="RU",
    )


def rows(body: str, testid: str) -> list[str]:
    """The opening tags of the elements with this data-testid."""
    return re.findall(rf'<[a-z]+ [^>]*data-testid="{testid}"[^>]*>', body)


def eid_of(tag: str) -> str:
    found = re.search(r'data-eid="([^"]+)"', tag)
    assert found is not None, tag
    return found.group(1)


# ---- sessions ------------------------------------------------------------------------------------


def test_login_logout_and_the_way_to_the_login_page(web: TestClient, record: App) -> None:
    assert web.get("/").headers["location"] == "/login"
    assert web.get("/versions/t@v1").headers["location"] == "/login?next=%2Fversions%2Ft%40v1"
    assert web.get("/login?next=/versions/t@v1").status_code == 200

    for form in (
        {"party": "US", "delegate": "sherman", "password": "wrong password, surely"},
        {"party": "US", "delegate": "nobody", "password": PASSWORD},
        {"party": "XX", "delegate": "sherman", "password": PASSWORD},
    ):
        refused = post(web, "/login", form)
        assert refused.status_code == 401 and "set-cookie" not in refused.headers
        assert re.findall(r'data-testid="login-error"><p>([^<]*)<', refused.text) == [
            "Wrong party, delegate or password."
        ]

    done = login(web, "US", next="/versions/t@v1")
    assert done.headers["location"] == "/versions/t@v1"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=iw_tok_")
    assert {"HttpOnly", "SameSite=strict", "Path=/"} <= {p.strip() for p in cookie.split(";")}
    assert "secure" not in cookie.lower()  # plain http here; https would add Secure
    [token] = accounts.list_tokens(record, "US")
    assert token.expires is not None and token.expires > neg.today(record)
    assert 'data-testid="who"' in web.get("/").text
    assert web.get("/login").headers["location"] == "/"  # logged in already
    secret = web.cookies[SESSION_COOKIE]

    out = post(web, "/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert accounts.list_tokens(record, "US")[0].revoked is not None
    web.cookies.set(SESSION_COOKIE, secret)  # the old cookie, replayed, no longer opens anything
    assert web.get("/").headers["location"] == "/login"
    assert login(web, "US", next="//evil.example/").headers["location"] == "/"


# ---- dashboard -----------------------------------------------------------------------------------


def test_dashboard_shows_answers_owed_by_and_to_the_party(web: TestClient, record: App) -> None:
    hand_over(record)  # due 2022-01-20, long past: overdue
    login(web, "US")
    page = web.get("/").text
    [owed] = rows(page, "owed-row")
    assert 'data-version="t@v1"' in owed and 'data-overdue="true"' in owed
    assert "OVERDUE" in page and 'data-testid="owed-by"' in page and "owed-to-none" in page
    assert "handed t@v1 to US, answer due 2022-01-20" in page  # the feed
    assert "s@v1" not in page  # RU's own note: not in US's feed

    login(web, "RU")
    page = web.get("/").text
    assert 'data-testid="owed-to"' in page and "owed-by-none" in page
    assert 'data-version="t@v1"' in rows(page, "owed-row")[0]


# ---- answering point by point --------------------------------------------------------------------

ANSWER = {
    "position:art_1": "accept",
    "reason:art_1": "We agree.",
    "position:art_2__para_1": "amend",
    "text:art_2__para_1": "The Parties shall not deploy\nforces without notice.",
}


def test_answer_review_flags_what_is_left_out_and_the_answer_records_it(web: TestClient, record: App) -> None:
    hand_over(record)
    login(web, "US")
    form = web.get("/versions/t@v1/answer").text
    sheet = rows(form, "answer-row")
    assert len(sheet) == 5 and all('data-flagged="true"' in r for r in sheet)
    assert 'src="/static/answer.js"' in form
    size = log_size(record)

    review = post(web, "/versions/t@v1/answer", {**ANSWER, "step": "review"})
    assert review.status_code == 200, review.text
    flagged = [eid_of(r) for r in rows(review.text, "unanswered-row")]
    assert flagged == ["art_2", "art_2__para_2", "art_3"]
    assert re.findall(r'data-testid="unanswered-label">([^<]*)<', review.text) == [
        "Article 2 2.",
        "Article 3",
    ]
    assert 'data-testid="changed-note"' in review.text  # the line break becomes a space
    assert log_size(record) == size  # a review records nothing

    done = post(web, "/versions/t@v1/answer", {**ANSWER, "step": "submit"})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/versions/t@v1/answers/US?recorded=t%40v1%2Fanswer%2FUS%2F1"
    [us] = neg.status(record, "t@v1")
    assert us.coverage.unanswered == ("art_2__para_2", "art_3")
    amended = us.coverage.positions["art_2__para_1"]
    assert (amended.position, amended.text) == (
        "amend",
        "The Parties shall not deploy forces without notice.",
    )
    assert us.coverage.positions["art_1"].reason == "We agree."

    page = web.get(done.headers["location"]).text
    assert 'data-testid="answer-recorded"' in page
    assert re.findall(r'data-testid="still-unanswered">([^<]*)<', page) == ["Article 2 2.", "Article 3"]
    states = {eid_of(r): r for r in rows(page, "position-row")}
    assert 'data-flagged="true"' in states["art_3"] and 'data-state="answered"' in states["art_1"]
    assert 'data-state="partial"' in states["art_2"]


def test_a_form_error_keeps_the_input_and_writes_nothing(web: TestClient, record: App) -> None:
    hand_over(record)
    login(web, "US")
    size = log_size(record)

    typed = {"position:art_1": "counter", "reason:art_1": "Too vague.", "step": "review"}
    wrong = post(web, "/versions/t@v1/answer", typed)  # a counter-proposal without its text
    assert wrong.status_code == 400
    assert "counter needs the counter-text" in wrong.text and ">Too vague.</textarea>" in wrong.text
    assert '<option value="counter" selected>' in wrong.text

    listed = {
        "position:art_1": "amend",
        "text:art_1": "1. The Parties shall cooperate fully.",
        "step": "review",
    }
    wrong = post(web, "/versions/t@v1/answer", listed)  # read as a Markdown list: said on its row
    assert wrong.status_code == 400 and "reword the start of that line" in wrong.text
    assert ">1. The Parties shall cooperate fully.</textarea>" in wrong.text

    late = post(web, "/versions/t@v1/answer", {**ANSWER, "date": "2999-01-01", "step": "submit"})
    assert late.status_code == 400 and "2999-01-01 is in the future" in late.text  # the use case's words
    assert ">We agree.</textarea>" in late.text and 'value="2999-01-01"' in late.text

    login(web, "RU")
    early = {"to": "US", "date": "2022-01-10", "due": "2022-01-05", "point_by_point": "yes"}
    refused = post(web, "/versions/t@v1/handover", early)
    assert refused.status_code == 400 and "cannot be due (2022-01-05) before the hand-over" in refused.text
    assert 'value="2022-01-05"' in refused.text and 'value="US" checked' in refused.text
    assert log_size(record) == size


# ---- who sees what -------------------------------------------------------------------------------


def test_an_unseen_text_is_not_found_in_the_words_of_a_missing_one(web: TestClient, record: App) -> None:
    hand_over(record)
    login(web, "US")
    missing = web.get("/versions/ghost@v1")
    assert missing.status_code == 404
    for url in (
        "/versions/s@v1",  # RU's own note
        "/versions/s@v1/answer",
        "/versions/s@v1/handover",
        "/versions/s@v1/answers/US",
        "/versions/s@v1/export?format=md",
        "/disclosure?text=s@v1",
        "/redline?old=t@v1&new=s@v1",
        "/versions/t@v1/answers/DE",  # not a recipient
    ):
        unseen = web.get(url)
        assert (unseen.status_code, unseen.text) == (404, missing.text), url
    assert "zephyrine" not in web.get("/versions/t@v1").text

    login(web, "DE")  # t@v1 was handed to the US alone
    missing = web.get("/versions/ghost@v1")
    assert (web.get("/versions/t@v1").status_code, web.get("/versions/t@v1").text) == (404, missing.text)
    assert web.get("/tracks/ru-us").text == web.get("/tracks/ghost").text  # DE takes no part in it


def test_cross_site_posts_are_refused(web: TestClient, record: App) -> None:
    login(web, "RU")
    size = log_size(record)
    form = {"to": "US", "point_by_point": "yes"}
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/versions/t@v1/handover"},
        {"Origin": "http://testserver.evil.example"},
        {},  # neither Origin nor Referer
    ):
        refused = web.post("/versions/t@v1/handover", data=form, headers=headers)
        assert refused.status_code == 403, headers
        assert 'data-testid="error"' in refused.text
    assert web.post("/logout", headers={"Origin": "http://evil.example"}).status_code == 403
    assert log_size(record) == size
    same = web.post("/versions/t@v1/handover", data=form, headers={"Referer": "http://testserver/x"})
    assert same.status_code == 303 and log_size(record) == size + 1


def test_search_shows_only_what_the_party_may_see(web: TestClient, record: App) -> None:
    hand_over(record)
    login(web, "US")
    page = web.get("/search?q=consult").text
    found = re.findall(r'data-testid="search-hit" data-text="([^"]+)" data-eid="([^"]*)"', page)
    assert found and {text for text, _ in found} == {"t@v1"}
    assert '<a href="/versions/t@v1#art_2__para_2">' in page
    assert rows(web.get("/search?q=zephyrine").text, "search-hit") == []  # only in RU's own note

    login(web, "RU")
    texts = set(
        re.findall(r'data-testid="search-hit" data-text="([^"]+)"', web.get("/search?q=consult").text)
    )
    assert texts == {"t@v1", "s@v1"}


def test_the_timeline_draws_one_mark_per_act(web: TestClient, record: App) -> None:
    day = neg.today(record)
    talks.add_meeting(record, track="ru-us", date="2022-01-10", place="Geneva", tabled=["t@v1"])
    hand_over(record)
    talks.add_meeting(record, track="ru-us", date=day, place="Geneva, second round")
    login(web, "US")
    page = web.get("/tracks/ru-us").text
    svg = re.search(r'<svg id="timeline-svg" data-testid="timeline".*?</svg>', page, re.S)
    assert svg is not None
    marks = re.findall(
        r'<a href="([^"]+)" class="mark mark-\w+" data-testid="timeline-mark" data-kind="(\w+)"', svg[0]
    )
    assert sorted(kind for _, kind in marks) == ["handover", "meeting", "meeting"]
    assert ("/versions/t@v1#status", "handover") in marks
    assert ("/tracks/ru-us#meeting-ru-us--2022-01-10", "meeting") in marks
    assert 'id="meeting-ru-us--2022-01-10"' in page
    assert "s@v1" not in page  # RU's own note is on this track too, unseen


# ---- the other pages ------------------------------------------------------------------------------


def test_reading_pages_render_for_a_party(web: TestClient, record: App) -> None:
    hand_over(record)
    login(web, "US")
    for url, needle in (
        ("/versions/t@v1", 'data-testid="answer-link"'),
        ("/versions/t@v1/answers/US", 'data-testid="unanswered-summary"'),
        ("/matrix/ru-us", 'data-testid="matrix"'),
        ("/matrix/sg", 'data-state="unanswered"'),
        ("/redline?old=t@v1&new=t@v1", 'data-testid="redline"'),
        ("/disclosure?text=t@v1", 'data-testid="disclosure-request-form"'),
        ("/register", "Public statements"),
        ("/instruments", "Instruments"),
        ("/verify", 'data-testid="bundle-form"'),
        ("/tracks/ru-us/import", 'data-testid="import-form"'),
    ):
        page = web.get(url)
        assert page.status_code == 200, (url, page.text)
        assert needle in page.text, url
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
    export = web.get("/versions/t@v1/export?format=md")
    assert export.status_code == 200 and b"Article 2" in export.content


def test_acts_on_the_other_pages(web: TestClient, record: App, tmp_path: Path) -> None:
    login(web, "RU")
    files = {
        "file": ("second draft.md", b"# Treaty, second draft\n\n## Article 1\n\nThe Parties shall act.\n")
    }
    imported = web.post(
        "/tracks/ru-us/import", data={"kind": "treaty", "audience": "track"}, files=files, headers=ORIGIN
    )
    assert imported.status_code == 303 and imported.headers["location"] == "/versions/second-draft@v1"
    hand_over(record)
    published = post(web, "/disclosure", {"text": "t@v1", "act": "publish", "date": "2022-01-11"})
    assert published.status_code == 303
    login(web, "DE")
    assert web.get("/versions/t@v1").status_code == 200  # public now

    iid, _ = instruments.create(record, version="t@v1", kind="agreement", as_party="RU", delegate="ryabkov")
    login(web, "US")
    assert 'data-testid="sign-form"' in web.get(f"/instruments/{iid}").text
    nowhere = post(web, f"/instruments/{iid}/sign", {"place": " ", "date": ""})
    assert nowhere.status_code == 400 and 'data-testid="form-error"' in nowhere.text
    signed = post(web, f"/instruments/{iid}/sign", {"place": "Geneva", "date": ""})
    assert signed.status_code == 303
    table = web.get(f"/instruments/{iid}").text
    [us] = [r for r in rows(table, "participant-row") if 'data-party="US"' in r]
    assert 'data-status="signed"' in us and "Geneva" in table

    bundle = post(web, "/verify/bundle", {"process": "sg"})
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/gzip"
    path = tmp_path / "sg.US.bundle.gz"
    path.write_bytes(bundle.content)
    report = verify_bundle(path)
    assert report.party == "US"
    assert "cp-h" in web.get("/verify").text and 'data-testid="checkpoint-note"' in web.get("/verify").text


def test_a_nul_anywhere_is_bad_input_on_both_backends(web: TestClient, record: App) -> None:
    """PostgreSQL cannot hold a NUL: every page refuses one as bad input before any use case runs,
    the login form too (no account needed), and nothing is written."""
    size = log_size(record)
    refused = post(web, "/login", {"party": "R\x00U", "delegate": "ryabkov", "password": PASSWORD})
    assert refused.status_code == 400 and "NUL" in refused.text
    login(web, "RU")
    for url in ("/versions/a%00b@v1", "/instruments/a%00b", "/matrix/a%00b", "/disclosure?text=a%00b"):
        assert web.get(url).status_code == 400, url
    form = {"to": "US", "point_by_point": "yes", "due": "2022-01-01\x00"}
    assert post(web, "/versions/t@v1/handover", form).status_code == 400
    assert log_size(record) == size
