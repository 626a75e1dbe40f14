"""The web app in a real browser (Debian's Chromium through Playwright), served by uvicorn over a
record on SQLite and on PostgreSQL: RU imports the draft treaty and hands it over point by point;
US answers all its points but one, sees that one flagged before and after recording, and asks to
publish RU's text; RU consents, revises the draft and signs the agreed text; US publishes it and
signs too. Also: logging in from a logged-out visit, one error for any bad login, another party's
text not found, search within what the party may see. The SQLite run saves screenshots of the main
pages to docs/screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from inwriting.app import accounts, delegates, disclosure, drafts, instruments, register
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.domain.events import PartyId
from inwriting.record.bundle import verify_bundle
from inwriting.web.pages.render import NOT_FOUND
from inwriting.web.pages.session import BAD_LOGIN
from tests.storage.helpers import populate
from tests.web.browser_support import VIEWPORT, LiveServer, launch, set_today, shoot

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"  # RU's draft, 8 articles, 18 points

PASSWORD = "correct horse battery staple"
PEOPLE = {  # party: (delegate id, name, title)
    "RU": ("ryabkov", "Sergei Ryabkov", "Deputy Minister of Foreign Affairs"),
    "US": ("sherman", "Wendy Sherman", "Deputy Secretary of State"),
}
ROLES = ["drafter", "negotiator", "signatory"]
DOC = "ru-us-treaty"
V1, V2 = f"{DOC}@v1", f"{DOC}@v2"
# The days the acts happen on: from today on (the log's own times never run backwards).
TODAY = datetime.now(UTC).date()
HANDED, ANSWERED, AGREED, SIGNED, DUE = (str(TODAY + timedelta(days=n)) for n in (0, 10, 11, 13, 14))
LEFT_OUT = ("art_3", "Article 3")  # the one point US leaves unanswered
# US's answer, on every article but LEFT_OUT (an article's position covers its paragraphs):
# eid: (label as the form prints it, position, text, reason)
ANSWER = {
    "art_1": ("Article 1", "clarify", "What would count as 'affecting the security' of the other Party?", ""),
    "art_2": ("Article 2", "accept", "", ""),
    "art_4": ("Article 4", "reject", "", "NATO's open door is not for the United States alone to close."),
    "art_5": (
        "Article 5",
        "counter",
        "The Parties shall notify each other of major exercises in the areas concerned.",
        "Reciprocal transparency, not exclusion zones.",
    ),
    "art_6": ("Article 6 [number inferred]", "defer", "", "To be taken up with arms control."),
    "art_7": ("Article 7 [number inferred]", "noted", "", ""),
    "art_8": ("Article 8", "accept", "", ""),
}
REVISED = (  # RU's second version: one paragraph of Article 5 as US's counter-proposal asked
    "The Parties shall refrain from flying heavy bombers",
    "The Parties shall notify each other of major exercises and shall refrain from flying heavy bombers",
)

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module."""
    with sync_playwright() as playwright:
        found, why = launch(playwright)
        if found is None:
            pytest.skip(why)
        try:
            yield found
        finally:
            found.close()


@dataclass
class Site:
    app: App
    url: str
    screenshots: bool  # only the SQLite run writes docs/screenshots

    def shoot(self, page: Page, name: str) -> None:
        if self.screenshots:
            shoot(page, name)


@pytest.fixture
def site(app: App, db_url: str) -> Iterator[Site]:
    """Parties RU and US with keys, process sg with track ru-us (and nrc), a delegate of each with a
    password; the app served on a loopback port."""
    set_today(app, HANDED)
    populate(app)
    for party, (delegate, name, title) in PEOPLE.items():
        delegates.add_delegate(app, party, delegate=delegate, name=name, title=title, roles=ROLES)
        accounts.set_password(app, party, delegate, PASSWORD)
    server = LiveServer(app).start()
    try:
        yield Site(app, server.url, screenshots=not db_url.startswith("postgresql"))
    finally:
        server.stop()


@dataclass
class Console:
    """What the page's scripts complained about (a CSP refusal, an uncaught error)."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("console", lambda msg: self._console(msg.type, msg.text))

    def _console(self, kind: str, text: str) -> None:
        # A refused form answers 4xx on purpose, and Chromium logs every such response.
        if kind == "error" and not text.startswith("Failed to load resource"):
            self.errors.append(text)


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, base_url=site.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, party: str, password: str = PASSWORD, *, go: bool = True) -> None:
    if go:
        page.goto("/login")
    page.get_by_label("Party").fill(party)
    page.get_by_label("Delegate id").fill(PEOPLE[party][0])
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("who")).to_have_text(f"{PEOPLE[party][0]} for {party}")


def log_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("login-form")).to_be_visible()


def status_row(page: Page, party: str) -> Locator:
    return page.locator(f"[data-testid='status-row'][data-party='{party}']")


# ---- the whole negotiation, in the browser -----------------------------------------------------------


def test_negotiation_in_the_browser(site: Site, page: Page, tmp_path: Path) -> None:
    console = Console()
    console.watch(page)
    ru_hands_over(site, page)
    us_answers_but_one(site, page)
    ru_consents_revises_and_signs(site, page, tmp_path)
    us_publishes_signs_and_checks(site, page, tmp_path)
    assert console.errors == []

    # The record says what the pages said.
    [answered] = neg.status(site.app, V1, members=True, of="US")
    assert answered.coverage.unanswered == (LEFT_OUT[0],)
    counter = answered.coverage.position_of("art_5")
    assert counter is not None and counter.position == "counter" and counter.text == ANSWER["art_5"][2]
    story = disclosure.story(site.app, V1).to_json()
    assert story["public"] and story["published_points"] == [] and story["owner_stance"] == "consent"
    assert [p["by"] for p in story["publications"]] == ["US"]
    shown = instruments.show(site.app, DOC, viewer=PartyId("RU"))
    signed = {r.party: r.signed for r in shown.rows}
    assert signed["RU"] is not None and signed["RU"].place == "Geneva" and signed["RU"].date == AGREED
    assert signed["US"] is not None and signed["US"].place == "Washington" and signed["US"].date == SIGNED
    assert shown.instrument.status == "in force" and shown.instrument.sources == (V1,)
    assert [v.id for v in drafts.lineage(site.app, DOC, viewer=PartyId("RU"))] == [V1, V2]
    assert len(register.commitments(site.app, viewer=PartyId("US"), instrument=DOC)) == 16


def ru_hands_over(site: Site, page: Page) -> None:
    """RU's delegate imports the draft on ru-us and hands it to US, point by point, with a due date."""
    page.goto("/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    site.shoot(page, "login")
    log_in(page, "RU")
    expect(page.get_by_role("heading", level=1)).to_have_text("Russian Federation")
    expect(page.get_by_test_id("owed-by-none")).to_have_text("Nothing is owed by RU.")

    page.get_by_role("link", name="Bilateral, Geneva").click()
    expect(page).to_have_url(re.compile(r"/tracks/ru-us$"))
    expect(page.get_by_test_id("timeline-empty")).to_be_visible()
    page.get_by_test_id("import-link").click()
    page.get_by_label("File").set_input_files(TREATY)
    page.get_by_label("Document id").fill(DOC)
    page.get_by_test_id("import-submit").click()

    expect(page).to_have_url(re.compile(rf"/versions/{re.escape(V1)}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("on security guarantees")
    expect(page.get_by_test_id("point")).to_have_count(18)
    expect(page.get_by_test_id("status")).to_contain_text("Not handed over yet.")

    page.get_by_test_id("handover-link").click()
    page.get_by_test_id("handover-to-US").check()
    expect(page.get_by_label("Ask for a written answer on every point")).to_be_checked()
    page.get_by_label("Answer due by").fill(DUE)
    page.get_by_test_id("handover-submit").click()

    expect(page).to_have_url(re.compile(rf"/versions/{re.escape(V1)}#status$"))
    row = status_row(page, "US")
    expect(row).to_have_attribute("data-state", "unanswered")
    expect(row).to_contain_text(DUE)
    expect(row).to_contain_text("point by point")
    expect(row).to_contain_text("0/18")
    log_out(page)


def us_answers_but_one(site: Site, page: Page) -> None:
    """US's delegate sees the answer owed, answers every article but one, sees that one flagged as
    it goes and at the review, records the answer, and asks RU's consent to publish the draft."""
    set_today(site.app, ANSWERED)
    log_in(page, "US")
    owed = page.locator(f"[data-testid='owed-row'][data-version='{V1}']")
    expect(owed).to_contain_text(DUE)
    expect(owed).to_contain_text("0/18 points answered; 8 open point by point")
    expect(owed).to_have_attribute("data-overdue", "false")
    site.shoot(page, "dashboard")
    owed.get_by_test_id("owed-answer").click()

    expect(page.get_by_test_id("answer-form")).to_be_visible()
    expect(page.get_by_test_id("open-count")).to_have_text("18")
    for label, position, said, reason in ANSWER.values():
        page.get_by_label(f"Position on {label}", exact=True).select_option(position)
        if said:
            page.get_by_label(f"Text on {label} (new text, counter-text or question)", exact=True).fill(said)
        if reason:
            page.get_by_label(f"Reason on {label}", exact=True).fill(reason)
    # Flagged as the user goes (answer.js): only the point left open, and not its neighbours.
    expect(page.get_by_test_id("open-count")).to_have_text("1")
    flagged = page.locator("[data-testid='answer-row'][data-flagged='true']")
    expect(flagged).to_have_count(1)
    expect(flagged).to_have_attribute("data-eid", LEFT_OUT[0])
    expect(flagged.get_by_test_id("unanswered-flag")).to_be_visible()
    paragraph = page.locator("[data-testid='answer-row'][data-eid='art_4__para_1']")
    expect(paragraph).to_have_attribute("data-flagged", "false")
    expect(paragraph.get_by_test_id("unanswered-flag")).to_be_hidden()
    site.shoot(page, "answer-form")

    page.get_by_test_id("answer-review").click()
    summary = page.get_by_test_id("unanswered-summary")
    expect(summary).to_have_attribute("data-count", "1")
    expect(summary.get_by_test_id("unanswered-label")).to_have_text(LEFT_OUT[1])
    expect(page.get_by_test_id("unanswered-row")).to_have_count(1)
    expect(page.get_by_test_id("unanswered-row")).to_have_attribute("data-eid", LEFT_OUT[0])
    expect(page.get_by_test_id("unanswered-row")).to_contain_text("left unanswered")
    counter = page.locator("[data-testid='review-row'][data-eid='art_5']")
    expect(counter.locator("[data-position]")).to_have_attribute("data-position", "counter")
    page.get_by_test_id("answer-submit").click()

    # The side-by-side view of US's positions, the recorded answer named, the gap flagged.
    expect(page).to_have_url(re.compile(rf"/versions/{re.escape(V1)}/answers/US\?recorded="))
    recorded = page.get_by_test_id("answer-recorded")
    expect(recorded).to_have_attribute("data-answer", f"{V1}/answer/US/1")
    expect(recorded.get_by_test_id("still-unanswered")).to_have_text(LEFT_OUT[1])
    gap = page.locator(f"[data-testid='position-row'][data-eid='{LEFT_OUT[0]}']")
    expect(gap).to_have_attribute("data-state", "unanswered")
    expect(gap.get_by_test_id("unanswered-flag")).to_be_visible()
    expect(page.locator("[data-testid='position-row'][data-eid='art_4__para_2']")).to_have_attribute(
        "data-state", "inherited"
    )
    expect(page.locator("[data-testid='position-row'][data-eid='art_5']")).to_contain_text(ANSWER["art_5"][2])
    site.shoot(page, "answer")

    # The version's status names the point left unanswered.
    page.get_by_role("link", name=V1, exact=True).first.click()
    row = status_row(page, "US")
    expect(row).to_have_attribute("data-state", "partial")
    named = row.locator("a[href^='#']")  # the unanswered points, each a link to the point
    expect(named).to_have_count(1)
    expect(named).to_have_text(LEFT_OUT[1])
    expect(named).to_have_attribute("href", f"#{LEFT_OUT[0]}")
    site.shoot(page, "version")

    # Publishing RU's text needs RU's consent on this track: refused, then asked for.
    page.get_by_test_id("disclosure-link").click()
    expect(page.get_by_test_id("disclosure-consent-form")).to_have_count(0)
    page.get_by_test_id("disclosure-publish-submit").click()
    refused = page.get_by_test_id("disclosure-publish-form").get_by_test_id("form-error")
    expect(refused).to_contain_text("needs RU's consent")
    expect(page.get_by_test_id("disclosure-public")).to_have_text("no")
    ask = page.get_by_test_id("disclosure-request-form")
    ask.get_by_label("Reason (optional)").fill("It would be right to publish the draft and our answer.")
    ask.get_by_test_id("disclosure-request-submit").click()
    expect(page.get_by_test_id("disclosure-acts")).to_contain_text("It would be right to publish")
    log_out(page)


def ru_consents_revises_and_signs(site: Site, page: Page, tmp_path: Path) -> None:
    """RU's delegate sees the answer owed to it, consents to publication, reads the matrix, records
    a revised version (and its redline), fixes the agreed text as a treaty and signs it."""
    set_today(site.app, AGREED)
    log_in(page, "RU")
    owed = page.get_by_test_id("owed-to").locator(f"[data-version='{V1}']")
    expect(owed).to_contain_text("17/18 points answered; 1 open")

    page.goto(f"/versions/{V1}")
    page.get_by_test_id("disclosure-link").click()
    expect(page.get_by_test_id("disclosure-request-form")).to_have_count(0)
    page.get_by_test_id("disclosure-consent-submit").click()
    expect(page.locator('dt:text-is("The owner\'s latest word") + dd')).to_have_text("consent")
    acts = page.get_by_test_id("disclosure-acts").get_by_role("row")
    expect(acts.filter(has_text="US").filter(has_text="publication")).to_have_count(1)
    expect(acts.filter(has_text="RU").filter(has_text="consent")).to_have_count(1)

    page.goto("/matrix/ru-us")
    expect(page.get_by_test_id("matrix")).to_be_visible()
    us_column = [c.strip() for c in page.locator("#matrix thead th").all_inner_texts()].index("US") - 2
    cells = page.locator(f"[data-testid='matrix-row'][data-eid='{LEFT_OUT[0]}'] [data-testid='matrix-cell']")
    expect(cells.nth(us_column)).to_have_attribute("data-state", "unanswered")
    rejected = page.locator("[data-testid='matrix-row'][data-eid='art_4'] [data-testid='matrix-cell']")
    expect(rejected.nth(us_column)).to_have_attribute("data-state", "reject")
    site.shoot(page, "matrix")

    revised = tmp_path / "draft_treaty_ru_revised.txt"
    original = TREATY.read_text(encoding="utf-8")
    assert REVISED[0] in original
    revised.write_text(original.replace(*REVISED), encoding="utf-8")
    page.goto("/tracks/ru-us")
    page.get_by_test_id("import-link").click()
    page.get_by_label("File").set_input_files(revised)
    page.get_by_label("Document id").fill(DOC)
    page.get_by_label("Based on").fill(V1)
    page.get_by_test_id("import-submit").click()
    expect(page).to_have_url(re.compile(rf"/versions/{re.escape(V2)}$"))
    page.get_by_test_id("redline-link").click()
    expect(page.get_by_test_id("redline-summary").locator("[data-count='changed']")).to_have_text("1 changed")
    changed = page.locator("[data-testid='redline-point'][data-status='changed']")
    expect(changed).to_have_count(1)
    expect(changed.locator("ins")).to_contain_text("notify each other of major exercises")
    site.shoot(page, "redline")

    # The agreed text becomes a treaty binding on signature (its articles enter the register once in
    # force), made from the version's page.
    page.goto(f"/versions/{V1}")
    page.get_by_test_id("instrument-create").locator("summary").click()
    page.get_by_test_id("instrument-kind").select_option("treaty")
    page.get_by_test_id("instrument-id").fill(DOC)
    page.get_by_test_id("instrument-create-submit").click()
    expect(page).to_have_url(re.compile(rf"/instruments/{re.escape(DOC)}$"))
    expect(page.get_by_test_id("instrument-status")).to_have_text("agreed text")
    page.get_by_test_id("sign-place").fill("Geneva")
    page.get_by_test_id("sign-submit").click()
    expect(page.locator("[data-testid='participant-row'][data-party='RU']")).to_have_attribute(
        "data-status", "signed"
    )
    expect(page.get_by_test_id("sign-form")).to_have_count(0)
    log_out(page)


def us_publishes_signs_and_checks(site: Site, page: Page, tmp_path: Path) -> None:
    """US's delegate publishes RU's draft (with RU's consent), signs the treaty, and looks at the
    timeline, the register and its own bundle."""
    set_today(site.app, SIGNED)
    log_in(page, "US")
    page.goto(f"/disclosure?text={V1}")
    page.get_by_test_id("disclosure-publish-submit").click()
    expect(page.get_by_test_id("disclosure-public")).to_have_text("yes")
    expect(page.get_by_test_id("disclosure-acts")).to_contain_text("published")

    page.get_by_test_id("nav-instruments").click()
    page.locator(f"[data-testid='instrument-row'][data-instrument='{DOC}']").get_by_role("link").click()
    page.get_by_test_id("sign-place").fill("Washington")
    page.get_by_test_id("sign-submit").click()
    for party, day in (("RU", AGREED), ("US", SIGNED)):
        row = page.locator(f"[data-testid='participant-row'][data-party='{party}']")
        expect(row).to_have_attribute("data-status", "signed")
        expect(row).to_contain_text(day)
    expect(page.get_by_test_id("instrument-table")).to_contain_text("Washington")
    expect(page.get_by_test_id("instrument-status")).to_have_text("concluded")
    page.get_by_test_id("act-kind").select_option("enter-into-force")
    page.get_by_test_id("act-submit").click()
    expect(page.get_by_test_id("instrument-status")).to_have_text(f"in force since {SIGNED}")
    site.shoot(page, "instrument")

    page.goto("/tracks/ru-us")
    marks = page.get_by_test_id("timeline-mark")
    for kind in ("handover", "answer", "publication", "instrument"):
        expect(marks.and_(page.locator(f"[data-kind='{kind}']")).first).to_be_visible()
    expect(page.get_by_test_id("track-version")).to_have_count(1)  # v2 is RU's own so far
    site.shoot(page, "track")

    page.get_by_test_id("nav-register").click()
    expect(page.get_by_role("heading", name="Commitment register")).to_be_visible()
    commitments = page.get_by_test_id("commitment-row")
    expect(commitments).to_have_count(16)  # each of the 8 articles binds each party
    mine = page.locator(f"[data-testid='commitment-row'][id='{DOC}/art_6/US']")
    expect(mine).to_contain_text("US → RU")
    expect(mine).to_contain_text("intermediate-range")
    site.shoot(page, "register")

    page.get_by_test_id("nav-verify").click()
    with page.expect_download() as download:
        page.get_by_test_id("bundle-submit").click()
    bundle = tmp_path / "sg.US.bundle.gz"
    download.value.save_as(bundle)
    assert verify_bundle(bundle, workers=1).party == "US"
    page.reload()
    expect(page.get_by_test_id("checkpoint-note")).to_contain_text("test.inwriting.local/log")
    site.shoot(page, "verify")
    log_out(page)


# ---- signing in, and what a party may not see ------------------------------------------------------


def test_logged_out_visit_goes_to_login_and_back(site: Site, page: Page) -> None:
    page.goto("/tracks/ru-us")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Ftracks%2Fru-us$"))
    expect(page.get_by_test_id("who")).to_have_count(0)
    log_in(page, "US", go=False)
    expect(page).to_have_url(re.compile(r"/tracks/ru-us$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilateral, Geneva")
    log_out(page)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_wrong_password_shows_one_generic_error(site: Site, page: Page) -> None:
    for party, delegate, password in (
        ("RU", "ryabkov", "not the password"),
        ("RU", "nobody", PASSWORD),
        ("XX", "ryabkov", PASSWORD),
    ):
        page.goto("/login")
        page.get_by_label("Party").fill(party)
        page.get_by_label("Delegate id").fill(delegate)
        page.get_by_label("Password").fill(password)
        with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as sent:
            page.get_by_test_id("login-submit").click()
        assert sent.value.status == 401
        expect(page.get_by_role("alert")).to_have_count(1)
        expect(page.get_by_test_id("login-error")).to_have_text(BAD_LOGIN)
        expect(page.get_by_label("Password")).to_have_value("")
        expect(page.get_by_test_id("who")).to_have_count(0)


def test_another_partys_text_is_not_found(site: Site, page: Page, tmp_path: Path) -> None:
    note = tmp_path / "us_note.txt"
    note.write_text("Internal Note\n\nArticle 1\n\nFor the United States only.\n", encoding="utf-8")
    drafts.import_draft(site.app, note, track="ru-us", as_party="US", document="us-note", delegate="sherman")
    log_in(page, "RU")
    for path in ("/versions/us-note@v1", "/disclosure?text=us-note@v1", "/versions/no-such-note@v1"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_test_id("error")).to_have_attribute("data-status", "404")
        expect(page.get_by_test_id("error-message")).to_have_text(NOT_FOUND)
        expect(page.get_by_text("For the United States only.")).to_have_count(0)
    log_out(page)
    log_in(page, "US")
    page.goto("/versions/us-note@v1")
    expect(page.get_by_text("For the United States only.")).to_be_visible()


def test_search_finds_only_what_the_party_may_see(site: Site, page: Page, tmp_path: Path) -> None:
    """US finds a point of RU's draft handed to it, and nothing of RU's note that stays RU's own."""
    note = tmp_path / "ru_note.txt"
    note.write_text("Internal Note\n\nArticle 1\n\nNo intermediate-range missiles in Europe.\n", "utf-8")
    for path, doc in ((TREATY, DOC), (note, "ru-note")):
        drafts.import_draft(site.app, path, track="ru-us", as_party="RU", document=doc, delegate="ryabkov")
    neg.handover(site.app, V1, to=["US"], as_party="RU", delegate="ryabkov")
    log_in(page, "US")
    search = page.get_by_label("Search the texts you may see")
    search.fill("intermediate-range missiles")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=intermediate-range\+missiles$"))
    expect(page.get_by_test_id("search-results")).to_be_visible()
    hit = page.locator(f"[data-testid='search-hit'][data-text='{V1}'][data-eid='art_6']")
    expect(hit).to_have_count(1)
    expect(hit.locator(".snippet")).to_contain_text("intermediate-range")
    expect(page.locator("[data-testid='search-hit'][data-text='ru-note@v1']")).to_have_count(0)
    site.shoot(page, "search")
    hit.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/versions/{re.escape(V1)}#art_6$"))
