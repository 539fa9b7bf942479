"""Prometheus counters for the bus, served by each service's /metrics with everything else."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS_RELAYED = Counter("smartdist_bus_events_relayed_total", "Outbox events handed to the bus.", ["outbox"])
RELAY_FAILURES = Counter(
    "smartdist_bus_relay_failures_total", "Relay passes stopped because the bus refused events.", ["outbox"]
)
EVENTS_CONSUMED = Counter(
    "smartdist_bus_events_consumed_total",
    "Messages a consumer group finished with, by outcome (handled, duplicate, ignored, failed, dead).",
    ["group", "outcome"],
)
