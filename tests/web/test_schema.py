"""Every operation of the OpenAPI schema, fuzzed by schemathesis over the ASGI app with a valid token,
with data that fits the schema and data that does not: no answer is a 5xx, and every answer (errors
included) conforms to the schema. The record holds a real treaty handed over, so ids that exist are
there to be hit: each operation is fuzzed with generated ids and with the ids of that record (a version,
an answer, an instrument, a commitment, a claim, a precondition). 35 examples an operation (over 2,000
requests a backend; INWRITING_SCHEMA_EXAMPLES changes it). No partial write: a request answered
with an error leaves the log as it was, and the log verifies (projections equal to the fold) after
every request has run.

schemathesis's own pytest loader (`schemathesis.pytest.from_fixture`) cannot run under pytest 9.2 (it
sets `Function._nodeid`, which pytest 9.2 no longer has), so each operation's strategies are driven
here with Hypothesis directly; the checks are schemathesis's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from inwriting.app import drafts, instruments, negotiation, register, talks
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.web.app import create_app
from tests.web.conftest import TODAY, TREATY, Api, build

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")

EXAMPLES = int(os.environ.get("INWRITING_SCHEMA_EXAMPLES", "35"))
MIN_REQUESTS = 2000 if EXAMPLES >= 35 else 0  # the floor, at the default number of examples


# Ids of the record below, by path or query parameter name.
KNOWN = {
    "version": "t@v1",
    "text": "t@v1/answer/US/1",
    "answer": "t@v1/answer/US/2",  # in prose
    "document": "t",
    "scope": "sg",
    "process": "sg",
    "instrument": "t-treaty",
    "commitment": "RU/commitment/1",
    "claim": "US/claim/1",
    "precondition": "ru-us/pre/1",
    "index": 5,
    "old": "t@v1",
    "new": "t@v1",
    "a": "t@v1",
    "b": "t@v1",
}
# Path parameters that hold a '/': schemathesis generates no valid value for them (it leaves slashes
# out of path parameters), so they are fuzzed with the record's ids and with invalid values.
SLASHED = frozenset({"text", "answer", "commitment", "claim", "precondition"})


@pytest.fixture
def fuzzed(app: App) -> Api:
    """RU's treaty `t@v1` handed to the US and answered, point by point and in prose; the instrument
    `t-treaty`; RU's commitment to the US and the US's claim on it; a meeting and a precondition on
    `ru-us`."""
    built = build(app)
    drafts.import_draft(app, TREATY, track="ru-us", as_party="RU", document="t", delegate="ryabkov")
    negotiation.handover(app, "t@v1", to=["US"], point_by_point=True, delegate="ryabkov")
    answer = fuzzed_answer(app)
    negotiation.answer(app, "t@v1", as_party="US", file=answer, delegate="sherman")
    prose = answer.with_name("prose.txt")
    prose.write_text("On Article 1\n\nWe cannot accept Article 1.\n\nWe will consider Article 2.\n", "utf-8")
    negotiation.answer(app, "t@v1", as_party="US", file=prose, prose=True, delegate="sherman")
    instruments.create(app, version="t@v1", kind="treaty", as_party="RU", delegate="ryabkov")
    register.record_commitment(
        app,
        party="RU",
        to=["US"],
        text="No deployment.",
        form="written",
        source="a letter",
        as_party="RU",
        delegate="ryabkov",
    )
    register.file_claim(
        app, "RU/commitment/1", as_party="US", text="Deployed.", evidence=["a report"], delegate="sherman"
    )
    talks.add_meeting(app, track="ru-us", date=TODAY, place="Geneva", as_party="US", acting="sherman")
    talks.add_precondition(app, track="ru-us", as_party="RU", text="No expansion.", delegate="ryabkov")
    return built


def fuzzed_answer(app: App) -> Path:
    template = negotiation.answer_template(app, "t@v1")
    path = Path(tempfile.mkdtemp()) / "answer.md"
    path.write_text(template.replace("{art_1}: ?", "{art_1}: accept"), encoding="utf-8")
    return path


def strategies(operation: Any) -> list[Any]:
    names = {p.name for p in operation.iter_parameters()}
    known_path = {n: KNOWN[n] for n in names if n in KNOWN and f"{{{n}}}" in operation.path}
    known_query = {n: KNOWN[n] for n in names if n in KNOWN and n not in known_path}
    found = [operation.as_strategy(GenerationMode.NEGATIVE)]
    if not names & SLASHED:
        found.append(operation.as_strategy(GenerationMode.POSITIVE))
    if known_path or known_query:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            found.append(
                operation.as_strategy(mode, path_parameters=known_path or None, query=known_query or None)
            )
    return found


def run_operation(operation: Any, headers: dict[str, str], api: Api, sent: list[int]) -> None:
    cases = st.one_of(strategies(operation))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def check(case: Any) -> None:
        before = api.size()
        response = case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )
        sent[0] += 1
        if response.status_code >= 400:  # refused: nothing of it may remain
            assert api.size() == before, (
                f"{case.method} {case.formatted_path} -> {response.status_code} wrote"
            )

    check()


def test_every_operation_conforms(fuzzed: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(fuzzed.app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    failures: dict[str, str] = {}
    sent = [0]
    for operation in operations:
        try:
            run_operation(operation, fuzzed.headers("US"), fuzzed, sent)
        except Exception as exc:  # every operation runs; all failures are reported together
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:2000]}"
    assert failures == {}
    assert sent[0] >= MIN_REQUESTS, f"{sent[0]} requests"
    print(f"{sent[0]} generated requests over {len(operations)} operations")
    assert log_cases.verify(fuzzed.app).size == fuzzed.size()  # what was written is whole
