"""What every use case runs with: the store, the local keystore and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from inwriting.app.keystore import Keystore
from inwriting.storage.store import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class App:
    store: Store
    keystore: Keystore
    clock: Callable[[], datetime] = field(default=utc_now)

    @classmethod
    def open(cls, db: str | None, keystore: str | None = None) -> App:
        return cls(Store.open(db), Keystore.resolve(keystore))

    def now(self) -> str:
        return format_time(self.clock())

    def close(self) -> None:
        self.store.dispose()
