"""The owner's stance on publishing its text, as of a day: an embargo with an end stops speaking
after it, and an expired embargo is no objection."""

from __future__ import annotations

from inwriting.domain.events import PartyId
from inwriting.domain.model import Disclosure, DisclosureAct

US, RU = PartyId("US"), PartyId("RU")


def story(*acts: DisclosureAct) -> Disclosure:
    return Disclosure("d@v1/answer/US/1", US, acts)


def test_an_embargo_until_a_day_speaks_until_that_day_only() -> None:
    embargo = DisclosureAct("embargo", US, "2022-01-26", "Not yet.", "2022-02-01", 7)
    d = story(embargo)
    assert d.stance() == "embargo"  # the latest word, whatever the day
    assert d.stance(on="2022-02-01") == "embargo"
    assert d.stance(on="2022-02-02") is None


def test_the_owners_latest_word_counts_and_others_requests_do_not() -> None:
    d = story(
        DisclosureAct("embargo", US, "2022-01-26", "Not yet.", None, 7),
        DisclosureAct("publication", RU, "2022-01-27", "Please.", None, 8),
        DisclosureAct("consent", US, "2022-01-28", None, None, 9),
    )
    assert d.stance(on="2030-01-01") == "consent"
    assert story(DisclosureAct("publication", RU, "2022-01-27", None, None, 8)).stance() is None
