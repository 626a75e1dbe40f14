"""Bundles: export a process, verify it with no database, and catch any change to the file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from inwriting.app import bundles, registry
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.errors import NotFound, VerificationError
from inwriting.record.bundle import verify_bundle
from inwriting.storage.projections import load_state
from tests.storage.helpers import populate


def export(app: App, tmp_path: Path, name: str = "sg.bundle") -> Path:
    path = tmp_path / name
    bundles.export(app, path, "sg")
    return path


def rewrite(path: Path, change: object) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    change(lines)  # type: ignore[operator]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def record(app: App) -> App:
    populate(app)
    registry.new_process(app, "other", "Another process")
    registry.new_track(app, "other-t", "other", "Elsewhere", ["RU", "US"])
    registry.register_party(app, "FR", "French Republic")
    return app


def test_export_and_verify_offline(record: App, tmp_path: Path) -> None:
    path = export(record, tmp_path)
    with record.store.read() as conn:
        state = load_state(conn)
    report = verify_bundle(path, trusted_log_key=state.log_vkey, workers=2)
    assert report.size == state.size
    assert report.hidden == 2  # the other process and its track, as leaf hashes only
    assert report.events == state.size - 2
    assert report.process == "sg"
    assert "NATO" in report.parties
    head_root = log_cases.prove_inclusion(record, 0).root
    assert report.root == head_root.hex()


def test_gzip_bundle(record: App, tmp_path: Path) -> None:
    path = export(record, tmp_path, "sg.bundle.gz")
    with gzip.open(path, "rt") as handle:
        assert json.loads(handle.readline())["format"] == "inwriting-bundle/v1"
    assert verify_bundle(path).hidden == 2


def test_unknown_process(record: App, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        bundles.export(record, tmp_path / "x.bundle", "nope")
    assert not (tmp_path / "x.bundle").exists()


def test_untrusted_log_key_is_refused(record: App, tmp_path: Path) -> None:
    path = export(record, tmp_path)
    other = "example.org/inwriting-test-log+e8b91fe3+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    with pytest.raises(VerificationError, match="not the trusted"):
        verify_bundle(path, trusted_log_key=other)


def _flip_char(text: str, position: int) -> str:
    return text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1 :]


def test_every_kind_of_change_is_caught(record: App, tmp_path: Path) -> None:
    original = export(record, tmp_path).read_text(encoding="utf-8").splitlines()

    def check(mutate: object, match: str) -> None:
        path = tmp_path / "mutated.bundle"
        path.write_text("\n".join(original) + "\n", encoding="utf-8")
        rewrite(path, mutate)
        with pytest.raises(VerificationError, match=match):
            verify_bundle(path)

    def replace_in(n: int, old: str, new: str) -> object:
        def mutate(lines: list[str]) -> None:
            assert old in lines[n]
            lines[n] = lines[n].replace(old, new, 1)

        return mutate

    check(replace_in(3, '"name":"', '"name":"X'), "line 4")  # the text of an event
    for n in range(1, len(original)):
        line = original[n]
        if '"sig":"' in line:
            start = line.index('"sig":"') + len('"sig":"') + 5
            check(
                replace_in(
                    n, line[start : start + 4], "AAAA" if line[start : start + 4] != "AAAA" else "BBBB"
                ),
                f"line {n + 1}",
            )
        else:
            start = line.index('"leaf":"') + len('"leaf":"')
            digit = line[start]
            check(
                replace_in(n, f'"leaf":"{digit}', f'"leaf":"{"1" if digit != "1" else "2"}'),
                "checkpoint at size|line",
            )
    check(lambda ls: ls.pop(5), "out of order|seq")
    check(lambda ls: ls.__setitem__(slice(5, 7), [ls[6], ls[5]]), "seq|out of order")

    def checkpoint(ls: list[str]) -> None:
        header = json.loads(ls[0])
        header["checkpoints"][-1] = _flip_char(header["checkpoints"][-1], 40)
        ls[0] = json.dumps(header)

    check(checkpoint, "checkpoint")
    check(lambda ls: ls.append(ls[-1]), "seq|out of order|header promises")
    check(lambda ls: ls.__setitem__(2, "{not json"), "line 3")
    check(lambda ls: ls.__setitem__(2, ls[2].replace('{"seq":1,', '{"seq": 1, ')), "line 3")
    check(lambda ls: ls.pop(), "header promises")
