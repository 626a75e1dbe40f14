"""An answer in prose confirmed in a real browser (Debian's Chromium through Playwright, as in
test_browser.py), over a record on SQLite and on PostgreSQL: RU hands the draft treaty to the US,
which answers in prose; the US's delegate follows the dashboard to the page that reads the answer
against the points, keeps one suggestion, changes another's points and position, drops a third, and
sees the confirmed reading there and in the version's status. The SQLite run saves a screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from inwriting.app import drafts
from inwriting.app import negotiation as neg
from tests.web.test_api_alignment import PROSE
from tests.web.test_browser import DOC, TREATY, V1, Console, Site, browser, log_in, page, site, status_row

__all__ = ["browser", "page", "site"]  # the fixtures, shared

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")

ANSWER = f"{V1}/answer/US/1"
CONFIRMED = "answered in prose, confirmed by US (sherman)"


def paragraph(page: Page, n: int) -> Locator:
    return page.locator(f"[data-testid='paragraph'][data-paragraph='{n}']")


def test_a_delegate_confirms_how_a_prose_answer_reads(site: Site, page: Page, tmp_path: Path) -> None:
    drafts.import_draft(site.app, TREATY, track="ru-us", as_party="RU", document=DOC, delegate="ryabkov")
    neg.handover(site.app, V1, to=["US"], point_by_point=True, as_party="RU", delegate="ryabkov")
    reply = tmp_path / "us-reply.txt"
    reply.write_text(PROSE, encoding="utf-8")
    neg.answer(site.app, V1, as_party="US", file=reply, prose=True, delegate="sherman")
    console = Console()
    console.watch(page)

    # From the dashboard's answers owed, to the answer read against the points
    log_in(page, "US")
    owed = page.locator(f"[data-testid='owed-row'][data-version='{V1}']")
    expect(owed.get_by_test_id("owed-prose")).to_have_text("answered in prose, not confirmed")
    owed.get_by_test_id("owed-prose").click()
    expect(page).to_have_url(re.compile(rf"/answers/{re.escape(ANSWER)}/alignment$"))
    expect(page.get_by_test_id("paragraph")).to_have_count(8)
    expect(page.get_by_test_id("reading-summary")).to_have_text("answered in prose, not confirmed")
    carried = paragraph(page, 4).get_by_test_id("carrying-sentence")
    expect(carried).to_contain_text("We cannot accept Article 1")
    expect(paragraph(page, 4).get_by_test_id("suggested-point")).to_have_text("Article 1 named")
    expect(paragraph(page, 6).locator("[data-position]").first).to_have_attribute("data-position", "reject")
    expect(page.get_by_test_id("unanswered-suggested")).to_contain_text("Article 2")

    # alignment.js shows a paragraph's points and position only while it is being changed
    fields = paragraph(page, 6).get_by_test_id("change-fields")
    expect(fields).to_be_hidden()
    page.get_by_label("Decision on paragraph 4", exact=True).select_option("keep")
    page.get_by_label("Decision on paragraph 6", exact=True).select_option("change")
    expect(fields).to_be_visible()
    page.get_by_label("Paragraph 6: Points it addresses", exact=True).select_option(["art_3", "art_4"])
    page.get_by_label("Paragraph 6: Position", exact=True).select_option("reject")
    page.get_by_label("Decision on paragraph 8", exact=True).select_option("drop")
    expect(paragraph(page, 8).get_by_test_id("change-fields")).to_be_hidden()
    site.shoot(page, "alignment")
    page.get_by_test_id("alignment-submit").click()

    # The confirmed reading, paragraph by paragraph
    expect(page).to_have_url(re.compile(rf"/answers/{re.escape(ANSWER)}/alignment\?recorded=\d+$"))
    expect(page.get_by_test_id("alignment-recorded")).to_contain_text(CONFIRMED)
    expect(page.get_by_test_id("reading-summary")).to_have_text(CONFIRMED)
    expect(page.get_by_test_id("decided-count")).to_have_text("3 of 8")
    expect(paragraph(page, 4)).to_have_attribute("data-confirmed", "keep")
    expect(paragraph(page, 6)).to_have_attribute("data-confirmed", "change")
    expect(paragraph(page, 6).get_by_test_id("confirmed-point")).to_have_text(["Article 3", "Article 4"])
    expect(paragraph(page, 6).get_by_test_id("confirmed").locator("[data-position]")).to_have_attribute(
        "data-position", "reject"
    )
    expect(paragraph(page, 8)).to_have_attribute("data-confirmed", "drop")
    expect(paragraph(page, 7)).to_have_attribute("data-confirmed", "")
    still = page.get_by_test_id("unanswered-confirmed")
    expect(still).to_contain_text("Article 5")
    expect(still).not_to_contain_text("Article 1,")

    # ... and in the version's status: the confirmed points count as answered
    page.get_by_role("link", name=V1, exact=True).first.click()
    row = status_row(page, "US")
    expect(row.get_by_test_id("prose-reading")).to_have_text(CONFIRMED)
    expect(row).to_contain_text("7/18")  # Articles 1, 3 and 4, with their points and paragraphs
    unanswered = row.get_by_test_id("status-unanswered")
    expect(unanswered).not_to_contain_text("Article 1")
    expect(unanswered).to_contain_text("Article 5")
    row.get_by_test_id("prose-reading").click()
    expect(page.get_by_test_id("reading-summary")).to_have_text(CONFIRMED)
    assert console.errors == []

    # The record says what the pages said
    [us] = neg.status(site.app, V1, of="US")
    assert {eid for eid in us.coverage.positions} == {"art_1", "art_3", "art_4"}
    assert {p.position for p in us.coverage.positions.values()} == {"reject"}
