"""Every handler of the service is a plain ``def``: the synchronous DbSession in an ``async def``
would block the event loop all six services share in the demo."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel

from smartdist_dispatch.app import DEFINITION, pages


def calls(dependant: Any) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from calls(sub)


def test_no_handler_or_own_dependency_of_the_service_is_a_coroutine() -> None:
    routes = [r for router in [*DEFINITION.routers, pages] for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 40
    coroutines = [
        f"{r.path} {getattr(call, '__qualname__', call)}"
        for r in routes
        for call in calls(r.dependant)
        if call is not None
        and getattr(call, "__module__", "").startswith("smartdist_dispatch")
        and inspect.iscoroutinefunction(call)
    ]
    assert coroutines == []


def test_every_json_route_declares_its_answer() -> None:
    """A Pydantic response model, or documented content (a file, a download), or no content (204)."""
    undeclared = [
        f"{sorted(r.methods)} {r.path}"
        for router in DEFINITION.routers
        for r in router.routes
        if isinstance(r, APIRoute)
        and not (isinstance(r.response_model, type) and issubclass(r.response_model, BaseModel))
        and r.status_code != 204
        and not any("content" in v for v in r.responses.values())
    ]
    assert undeclared == []
