"""KPI endpoints every service mounts: logs export, acceptance summary, codes, baselines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from smartdist.auth import Principal, require_roles
from smartdist.exports import attachment, safe_cell
from smartdist.kpi.log import EXPORT_FIELDS, EXPORT_HEADERS_ZH, export_row, latest_baselines, records_between
from smartdist.kpi.models import KpiBaseline
from smartdist.kpi.spec import KpiSpec, SummaryContext
from smartdist.problems import NotFound
from smartdist.timeparams import parse_bound
from smartdist.web.deps import DbSession
from smartdist.web.i18n import Translator, translator_for

# A date (the whole day, Asia/Taipei) or an RFC 3339 time; documented as either format.
TimeBound = Annotated[
    str | None,
    Query(
        json_schema_extra={"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
    ),
]
FromBound = Annotated[
    str | None,
    Query(
        alias="from",
        json_schema_extra={"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]},
    ),
]

Reader = Annotated[Principal, require_roles("owner", "clerk", "dispatcher", "warehouse", "integrator")]
Owner = Annotated[Principal, require_roles("owner")]


class KpiOut(BaseModel):
    code: str
    name: str
    value: float | None
    unit: str
    target: float
    met: bool
    detail: str = ""


class SummaryOut(BaseModel):
    service: str
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    kpis: list[KpiOut]
    co2e_kg: float = Field(description="Estimated kg CO2e saved, programme factors (SPEC §3).")
    notes: list[str] = []

    model_config = ConfigDict(populate_by_name=True)


class BaselineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float = Field(ge=0, description="The figure from before go-live, in the baseline's unit.")
    note: str = Field("", max_length=500)


class BaselineOut(BaseModel):
    code: str
    name: str
    unit: str
    description: str
    value: float | None


def kpi_router(spec: KpiSpec) -> APIRouter:
    router = APIRouter(prefix="/kpi", tags=["kpi"])

    @router.get(
        "/logs",
        summary="KPI log records for the acceptance meeting",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": (
                    "One record per line (jsonl) or a CSV with a header row; times in Asia/Taipei with their "
                    "offset (2026-12-04T18:20:00+08:00)."
                ),
                "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        },
    )
    def kpi_logs(
        request: Request,
        session: DbSession,
        principal: Reader,
        from_: FromBound = None,
        to: TimeBound = None,
        format: Literal["jsonl", "csv"] = "jsonl",
        header: Annotated[
            Literal["fields", "zh-TW"],
            Query(description="CSV header: the contract's field names, or SPEC §3's zh-TW names (文件名稱, 編號 ...)."),
        ] = "fields",
    ) -> StreamingResponse:
        """Every KPI record of the tenant in [from, to), as JSON lines or CSV; times in Asia/Taipei."""
        start, end = parse_bound(from_, "from"), parse_bound(to, "to", end=True)
        rows = [export_row(r) for r in records_between(session, start, end)]
        if format == "csv":
            return StreamingResponse(
                _csv(rows, EXPORT_HEADERS_ZH if header == "zh-TW" else None),
                media_type="text/csv; charset=utf-8",
                headers=attachment(f"{spec.service}-kpi-log.csv"),
            )
        return StreamingResponse(
            (json.dumps(r, ensure_ascii=False) + "\n" for r in rows), media_type="application/x-ndjson"
        )

    @router.get("/summary", response_model=SummaryOut, response_model_by_alias=True)
    def kpi_summary(
        request: Request,
        session: DbSession,
        principal: Reader,
        from_: FromBound = None,
        to: TimeBound = None,
    ) -> SummaryOut:
        """The service's two acceptance KPIs computed from the log, and the CO2e estimate."""
        start, end = parse_bound(from_, "from"), parse_bound(to, "to", end=True)
        ctx = SummaryContext(
            session=session,
            start=start,
            end=end,
            baselines=latest_baselines(session),
            carbon=request.app.state.runtime.carbon,
        )
        summary = spec.summarize(ctx)
        t = translator_for(request)
        return SummaryOut(
            service=spec.service,
            from_=from_,
            to=to,
            kpis=[localized_kpi(KpiOut(**k.__dict__), t) for k in summary.kpis],
            co2e_kg=round(summary.co2e_kg, 3),
            notes=[t.message(note) for note in summary.notes],
        )

    @router.get("/codes")
    def kpi_codes(principal: Reader) -> dict[str, object]:
        """Status code table (狀態代碼) and document types used in this service's KPI log."""
        return {
            "service": spec.service,
            "doc_types": list(spec.doc_types),
            "statuses": [{"code": c.code, "zh": c.zh, "en": c.en} for c in spec.status_codes],
        }

    @router.get("/baselines")
    def list_baselines(request: Request, session: DbSession, principal: Reader) -> list[BaselineOut]:
        """The baselines this service's KPIs compare with, and the values entered so far."""
        values = latest_baselines(session)
        t = translator_for(request)
        return [
            localized_baseline(
                BaselineOut(code=b.code, name=b.name, unit=b.unit, description=b.description, value=values.get(b.code)),
                t,
            )
            for b in spec.baselines
        ]

    @router.put("/baselines/{code}")
    def enter_baseline(
        request: Request, code: str, body: BaselineIn, session: DbSession, principal: Owner
    ) -> BaselineOut:
        """Enter (or correct) a baseline figure; history is kept, the latest counts."""
        known = {b.code: b for b in spec.baselines}
        if code not in known:
            raise NotFound(
                f"Unknown baseline '{code}'; known: {', '.join(known) or 'none'}",
                code="kpi.baseline_unknown",
                params={"code": code, "known": ", ".join(known) or "-"},
            )
        session.add(KpiBaseline(code=code, value=body.value, note=body.note, entered_by=principal.subject))
        session.flush()
        b = known[code]
        out = BaselineOut(code=code, name=b.name, unit=b.unit, description=b.description, value=body.value)
        return localized_baseline(out, translator_for(request))

    return router


def localized_kpi(kpi: KpiOut, t: Translator) -> KpiOut:
    """A KPI's name, unit and detail in the reader's language: catalog ``kpi.name.<code>`` and
    ``kpi.unit.<unit>`` (the service's catalog, then the shared one); a detail or note that is a
    catalog key with parameters (``smartdist.web.i18n.keyed_message``) is rendered."""
    return kpi.model_copy(
        update={
            "name": t.get(f"kpi.name.{kpi.code}") or t.message(kpi.name),
            "unit": t.get(f"kpi.unit.{kpi.unit}") or kpi.unit,
            "detail": t.message(kpi.detail),
        }
    )


def localized_baseline(baseline: BaselineOut, t: Translator) -> BaselineOut:
    return baseline.model_copy(
        update={
            "name": t.get(f"kpi.baseline.{baseline.code}.name") or baseline.name,
            "unit": t.get(f"kpi.unit.{baseline.unit}") or baseline.unit,
            "description": t.get(f"kpi.baseline.{baseline.code}.description") or t.message(baseline.description),
        }
    )


def _csv(rows: list[dict[str, object]], names: dict[str, str] | None = None) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    if names is None:
        writer.writeheader()
    else:
        writer.writerow({field: names.get(field, field) for field in EXPORT_FIELDS})
    yield "\ufeff" + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
        yield buf.getvalue()
