"""Publication rules and delegates on SQLite and PostgreSQL: who may ask that a text not be published,
ask to publish it, consent or refuse; publishing under a track's policy (consent | unilateral) and why
it is refused; embargoes that run out; publication elsewhere, which opens nothing; partial
publication; delegates and their roles. Every refusal leaves the log as it was; verify and rebuild
keep every story."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from inwriting.app import delegates, disclosure, drafts, registry, setup
from inwriting.app import log as log_cases
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.domain.events import PartyId
from inwriting.errors import Conflict, InvalidInput, InwritingError, NotFound, Refused
from tests.storage.helpers import log_size
from tests.storage.test_access import (
    Backend,
    answer_file,
    assert_as_if_absent,
    draft_text,
    open_app,
    sentences,
    write_file,
)
from tests.storage.test_access import backend as backend  # the module-scoped fixture, per backend

TODAY = "2022-02-10"
T, U = "t@v1", "u@v1"  # RU's texts on ru-us (policy consent) and on uni (policy unilateral)
A, B = "t@v1/answer/US/1", "u@v1/answer/US/1"  # US's answers to them
VIEWERS = ("RU", "US", "NATO", "DE", "PL")


def build(app: App, root: Path) -> None:
    """RU, US, DE, PL and NATO (members: DE), each with a key; RU's drafts t (track ru-us, policy
    consent) and u (track uni, policy unilateral), both for its eyes only and handed to US, who
    answered both."""
    for party, name in (
        ("RU", "Russian Federation"),
        ("US", "United States of America"),
        ("DE", "Federal Republic of Germany"),
        ("PL", "Republic of Poland"),
    ):
        registry.register_party(app, party, name)
    registry.register_party(app, "NATO", "North Atlantic Treaty Organization", "alliance", ["DE"])
    for party in ("RU", "US", "DE", "PL", "NATO"):
        registry.new_key(app, party)
    registry.new_process(app, "sg", "Security guarantees")
    registry.new_track(app, "ru-us", "sg", "Bilateral, Geneva", ["RU", "US"])
    registry.new_track(app, "uni", "sg", "Bilateral, Geneva (open)", ["RU", "US"], policy="unilateral")
    for doc, track in (("t", "ru-us"), ("u", "uni")):
        file = write_file(root, f"{doc}.txt", draft_text(doc))
        drafts.import_draft(app, file, track=track, as_party="RU", document=doc, audience="author")
        neg.handover(app, f"{doc}@v1", to=["US"], date="2022-01-10")
        said = {"art_1": ("reject", None, "We cannot accept this.")}
        neg.answer(
            app, f"{doc}@v1", as_party="US", file=answer_file(app, root, f"{doc}@v1", said), date="2022-01-12"
        )


@pytest.fixture(scope="module")
def base(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> tuple[Backend, str, Path]:
    root = tmp_path_factory.mktemp(f"disclosure-{backend.kind}")
    url = backend.fresh()
    setup.init(url, str(root / "keys"), origin="test.inwriting.local/log")
    app = open_app(url, root / "keys", TODAY)
    build(app, root)
    app.close()
    return backend, url, root


@pytest.fixture
def d(base: tuple[Backend, str, Path], tmp_path: Path) -> Iterator[App]:
    """A copy of the base record for one test, its clock at noon on TODAY."""
    backend, url, root = base
    shutil.copytree(root / "keys", tmp_path / "keys")
    app = open_app(backend.copy(url), tmp_path / "keys", TODAY)
    try:
        yield app
    finally:
        app.close()


def refused(app: App, call: Callable[[], Any], error: type[InwritingError], says: str) -> InwritingError:
    """`call` raises exactly `error`, whose message says `says`, and the log is as it was."""
    before = log_size(app)
    with pytest.raises(error) as raised:
        call()
    assert type(raised.value) is error
    assert says in raised.value.message, raised.value.message
    assert log_size(app) == before
    return raised.value


def story(app: App, text: str, viewer: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = disclosure.story(app, text, viewer=PartyId(viewer) if viewer else None).to_json()
    return found


def kinds(app: App, text: str) -> list[tuple[str, str]]:
    return [(a["kind"], a["party"]) for a in story(app, text)["acts"]]


# ---- requests, consents, refusals -------------------------------------------------------------------


def test_only_the_owner_asks_that_its_text_not_be_published(d: App) -> None:
    refused(
        d,
        lambda: disclosure.request_embargo(d, A, as_party="RU", reason="Not yours."),
        Refused,
        f"only US, whose text {A} is, can ask that it not be published",
    )
    refused(
        d,
        lambda: disclosure.request_embargo(d, T, as_party="US", reason="Not yours."),
        Refused,
        f"only RU, whose text {T} is",
    )
    refused(d, lambda: disclosure.request_embargo(d, A, as_party="US", reason="  "), InvalidInput, "reason")
    disclosure.request_embargo(d, A, as_party="US", reason="A confidential exchange.", date="2022-01-26")
    disclosure.request_embargo(d, T, as_party="RU", reason="Work in progress.", until="2022-06-01")
    assert kinds(d, A) == [("embargo", "US")]
    [act] = story(d, T)["acts"]
    assert (act["kind"], act["party"], act["until"], act["reason"]) == (
        "embargo",
        "RU",
        "2022-06-01",
        "Work in progress.",
    )
    assert story(d, A)["owner_stance"] == "embargo"


def test_the_owner_does_not_ask_itself_to_publish(d: App) -> None:
    refused(
        d,
        lambda: disclosure.request_publication(d, T, as_party="RU"),
        Refused,
        "RU may publish its own text; it needs no one's consent",
    )
    refused(d, lambda: disclosure.request_publication(d, A, as_party="US"), Refused, "US may publish its own")
    disclosure.request_publication(d, A, as_party="RU", reason="It would be right to publish it.")
    assert kinds(d, A) == [("publication", "RU")]


def test_consent_and_refusal_come_from_the_owner_after_a_request(d: App) -> None:
    refused(
        d,
        lambda: disclosure.answer_request(d, A, as_party="US", consent=True),
        Refused,
        f"no one has asked to publish {A}; there is nothing to answer",
    )
    disclosure.request_embargo(d, A, as_party="US", reason="Confidential.")
    refused(  # its own embargo is not a request to publish
        d, lambda: disclosure.answer_request(d, A, as_party="US", consent=False), Refused, "no one has asked"
    )
    disclosure.request_publication(d, A, as_party="RU")
    for consent in (True, False):
        refused(
            d,
            functools.partial(disclosure.answer_request, d, A, as_party="RU", consent=consent),
            Refused,
            f"only US, whose text {A} is, can consent to or refuse its publication",
        )
    disclosure.answer_request(d, A, as_party="US", consent=False, reason="Not now.")
    assert story(d, A)["owner_stance"] == "refuse"
    disclosure.answer_request(d, A, as_party="US", consent=True)
    assert story(d, A)["owner_stance"] == "consent"
    assert kinds(d, A) == [("embargo", "US"), ("publication", "RU"), ("refuse", "US"), ("consent", "US")]


# ---- publishing under the track's policy --------------------------------------------------------------


def test_under_consent_publishing_another_partys_text_is_refused_with_the_reason(d: App) -> None:
    assert story(d, A)["policy"] == "consent"
    prefix = f"publishing {A} needs US's consent on this track (policy consent): "
    said = refused(d, lambda: disclosure.publish(d, A, as_party="RU"), Refused, prefix)
    assert "US has not consented" in said.message and "request-publication" in said.message

    disclosure.request_embargo(d, A, as_party="US", reason="Confidential.")
    refused(
        d,
        lambda: disclosure.publish(d, A, as_party="RU"),
        Refused,
        prefix + "US asked that it not be published",
    )

    disclosure.request_publication(d, A, as_party="RU")
    disclosure.answer_request(d, A, as_party="US", consent=False)
    refused(d, lambda: disclosure.publish(d, A, as_party="RU"), Refused, prefix + "US refused its consent")
    refused(  # not even some points of it
        d, lambda: disclosure.publish(d, T, as_party="US"), Refused, f"publishing {T} needs RU's consent"
    )
    assert_as_if_absent(lambda text: disclosure.story(d, text, viewer=PartyId("PL")), A)

    disclosure.answer_request(d, A, as_party="US", consent=True)
    disclosure.publish(d, A, as_party="RU", date="2022-02-03")
    [publication] = story(d, A)["publications"]
    assert (publication["by"], publication["elsewhere"], publication["over_objection"]) == (
        "RU",
        False,
        False,
    )
    assert publication["date"] == "2022-02-03"
    assert story(d, A)["public"] is True
    for viewer in ("NATO", "DE", "PL"):  # now everyone's
        assert story(d, A, viewer)["you_see"] == "all"


def test_the_owner_publishes_its_own_text_without_anyones_consent(d: App) -> None:
    disclosure.request_embargo(d, T, as_party="RU", reason="Ours, for now.")
    disclosure.publish(d, T, as_party="RU")
    [publication] = story(d, T)["publications"]
    assert publication["over_objection"] is False
    assert drafts.get_version(d, T, viewer=PartyId("PL"))[1] == drafts.get_version(d, T)[1]


def test_under_unilateral_publishing_is_recorded_with_the_objection(d: App) -> None:
    assert story(d, B)["policy"] == "unilateral"
    disclosure.publish(d, U, as_party="US")  # RU's draft, no objection
    disclosure.request_embargo(d, B, as_party="US", reason="Confidential.")
    disclosure.publish(d, B, as_party="RU")  # US's answer, over its objection
    [on_draft] = story(d, U)["publications"]
    [on_answer] = story(d, B)["publications"]
    assert (on_draft["by"], on_draft["over_objection"]) == ("US", False)
    assert (on_answer["by"], on_answer["over_objection"]) == ("RU", True)
    assert story(d, B, "PL")["you_see"] == "all"


def test_refusal_after_a_request_is_an_objection_too(d: App) -> None:
    disclosure.request_publication(d, B, as_party="RU")
    disclosure.answer_request(d, B, as_party="US", consent=False, reason="No.")
    disclosure.publish(d, B, as_party="RU")
    assert [p["over_objection"] for p in story(d, B)["publications"]] == [True]


def test_track_policy_is_set_by_the_operator_and_checked(d: App) -> None:
    refused(d, lambda: registry.set_track_policy(d, "ru-us", "whatever"), InvalidInput, "consent, unilateral")
    refused(d, lambda: registry.set_track_policy(d, "nowhere", "unilateral"), NotFound, "nowhere")
    refused(
        d,
        lambda: registry.new_track(d, "bad", "sg", "Somewhere", ["RU", "US"], policy="open"),
        InvalidInput,
        "policy",
    )
    disclosure.request_embargo(d, A, as_party="US", reason="Confidential.")
    refused(d, lambda: disclosure.publish(d, A, as_party="RU"), Refused, "policy consent")
    registry.set_track_policy(d, "ru-us", "unilateral")
    assert story(d, A)["policy"] == "unilateral"
    disclosure.publish(d, A, as_party="RU")
    assert [p["over_objection"] for p in story(d, A)["publications"]] == [True]


def test_an_embargo_that_has_run_out_no_longer_blocks(d: App) -> None:
    disclosure.request_embargo(
        d, A, as_party="US", reason="Until the talks.", until="2022-01-20", date="2022-01-15"
    )
    refused(
        d,
        lambda: disclosure.publish(d, A, as_party="RU", date="2022-01-19"),
        Refused,
        "US asked that it not be published",
    )
    later = refused(d, lambda: disclosure.publish(d, A, as_party="RU", date="2022-01-25"), Refused, "consent")
    assert "US has not consented" in later.message  # the embargo is over; the policy still asks consent

    disclosure.request_embargo(
        d, B, as_party="US", reason="Until the talks.", until="2022-01-20", date="2022-01-15"
    )
    disclosure.publish(d, B, as_party="RU", date="2022-01-25")
    [publication] = story(d, B)["publications"]
    assert publication["over_objection"] is False  # nothing was objected to any more


# ---- published elsewhere, and partial publication -----------------------------------------------------


def test_publication_elsewhere_is_a_fact_and_opens_nothing(d: App) -> None:
    disclosure.request_embargo(d, A, as_party="US", reason="Confidential.", date="2022-01-26")
    disclosure.request_publication(d, A, as_party="RU", date="2022-01-27")
    disclosure.published_elsewhere(
        d, A, as_party=None, publisher="El País", source="https://elpais.com/a", date="2022-02-02"
    )
    for viewer in ("NATO", "DE", "PL"):
        assert_as_if_absent(functools.partial(disclosure.story, d, viewer=PartyId(viewer)), A)
    told = story(d, A, "RU")
    assert told["public"] is False and told["published_points"] is None
    [publication] = told["publications"]
    assert (publication["elsewhere"], publication["publisher"], publication["source"]) == (
        True,
        "El País",
        "https://elpais.com/a",
    )
    assert (publication["by"], publication["date"], publication["over_objection"]) == (
        "@operator",
        "2022-02-02",
        True,
    )
    assert story(d, A, "US") == {**told, "you_see": "all"}
    refused(  # the operator's record is no consent: RU still may not publish
        d, lambda: disclosure.publish(d, A, as_party="RU"), Refused, "US asked that it not be published"
    )
    disclosure.published_elsewhere(d, A, as_party="RU", publisher="Kommersant", source="kommersant.ru")
    assert [p["by"] for p in story(d, A)["publications"]] == ["@operator", "RU"]
    assert_as_if_absent(
        lambda text: disclosure.published_elsewhere(d, text, as_party="PL", publisher="X", source="Y"), A
    )


def test_partial_publication(d: App) -> None:
    disclosure.publish(d, T, as_party="RU", points=["art_1"])
    _, seen = drafts.get_version(d, T, viewer=PartyId("PL"))
    assert [p.eid for p in seen.walk()] == ["art_1"]
    told = story(d, T, "PL")
    assert (told["public"], told["published_points"], told["you_see"]) == (
        True,
        ["art_1"],
        "published points",
    )
    assert story(d, T, "US")["you_see"] == "all"  # it was handed the whole text
    refused(
        d,
        lambda: disclosure.publish(d, T, as_party="PL", points=["art_2"]),
        Refused,
        f"PL has only the published points of {T}; it cannot publish more",
    )
    refused(
        d,
        lambda: disclosure.publish(d, T, as_party="RU", points=["art_9"]),
        NotFound,
        f"{T} has no point art_9",
    )
    disclosure.request_publication(d, A, as_party="RU")
    disclosure.answer_request(d, A, as_party="US", consent=True)
    refused(
        d,
        lambda: disclosure.publish(d, A, as_party="RU", points=["art_1"]),
        InvalidInput,
        "an answer is published whole",
    )
    disclosure.publish(d, T, as_party="RU", points=["art_2"])
    _, seen = drafts.get_version(d, T, viewer=PartyId("PL"))
    assert [p.eid for p in seen.walk()] == ["art_1", "art_2"]
    assert [p.text for p in seen.walk()] == [sentences("t")["art_1"], sentences("t")["art_2"]]
    assert story(d, T, "DE")["published_points"] == ["art_1", "art_2"]


# ---- verify and rebuild --------------------------------------------------------------------------------


def every_story(app: App) -> dict[tuple[str, str], Any]:
    told: dict[tuple[str, str], Any] = {}
    for text in (T, U, A, B):
        for viewer in (None, *VIEWERS):
            try:
                found: Any = story(app, text, viewer)
            except NotFound as exc:
                found = ("not found", exc.message)
            told[(text, viewer or "operator")] = found
    return told


def test_verify_passes_and_rebuild_keeps_every_story(d: App) -> None:
    disclosure.request_embargo(d, A, as_party="US", reason="Confidential.", date="2022-01-26")
    disclosure.request_publication(d, A, as_party="RU", reason="It would be right.", date="2022-01-27")
    disclosure.answer_request(d, A, as_party="US", consent=False, date="2022-01-28")
    disclosure.published_elsewhere(
        d, A, as_party=None, publisher="El País", source="elpais.com", date="2022-02-02"
    )
    disclosure.publish(d, T, as_party="RU", points=["art_1"])
    disclosure.request_embargo(d, B, as_party="US", reason="Confidential.", until="2022-01-30")
    disclosure.publish(d, B, as_party="RU")
    delegates.add_delegate(
        d, "US", delegate="blinken", name="A. Blinken", title="Secretary of State", roles=["negotiator"]
    )
    disclosure.answer_request(d, A, as_party="US", consent=True, delegate="blinken")
    before = every_story(d)
    assert before[(A, "PL")][0] == "not found"
    assert before[(T, "PL")]["you_see"] == "published points"
    assert log_cases.verify(d).size == log_size(d)
    log_cases.rebuild(d)
    assert every_story(d) == before
    assert log_cases.verify(d).size == log_size(d)


# ---- delegates ----------------------------------------------------------------------------------------


def add(app: App, party: str, did: str, *roles: str) -> None:
    delegates.add_delegate(
        app, party, delegate=did, name=f"{did.title()} Person", title="Envoy", roles=list(roles)
    )


def test_once_a_party_has_delegates_its_acts_name_one(d: App) -> None:
    disclosure.request_embargo(d, A, as_party="US", reason="Before delegates: US acts as itself.")
    add(d, "US", "blinken", "negotiator")
    add(d, "US", "sherman", "negotiator", "signatory")
    refused(
        d,
        lambda: disclosure.request_embargo(d, B, as_party="US", reason="Confidential."),
        Refused,
        "US acts through its delegates; name the acting one (blinken, sherman)",
    )
    refused(
        d,
        lambda: disclosure.request_embargo(d, B, as_party="US", reason="Confidential.", delegate="nobody"),
        Refused,
        "nobody is not an active delegate of US",
    )
    recorded = disclosure.request_embargo(d, B, as_party="US", reason="Confidential.", delegate="sherman")
    [event] = list(log_cases.show(d, recorded.seq, 1))
    assert event["actor"]["party"] == "US" and event["actor"]["delegate"] == "sherman"
    disclosure.request_publication(d, A, as_party="RU")  # RU has no delegates: it still acts as itself


@pytest.mark.parametrize(
    ("party", "roles", "act", "says"),
    [
        ("US", ("reader",), "answer", "(reader) may not sign answer.given for US"),
        ("US", ("reader",), "request-embargo", "(reader) may not sign disclosure.requested for US"),
        ("US", ("drafter", "signatory"), "consent", "(drafter, signatory) may not sign disclosure.answered"),
        ("RU", ("drafter",), "handover", "(drafter) may not sign handover.made for RU"),
        ("RU", ("drafter",), "publish", "(drafter) may not sign text.published for RU"),
        ("RU", ("negotiator",), "import", "(negotiator) may not sign version.created for RU"),
        ("US", ("admin",), "receipt", "(admin) may not sign receipt.signed for US"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_a_delegate_acts_only_within_its_roles(
    d: App, tmp_path: Path, party: str, roles: tuple[str, ...], act: str, says: str
) -> None:
    drafts.import_draft(
        d, write_file(tmp_path, "w.txt", draft_text("w")), track="ru-us", as_party="RU", document="w"
    )
    disclosure.request_publication(d, A, as_party="RU")
    add(d, party, "someone", *roles)
    calls: dict[str, Callable[[], Any]] = {
        "answer": lambda: neg.answer(
            d, T, as_party="US", file=answer_file(d, tmp_path, T, {"art_2": "accept"}), delegate="someone"
        ),
        "request-embargo": lambda: disclosure.request_embargo(
            d, A, as_party="US", reason="No.", delegate="someone"
        ),
        "consent": lambda: disclosure.answer_request(d, A, as_party="US", consent=True, delegate="someone"),
        "handover": lambda: neg.handover(d, "w@v1", to=["US"], delegate="someone"),
        "publish": lambda: disclosure.publish(d, T, as_party="RU", delegate="someone"),
        "import": lambda: drafts.import_draft(
            d, tmp_path / "w.txt", track="ru-us", as_party="RU", document="w", delegate="someone"
        ),
        "receipt": lambda: neg.receipt(d, T, as_party="US", delegate="someone"),
    }
    refused(d, calls[act], Refused, says)


def test_roles_that_allow_an_act_allow_it(d: App, tmp_path: Path) -> None:
    add(d, "RU", "pen", "drafter")
    add(d, "RU", "lavrov", "negotiator")
    file = write_file(tmp_path, "w.txt", draft_text("w"))
    drafts.import_draft(d, file, track="ru-us", as_party="RU", document="w", delegate="pen")
    neg.handover(d, "w@v1", to=["US"], delegate="lavrov")
    disclosure.publish(d, "w@v1", as_party="RU", points=["art_1"], delegate="lavrov")
    actors = [(e["type"], e["actor"]["delegate"]) for e in log_cases.show(d, log_size(d) - 3)]
    assert actors == [("version.created", "pen"), ("handover.made", "lavrov"), ("text.published", "lavrov")]


def test_a_removed_delegate_signs_nothing(d: App) -> None:
    add(d, "US", "blinken", "negotiator")
    add(d, "US", "sherman", "negotiator")
    delegates.remove_delegate(d, "US", "blinken")
    refused(
        d,
        lambda: disclosure.request_embargo(d, A, as_party="US", reason="No.", delegate="blinken"),
        Refused,
        "blinken is not an active delegate of US",
    )
    refused(
        d,
        lambda: disclosure.request_embargo(d, A, as_party="US", reason="No."),
        Refused,
        "name the acting one (sherman)",
    )
    refused(
        d,
        lambda: delegates.remove_delegate(d, "US", "blinken"),
        NotFound,
        "US has no active delegate blinken",
    )
    listed = {(x.id, x.removed_seq is None) for x in delegates.delegates(d, "US")}
    assert listed == {("blinken", False), ("sherman", True)}
    add(d, "US", "blinken", "negotiator")  # named again, a new delegate
    disclosure.request_embargo(d, A, as_party="US", reason="No.", delegate="blinken")


def test_the_operator_needs_no_delegate(d: App) -> None:
    add(d, "US", "blinken", "negotiator")
    add(d, "RU", "lavrov", "negotiator")
    disclosure.published_elsewhere(d, A, as_party=None, publisher="El País", source="elpais.com")
    registry.set_track_policy(d, "ru-us", "unilateral")
    add(d, "US", "sherman", "reader")  # the operator names delegates without naming one of its own
    delegates.remove_delegate(d, "US", "sherman")
    assert story(d, A)["policy"] == "unilateral"


def test_delegates_are_named_by_their_party_through_an_admin(d: App) -> None:
    refused(
        d,
        lambda: delegates.add_delegate(
            d, "US", delegate="x", name="X", title="T", roles=["reader"], as_party="PL"
        ),
        Refused,
        "PL cannot name delegates of US",
    )
    # A party without delegates names its first itself; from then on only through an admin.
    delegates.add_delegate(
        d, "US", delegate="root", name="Root", title="Admin", roles=["admin"], as_party="US"
    )
    refused(
        d,
        lambda: delegates.add_delegate(
            d, "US", delegate="x", name="X", title="T", roles=["reader"], as_party="US"
        ),
        Refused,
        "name the acting one (root)",
    )
    delegates.add_delegate(
        d, "US", delegate="x", name="X", title="T", roles=["reader"], as_party="US", acting="root"
    )
    refused(
        d,
        lambda: delegates.add_delegate(
            d, "US", delegate="y", name="Y", title="T", roles=["reader"], as_party="US", acting="x"
        ),
        Refused,
        "(reader) may not sign delegate.added for US",
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"delegate": "Bad Id"}, InvalidInput, "delegate id"),
        ({"roles": []}, InvalidInput, "roles must be a non-empty list"),
        ({"roles": ["king"]}, InvalidInput, "roles must be a non-empty list"),
        ({"roles": ["reader", "reader"]}, InvalidInput, "a role is named twice"),
        ({"name": " "}, InvalidInput, "name must not be empty"),
        ({"delegate": "blinken"}, Conflict, "US already has a delegate blinken"),
    ],
    ids=["bad-id", "no-roles", "unknown-role", "role-twice", "empty-name", "twice"],
)
def test_delegate_refusals(d: App, kwargs: dict[str, Any], error: type[InwritingError], says: str) -> None:
    add(d, "US", "blinken", "negotiator")
    args: dict[str, Any] = {
        "delegate": "new",
        "name": "New Person",
        "title": "Envoy",
        "roles": ["reader"],
        **kwargs,
    }
    refused(d, lambda: delegates.add_delegate(d, "US", **args), error, says)
    refused(
        d,
        lambda: delegates.add_delegate(d, "XX", delegate="a", name="A", title="T", roles=["reader"]),
        NotFound,
        "party XX is not registered",
    )


def test_a_partys_admin_delegate_names_and_removes_its_delegates(app: App) -> None:
    from inwriting.app import delegates as dcases
    from inwriting.app import registry as reg

    for pid in ("RU", "US"):
        reg.register_party(app, pid, pid)
        reg.new_key(app, pid)
    dcases.add_delegate(app, "RU", delegate="lavrov", name="S. V. Lavrov", title="Minister", roles=["admin"])
    dcases.add_delegate(
        app,
        "RU",
        delegate="ryabkov",
        name="S. A. Ryabkov",
        title="Deputy",
        roles=["negotiator"],
        as_party="RU",
        acting="lavrov",
    )
    with pytest.raises(Refused, match=r"may not sign delegate\.removed"):
        dcases.remove_delegate(app, "RU", "lavrov", as_party="RU", acting="ryabkov")
    dcases.remove_delegate(app, "RU", "ryabkov", as_party="RU", acting="lavrov")
    assert [(d.id, d.removed_seq is None) for d in dcases.delegates(app, "RU")] == [
        ("lavrov", True),
        ("ryabkov", False),
    ]
    with pytest.raises(Refused, match="cannot name delegates of RU"):
        dcases.add_delegate(app, "RU", delegate="x", name="X", title="Y", roles=["reader"], as_party="US")


def test_meetings_and_preconditions_are_listed_to_the_parties_of_their_track(app: App) -> None:
    from inwriting.app import registry as reg
    from inwriting.app import talks as tcases

    for pid in ("RU", "US", "PL"):
        reg.register_party(app, pid, pid)
        reg.new_key(app, pid)
    reg.new_process(app, "sg", "Security guarantees")
    reg.new_track(app, "ru-us", "sg", "Geneva", ["RU", "US"])
    tcases.add_meeting(app, track="ru-us", date="2022-01-10", place="Geneva")
    tcases.add_precondition(app, track="ru-us", as_party="RU", text="No preconditions", date="2021-12-23")
    for viewer, seen in ((None, 1), ("US", 1), ("PL", 0)):
        party = None if viewer is None else PartyId(viewer)
        assert len(tcases.meetings(app, viewer=party)) == seen
        assert len(tcases.preconditions(app, viewer=party)) == seen
