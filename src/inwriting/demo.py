"""`make demo`: build a small real record on the embedded SQLite default and show how to verify it.

Parties and tracks come from the public record around the 2021 Russian draft treaties (see
shared/corpus/README.md): the two 2021 drafts, their hand-over on 2021-12-15 with a demand for a
written answer point by point, the meetings of January 2022, the "no preconditions" statement, and
the answers of 2022-01-26, whose texts the corpus does not hold (so nothing is invented for them).
Then the commitments of non-interference: the 1933 Litvinov-Roosevelt exchange of notes as a
concluded, signed instrument, and the 2018 offer of written guarantees, declined, then restated as a
standing offer.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from inwriting.app import (
    bundles,
    delegates,
    disclosure,
    drafts,
    instruments,
    negotiation,
    registry,
    setup,
    talks,
)
from inwriting.app import log as log_cases
from inwriting.app import register as reg
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.domain.events import PartyId
from inwriting.errors import Refused
from inwriting.record.bundle import verify_bundle
from inwriting.storage.store import Store

PARTIES = [
    ("RU", "Russian Federation", "state", []),
    ("US", "United States of America", "state", []),
    ("GB", "United Kingdom of Great Britain and Northern Ireland", "state", []),
    ("FR", "French Republic", "state", []),
    ("DE", "Federal Republic of Germany", "state", []),
    ("PL", "Republic of Poland", "state", []),
    ("NATO", "North Atlantic Treaty Organization", "alliance", ["US", "GB", "FR", "DE", "PL"]),
    (
        "OSCE",
        "Organization for Security and Co-operation in Europe",
        "organisation",
        ["RU", "US", "GB", "FR", "DE", "PL"],
    ),
    ("USSR", "Union of Soviet Socialist Republics", "state", []),
]
KEYED = ["RU", "US", "NATO", "USSR", "GB", "FR", "DE", "PL", "OSCE"]
PROCESS = ("security-guarantees", "Russian proposals on security guarantees, 2021-2022")
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
DRAFTS = [
    ("draft_treaty_us_ru_2021-12-17.txt", "ru-us", "ru-us-treaty", "treaty"),
    ("draft_agreement_nato_ru_2021-12-17.txt", "nrc", "ru-nato-agreement", "agreement"),
]
TRACKS = [
    ("ru-us", "Bilateral Russia-US talks (Strategic Stability Dialogue), Geneva", ["RU", "US"]),
    ("nrc", "NATO-Russia Council, Brussels", ["RU", "NATO"]),
    ("osce", "OSCE Permanent Council, Vienna", ["RU", "US", "GB", "FR", "DE", "PL"]),
]


def run(directory: Path, corpus: Path = CORPUS) -> None:
    db, keys = directory / "inwriting.db", directory / "keys"
    if not (corpus / DRAFTS[0][0]).exists():
        raise SystemExit(f"the corpus is not at {corpus}; pass --corpus DIR (shared/corpus of the project)")
    marker = directory / ".inwriting-demo"
    if directory.exists() and any(directory.iterdir()) and not marker.exists():
        raise SystemExit(f"{directory} is not empty and was not made by the demo; choose another --dir")
    if directory.exists():
        shutil.rmtree(directory)  # the demo always starts from an empty record
    directory.mkdir(parents=True)
    marker.write_text("made by `python -m inwriting.demo`; it deletes and rebuilds this folder\n")
    print(f"inwriting demo: a fresh record in {directory}/")
    result = setup.init(str(db), str(keys), origin="demo.inwriting.local/security-guarantees")
    print(f"  log {result.origin}\n  verifier key {result.log_key}")
    app = App(Store.open(str(db)), Keystore.resolve(keys))
    try:
        for pid, name, kind, members in PARTIES:
            registry.register_party(app, pid, name, kind, members)
        for pid in KEYED:
            registry.new_key(app, pid)
        print(f"  {len(PARTIES)} parties registered, each with an Ed25519 key in {keys}/")
        registry.new_process(app, *PROCESS)
        for tid, forum, parties in TRACKS:
            registry.new_track(app, tid, PROCESS[0], forum, parties)
            print(f"  track {tid}: {forum} ({', '.join(parties)})")
        for party, did, name, title, roles in DELEGATES:
            delegates.add_delegate(app, party, delegate=did, name=name, title=title, roles=roles)
        print(f"  {len(DELEGATES)} delegates: " + ", ".join(f"{n} ({p})" for p, _, n, _, _ in DELEGATES))
        for path, track, doc, kind in DRAFTS:
            imported = drafts.import_draft(
                app, corpus / path, track=track, as_party="RU", kind=kind, document=doc, delegate=RYABKOV
            )
            print(
                f"  {imported.version}: {imported.points} points imported from {path}, signed by RU"
                f" on track {track} ({len(imported.notes)} notes on gaps and inferred numbering)"
            )
        _talks(app, directory)
        _non_interference(app, directory, corpus)
        _illustration(app, directory, corpus)
        cp = log_cases.checkpoint(app)
        print(f"  checkpoint signed at size {cp.size}, root {cp.root.hex()}")
        report = log_cases.verify(app)
        print(f"  log verified: {report.size} events, {report.nodes} Merkle nodes, projections match")
        bundle = directory / "security-guarantees.bundle"
        exported = bundles.export(app, bundle, PROCESS[0])
        checked = verify_bundle(bundle, trusted_log_key=result.log_key)
        print(f"  bundle {bundle}: {exported.events} events, verified offline ({checked.size} leaves)")
        for party in ("US", "DE"):
            mine = directory / f"security-guarantees.{party}.bundle"
            exported = bundles.export(app, mine, PROCESS[0], as_party=party)
            checked = verify_bundle(mine, trusted_log_key=result.log_key)
            print(
                f"  {party}'s bundle {mine}: {checked.events} events and {checked.texts} texts it may see,"
                f" {checked.hidden} events as leaf hashes only, verified offline"
            )
        logins = _logins(app, directory)
        notes_bundle = directory / f"{HISTORY[0]}.US.bundle"
        bundles.export(app, notes_bundle, HISTORY[0], as_party="US")
        checked = verify_bundle(notes_bundle, trusted_log_key=result.log_key)
        print(
            f"  US's bundle {notes_bundle}: {checked.instrument_signatures} signatures on instruments"
            f" verified offline over the texts it carries"
        )
    finally:
        app.close()
    print(
        "\nThe two 2021 drafts and the 1933 notes come from shared/corpus: partial public copies, gaps kept"
        " as marked there.\nThe signatures on the 1933 notes are made by this demo's keys for the parties,"
        " dated as the acts were:\nthey show how an instrument is signed and checked, not a historical"
        " signature.\n"
    )
    print("Try it yourself:")
    print(f"  .venv/bin/inwriting log show --db {db}")
    print(f"  .venv/bin/inwriting log verify --db {db}")
    print(f"  .venv/bin/inwriting prove inclusion 3 --db {db}")
    print(f"  .venv/bin/inwriting draft show ru-us-treaty@v1 --db {db}")
    print(f"  .venv/bin/inwriting status ru-us-treaty@v1 --db {db}")
    print(f"  .venv/bin/inwriting due --db {db}")
    print(f"  .venv/bin/inwriting matrix {PROCESS[0]} --members --db {db}")
    print(f"  .venv/bin/inwriting precondition list --db {db}")
    print(f"  .venv/bin/inwriting disclosure show {US_ANSWER} --db {db}")
    print(f"  .venv/bin/inwriting draft show ru-us-treaty@v1 --as DE --db {db}   # published: DE sees it")
    print(f"  .venv/bin/inwriting status ru-us-treaty@v1 --as DE --db {db}       # not addressed to DE")
    print(f"  .venv/bin/inwriting verify {bundle} --log-key '{result.log_key}'")
    print(f"  .venv/bin/inwriting instrument show {EXCHANGE} --db {db}")
    print(
        f"  .venv/bin/inwriting instrument verify {directory / (EXCHANGE + '.pdf')}   # offline, no database"
    )
    print(f"  .venv/bin/inwriting align illustration-treaty@v1/answer/US/1 --db {db}   # illustrative text")
    print(f"  .venv/bin/inwriting commitments list --db {db}")
    print(f"  .venv/bin/inwriting statement list --db {db}")
    print("\nThe web application and its JSON API (/api/v1, OpenAPI at /api/v1/openapi.json):")
    print(f"  make serve    # or: .venv/bin/inwriting serve --db {db} --keystore {keys}")
    print("  then open http://127.0.0.1:8000/ and log in as one of these delegates")
    print(f"  (passwords are random, kept in {directory / 'logins.txt'}):")
    for party, delegate, password in logins:
        print(f"    party {party:<5} delegate {delegate:<10} password {password}")


DELEGATES = [  # (party, id, name, title, roles): people named in shared/corpus/README.md
    ("RU", "ryabkov", "S. A. Ryabkov", "Deputy Minister of Foreign Affairs", ["drafter", "negotiator"]),
    ("RU", "lavrov", "S. V. Lavrov", "Minister of Foreign Affairs", ["negotiator", "signatory", "admin"]),
    ("US", "donfried", "K. Donfried", "Assistant Secretary of State", ["negotiator"]),
    ("US", "blinken", "A. Blinken", "Secretary of State", ["negotiator", "signatory", "admin"]),
]
RYABKOV, LAVROV, DONFRIED, BLINKEN = "ryabkov", "lavrov", "donfried", "blinken"
MEETINGS = [
    ("ru-us", "2022-01-10", "Geneva", [], ["ru-us-treaty@v1"]),
    ("nrc", "2022-01-12", "Brussels", [], ["ru-nato-agreement@v1"]),
    ("osce", "2022-01-13", "Vienna", [], []),
    ("ru-us", "2022-01-21", "Geneva", ["S. V. Lavrov (RU)", "A. Blinken (US)"], []),
]
# The answers of 2022-01-26 exist, but the corpus does not hold their texts: the demo records only
# that each arrived, in prose, and says so in the stored text. No position is made up.
ANSWER_NOTE = """Written answer of {party} to {version}, handed over on 2022-01-26.

[Recorded by the inwriting demo. The text of this answer is not in the project's corpus, so it is not
reproduced here and no position on any point is recorded from it. See shared/corpus/README.md.]
"""


def _talks(app: App, directory: Path) -> None:
    """Hand-overs, receipts, meetings, the "no preconditions" statement and the answers received."""
    for version, to in (("ru-us-treaty@v1", ["US"]), ("ru-nato-agreement@v1", ["NATO"])):
        hid, _ = negotiation.handover(
            app, version, to=to, point_by_point=True, date="2021-12-15", delegate=RYABKOV
        )
        negotiation.receipt(app, version, as_party="US", delegate=DONFRIED, date="2021-12-15")
        print(f"  {hid}: {version} handed to {', '.join(to)} in Moscow on 2021-12-15, point by point")
    for version in ("ru-us-treaty@v1", "ru-nato-agreement@v1"):
        disclosure.publish(app, version, as_party="RU", date="2021-12-17", delegate=RYABKOV)
    print("  both drafts published by RU on 2021-12-17 (its own texts: no one's consent needed)")
    pid, _ = talks.add_precondition(
        app,
        track="ru-us",
        as_party="RU",
        text="Any precondition for holding the talks on security guarantees",
        delegate=RYABKOV,
        date="2021-12-23",
        anticipated=True,
    )
    talks.answer_precondition(
        app,
        pid,
        act="reject",
        as_party="RU",
        reason=(
            "Ryabkov: Russia will accept no preconditions for the talks and asks that they not be delayed."
        ),
        date="2021-12-23",
        delegate=RYABKOV,
    )
    print(f"  {pid}: preconditions rejected in advance by RU on 2021-12-23")
    for track, day, place, present, tabled in MEETINGS:
        mid, _ = talks.add_meeting(app, track=track, date=day, place=place, delegates=present, tabled=tabled)
        print(f"  meeting {mid} in {place}")
    for party, version in (("US", "ru-us-treaty@v1"), ("NATO", "ru-nato-agreement@v1")):
        note = directory / f"answer-{party}-2022-01-26.txt"
        note.write_text(ANSWER_NOTE.format(party=party, version=version), encoding="utf-8")
        recorded = negotiation.answer(
            app,
            version,
            as_party=party,
            file=note,
            prose=True,
            date="2022-01-26",
            delegate=BLINKEN if party == "US" else None,
        )
        print(f"  {recorded.answer}: received in prose; no point answered in writing on the record")
    _disclosure(app)
    for version in ("ru-us-treaty@v1", "ru-nato-agreement@v1"):
        for s in negotiation.status(app, version):
            print(
                f"  status {version} / {s.party}: delivered {s.demand.delivered}, acknowledged"
                f" {s.receipt.date if s.receipt else 'no'}, {s.coverage.covered}/{s.total} points answered"
                f" in writing, unanswered: {len(s.coverage.unanswered)} articles ({s.state})"
            )
    from inwriting.exporters.matrix_csv import matrix_csv
    from inwriting.exporters.matrix_html import to_matrix_html

    grid = negotiation.matrix(app, PROCESS[0], members=True)
    (directory / "matrix.html").write_text(to_matrix_html(grid, title=PROCESS[0]), encoding="utf-8")
    (directory / "matrix.csv").write_text(matrix_csv(grid), encoding="utf-8")
    print(f"  matrix: {len(grid.rows)} points x {len(grid.columns)} parties in {directory}/matrix.html")


US_ANSWER = "ru-us-treaty@v1/answer/US/1"


def _disclosure(app: App) -> None:
    """The US asks that its answer not be published; Russia asks to publish it; a newspaper does."""
    disclosure.request_embargo(
        app,
        US_ANSWER,
        as_party="US",
        reason="The United States asked that its written answer not be published.",
        date="2022-01-26",
        delegate=BLINKEN,
    )
    disclosure.request_publication(
        app,
        US_ANSWER,
        as_party="RU",
        reason="Lavrov: publishing it would be right; he will ask Blinken for consent.",
        date="2022-01-26",
        delegate=LAVROV,
    )
    print(f"  {US_ANSWER}: US asks that it not be published; RU asks to publish it")
    try:
        disclosure.publish(app, US_ANSWER, as_party="RU", date="2022-01-27", delegate=LAVROV)
    except Refused as exc:  # the track's policy is consent: the system itself will not publish it
        print(f"  RU publishing it is refused: {exc.message}")
    disclosure.published_elsewhere(
        app,
        US_ANSWER,
        as_party=None,
        publisher="a newspaper (not named in the corpus)",
        source="shared/corpus/README.md: 2022-02-02, a newspaper publishes both answers",
        date="2022-02-02",
    )
    story = disclosure.story(app, US_ANSWER)
    print(
        f"  2022-02-02: recorded as published elsewhere by a third party; inwriting still shows it only"
        f" to {story.owner} and RU ({len(story.disclosure.acts)} requests, over the owner's objection:"
        f" {story.disclosure.publications[-1].over_objection})"
    )


# Written for the demo: NOT a historical text. The real answers of 2022-01-26 are not in the corpus
# (see ANSWER_NOTE); this one exists only to show how an answer in prose is read against the points.
ILLUSTRATION = ("illustration", "Illustration: an answer in prose written for the inwriting demo")
ILLUSTRATION_TRACK = "illustration-ru-us"
ILLUSTRATOR_RU, ILLUSTRATOR_US = "illustrator-ru", "illustrator-us"  # fictional delegates, for the demo
ILLUSTRATIVE_ANSWER = "\n\n".join(
    (
        ("[ILLUSTRATIVE TEXT WRITTEN FOR THE INWRITING DEMO. NOT A HISTORICAL DOCUMENT.]"),
        ("Reply to the draft treaty on security guarantees"),
        ("We have read the draft with care and answer it below under our own headings."),
        ("Security for all"),
        (
            "Security in Europe cannot be indivisible for one party only. We share the principle of equal and"
            " undiminished security, but it cannot oblige one party to refrain from every measure the other "
            "considers to affect its core security interests."
        ),
        ("The Alliance"),
        (
            "Article 4 is not acceptable. The door of the Alliance remains open and we will not agree to deny"
            " accession to any State."
        ),
        (
            "Nor can we undertake not to develop bilateral military cooperation with States that are not "
            "members of the Alliance, or not to use their infrastructure with their consent: each State "
            "chooses its partners."
        ),
        ("Forces, exercises and missiles"),
        (
            "We propose instead reciprocal limits on the deployment of ground-launched intermediate-range and"
            " shorter-range missiles, with verification, as an alternative to the unilateral undertaking in "
            "the draft."
        ),
        (
            'What is meant by areas where a deployment "could be perceived by the other Party as a threat"? '
            "We ask for the areas and armaments concerned to be clarified before this can be discussed."
        ),
        (
            "Nuclear weapons infrastructure outside national territory should be taken up at a later stage, "
            "in the strategic stability dialogue."
        ),
        ("We remain ready to continue these talks."),
    )
)


def _illustration(app: App, directory: Path, corpus: Path) -> None:
    """An answer in prose, written for the demo and labelled so, read against the 2021 treaty draft;
    US confirms part of the reading, and only what it confirmed counts as answered."""
    from inwriting.app import alignment

    registry.new_process(app, *ILLUSTRATION)
    registry.new_track(
        app, ILLUSTRATION_TRACK, ILLUSTRATION[0], "Illustration (not historical)", ["RU", "US"]
    )
    for party, did in (("RU", ILLUSTRATOR_RU), ("US", ILLUSTRATOR_US)):
        name = f"Illustrative delegate of {party} (fictional, for the demo)"
        delegates.add_delegate(
            app, party, delegate=did, name=name, title="none", roles=["drafter", "negotiator"]
        )
    imported = drafts.import_draft(
        app,
        corpus / DRAFTS[0][0],
        track=ILLUSTRATION_TRACK,
        as_party="RU",
        document="illustration-treaty",
        delegate=ILLUSTRATOR_RU,
    )
    negotiation.handover(app, imported.version, to=["US"], point_by_point=True, delegate=ILLUSTRATOR_RU)
    text = directory / "illustrative-prose-answer.txt"
    text.write_text(ILLUSTRATIVE_ANSWER, encoding="utf-8")
    answered = negotiation.answer(
        app, imported.version, as_party="US", file=text, prose=True, delegate=ILLUSTRATOR_US
    )
    print(
        f"  {answered.answer}: an ILLUSTRATIVE answer in prose, written for this demo (not a historical"
        f" text), to a copy of the 2021 treaty draft on track {ILLUSTRATION_TRACK}"
    )
    view = alignment.suggestions(app, answered.answer, viewer=PartyId("US"))
    paths = view.paths
    for s, p in zip(view.alignment.suggestions, view.alignment.paragraphs, strict=True):
        if s.points:
            named = ", ".join(paths[e] for e in s.points)
            print(f"    paragraph {p.index}: {named}: {s.position} ({s.confidence:.2f})")
    gaps = view.to_json()["unanswered"]
    print(f"    no paragraph addresses: {', '.join(g['label'] for g in gaps)}")
    # US's delegate reads the suggestions and confirms four paragraphs (keeping what the engine got
    # right, changing what it did not); the last two stay undecided, so their points stay open.
    reading = {
        "Security in Europe": (["art_1"], "amend"),
        "Article 4 is not acceptable": (["art_4"], "reject"),
        "Nor can we undertake": (["art_4__para_2"], "reject"),
        "We propose instead": (["art_6"], "counter"),
    }
    decisions: list[dict[str, object]] = []
    for p, s in zip(view.alignment.paragraphs, view.alignment.suggestions, strict=True):
        for start, (points, position) in reading.items():
            if p.text.startswith(start):
                same = (list(s.points), s.position) == (points, position)
                decisions.append(
                    {"paragraph": p.index, "decision": "keep"}
                    if same
                    else {"paragraph": p.index, "decision": "change", "points": points, "position": position}
                )
    view, recorded = alignment.confirm(
        app, answered.answer, as_party="US", decisions=decisions, delegate=ILLUSTRATOR_US
    )
    [status] = negotiation.status(app, imported.version)
    confirmed = view.to_json()["confirmed"]
    kept = sum(d["decision"] == "keep" for d in decisions)
    print(
        f"  US confirms {confirmed['paragraphs']} paragraphs, {kept} as suggested (event {recorded.seq}):"
        f" {confirmed['summary']}; {status.coverage.covered}/{status.total} points now count as answered,"
        f" the rest wait for confirmation"
    )


HISTORY = ("non-interference", "Commitments of mutual non-interference, 1933 and 2018")
HISTORY_TRACKS = [
    ("us-ussr-1933", "Establishment of diplomatic relations, Washington, 1933", ["USSR", "US"]),
    ("ru-us-2018", "Bilateral Russia-US contacts, 2018", ["RU", "US"]),
]
HISTORY_DELEGATES = [
    (
        "USSR",
        "litvinov",
        "M. M. Litvinov",
        "People's Commissar for Foreign Affairs",
        ["drafter", "negotiator", "signatory"],
    ),
    (
        "US",
        "roosevelt",
        "F. D. Roosevelt",
        "President of the United States",
        ["drafter", "negotiator", "signatory"],
    ),
]
EXCHANGE = "us-ussr-1933-exchange"
RECONSTRUCTED = (
    "[Reconstructed by the inwriting demo: this note repeats the engagements of Litvinov's note, which the"
    " available copy of it elides; they are filled in from Litvinov's note as given in the corpus.]"
)
ELIDED = "[GAP: the repeated numbered engagements are not reproduced in the available copy]"


def _non_interference(app: App, directory: Path, corpus: Path) -> None:
    """The 1933 exchange of notes, concluded and signed; the 2018 offer, declined and then standing."""
    from inwriting.domain.notes import compare_notes
    from inwriting.errors import InvalidInput
    from inwriting.importers import parse_file

    registry.new_process(app, *HISTORY)
    for tid, forum, parties in HISTORY_TRACKS:
        registry.new_track(app, tid, HISTORY[0], forum, parties)
    for party, did, name, title, roles in HISTORY_DELEGATES:
        delegates.add_delegate(app, party, delegate=did, name=name, title=title, roles=roles)
    source = (corpus / "notes_roosevelt_litvinov_1933-11-16.txt").read_text(encoding="utf-8")
    first, second = source.split("(2) PRESIDENT ROOSEVELT", 1)
    litvinov = directory / "note-litvinov-1933-11-16.txt"
    litvinov.write_text("(1) THE SOVIET COMMISSAR" + first.split("(1) THE SOVIET COMMISSAR", 1)[1], "utf-8")
    roosevelt_as_given = "(2) PRESIDENT ROOSEVELT" + second
    note_a = drafts.import_draft(
        app,
        litvinov,
        track="us-ussr-1933",
        as_party="USSR",
        kind="note",
        document="litvinov-note-1933",
        title="Note of the People's Commissar for Foreign Affairs to President Roosevelt, 16 November 1933",
        audience="track",
        delegate="litvinov",
    )
    print(
        f"\n  {note_a.version}: Litvinov's note of 1933-11-16, {note_a.points} engagements (3 and 4 are gaps)"
    )
    try:
        parse_file(roosevelt_as_given.encode(), name="roosevelt.txt", title="Roosevelt")
    except InvalidInput as exc:
        print(f"  Roosevelt's reply as the corpus gives it cannot be compared: {exc.message}")
    engagements = "\n\n".join(f"{p.label} {p.text}" for p in drafts.read_draft(litvinov, title="x").points)
    roosevelt = directory / "note-roosevelt-1933-11-16.txt"
    roosevelt.write_text(
        roosevelt_as_given.replace(ELIDED, f"{RECONSTRUCTED}\n\n{engagements}"), encoding="utf-8"
    )
    note_b = drafts.import_draft(
        app,
        roosevelt,
        track="us-ussr-1933",
        as_party="US",
        kind="note",
        document="roosevelt-note-1933",
        title="Note of President Roosevelt to the People's Commissar for Foreign Affairs, 16 November 1933",
        audience="track",
        delegate="roosevelt",
    )
    print(f"  {note_b.version}: Roosevelt's reply, the engagements it repeats filled in (marked as such)")
    a_text = drafts.read_draft(litvinov, title="A")
    altered = drafts.read_draft(roosevelt, title="B")
    one_word = type(altered)(
        altered.title,
        altered.preamble,
        tuple(
            type(p)(p.eid, p.label, p.text.replace("scrupulously", "carefully"), p.heading, p.children)
            for p in altered.points
        ),
    )
    for difference in compare_notes(a_text, one_word).differences:
        print(f"  the check on a copy with one word changed (not recorded): {difference.summary}")
    exchanged = instruments.exchange(
        app,
        note_a.version,
        note_b.version,
        date="1933-11-16",
        place="Washington",
        signatories={"USSR": "litvinov", "US": "roosevelt"},
        instrument=EXCHANGE,
        title="Exchange of notes on non-interference between the USSR and the United States, 1933",
    )
    print(
        f"  {EXCHANGE}: the notes match on all {exchanged.comparison.points} points; exchange of notes"
        f" concluded, signed by {' and '.join(exchanged.signed_by)}, in force since {exchanged.in_force}"
    )
    mutual = reg.commitments(app, instrument=EXCHANGE)
    print(
        f"  {len(mutual)} binding commitments of non-interference: "
        + ", ".join(
            sorted({f"{v.commitment.obligor} toward {v.commitment.beneficiaries[0]}" for v in mutual})
        )
    )
    pdf = directory / f"{EXCHANGE}.pdf"
    pdf.write_bytes(instruments.pdf(app, EXCHANGE))
    from inwriting.exporters.instrument_pdf import read_pdf_proof
    from inwriting.record.instrument import verify_proof

    checked = verify_proof(read_pdf_proof(pdf.read_bytes()))
    print(
        f"  {pdf}: the text with both signature blocks; its embedded proof verifies offline"
        f" ({len(checked.signatures)} signatures over {checked.text_hash[:19]}…)"
    )
    _offers_of_2018(app)


def _offers_of_2018(app: App) -> None:
    """June 2018: a draft letter on mutual non-interference, declined; October 2018: it stands."""
    letter, _ = reg.record_commitment(
        app,
        party="RU",
        to=["US"],
        text=(
            "A letter on mutual non-interference in each other's internal affairs, to be exchanged"
            " between the foreign ministers (as in 1933)."
        ),
        form="written",
        source=(
            "shared/corpus/README.md: 2018-06, Russia sends the US a draft letter (text not in the corpus)"
        ),
        source_kind="note",
        offer="made",
        date="2018-06",
        as_party="RU",
        track="ru-us-2018",
        delegate="lavrov",
    )
    reg.decline(
        app,
        letter,
        as_party="US",
        reason="The United States rejected the draft letter (shared/corpus/README.md).",
        date="2018-06",
        delegate="blinken",
    )
    statement, _ = reg.record_statement(
        app,
        speaker="Head of the North America Department, Russian Ministry of Foreign Affairs",
        party="RU",
        date="2018-10-12",
        medium="public remarks",
        source=(
            "shared/corpus/README.md (the full remarks are not in the corpus; only these words are quoted)"
        ),
        quote="at any time",
        track="ru-us-2018",
    )
    standing, _ = reg.record_commitment(
        app,
        party="RU",
        to=["US"],
        text="The offer of written guarantees of mutual non-interference stands, to be taken up at any time.",
        form="spoken",
        source="shared/corpus/README.md: 2018-10-12 remarks",
        statement=statement,
        offer="standing",
        date="2018-10-12",
        track="ru-us-2018",
    )
    for cid in (letter, standing):
        view = reg.commitment(app, cid)
        print(f"  {cid}: {view.commitment.form}, {view.commitment.date}: {view.status}")


def _logins(app: App, directory: Path) -> list[tuple[str, str, str]]:
    """A web login for every demo delegate: random passwords, written (owner-only) beside the record."""
    import secrets

    from inwriting.app import accounts

    logins = []
    for party, delegate, *_ in (*DELEGATES, *HISTORY_DELEGATES):
        password = secrets.token_urlsafe(12)
        accounts.set_password(app, party, delegate, password)
        logins.append((party, delegate, password))
    path = directory / "logins.txt"
    path.touch(mode=0o600)
    path.write_text("".join(f"{p}\t{d}\t{w}\n" for p, d, w in logins), encoding="utf-8")
    return logins


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default="demo-data", type=Path, help="Where to put the demo record.")
    parser.add_argument("--corpus", default=CORPUS, type=Path, help="The shared corpus of texts.")
    args = parser.parse_args()
    run(args.dir, args.corpus)


if __name__ == "__main__":
    main()
