"""How the served application spends a process: requests at once per process (`serve --threads`)."""

from __future__ import annotations

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from inwriting.app.context import App
from inwriting.web.app import create_app
from inwriting.web.limits import DEFAULT_THREADS, ENV_THREADS


def _limit_in(client: TestClient) -> int:
    assert client.portal is not None
    return int(client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens))


@pytest.mark.parametrize(
    ("value", "expected"), [("3", 3), (None, DEFAULT_THREADS), ("0", DEFAULT_THREADS), ("²", DEFAULT_THREADS)]
)
def test_a_process_works_on_its_thread_limit_of_requests_at_once(
    app: App, monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int
) -> None:
    """anyio's pool would run 40 requests at once; the served application runs `--threads` (or
    INWRITING_THREADS, default 4), and a value that is not a positive number falls back to it."""
    if value is None:
        monkeypatch.delenv(ENV_THREADS, raising=False)
    else:
        monkeypatch.setenv(ENV_THREADS, value)
    with TestClient(create_app(app)) as client:
        assert _limit_in(client) == expected
        assert client.get("/api/v1/openapi.json").status_code == 200
