"""The JSON API through HTTP only, on SQLite and PostgreSQL: RU tables the real draft treaty, hands it
to the US point by point, the US acknowledges and answers leaving points out, a redline, the matrix,
an embargo request and a publication refused for want of consent, an instrument signed, ratified and
in force with its commitments, and the log checked against a signed checkpoint and a bundle verified
offline. Then the error envelope for every kind of failure, an oversize upload and a bidi override."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from inwriting.exporters.instrument_pdf import read_pdf_proof
from inwriting.record import instrument as inst
from inwriting.record import merkle
from inwriting.record.bundle import verify_bundle
from inwriting.record.checkpoint import open_checkpoint
from inwriting.record.note import NoteVerifier
from tests.web.conftest import TODAY, TREATY, Api, error_of

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")

DUE = (date.fromisoformat(TODAY) + timedelta(days=14)).isoformat()
AMEND_4 = "The Parties shall respect the right of every State to choose its own security arrangements."
V2_WORDS = "shall consult each other without delay"  # only in RU's second version, never handed over
ALL_EIDS = {
    "art_1",
    "art_1__point_i",
    "art_1__point_ii",
    "art_2",
    "art_3",
    "art_4",
    "art_4__para_1",
    "art_4__para_2",
    "art_5",
    "art_5__para_1",
    "art_5__para_2",
    "art_5__para_3",
    "art_6",
    "art_7",
    "art_7__para_1",
    "art_7__para_2",
    "art_7__para_3",
    "art_8",
}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["ok"] is True, body
    return body


def walk(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for p in points:
        found.append(p)
        found.extend(walk(p["children"]))
    return found


def fill(template: str, said: dict[str, str]) -> str:
    for eid, position in said.items():
        heading = f"{{{eid}}}: ?\n"
        assert template.count(heading) == 1, eid
        template = template.replace(heading, f"{{{eid}}}: {position}\n")
    return template


def test_a_negotiation_through_the_api(api: Api, tmp_path: Path) -> None:
    me = ok(api.get("RU", "/me"))
    assert me == {"ok": True, "party": "RU", "delegate": "ryabkov", "roles": me["roles"]}
    assert "drafter" in me["roles"]

    # RU tables the treaty: a draft in preparation, seen by RU alone
    imported = ok(api.upload("RU", TREATY.name, TREATY.read_bytes(), document="t"), 201)
    assert imported["version"] == "t@v1" and imported["points"] == 18
    assert imported["event"]["type"] == "version.created" and imported["event"]["leaf_hash"].startswith(
        "sha256:"
    )
    shown = ok(api.get("RU", "/versions/t@v1"))
    assert shown["author"] == "RU" and shown["track"] == "ru-us" and shown["kind"] == "treaty"
    assert shown["title"].startswith("Treaty between The United States of America and the Russian Federation")
    assert {p["eid"] for p in walk(shown["points"])} == ALL_EIDS
    assert [p["label"] for p in shown["points"]][:2] == ["Article 1", "Article 2"]
    assert shown["content"].startswith("sha256:")
    error_of(api.get("US", "/versions/t@v1"), 404, "not_found")  # not handed over yet

    # ... and hands it to the US, point by point, with a due date; the US acknowledges
    handed = ok(
        api.post("RU", "/versions/t@v1/handovers", json={"to": ["US"], "due": DUE, "point_by_point": True}),
        201,
    )
    assert handed["handover"] == "t@v1/h1" and handed["to"] == ["US"] and handed["due"] == DUE
    assert ok(api.get("US", "/versions/t@v1"))["content"] == shown["content"]
    receipt = ok(api.post("US", "/versions/t@v1/receipts", json={}), 201)
    assert receipt["receipt"] == "t@v1/h1/receipt/US" and receipt["event"]["type"] == "receipt.signed"
    owed = ok(api.get("US", "/due"))
    assert owed["today"] == TODAY
    assert [(o["version"], o["party"], o["due"], o["unanswered"]) for o in owed["owed"]] == [
        ("t@v1", "US", DUE, 8)
    ]

    # The US answers three points as JSON, leaving the rest out: the answer names what it left out
    template = ok(api.get("US", "/versions/t@v1/answer-template"))["template"]
    assert "{art_4__para_1}: ?" in template and "indivisible" not in template  # no draft text in it
    answer = ok(
        api.post(
            "US",
            "/versions/t@v1/answers",
            json={
                "form": "points",
                "positions": [
                    {"eid": "art_1", "position": "accept"},
                    {"eid": "art_3", "position": "reject", "reason": "Not acceptable as drafted."},
                    {"eid": "art_4__para_1", "position": "amend", "text": AMEND_4},
                ],
            },
        ),
        201,
    )
    assert answer["answer"] == "t@v1/answer/US/1" and answer["form"] == "points"
    assert answer["positions"] == 3 and answer["complete"] is False
    left = {p["eid"]: p["label"] for p in answer["unanswered_points"]}
    assert set(left) == {"art_2", "art_4__para_2", "art_5", "art_6", "art_7", "art_8"}  # whole articles
    assert left["art_2"] == "Article 2" and left["art_4__para_2"].startswith("Article 4")

    # A second answer, the answer file filled in by hand, takes two more points
    filled = fill(template, {"art_2": "defer", "art_8": "noted"})
    second = ok(api.post("US", "/versions/t@v1/answers", json={"form": "markdown", "text": filled}), 201)
    assert second["answer"] == "t@v1/answer/US/2" and second["positions"] == 2
    assert "art_2" not in second["unanswered"] and "art_5" in second["unanswered"]

    status = ok(api.get("RU", "/versions/t@v1/status"))
    assert status["author"] == "RU" and status["points"] == 18
    (us,) = status["recipients"]
    assert us["party"] == "US" and us["acknowledged"] == TODAY and us["acknowledged_by"] == "sherman"
    assert us["due"] == DUE and us["point_by_point"] is True and us["complete"] is False
    answered = {a["eid"]: a for a in us["answered"]}
    assert answered["art_4__para_1"]["position"] == "amend" and answered["art_4__para_1"]["text"] == AMEND_4
    assert answered["art_3"]["reason"] == "Not acceptable as drafted."
    assert answered["art_1__point_i"]["inherited_from"] == "art_1"
    unanswered = {u["eid"]: u["label"] for u in us["unanswered"]}
    assert unanswered == {
        "art_4__para_2": "Article 4 para 2",
        "art_5": "Article 5",
        "art_6": "Article 6 [number inferred]",
        "art_7": "Article 7 [number inferred]",
    }
    assert [a["answer"] for a in us["answers"]] == ["t@v1/answer/US/1", "t@v1/answer/US/2"]

    # RU's second version: a redline per point, matched to the first
    v2 = TREATY.read_text(encoding="utf-8").replace(
        "shall not use the territories", f"{V2_WORDS} and shall not use the territories"
    )
    second_version = ok(api.upload("RU", "t.txt", v2.encode("utf-8"), document="t", based_on="t@v1"), 201)
    assert second_version["version"] == "t@v2"
    lineage = ok(api.get("RU", "/documents/t/versions"))
    assert [(v["version"], v["based_on"]) for v in lineage["versions"]] == [("t@v1", None), ("t@v2", "t@v1")]
    redline = ok(api.get("RU", "/redline", params={"old": "t@v1", "new": "t@v2"}))
    assert redline["old_version"] == "t@v1" and redline["summary"]["changed"] == 1
    (changed,) = [p for p in redline["points"] if p["status"] == "changed"]
    assert changed["old_eid"] == changed["new_eid"] == "art_3"
    assert ["insert", f"{V2_WORDS} and "] in [list(d) for d in changed["diff"]] or any(
        op == "insert" and "consult" in text for op, text in changed["diff"]
    )
    exported = api.get("RU", "/versions/t@v2/export", params={"format": "md"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/markdown")
    assert V2_WORDS in exported.text and "attachment" in exported.headers["content-disposition"]

    # The matrix: RU's proposal, the US positions, the unanswered points
    matrix = ok(api.get("RU", "/matrix/ru-us"))
    assert matrix["columns"] == ["RU", "US"]
    cells = {r["eid"]: r["cells"] for r in matrix["rows"] if r["version"] == "t@v1"}
    assert cells["art_1"]["US"] == {"state": "accept", "inherited": False}
    assert cells["art_1__point_i"]["US"] == {"state": "accept", "inherited": True}
    assert cells["art_3"]["US"]["state"] == "reject" and cells["art_5"]["US"]["state"] == "unanswered"
    assert cells["art_3"]["RU"]["state"] == "proposed"

    # The US asks that its answer stay unpublished; RU may not publish it under the consent policy
    aid = "t@v1/answer/US/1"
    ok(api.post("US", f"/texts/{aid}/embargo-requests", json={"reason": "Confidential talks."}), 201)
    before = api.size()
    refused = error_of(api.post("RU", f"/texts/{aid}/publications", json={}), 422, "refused")
    assert "consent" in refused["message"]
    assert api.size() == before  # nothing recorded
    story = ok(api.get("RU", f"/texts/{aid}/story"))
    assert story["owner"] == "US" and story["public"] is False and story["policy"] == "consent"
    assert [(a["kind"], a["party"], a["reason"]) for a in story["acts"]] == [
        ("embargo", "US", "Confidential talks.")
    ]

    # The treaty as an instrument: both sign and ratify, it enters into force, its commitments stand
    created = ok(api.post("RU", "/instruments", json={"version": "t@v1", "kind": "treaty"}), 201)
    iid = created["instrument"]
    assert iid == "t-treaty" and created["text_hash"].startswith("sha256:")
    for party in ("RU", "US"):
        signed = ok(api.post(party, f"/instruments/{iid}/signatures", json={"place": "Geneva"}), 201)
        assert signed["text_hash"] == created["text_hash"] and signed["key_id"]
        ok(api.post(party, f"/instruments/{iid}/ratifications", json={}), 201)
    in_force = ok(api.post("US", f"/instruments/{iid}/entry-into-force", json={}), 201)
    assert in_force["in_force"] == TODAY
    instrument = ok(api.get("US", f"/instruments/{iid}"))
    assert instrument["status"] == "in force" and instrument["ratification"] is True
    rows = {r["party"]: r for r in instrument["parties"]}
    assert rows["RU"]["signed"]["signatory"] == "Sergei Ryabkov, Deputy Minister of Foreign Affairs"
    assert rows["US"]["signed"]["place"] == "Geneva" and rows["US"]["ratified"] == TODAY
    assert [i["instrument"] for i in ok(api.get("US", "/instruments"))["instruments"]] == [iid]
    proof = api.get(
        "US", f"/instruments/{iid}/proof"
    )  # the proof file itself, as `instrument verify` reads it
    checked = inst.verify_proof(inst.load_proof(proof.content))
    assert checked.instrument == iid and len(checked.signatures) == 2
    assert checked.text_hash == created["text_hash"]
    pdf = api.get("RU", f"/instruments/{iid}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert inst.verify_proof(read_pdf_proof(pdf.content)).ok
    commitments = ok(api.get("US", "/commitments", params={"instrument": iid}))["commitments"]
    assert commitments and {c["instrument"] for c in commitments} == {iid}
    art_4 = next(c for c in commitments if c["point"] == "art_4")
    assert art_4["obligor"] in ("RU", "US") and "eastward expansion" in art_4["text"]
    assert art_4["status"] == "in effect" and art_4["form"] == "binding"
    shown_commitment = ok(api.get("US", f"/commitments/{art_4['id']}"))
    assert shown_commitment["id"] == art_4["id"] and shown_commitment["text"] == art_4["text"]

    # The log as the US reads it, checked against a signed checkpoint with inclusion proofs
    log = ok(api.get("US", "/log", params={"limit": 1000}))
    events = log["events"]
    assert [e["seq"] for e in events] == list(range(log["size"]))
    genesis = events[0]
    assert genesis["type"] == "log.genesis" and genesis["hidden"] is False
    v2_event = next(e for e in events if e["seq"] == second_version["event"]["seq"])
    assert v2_event == {
        **{k: None for k in v2_event},
        "seq": v2_event["seq"],
        "leaf_hash": v2_event["leaf_hash"],
        "hidden": True,
    }
    assert not any(e["body"] and e["body"].get("version") == "t@v2" for e in events)
    assert api.get("US", "/checkpoints/latest").status_code == 404  # none signed yet; a GET signs nothing
    signed = ok(api.post("US", "/checkpoints"))
    checkpoint = ok(api.get("US", "/checkpoints/latest"))
    assert checkpoint == signed
    opened = open_checkpoint(checkpoint["note"], NoteVerifier.from_vkey(genesis["body"]["log_key"]))
    assert opened.size == checkpoint["size"] == log["size"] and opened.root.hex() == checkpoint["root"]
    for entry in (events[imported["event"]["seq"]], v2_event, events[-1]):
        proof_of = ok(api.get("US", f"/proofs/inclusion/{entry['seq']}", params={"size": opened.size}))
        assert proof_of["root"] == checkpoint["root"] and proof_of["checkpoint"] == checkpoint["note"]
        assert "sha256:" + proof_of["leaf_hash"] == entry["leaf_hash"]
        merkle.verify_inclusion(
            bytes.fromhex(proof_of["leaf_hash"]),
            entry["seq"],
            opened.size,
            [bytes.fromhex(h) for h in proof_of["path"]],
            opened.root,
        )
    consistency = ok(api.get("US", "/proofs/consistency", params={"old": 5, "new": opened.size}))
    merkle.verify_consistency(
        5,
        opened.size,
        bytes.fromhex(consistency["old_root"]),
        opened.root,
        [bytes.fromhex(h) for h in consistency["path"]],
    )

    # The US bundle of the process verifies offline, with the texts the US reads and not RU's v2
    download = api.get("US", "/bundles/sg")
    assert download.status_code == 200, download.text
    assert "attachment" in download.headers["content-disposition"]
    path = tmp_path / "us.jsonl"
    path.write_bytes(download.content)
    report = verify_bundle(path)
    assert report.party == "US" and report.process == "sg" and report.texts >= 3 and report.hidden >= 1
    assert report.size >= opened.size and V2_WORDS.encode() not in download.content
    assert hashlib.sha256(download.content).hexdigest()  # a real file, streamed whole
    error_of(api.get("US", "/bundles/nosuch"), 404, "not_found")


def test_errors_are_one_envelope(api: Api) -> None:
    ok(api.upload("RU", TREATY.name, TREATY.read_bytes(), document="t"), 201)
    ok(api.post("RU", "/versions/t@v1/handovers", json={"to": ["US"]}), 201)
    bad = error_of(api.get("RU", "/versions/not a version"), 400, "invalid_input")
    assert "version" in bad["message"]
    error_of(api.post("RU", "/versions/t@v1/handovers", json={"to": []}), 400, "invalid_input")
    error_of(
        api.post("RU", "/versions/t@v1/handovers", json={"to": ["US"], "as_party": "US"}),
        400,
        "invalid_input",
    )
    error_of(
        api.post(
            "RU",
            "/versions/t@v1/handovers",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
        400,
        "invalid_input",
    )
    error_of(
        api.post("RU", "/versions/t@v1/handovers", json={"to": ["US"], "due": "2022-02-30"}),
        400,
        "invalid_input",
    )
    no_token = api.get(None, "/me")
    error_of(no_token, 401, "unauthenticated")
    assert no_token.headers["www-authenticate"] == "Bearer"
    wrong = api.client.get("/api/v1/me", headers={"Authorization": "Bearer iw_tok_000000000000_" + "A" * 43})
    error_of(wrong, 401, "unauthenticated")
    error_of(api.get("RU", "/versions/nosuch@v1"), 404, "not_found")
    error_of(api.get("RU", "/instruments/nosuch"), 404, "not_found")
    ok(api.post("US", "/versions/t@v1/receipts", json={}), 201)
    error_of(api.post("US", "/versions/t@v1/receipts", json={}), 409, "conflict")
    refused = error_of(api.post("US", "/versions/t@v1/handovers", json={"to": ["RU"]}), 422, "refused")
    assert "only the author" in refused["message"]  # the act is the token's party's, US here
    error_of(api.get("RU", "/no/such/route"), 404, "not_found")
    # NUL, which PostgreSQL cannot hold, is refused at the door wherever text is taken
    error_of(
        api.post("RU", "/preconditions", json={"track": "ru-us", "text": "a\x00b"}), 400, "invalid_input"
    )
    error_of(api.get("RU", "/search", params={"q": "a\x00b"}), 400, "invalid_input")
    error_of(api.upload("RU", "t.txt", TREATY.read_bytes(), title="a\x00b"), 400, "invalid_input")
    # positions a Markdown answer file cannot carry unchanged are refused, not altered
    listed = {"form": "points", "positions": [{"eid": "art_1", "position": "amend", "text": "1. A list"}]}
    before = api.size()
    assert (
        "art_1"
        in error_of(api.post("US", "/versions/t@v1/answers", json=listed), 400, "invalid_input")["message"]
    )
    assert api.size() == before


def test_an_oversize_upload_is_413_and_records_nothing(api: Api) -> None:
    before = api.size()
    big = b"Article 1\n\n" + b"x" * (20 * 1024 * 1024)
    error_of(api.upload("RU", "big.txt", big, document="big"), 413, "too_large")
    huge_json = {"to": ["US"], "meeting": "x" * (2 * 1024 * 1024)}  # JSON bodies stop at 1 MB
    error_of(api.post("RU", "/versions/t@v1/handovers", json=huge_json), 413, "too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        yield b'{"to": ["US"], "meeting": "'
        yield from (b"x" * (512 * 1024) for _ in range(3))
        yield b'"}'

    streamed = api.post(
        "RU", "/versions/t@v1/handovers", content=chunks(), headers={"content-type": "application/json"}
    )
    error_of(streamed, 413, "too_large")
    assert api.size() == before


def test_a_bidi_override_is_refused_and_nothing_written(api: Api) -> None:
    before = api.size()
    text = "A Treaty\n\nArticle 1\n\nThe Parties shall pay \u202e0001\u202c dollars.\n"
    refused = error_of(
        api.upload("RU", "bidi.txt", text.encode("utf-8"), document="bidi"), 400, "invalid_input"
    )
    assert "U+202E" in refused["message"]
    assert api.size() == before
    error_of(api.get("RU", "/documents/bidi/versions"), 404, "not_found")
    title = error_of(
        api.upload("RU", "t.txt", TREATY.read_bytes(), document="t", title="Treaty \u202eXX"),
        400,
        "invalid_input",
    )
    assert "U+202E" in title["message"] and api.size() == before
