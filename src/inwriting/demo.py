"""`make demo`: build a small real record on the embedded SQLite default and show how to verify it.

Parties and tracks come from the public record around the 2021 Russian draft treaties (see
shared/corpus/README.md). Later issues add the drafts, answers, notes and instruments to this demo.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from inwriting.app import bundles, drafts, registry, setup
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
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
        for path, track, doc, kind in DRAFTS:
            imported = drafts.import_draft(
                app, corpus / path, track=track, as_party="RU", kind=kind, document=doc
            )
            print(
                f"  {imported.version}: {imported.points} points imported from {path}, signed by RU"
                f" on track {track} ({len(imported.notes)} notes on gaps and inferred numbering)"
            )
        cp = log_cases.checkpoint(app)
        print(f"  checkpoint signed at size {cp.size}, root {cp.root.hex()}")
        report = log_cases.verify(app)
        print(f"  log verified: {report.size} events, {report.nodes} Merkle nodes, projections match")
        bundle = directory / "security-guarantees.bundle"
        exported = bundles.export(app, bundle, PROCESS[0])
        checked = verify_bundle(bundle, trusted_log_key=result.log_key)
        print(f"  bundle {bundle}: {exported.events} events, verified offline ({checked.size} leaves)")
    finally:
        app.close()
    print(
        "\nThe two 2021 drafts come from shared/corpus: partial public copies, gaps kept as marked there.\n"
    )
    print("Try it yourself:")
    print(f"  .venv/bin/inwriting log show --db {db}")
    print(f"  .venv/bin/inwriting log verify --db {db}")
    print(f"  .venv/bin/inwriting prove inclusion 3 --db {db}")
    print(f"  .venv/bin/inwriting draft show ru-us-treaty@v1 --db {db}")
    print(f"  .venv/bin/inwriting verify {bundle} --log-key '{result.log_key}'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default="demo-data", type=Path, help="Where to put the demo record.")
    parser.add_argument("--corpus", default=CORPUS, type=Path, help="The shared corpus of texts.")
    args = parser.parse_args()
    run(args.dir, args.corpus)


if __name__ == "__main__":
    main()
