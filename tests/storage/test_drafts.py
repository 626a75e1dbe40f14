"""Drafts as signed versions, on SQLite and PostgreSQL: import, show, lineage across tracks, refusals
that leave nothing behind, texts that `log verify` checks, and rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from inwriting.app import drafts, registry
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.errors import InvalidInput, NotFound, Refused, VerificationError
from inwriting.exporters.markdown import to_markdown
from inwriting.importers import parse_text
from inwriting.storage import schema as t
from inwriting.storage.projections import load_state
from tests.storage.helpers import populate
from tests.storage.test_record import row_counts

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"
AGREEMENT = CORPUS / "draft_agreement_nato_ru_2021-12-17.txt"

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")


@pytest.fixture
def record(app: App) -> App:
    populate(app)
    registry.new_key(app, "NATO")
    return app


def test_import_show_and_lineage_across_tracks(record: App, tmp_path: Path) -> None:
    first = drafts.import_draft(record, TREATY, track="ru-us", as_party="RU", document="ru-us-treaty")
    assert first.version == "ru-us-treaty@v1"
    version, draft = drafts.get_version(record, "ru-us-treaty@v1")
    expected = parse_text(TREATY.read_bytes(), source=TREATY.name)
    assert [p.eid for p in draft.walk()] == [p.eid for p in expected.walk()]
    assert draft == expected
    assert version.author == "RU" and version.track == "ru-us"
    assert [eid for eid, _ in version.outline][:3] == ["art_1", "art_1__point_i", "art_1__point_ii"]

    other = drafts.import_draft(
        record,
        AGREEMENT,
        track="nrc",
        as_party="RU",
        kind="agreement",
        document="ru-nato",
        based_on="ru-us-treaty@v1",
    )
    assert other.version == "ru-nato@v1"
    exported = tmp_path / "v2.md"
    exported.write_text(to_markdown(draft), encoding="utf-8")
    second = drafts.import_draft(
        record, exported, track="ru-us", as_party="RU", document="ru-us-treaty", based_on="ru-us-treaty@v1"
    )
    assert second.version == "ru-us-treaty@v2"
    assert drafts.get_version(record, "ru-us-treaty@v2")[1].points == draft.points
    lineage = drafts.lineage(record, "ru-us-treaty")
    assert [(v.id, v.based_on) for v in lineage] == [
        ("ru-us-treaty@v1", None),
        ("ru-us-treaty@v2", "ru-us-treaty@v1"),
    ]
    assert drafts.lineage(record, "ru-nato")[0].based_on == "ru-us-treaty@v1"  # a base in another track
    assert log_cases.verify(record).size == 15


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"track": "ru-us", "as_party": "NATO"}, Refused),  # not a party to the track
        ({"track": "nope", "as_party": "RU"}, NotFound),
        ({"track": "ru-us", "as_party": "RU", "based_on": "ghost@v1"}, NotFound),
        ({"track": "ru-us", "as_party": "RU", "kind": "poem"}, InvalidInput),
        ({"track": "ru-us", "as_party": "US", "document": "d"}, Refused),  # RU's: "id taken", nothing more
        ({"track": "ru-us", "as_party": "RU", "document": "d", "title": "Bad \u202e title"}, InvalidInput),
    ],
)
def test_refusals_leave_nothing_behind(record: App, kwargs: dict[str, str], error: type[Exception]) -> None:
    drafts.import_draft(record, TREATY, track="ru-us", as_party="RU", document="d")
    before = row_counts(record)
    with pytest.raises(error):
        drafts.import_draft(record, TREATY, **kwargs)  # type: ignore[arg-type]
    assert row_counts(record) == before


def test_bad_files_are_refused(record: App, tmp_path: Path) -> None:
    before = row_counts(record)
    bidi = tmp_path / "bidi.txt"
    bidi.write_text("Title\n\nArticle 1\n\nThe Parties \u202eshall\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for path in (bidi, empty, tmp_path / "missing.txt"):
        with pytest.raises(InvalidInput):
            drafts.import_draft(record, path, track="ru-us", as_party="RU")
    assert row_counts(record) == before


def test_changed_text_is_caught_and_rebuild_keeps_versions(record: App) -> None:
    drafts.import_draft(record, TREATY, track="ru-us", as_party="RU", document="d")
    with record.store.read() as conn:
        projected = load_state(conn)
    log_cases.rebuild(record)
    with record.store.read() as conn:
        assert load_state(conn) == projected
    with record.store.write() as writer:
        row = writer.conn.execute(t.blobs.select()).one()
        changed = bytes(row.content).replace(b"Parties", b"parties", 1)
        writer.conn.execute(update(t.blobs).values(content=changed))
    with pytest.raises(VerificationError, match="version d@v1"):
        log_cases.verify(record)
    with pytest.raises(VerificationError, match="does not hash"):
        drafts.get_version(record, "d@v1")
