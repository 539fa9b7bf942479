"""schemathesis over every service's real OpenAPI: no 500, and every answer as documented.

Each of the six services (and the console's identity API) runs through ``service_factory`` on
SQLite and on PostgreSQL; every operation of its served ``/openapi.json`` gets a few generated
requests, sent with a tenant owner's token. A run collects every distinct failure of the service
before it fails, so one run lists all that is left to fix:

    .venv/bin/pytest tests/contract/test_openapi_fuzz.py -q -p no:cacheprovider -k dispatch
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smartdist.catalog import SERVICE_ORDER
from smartdist.testing.fuzz import console_under_test, fuzz_service, service_definition


@pytest.mark.slow
@pytest.mark.parametrize("name", SERVICE_ORDER)
def test_every_operation_answers_as_documented(name: str, service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(service_definition(name)) as svc:
        report = fuzz_service(svc, svc.headers(svc.new_tenant()))
    assert report.operations >= 1, f"{name}: no operation in /openapi.json"
    assert not report.failures, report.describe(name)


@pytest.mark.slow
def test_the_console_identity_api_answers_as_documented(
    database_url_and_schema: tuple[str, str | None], tmp_path: Path
) -> None:
    url, schema = database_url_and_schema
    with console_under_test(url, schema, tmp_path / "data") as svc:
        report = fuzz_service(svc, svc.headers(svc.new_tenant()))
    assert report.operations >= 1, "console: no operation in /openapi.json"
    assert not report.failures, report.describe("console")
