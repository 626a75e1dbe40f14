"""Who sees what through the API, on SQLite and PostgreSQL. DE's token, guessing the ids of what RU
wrote for itself or exchanged with the US alone (a draft in preparation, an answer, an instrument, a
private commitment), gets for each the very 404 an id that does not exist gets; its search, lists, log
and bundle hold nothing of them. Removed delegates and revoked tokens are 401, and no request can
act for another party than its token's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from inwriting.app import accounts, delegates
from inwriting.record.bundle import verify_bundle
from tests.web.conftest import TODAY, TREATY, Api, error_of

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")

SECRET_WORDS = ("zebra", "walrus", "quokka", "capybara")
NOTE = b"Note\n\nArticle 1\n\nThe Parties shall not interfere.\n\nArticle 2\n\nIn force on receipt.\n"
US_DOC = b"""US proposal on transparency

Article 1

The Parties shall hold talks on walrus matters.

Article 2

The Parties shall exchange data.
"""


@pytest.fixture
def record(api: Api) -> Api:
    """RU's draft `secret@v1` (RU alone reads it); the US's `usdoc@v1` handed to RU alone, RU's answer
    to it, the instrument `usdoc-agreement` between RU and the US, and RU's private commitment to the
    US, `RU/commitment/1`. DE takes part in the process (through NATO) but in none of these."""
    treaty = TREATY.read_text(encoding="utf-8").replace(
        "The Parties shall seek to ensure", "The zebra clause applies. The Parties shall seek to ensure"
    )
    assert api.upload("RU", "secret.txt", treaty.encode("utf-8"), document="secret").status_code == 201
    assert api.upload("US", "usdoc.txt", US_DOC, document="usdoc").status_code == 201
    assert api.post("US", "/versions/usdoc@v1/handovers", json={"to": ["RU"]}).status_code == 201
    positions = [{"eid": "art_1", "position": "amend", "text": "Talks on quokka matters."}]
    answered = api.post("RU", "/versions/usdoc@v1/answers", json={"form": "points", "positions": positions})
    assert answered.status_code == 201, answered.text
    created = api.post("RU", "/instruments", json={"version": "usdoc@v1", "kind": "agreement"})
    assert created.json()["instrument"] == "usdoc-agreement", created.text
    commitment = {
        "party": "RU",
        "to": ["US"],
        "text": "We will not deploy capybara systems.",
        "form": "written",
        "source": "letter of 10 January 2022",
    }
    assert api.post("RU", "/commitments", json=commitment).json()["commitment"] == "RU/commitment/1"
    return api


# (method, path with {id}, JSON body or None, the real id, an id that does not exist)
GUESSES: list[tuple[str, str, dict[str, Any] | None, str, str]] = [
    ("get", "/versions/{id}", None, "secret@v1", "nosuch@v1"),
    ("get", "/versions/{id}/status", None, "secret@v1", "nosuch@v1"),
    ("get", "/versions/{id}/export?format=md", None, "secret@v1", "nosuch@v1"),
    ("get", "/versions/{id}/export?format=docx", None, "secret@v1", "nosuch@v1"),
    ("get", "/versions/{id}/answer-template", None, "secret@v1", "nosuch@v1"),
    ("get", "/redline?old={id}&new={id}", None, "secret@v1", "nosuch@v1"),
    ("get", "/redline/export?old={id}&new={id}&format=html", None, "secret@v1", "nosuch@v1"),
    ("get", "/notes/compare?a={id}&b={id}", None, "secret@v1", "nosuch@v1"),
    ("get", "/documents/{id}/versions", None, "secret", "nosuch"),
    ("get", "/versions/{id}", None, "usdoc@v1", "nosuch@v1"),
    ("get", "/texts/{id}/story", None, "secret@v1", "nosuch@v1"),
    ("get", "/texts/{id}/story", None, "usdoc@v1/answer/RU/1", "nosuch@v1/answer/RU/1"),
    ("post", "/versions/{id}/answers", {"form": "prose", "text": "We agree."}, "secret@v1", "nosuch@v1"),
    (
        "post",
        "/versions/{id}/answers",
        {"form": "points", "positions": [{"eid": "art_1", "position": "accept"}]},
        "secret@v1",
        "nosuch@v1",
    ),
    (
        "post",
        "/versions/{id}/answers",
        {"form": "markdown", "text": "## {art_1}: accept\n"},
        "secret@v1",
        "nosuch@v1",
    ),
    ("post", "/versions/{id}/handovers", {"to": ["US"]}, "secret@v1", "nosuch@v1"),
    ("post", "/versions/{id}/receipts", {}, "secret@v1", "nosuch@v1"),
    ("post", "/versions/{id}/receipts", {}, "usdoc@v1", "nosuch@v1"),
    ("post", "/texts/{id}/embargo-requests", {"reason": "no"}, "secret@v1", "nosuch@v1"),
    ("post", "/texts/{id}/publication-requests", {}, "secret@v1", "nosuch@v1"),
    ("post", "/texts/{id}/publications", {}, "usdoc@v1/answer/RU/1", "nosuch@v1/answer/RU/1"),
    ("post", "/texts/{id}/consents", {}, "usdoc@v1/answer/RU/1", "nosuch@v1/answer/RU/1"),
    ("post", "/instruments", {"version": "{id}", "kind": "treaty"}, "secret@v1", "nosuch@v1"),
    ("get", "/instruments/{id}", None, "usdoc-agreement", "nosuch-agreement"),
    ("get", "/instruments/{id}/proof", None, "usdoc-agreement", "nosuch-agreement"),
    ("get", "/instruments/{id}/pdf", None, "usdoc-agreement", "nosuch-agreement"),
    ("post", "/instruments/{id}/signatures", {"place": "Geneva"}, "usdoc-agreement", "nosuch-agreement"),
    ("post", "/instruments/{id}/ratifications", {}, "usdoc-agreement", "nosuch-agreement"),
    ("get", "/commitments/{id}", None, "RU/commitment/1", "RU/commitment/9"),
    ("post", "/commitments/{id}/declines", {}, "RU/commitment/1", "RU/commitment/9"),
    (
        "post",
        "/claims",
        {"commitment": "{id}", "text": "Broken.", "evidence": ["a report"]},
        "RU/commitment/1",
        "RU/commitment/9",
    ),
]


def call(api: Api, method: str, path: str, body: dict[str, Any] | None, ident: str) -> httpx.Response:
    url = path.replace("{id}", ident)
    if method == "get":
        return api.get("DE", url)
    payload = json.loads(json.dumps(body).replace("{id}", ident))
    return api.post("DE", url, json=payload)


def test_a_guessed_id_answers_as_a_missing_one(record: Api) -> None:
    """Each guess, and the same request for an id that does not exist: the same 404, word for word
    (but for the id), and nothing recorded."""
    before = record.size()
    differ = []
    for method, path, body, real, fake in GUESSES:
        seen = call(record, method, path, body, real)
        missing = call(record, method, path, body, fake)
        error_of(missing, 404, "not_found")
        if seen.status_code != 404 or seen.json() != json.loads(missing.text.replace(fake, real)):
            differ.append((method, path, real, seen.status_code, seen.text))
    assert differ == []
    assert record.size() == before


def test_lists_search_log_and_bundle_hold_nothing_of_it(record: Api, tmp_path: Path) -> None:
    assert record.get("DE", "/instruments").json()["instruments"] == []
    assert record.get("DE", "/commitments").json()["commitments"] == []
    assert record.get("DE", "/claims").json()["claims"] == []
    assert record.get("DE", "/matrix/sg").json()["rows"] == []  # DE takes part in sg (NATO, on nrc)
    missing = record.get("DE", "/matrix/ghost")
    unseen = record.get("DE", "/matrix/ru-us")  # no part in it and nothing to read there: no such track
    assert (unseen.status_code, unseen.json()["error"]["code"]) == (404, "not_found")
    assert unseen.json()["error"]["message"] == missing.json()["error"]["message"].replace("ghost", "ru-us")
    assert record.get("DE", "/due").json()["owed"] == []
    for word in SECRET_WORDS:
        assert record.get("DE", "/search", params={"q": word}).json()["hits"] == []
    assert [h["text"] for h in record.get("RU", "/search", params={"q": "zebra"}).json()["hits"]] == [
        "secret@v1"
    ]

    log = record.get("DE", "/log", params={"limit": 1000}).json()
    shown = json.dumps([e for e in log["events"] if not e["hidden"]])
    for word in (*SECRET_WORDS, "secret@v1", "usdoc", "RU/commitment/1"):
        assert word not in shown
    assert sum(e["hidden"] for e in log["events"]) >= 6

    download = record.get("DE", "/bundles/sg")
    assert download.status_code == 200, download.text
    for word in (*SECRET_WORDS, "secret@v1", "usdoc", "RU/commitment/1", "Russian Federation on security"):
        assert word.encode() not in download.content, word
    path = tmp_path / "de.jsonl"
    path.write_bytes(download.content)
    report = verify_bundle(path)
    assert report.party == "DE" and report.hidden >= 6 and report.texts == 0

    # what RU reads of the same process is there in its own bundle (the test above is not vacuous)
    ours = record.get("RU", "/bundles/sg").content
    assert all(word.encode() in ours for word in ("zebra", "walrus", "quokka"))


def test_a_party_outside_a_process_gets_no_bundle(record: Api) -> None:
    delegates.add_delegate(
        record.app, "PL", delegate="sikorski", name="R. Sikorski", title="Minister", roles=["reader"]
    )
    record.tokens["PL"] = accounts.issue_token(record.app, "PL", "sikorski").secret
    # PL is a NATO member: it takes part in `nrc`, so in `sg`
    assert record.get("PL", "/bundles/sg").status_code == 200
    error_of(record.get("PL", "/bundles/nosuch"), 404, "not_found")


def test_removed_delegates_and_revoked_tokens_are_401(api: Api) -> None:
    delegates.add_delegate(api.app, "US", delegate="aide", name="An Aide", title="Adviser", roles=["reader"])
    aide = accounts.issue_token(api.app, "US", "aide")
    headers = {"Authorization": f"Bearer {aide.secret}"}
    assert api.client.get("/api/v1/me", headers=headers).json()["delegate"] == "aide"
    delegates.remove_delegate(api.app, "US", "aide")
    removed = api.client.get("/api/v1/me", headers=headers)
    assert "no longer a delegate" in error_of(removed, 401, "unauthenticated")["message"]
    assert removed.headers["www-authenticate"] == "Bearer"

    issued = accounts.issue_token(api.app, "DE", "baerbock")
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert api.client.get("/api/v1/versions/nosuch@v1", headers=headers).status_code == 404
    accounts.revoke_token(api.app, issued.token_id)
    error_of(api.client.get("/api/v1/versions/nosuch@v1", headers=headers), 401, "unauthenticated")

    for anonymous in (api.get(None, "/me"), api.get(None, "/log"), api.post(None, "/drafts")):
        error_of(anonymous, 401, "unauthenticated")
        assert anonymous.headers["www-authenticate"] == "Bearer"


PUBLIC_OPERATIONS = {  # what a log shows anyone, for witnesses: sizes and hashes only
    ("get", "/public/log"),
    ("get", "/public/consistency"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
}


def test_every_operation_but_the_public_ones_wants_a_token(api: Api) -> None:
    """Every operation the OpenAPI lists, called with no token or a token that does not exist, is 401
    before it reads or writes anything; only the witnesses' public endpoints answer anyone."""
    schema = api.client.get("/api/v1/openapi.json").json()
    size = api.size()
    called = 0
    for path, operations in schema["paths"].items():
        for method in operations:
            if (method, path) in PUBLIC_OPERATIONS:
                continue
            url = "/api/v1" + path.replace("{", "").replace("}", "")  # each parameter named by its name
            for headers in ({}, {"Authorization": "Bearer iw_tok_000000000000_" + "A" * 43}):
                answer = api.client.request(method.upper(), url, headers=headers)
                assert answer.status_code == 401, (method, path, headers, answer.text[:200])
                called += 1
    assert called >= 2 * 60 and api.size() == size
    assert api.client.get("/api/v1/public/log").status_code == 200


ACTING = {"as", "as_party", "actor", "acting", "delegate", "on_behalf_of", "signatory", "viewer"}


def test_no_request_can_act_for_another_party(record: Api) -> None:
    schema = record.client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content["schema"].get("$ref", "")
                for variant in [
                    ref,
                    *(v["$ref"] for v in components.get(ref.rsplit("/", 1)[-1], {}).get("oneOf", [])),
                ]:
                    names |= set(components.get(variant.rsplit("/", 1)[-1], {}).get("properties", {}))
            assert not names & ACTING, (method, path, names & ACTING)

    # an unknown field is refused, not ignored
    smuggled = {"to": ["RU"], "as_party": "RU"}
    error_of(record.post("US", "/versions/usdoc@v1/handovers", json=smuggled), 400, "invalid_input")
    # whoever's text it is, the act is the token's party's: US may not hand over RU's draft
    refused = record.post("US", "/versions/secret@v1/handovers", json={"to": ["DE"]})
    error_of(refused, 404, "not_found")
    # an exchange of notes is signed for the token's party alone, though this server holds RU's key too
    for party, doc in (("RU", "ru-note"), ("US", "us-note")):
        assert (
            record.upload(party, "n.txt", NOTE, document=doc, kind="note", audience="track").status_code
            == 201
        )
    same = record.get("US", "/notes/compare", params={"a": "ru-note@v1", "b": "us-note@v1"}).json()
    assert same["same"] is True
    exchange = {"note_a": "ru-note@v1", "note_b": "us-note@v1", "date": TODAY, "place": "Washington"}
    made = record.post("US", "/notes/exchanges", json=exchange)
    assert made.status_code == 201, made.text
    assert (made.json()["signed_by"], made.json()["awaiting_signature"]) == (["US"], ["RU"])
    # and what is recorded names the token's party and delegate
    done = record.post("US", "/texts/usdoc@v1/embargo-requests", json={"reason": "Not yet."})
    seq = done.json()["event"]["seq"]
    (entry,) = [e for e in record.get("US", "/log", params={"start": seq, "limit": 1}).json()["events"]]
    assert entry["actor"]["party"] == "US" and entry["actor"]["delegate"] == "sherman"


def pages(api: Api, who: str, path: str, key: str, limit: int, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list as `who` reads it, `limit` items a page, following `next` to the end."""
    found: list[list[dict[str, Any]]] = []
    after: str | None = None
    while True:
        query = {**params, "limit": limit, **({} if after is None else {"after": after})}
        response = api.get(who, path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        found.append(body[key])
        after = body["next"]
        if after is None:
            return found
        assert len(found) < 100, "the cursor does not move"


def test_list_pages_hold_only_what_the_party_may_see(record: Api) -> None:
    """Meetings, preconditions and commitments a page at a time: each page holds at most `limit` items,
    every page but the last is full, the pages together are the whole list (the unpaged use case's, in
    its order, none twice), and no page of DE's holds anything of the RU-US track or of RU and the US's
    private commitments, however small the pages."""
    from inwriting.app import register, talks
    from inwriting.domain.events import PartyId

    for day in ("2021-12-01", "2021-12-03", "2021-12-02"):  # recorded out of date order
        for track in ("ru-us", "nrc"):
            body = {"track": track, "date": day, "place": "Geneva"}
            assert record.post("RU", "/meetings", json=body).status_code == 201
    for n in range(3):
        for track in ("ru-us", "nrc"):
            body = {"track": track, "text": f"walrus condition {n} on {track}"}
            assert record.post("RU", "/preconditions", json=body).status_code == 201
    mine = {"form": "written", "source": "a letter"}
    for n in range(3):
        text = f"We will not deploy capybara systems, {n}."
        for party, to in (("RU", "US"), ("US", "RU"), ("DE", "NATO")):
            if party == "DE":
                text = f"NATO consults its members, {n}."
            body = {**mine, "party": party, "to": [to], "text": text}
            assert record.post(party, "/commitments", json=body).status_code == 201

    app = record.app
    for party in ("RU", "US", "DE", "NATO"):
        viewer = PartyId(party)
        lists = [
            ("/meetings", "meetings", "meeting", [m.id for m in talks.meetings(app, viewer=viewer)]),
            (
                "/preconditions",
                "preconditions",
                "precondition",
                [p.id for p in talks.preconditions(app, viewer=viewer)],
            ),
            (
                "/commitments",
                "commitments",
                "id",
                [v.commitment.id for v in register.commitments(app, viewer=viewer)],
            ),
        ]
        for path, key, name, whole in lists:
            assert whole, (party, path)
            for limit in (1, 2, 1000):
                got = pages(record, party, path, key, limit)
                assert all(len(page) == limit for page in got[:-1]) and len(got[-1]) <= limit
                assert [item[name] for page in got for item in page] == whole, (party, path, limit)
            unpaged = record.get(party, path).json()
            assert [item[name] for item in unpaged[key]] == whole and unpaged["next"] is None

    for limit in (1, 2):
        seen = json.dumps(pages(record, "DE", "/meetings", "meetings", limit))
        seen += json.dumps(pages(record, "DE", "/preconditions", "preconditions", limit))
        seen += json.dumps(pages(record, "DE", "/commitments", "commitments", limit))
        assert "ru-us" not in seen and "capybara" not in seen and "RU/commitment" not in seen
        assert "nrc" in seen and "NATO consults" in seen
    by_track = pages(record, "RU", "/meetings", "meetings", 2, track="nrc")
    assert [m["date"] for page in by_track for m in page] == ["2021-12-01", "2021-12-02", "2021-12-03"]
    by_party = pages(record, "US", "/commitments", "commitments", 1, party="US")
    assert {c["obligor"] for page in by_party for c in page} == {"RU", "US"}


def test_list_pages_refuse_a_bad_limit_or_cursor(record: Api) -> None:
    for path in ("/meetings", "/preconditions", "/commitments"):
        first = record.get("RU", path, params={"limit": 1})
        assert first.status_code == 200 and "next" in first.json()
        error_of(record.get("RU", path, params={"limit": 0}), 400, "invalid_input")
        error_of(record.get("RU", path, params={"limit": 1001}), 400, "invalid_input")
        error_of(record.get("RU", path, params={"after": "nonsense"}), 400, "invalid_input")
    assert record.get("RU", "/commitments", params={"limit": 1000}).status_code == 200
