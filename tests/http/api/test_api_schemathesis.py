"""Schemathesis against the live REST API: every operation of its OpenAPI description,
with generated requests (valid ones, and hostile ones that still fit the schema): no
5xx, and every answer (status, content type, headers, body) as the description says.

Bounded to ``EXAMPLES`` requests per operation so a run stays well under a minute.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from live_api import LiveApi, organisation
from schemathesis import checks

EXAMPLES = 6
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance]


@pytest.mark.slow
def test_every_operation_answers_as_its_description_says(live_api: LiveApi) -> None:
    with live_api.client("write") as api:  # something to find: generated ids rarely name it, examples may
        api.post("/partner", json=organisation("Seed", external_ids=[{"system": "crm", "id": "S-1"}]),
                 headers={"Idempotency-Key": "seed"})
    # Read with a patient client: the server's first call of the description builds it.
    described = httpx.get(f"{live_api.url}/openapi.json", timeout=60)
    schema = schemathesis.openapi.from_dict(described.json())
    headers = {"Authorization": f"Bearer {live_api.keys['admin']}"}
    base_url = live_api.url
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

        check()
