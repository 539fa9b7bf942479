"""schemathesis over a running service's own ``/openapi.json``: every operation, a few examples each.

``fuzz_service(svc, headers)`` drives each operation's hypothesis strategy directly (derandomized,
no shrinking) and keeps going after a failure, so one run reports every distinct mismatch of the
service: the operation, the status it answered, which check failed and why, and the request that
did it. The checks are the ones that make the OpenAPI trustworthy for an integrator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smartdist.service import ServiceDefinition
from smartdist.testing.platform import ServiceUnderTest

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# A few examples per operation keep the six services within minutes on two cores; raise it
# locally (SMARTDIST_FUZZ_EXAMPLES) to hunt for more.
DEFAULT_EXAMPLES = 6
_SHOWN = 600  # characters of a request or response body shown in a failure


@dataclass(frozen=True)
class FuzzFailure:
    operation: str
    check: str
    status: int | None
    message: str
    request: str
    response: str

    def describe(self) -> str:
        status = "(no request)" if self.status is None else f"answered {self.status}"
        return (
            f"- {self.operation} {status}: {self.check}\n"
            f"    {self.message.strip().replace(chr(10), chr(10) + '    ')}\n"
            f"    request: {self.request}\n"
            f"    response: {self.response}"
        )


@dataclass
class FuzzReport:
    operations: int = 0
    cases: int = 0
    failures: list[FuzzFailure] = field(default_factory=list)
    _seen: set[tuple[str, str, int | None]] = field(default_factory=set)

    def add(self, failure: FuzzFailure) -> None:
        # One line per (operation, check, status): the first example that shows it is enough.
        key = (failure.operation, failure.check, failure.status)
        if key not in self._seen:
            self._seen.add(key)
            self.failures.append(failure)

    def describe(self, name: str) -> str:
        operations = sorted({f.operation for f in self.failures})
        head = (
            f"{name}: {len(self.failures)} distinct failure(s) in {len(operations)} of {self.operations} "
            f"operation(s) ({self.cases} requests sent)"
        )
        again = f"again: .venv/bin/pytest tests/contract/test_openapi_fuzz.py -q -p no:cacheprovider -k {name}"
        return "\n".join([head, *(f.describe() for f in self.failures), again])


def service_definition(name: str) -> ServiceDefinition:
    """One installed service's definition, loading no other (a half-done neighbour cannot break it)."""
    from importlib.metadata import entry_points

    (entry,) = entry_points(group="smartdist.services", name=name)
    definition: ServiceDefinition = entry.load()
    return definition


def fuzz_service(
    svc: ServiceUnderTest,
    headers: dict[str, str],
    *,
    max_examples: int | None = None,
    include: Callable[[str, str], bool] | None = None,
) -> FuzzReport:
    """Every operation of the service's OpenAPI (or those ``include(method, path)`` keeps)."""
    import os

    examples = max_examples or int(os.environ.get("SMARTDIST_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
    schema = schemathesis.openapi.from_asgi("/openapi.json", svc.client.app)
    report = FuzzReport()
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation schemathesis cannot even read is a finding too
            report.add(FuzzFailure("(unreadable operation)", "schema", None, _short(str(result.err())), "", ""))
            continue
        operation = result.ok()
        if include is not None and not include(operation.method.upper(), operation.path):
            continue
        report.operations += 1
        _fuzz_operation(operation, headers, examples, report)
    return report


def _fuzz_operation(operation: Any, headers: dict[str, str], examples: int, report: FuzzReport) -> None:
    # Valid requests first; then a few that break the schema, which must be a documented 4xx.
    for mode, count in ((GenerationMode.POSITIVE, examples), (GenerationMode.NEGATIVE, max(1, examples // 2))):
        _fuzz_mode(operation, mode, headers, count, report)


def _fuzz_mode(
    operation: Any, mode: GenerationMode, headers: dict[str, str], examples: int, report: FuzzReport
) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    if mode is GenerationMode.NEGATIVE:
        label += " (invalid input)"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    def run(case: Any) -> None:
        report.cases += 1
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # schemathesis' client re-raises what the app's 500 handler answered
            check = f"{type(exc).__name__} raised (a 500 to the caller)"
            report.add(FuzzFailure(label, check, 500, _short(str(exc)), _request(case), ""))
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                report.add(_failure(label, case, response, failure))
        except Exception as exc:  # the documented response schema itself cannot be used
            report.add(_failure(label, case, response, exc, check=type(exc).__name__))

    try:
        run()
    except Exception as exc:  # no example could be generated from the operation's schema
        if mode is GenerationMode.NEGATIVE and isinstance(exc, Unsatisfiable):
            return  # nothing in this operation can be made invalid (no parameters, no body)
        report.add(FuzzFailure(label, "generation", None, _short(f"{type(exc).__name__}: {exc}"), "", ""))


def _failure(label: str, case: Any, response: Any, failure: Any, check: str | None = None) -> FuzzFailure:
    status = getattr(response, "status_code", None)
    try:
        body = _short(response.content.decode("utf-8", "replace"))
    except Exception:
        body = "(unreadable body)"
    # Failure titles name the check ("Undocumented HTTP status code", "Response violates schema").
    title = check or str(getattr(failure, "title", type(failure).__name__))
    message = str(getattr(failure, "message", failure))
    return FuzzFailure(label, title, status, _short(message), _request(case), body)


def _request(case: Any) -> str:
    parts = [f"{case.method.upper()} {case.formatted_path}"]
    if case.query:
        parts.append(f"query={_short(json.dumps(case.query, default=str))}")
    body = getattr(case, "body", None)
    if body is not None and type(body).__name__ != "NotSet":
        parts.append(f"body={_short(json.dumps(body, default=str))}")
    return " ".join(parts)


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


@contextmanager
def console_under_test(url: str, schema: str | None, data_dir: Path) -> Iterator[ServiceUnderTest]:
    """The console app (identity API, sign-in) on the given database, as the demo builds it."""
    from fastapi.testclient import TestClient

    from smartdist.auth.keys import generate_pem_pair
    from smartdist.auth.tokens import TokenSigner
    from smartdist.config import PlatformSettings
    from smartdist.console import IDENTITY, create_console_app
    from smartdist.db import Database
    from smartdist.runtime import ServiceRuntime

    pair = generate_pem_pair()
    assert pair.private_pem is not None
    platform = PlatformSettings(
        data_dir=data_dir,
        log_json=False,
        auth_private_key=pair.private_pem,
        auth_public_key=pair.public_pem,
        jobs_backend="inprocess",
        bus_backend="embedded",
    )
    runtime = ServiceRuntime(IDENTITY, platform, database=Database(url, schema=schema))
    app = create_console_app(runtime, [])
    with TestClient(app, raise_server_exceptions=False) as client:
        yield ServiceUnderTest(runtime, client, TokenSigner(pair.private_pem))
