"""A record with parties, keys, tracks, delegates and API tokens (set up in Python), and an HTTP client
of the ASGI app that speaks for one party at a time; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from inwriting.app import accounts, delegates, registry
from inwriting.app.context import App
from inwriting.web.app import create_app
from tests.conftest import StepClock
from tests.storage.helpers import log_size, populate

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"  # 18 points, 8 articles
TODAY = "2022-01-10"
API = "/api/v1"

# One delegate per party, with every role a party needs to act through the API.
DELEGATES = {
    "RU": ("ryabkov", "Sergei Ryabkov", "Deputy Minister of Foreign Affairs"),
    "US": ("sherman", "Wendy Sherman", "Deputy Secretary of State"),
    "NATO": ("geoana", "Mircea Geoana", "Deputy Secretary General"),
    "DE": ("baerbock", "Annalena Baerbock", "Federal Minister for Foreign Affairs"),
}
ROLES = ["reader", "drafter", "negotiator", "signatory"]


def set_today(app: App, day: str) -> None:
    clock = StepClock()
    clock.moment = datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)
    app.clock = clock


@dataclass
class Api:
    """The ASGI app over one record, and each party's token."""

    app: App
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, party: str | None) -> dict[str, str]:
        return {} if party is None else {"Authorization": f"Bearer {self.tokens[party]}"}

    def get(self, party: str | None, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(party), **kwargs.pop("headers", {})}
        return self.client.get(API + path, headers=headers, **kwargs)

    def post(self, party: str | None, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(party), **kwargs.pop("headers", {})}
        return self.client.post(API + path, headers=headers, **kwargs)

    def upload(
        self, party: str, name: str, data: bytes, *, track: str = "ru-us", **fields: Any
    ) -> httpx.Response:
        return self.post(
            party, "/drafts", files={"file": (name, data, "text/plain")}, data={"track": track, **fields}
        )

    def size(self) -> int:
        return log_size(self.app)


def build(app: App) -> Api:
    """RU, US, DE, PL and NATO (US, DE, PL); keys for RU, US, NATO, DE; process `sg` with tracks
    `ru-us` (RU, US) and `nrc` (RU, NATO); a delegate and a token for RU, US, NATO and DE."""
    set_today(app, TODAY)
    populate(app)
    registry.new_key(app, "NATO")
    registry.new_key(app, "DE")
    api = Api(app, TestClient(create_app(app)))
    for party, (delegate, name, title) in DELEGATES.items():
        delegates.add_delegate(app, party, delegate=delegate, name=name, title=title, roles=ROLES)
        api.tokens[party] = accounts.issue_token(app, party, delegate).secret
    return api


@pytest.fixture
def api(app: App) -> Iterator[Api]:
    built = build(app)
    with built.client:
        yield built


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The envelope of a failure, checked for its shape; returns the error."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "error"} and body["ok"] is False, body
    assert set(body["error"]) == {"code", "message", "where"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])
