"""Assemble the acceptance evidence pack from the services' own KPI APIs.

The console holds no KPI figures of its own: for each service it asks, with the signed-in
merchant's token, ``GET /api/v1/kpi/summary`` (the two KPIs, CO2e), ``GET /api/v1/kpi/baselines``
and ``GET /api/v1/kpi/logs`` (the records, from which the document counts by type and status and
the length of the data come). The pack's figures are therefore the same as the KPI endpoints
answer for the same period, whether the services run in one process (the demo) or on their own
hosts (production, ``SMARTDIST_SERVICE_URLS``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx

# Under this much data a KPI over time (revenue per month, an improvement) is not evidence yet.
MIN_MONTHS_OF_DATA = 2.0
DAYS_PER_MONTH = 30.44
FETCH_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive: the KPI APIs count the whole of this day (Asia/Taipei)

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass(frozen=True)
class ServiceSource:
    name: str
    title: str
    base_url: str  # absolute, without a trailing slash


@dataclass(frozen=True)
class DocumentCount:
    doc_type: str
    status: str
    count: int


@dataclass(frozen=True)
class Warning:
    """A reason a figure is not evidence yet, as a catalog key and its values (rendered per language)."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ServiceEvidence:
    source: ServiceSource
    kpis: list[dict[str, Any]] = field(default_factory=list)
    co2e_kg: float | None = None
    notes: list[str] = field(default_factory=list)
    baselines: list[dict[str, Any]] = field(default_factory=list)
    documents: list[DocumentCount] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    first_record_at: datetime | None = None
    warnings: list[Warning] = field(default_factory=list)
    months_of_data: float = 0.0  # from the first record in the period to the period's end
    unreachable: str | None = None  # why the service could not be asked


@dataclass
class EvidencePack:
    period: Period
    services: list[ServiceEvidence]
    carbon_factors: dict[str, float]
    generated_at: datetime

    @property
    def co2e_total_kg(self) -> float:
        return round(sum(s.co2e_kg or 0.0 for s in self.services), 3)


ClientFactory = Callable[[ServiceSource], httpx.Client]


def http_client_factory(token: str, lang: str) -> ClientFactory:
    """Clients that call each service as the signed-in merchant, in the page's language."""

    def make(source: ServiceSource) -> httpx.Client:
        return httpx.Client(
            base_url=source.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": lang},
            timeout=FETCH_TIMEOUT_S,
        )

    return make


def collect_pack(
    sources: Iterable[ServiceSource],
    period: Period,
    clients: ClientFactory,
    *,
    carbon_factors: dict[str, float],
    now: datetime,
) -> EvidencePack:
    """Ask every service at once (one thread each: six small HTTP conversations)."""
    listed = list(sources)
    with ThreadPoolExecutor(max_workers=max(1, len(listed))) as pool:
        services = list(pool.map(lambda s: collect_service(s, period, clients), listed))
    return EvidencePack(period=period, services=services, carbon_factors=carbon_factors, generated_at=now)


def collect_service(source: ServiceSource, period: Period, clients: ClientFactory) -> ServiceEvidence:
    evidence = ServiceEvidence(source=source)
    try:
        with clients(source) as client:
            summary = _get_json(client, "/api/v1/kpi/summary", period.query())
            evidence.baselines = list(_get_json(client, "/api/v1/kpi/baselines", {}))
            evidence.records = _get_records(client, period)
    except (httpx.HTTPError, ValueError) as exc:
        evidence.unreachable = _reason(exc)
        evidence.warnings.append(Warning("evidence.warn.unreachable", {"reason": evidence.unreachable}))
        return evidence
    evidence.kpis = list(summary.get("kpis", []))
    evidence.co2e_kg = summary.get("co2e_kg")
    evidence.notes = [str(n) for n in summary.get("notes", [])]
    evidence.documents = document_counts(evidence.records)
    evidence.first_record_at = _first_at(evidence.records)
    if evidence.first_record_at is not None:
        period_end = datetime.fromisoformat(f"{period.end.isoformat()}T23:59:59+08:00")
        evidence.months_of_data = _months_between(evidence.first_record_at, period_end)
    evidence.warnings.extend(warnings_for(evidence))
    return evidence


def document_counts(records: Iterable[dict[str, Any]]) -> list[DocumentCount]:
    """Documents by type and their latest status in the period (one document, one count)."""
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    for record in records:
        key = (str(record.get("doc_type", "")), str(record.get("doc_no", "")))
        at = str(record.get("at", ""))
        if key not in latest or at >= latest[key][0]:
            latest[key] = (at, str(record.get("status", "")))
    counts = Counter((doc_type, status) for (doc_type, _), (_, status) in latest.items())
    return [DocumentCount(t, s, n) for (t, s), n in sorted(counts.items())]


def warnings_for(evidence: ServiceEvidence) -> list[Warning]:
    """Why a KPI is not evidence yet: a baseline not entered, a KPI not computable, too little data."""
    found: list[Warning] = []
    for baseline in evidence.baselines:
        if baseline.get("value") is None:
            found.append(
                Warning("evidence.warn.no_baseline", {"baseline": str(baseline.get("name", baseline["code"]))})
            )
    for kpi in evidence.kpis:
        if kpi.get("value") is None:
            found.append(
                Warning(
                    "evidence.warn.not_computable", {"kpi": str(kpi.get("name", "")), "why": str(kpi.get("detail", ""))}
                )
            )
    months = evidence.months_of_data
    if months < MIN_MONTHS_OF_DATA:
        found.append(Warning("evidence.warn.short_data", {"months": f"{months:.1f}"}))
    return found


def _get_json(client: httpx.Client, path: str, params: dict[str, str]) -> Any:
    response = client.get(path, params=params)
    response.raise_for_status()
    return response.json()


def _get_records(client: httpx.Client, period: Period) -> list[dict[str, Any]]:
    response = client.get("/api/v1/kpi/logs", params={**period.query(), "format": "jsonl"})
    response.raise_for_status()
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def _first_at(records: list[dict[str, Any]]) -> datetime | None:
    times = [_aware(datetime.fromisoformat(str(r["at"]))) for r in records if r.get("at")]
    return min(times) if times else None


def _aware(moment: datetime) -> datetime:
    """Log times carry their offset; one stored without (SQLite) is UTC, as the log writes it."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _months_between(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / (DAYS_PER_MONTH * 86400)


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__
