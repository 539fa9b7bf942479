"""The services installed in this environment, found through the ``smartdist.services`` entry points.

The common library never imports a service by name: each service's package registers its
:class:`ServiceDefinition`, so the CLI and the demo compose whatever is installed.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from smartdist.service import ServiceDefinition

# The order of SPEC §1, used for the landing page and the CLI's listings.
SERVICE_ORDER = ["dispatch", "forecast", "wms", "delivery-broker", "surplus-market", "virtual-store"]


@lru_cache
def service_definitions() -> dict[str, ServiceDefinition]:
    found = {ep.name: ep.load() for ep in entry_points(group="smartdist.services")}
    ordered = {name: found.pop(name) for name in SERVICE_ORDER if name in found}
    ordered.update(sorted(found.items()))
    return ordered


def definition(name: str) -> ServiceDefinition:
    """One service's definition, importing that service only: `smartdist serve wms` or
    `smartdist db revision wms` keep working while another service's code does not import."""
    if name in ("console", "identity"):
        from smartdist.console import IDENTITY

        return IDENTITY
    matches = entry_points(group="smartdist.services", name=name)
    if not matches:
        known = ", ".join(["console", *sorted(ep.name for ep in entry_points(group="smartdist.services"))])
        raise LookupError(f"unknown service '{name}'; installed: {known}")
    found: ServiceDefinition = next(iter(matches)).load()
    return found
