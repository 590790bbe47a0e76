"""Schemathesis over /openapi.json against the real server: no 5xx, every response as declared.

Every operation /openapi.json declares is called with examples generated from its schema (valid
ones, and invalid ones where there are query parameters or a body), each anonymously or with an
editor's token (a dataset exists, so reads find something). The test fails on any server error
and on any response that does not match the schema declared for its status. Examples are bounded
and derandomized, so the test repeats and costs about half a minute per database.
"""

from __future__ import annotations

from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api_ckan.conftest import live_server  # noqa: F401  (the real uvicorn server fixture)
from tests.conftest import Accounts

EXAMPLES_PER_OPERATION = 3


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server: str,  # noqa: F811
    users: Accounts,
) -> None:
    editor = users.make("clerk", org="011002")
    session = requests.Session()
    made = session.post(
        f"{live_server}/api/v1/datasets",
        json={"title": "既存の保育所一覧", "owner_org": "011002", "tags": ["保育"]},
        headers=editor.headers,
    )
    assert made.status_code == 201, made.text
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    identities: list[dict[str, str]] = [{}, editor.headers]
    failures: list[str] = []
    statuses: list[int] = []
    operations = 0
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    for operation, mode in [(r.ok(), m) for r in schema.get_all_operations() for m in modes]:
        operations += mode == GenerationMode.POSITIVE
        if mode == GenerationMode.NEGATIVE and not (len(operation.query) or len(operation.body)):
            continue  # a path-only operation has no invalid form worth generating

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(mode), who=st.sampled_from(identities))
        def run(case: Any, who: dict[str, str]) -> None:
            response = case.call(base_url=live_server, session=session, headers=who)
            statuses.append(response.status_code)
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )
            except Exception as exc:  # collect every failure, not just the first
                failures.append(f"{case.method} {case.formatted_path}: {exc}"[:2000])

        try:
            run()
        except Unsatisfiable:
            # Some parameter sets have no invalid form hypothesis can find.
            assert mode == GenerationMode.NEGATIVE, operation.label
    assert operations >= 30
    # The run really exercised the API (not only refusals such as 401/422/429).
    assert sum(200 <= status < 300 for status in statuses) >= 25, sorted(set(statuses))
    assert failures == [], "\n\n".join(failures[:10])
