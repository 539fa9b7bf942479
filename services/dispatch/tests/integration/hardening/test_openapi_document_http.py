"""The served OpenAPI is valid 3.1 that schemathesis can use on the order endpoints (it could not:
OrderOut's tuple windows were a schema the tool read as invalid, so POST /orders and
GET/PATCH /orders/{id} went unfuzzed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def schemas_in(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON Schema of the document: components, parameters, request and response bodies."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                yield f"{where}/schema", value
            elif key == "schemas" and isinstance(value, dict) and where == "#/components":
                yield from ((f"{where}/schemas/{name}", s) for name, s in value.items())
            else:
                yield from schemas_in(value, f"{where}/{key}")
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from schemas_in(value, f"{where}/{k}")


def test_every_schema_of_the_served_document_is_json_schema_2020_12(svc: ServiceUnderTest) -> None:
    document = svc.client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1.")
    found = list(schemas_in(document))
    assert len(found) > 50
    invalid = [where for where, schema in found if not jsonschema_rs.meta.is_valid(schema)]
    assert invalid == []
    # A tuple's prefixItems is valid 3.1 but schemathesis reads it as a 3.0 "items" list: none served.
    assert "prefixItems" not in str(document)


def test_schemathesis_reads_every_operation_and_checks_the_order_answers(svc: ServiceUnderTest) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", svc.client.app)
    unreadable = [str(r.err()) for r in schema.get_all_operations() if isinstance(r, Err)]
    assert unreadable == []
    headers = svc.headers("t1", ("dispatcher",))
    body = {"order_no": "A-1", "customer_name": "Lin", "lat": 25.03, "lng": 121.56,
            "time_windows": [["2026-11-27T09:00:00+08:00", "2026-11-27T12:00:00+08:00"]]}  # fmt: skip
    checks = [status_code_conformance, response_schema_conformance]
    create = schema["/api/v1/orders"]["POST"].Case(body=body, media_type="application/json")
    created = create.call(headers=headers)
    assert created.status_code == 201
    create.validate_response(created, checks=checks, headers=headers)  # raises when it cannot check
    order_id = created.json()["id"]
    read = schema["/api/v1/orders/{order_id}"]["GET"].Case(path_parameters={"order_id": order_id})
    read.validate_response(read.call(headers=headers), checks=checks, headers=headers)
    change = schema["/api/v1/orders/{order_id}"]["PATCH"].Case(
        path_parameters={"order_id": order_id}, body={"notes": "back door"}, media_type="application/json"
    )
    changed = change.call(headers=headers)
    assert changed.json()["notes"] == "back door"
    change.validate_response(changed, checks=checks, headers=headers)
