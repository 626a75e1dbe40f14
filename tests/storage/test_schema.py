"""The migrations create exactly the schema the code declares, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from inwriting.app.context import App
from inwriting.storage import migrate
from inwriting.storage.schema import metadata
from inwriting.storage.search import include_name


def test_migrated_schema_matches_the_tables_in_code(app: App) -> None:
    with app.store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_upgrade_is_idempotent(app: App) -> None:
    before, after = migrate.upgrade(app.store.engine)
    assert before == after == migrate.head_revision()
