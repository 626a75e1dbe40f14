"""Exporting a process as a bundle that anyone can verify offline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.domain import events as ev
from inwriting.errors import NotFound
from inwriting.record.bundle import Header, Hidden, Visible, write_bundle
from inwriting.storage import store as st
from inwriting.storage.projections import load_state

# Events everyone needs to check signatures: who the parties are and which keys they hold.
GLOBAL_TYPES = frozenset({ev.GENESIS, ev.PARTY_REGISTERED, ev.KEY_ADDED, ev.KEY_REVOKED})


@dataclass(frozen=True)
class ExportReport:
    path: str
    process: str
    size: int
    events: int
    hidden: int
    checkpoint_size: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def export(app: App, path: Path, process: str) -> ExportReport:
    """Write the process's events (and the global ones) in full, every other leaf as a hash."""
    with app.store.read() as conn:
        if process not in load_state(conn).processes:
            raise NotFound(f"process {process} does not exist")
    latest = log_cases.checkpoint(app)  # covers the head at this moment
    counts = {"events": 0, "hidden": 0}
    with app.store.read() as conn:
        state = load_state(conn)
        notes = [cp.note for cp in st.checkpoints(conn) if cp.size <= latest.size]
        header = Header(str(state.origin), str(state.log_vkey), latest.size, notes, process, app.now())

        def entries() -> Iterator[Visible | Hidden]:
            for entry in st.iter_entries(conn, 0, latest.size):
                if entry.type in GLOBAL_TYPES or entry.process == process:
                    counts["events"] += 1
                    yield Visible(entry.seq, entry.event_bytes, entry.signature)
                else:
                    counts["hidden"] += 1
                    yield Hidden(entry.seq, entry.leaf_hash)

        write_bundle(path, header, entries())
    return ExportReport(str(path), process, latest.size, counts["events"], counts["hidden"], latest.size)
