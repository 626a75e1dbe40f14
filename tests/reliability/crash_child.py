"""The child program of the crash test (tests/reliability/test_crash.py): it appends signed events
through the application services, in a loop, until it is killed.

    python crash_child.py DATABASE KEYSTORE ACK_FILE WORK_DIR SEED

It imports what it needs, then waits for a line on its standard input before it opens the database
(so that the parent can start the next child while it checks the last one). The set-up (parties, keys,
process, track: `set_up`) is made by the parent first. The child writes one line per step to ACK_FILE,
each with one write(2) on a file opened O_APPEND (what was written survives the kill of the process:
it is in the kernel's page cache):

    ready PID                    the store is open; appends start now (fsynced)
    start KIND N                 an append of KIND begins
    begin                        a write transaction has begun (written from the engine's events)
    commit                       that transaction's COMMIT is about to be issued
    ack SEQ EVENT_ID KIND N      the service call returned, so its unit of work committed (fsynced)
    ack checkpoint SIZE KIND N   the same for a signed checkpoint of the log at SIZE

An `ack` is written only after the service call has returned, and fsynced before the next append
starts: an acknowledged append is one the caller was told had been recorded. The `begin`/`commit`
lines say where a kill landed (inside an open write transaction, or between COMMIT and the ack).

It imports nothing from the tests package (only the standard library, SQLAlchemy and inwriting), so
the parent runs it as a file with the project's interpreter.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from inwriting.app import drafts, register, registry, talks
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.recorder import Recorded
from inwriting.storage import schema as t

ORIGIN = "crash.inwriting.local/log"
PARTIES = (("RU", "Russian Federation"), ("US", "United States of America"))
PROCESS = "crash"
TRACK = "ru-us"

# What the loop appends, with weights: texts stored as blobs with their events (new documents and
# new versions of existing ones), the talks around them, commitments, and now and then a new process,
# a new signing key (its private half goes to the keystore once the event has committed) or a signed
# checkpoint (no event: a row in the same log database).
KINDS = {
    "draft": 3,
    "revision": 2,
    "meeting": 3,
    "precondition": 3,
    "commitment": 3,
    "process": 1,
    "key": 1,
    "checkpoint": 1,
}

_SENTENCE = (
    "the parties shall refrain from deploying forces weapons territory security guarantees consult"
    " notify exercises within days of any measure affecting the other party undertakes to respect"
)
WORDS = tuple(_SENTENCE.split(" "))


def set_up(app: App) -> None:
    """What every child run appends on top of (the log's genesis is written by `setup.init`)."""
    for party, name in PARTIES:
        registry.register_party(app, party, name)
        registry.new_key(app, party)
    registry.new_process(app, PROCESS, "Crash test")
    registry.new_track(app, TRACK, PROCESS, "Bilateral", [p for p, _ in PARTIES])


class Acks:
    """The acknowledgement file: one os.write per line; `sync` lines are fsynced at once."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def line(self, text: str, *, sync: bool = False) -> None:
        os.write(self.fd, (text + "\n").encode())
        if sync:
            os.fsync(self.fd)


class Child:
    def __init__(self, app: App, acks: Acks, work: Path, seed: int) -> None:
        self.app = app
        self.acks = acks
        self.work = work
        self.rng = random.Random(seed)
        self.token = f"{seed:x}"[-8:]
        self.count = 0
        with app.store.read() as conn:
            rows = conn.execute(select(t.documents.c.id, t.documents.c.author)).all()
        self.documents: list[tuple[str, str]] = [(row.id, row.author) for row in rows]

    def words(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high)))

    def party(self) -> str:
        return self.rng.choice(PARTIES)[0]

    def draft_file(self, title: str) -> Path:
        lines = [title, ""]
        for article in range(1, self.rng.randint(2, 4) + 1):
            lines += [f"Article {article}. {self.words(1, 3).capitalize()}", ""]
            for para in range(1, self.rng.randint(1, 3) + 1):
                lines += [f"{para}. {self.words(6, 20).capitalize()}.", ""]
        path = self.work / f"draft-{self.token}-{self.count}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    def append(self, kind: str) -> tuple[str, str]:
        """One service call; returns (seq, event id) of what it recorded."""
        app, n = self.app, self.count
        if kind == "revision" and not self.documents:
            kind = "draft"
        if kind == "draft":
            doc, author = f"d-{self.token}-{n}", self.party()
            path = self.draft_file(f"Draft {self.words(2, 4)}")
            recorded = drafts.import_draft(app, path, track=TRACK, as_party=author, document=doc).event
            self.documents.append((doc, author))
        elif kind == "revision":
            doc, author = self.rng.choice(self.documents)
            path = self.draft_file(f"Draft {self.words(2, 4)}")
            recorded = drafts.import_draft(app, path, track=TRACK, as_party=author, document=doc).event
        elif kind == "meeting":
            today = datetime.now(UTC).date().isoformat()
            place = self.rng.choice(("Geneva", "Vienna", "Brussels"))
            recorded = talks.add_meeting(app, track=TRACK, date=today, place=place, as_party=self.party())[1]
        elif kind == "precondition":
            text = f"{self.words(4, 12).capitalize()}."
            recorded = talks.add_precondition(app, track=TRACK, as_party=self.party(), text=text)[1]
        elif kind == "commitment":
            obligor = self.party()
            other = [p for p, _ in PARTIES if p != obligor]
            recorded = register.record_commitment(
                app,
                party=obligor,
                to=other,
                text=f"{self.words(4, 12).capitalize()}.",
                form=self.rng.choice(("spoken", "written")),
                source=f"a letter of the crash test, run {self.token}",
                as_party=self.rng.choice((obligor, None)),
                track=TRACK,
            )[1]
        elif kind == "process":
            recorded = registry.new_process(app, f"p-{self.token}-{n}", f"Process {n} of run {self.token}")
        elif kind == "key":
            recorded = registry.new_key(app, self.party()).event
        elif kind == "checkpoint":
            return "checkpoint", str(log_cases.checkpoint(app).size)
        else:
            raise ValueError(kind)
        assert isinstance(recorded, Recorded)
        return str(recorded.seq), recorded.event_id

    def run(self) -> None:
        kinds, weights = list(KINDS), list(KINDS.values())
        while True:
            self.count += 1
            kind = self.rng.choices(kinds, weights)[0]
            self.acks.line(f"start {kind} {self.count}")
            seq, event_id = self.append(kind)
            self.acks.line(f"ack {seq} {event_id} {kind} {self.count}", sync=True)


def watch_transactions(app: App, acks: Acks) -> None:
    """Mark in the ack file when a write transaction begins and when its COMMIT is issued."""

    def writing(conn: Any) -> bool:
        return not conn.get_execution_options().get("inwriting_readonly")

    def on_begin(conn: Any) -> None:
        if writing(conn):
            acks.line("begin")

    def on_commit(conn: Any) -> None:
        if writing(conn):
            acks.line("commit")

    event.listen(app.store.engine, "begin", on_begin)
    event.listen(app.store.engine, "commit", on_commit)


def main(argv: list[str]) -> int:
    database, keystore, ack_file, work_dir, seed = argv
    if not sys.stdin.readline():  # the parent closed our input: it wants no run of ours
        return 0
    acks = Acks(Path(ack_file))
    app = App.open(database, keystore)
    watch_transactions(app, acks)
    child = Child(app, acks, Path(work_dir), int(seed))
    acks.line(f"ready {os.getpid()}", sync=True)
    child.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
