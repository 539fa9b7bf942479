"""The console's acceptance pages: the evidence pack (page and PDF), KPI log downloads, baselines.

Every figure is fetched from the services' KPI APIs with the signed-in merchant's own token
(see collect.py), so a page shows exactly what those APIs answer for the same period.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smartdist.auth.deps import TOKEN_COOKIE
from smartdist.evidence.collect import (
    EvidencePack,
    Period,
    ServiceSource,
    collect_pack,
    http_client_factory,
)
from smartdist.evidence.messages import MESSAGES
from smartdist.evidence.narrative import BASELINE_HOWTO, NARRATIVES, PLATFORM_ARCHITECTURE
from smartdist.evidence.pdf import html_to_pdf
from smartdist.exports import attachment, csv_text, xlsx_bytes
from smartdist.kpi.log import EXPORT_FIELDS
from smartdist.timeparams import TAIPEI
from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist.web.pages import pages_of

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


FromDate = Annotated[str | None, Query(alias="from", max_length=10)]
ToDate = Annotated[str | None, Query(max_length=10)]


class BadPeriod(ValueError):
    pass


def evidence_pages() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/acceptance")
    def acceptance(request: Request, from_: FromDate = None, to: ToDate = None) -> Response:
        pack = _pack_for_page(request, from_, to)
        if isinstance(pack, Response):
            return pack
        return _render(request, "acceptance.html", _pack_context(request, pack))

    @router.get("/acceptance.pdf")
    def acceptance_pdf(request: Request, from_: FromDate = None, to: ToDate = None) -> Response:
        pack = _pack_for_page(request, from_, to)
        if isinstance(pack, Response):
            return pack
        period = pack.period
        html = _render(request, "acceptance_print.html", _pack_context(request, pack)).body
        name = f"smartdist-acceptance-{period.start.isoformat()}-{period.end.isoformat()}.pdf"
        return Response(
            html_to_pdf(bytes(html).decode("utf-8")), media_type="application/pdf", headers=attachment(name)
        )

    @router.get("/acceptance/kpi-log.{fmt}")
    def kpi_log(request: Request, fmt: str, service: str, from_: FromDate = None, to: ToDate = None) -> Response:
        if (redirect := require_page_principal(request)) is not None:
            return redirect
        t = _translator(request)
        source = _sources(request).get(service)
        if source is None or fmt not in ("csv", "xlsx"):
            return Response(t("evidence.unknown_service", service=service), status_code=404, media_type="text/plain")
        try:
            period = parse_period(from_, to)
        except BadPeriod:
            return Response(t("evidence.bad_period"), status_code=400, media_type="text/plain")
        with _clients(request)(source) as client:
            answer = client.get("/api/v1/kpi/logs", params={**period.query(), "format": "jsonl"})
        answer.raise_for_status()
        records = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
        rows = [[record.get(name) for name in EXPORT_FIELDS] for record in records]
        name = f"{service}-kpi-log-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
        if fmt == "xlsx":
            content = xlsx_bytes(EXPORT_FIELDS, rows, sheet="kpi-log")
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return Response(content, media_type=media, headers=attachment(name))
        return Response(csv_text(EXPORT_FIELDS, rows), media_type="text/csv; charset=utf-8", headers=attachment(name))

    @router.get("/acceptance/baselines")
    def baselines_form(request: Request, saved: str | None = None, failed: str | None = None) -> Response:
        if (redirect := require_page_principal(request)) is not None:
            return redirect
        pack = _collect(request, parse_period(None, None))
        return _render(
            request,
            "acceptance_baselines.html",
            {**_pack_context(request, pack), "saved": saved, "failed": failed},
        )

    @router.post("/acceptance/baselines")
    def enter_baseline(
        request: Request,
        service: Annotated[str, Form(max_length=64)],
        code: Annotated[str, Form(max_length=64)],
        value: Annotated[str, Form(max_length=32)],
        note: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        if (redirect := require_page_principal(request)) is not None:
            return redirect
        t = _translator(request)
        source = _sources(request).get(service)
        if source is None:
            return _back(request, failed=t("evidence.unknown_service", service=service))
        try:
            number = float(value.replace(",", ""))
            if not number >= 0 or number == float("inf"):
                raise ValueError(value)
        except ValueError:
            return _back(request, failed=t("evidence.baselines.bad_value"), anchor=f"{service}-{code}")
        with _clients(request)(source) as client:
            answer = client.put(f"/api/v1/kpi/baselines/{code}", json={"value": number, "note": note})
        if answer.status_code != 200:
            return _back(
                request, failed=t("evidence.baselines.failed", reason=_problem_text(answer)), anchor=f"{service}-{code}"
            )
        body = answer.json()
        saved = t(
            "evidence.baselines.saved", baseline=body.get("name", code), value=f"{number:g}", unit=body.get("unit", "")
        )
        return _back(request, saved=saved, anchor=f"{service}-{code}")

    return router


def parse_period(start: str | None, end: str | None, *, today: date | None = None) -> Period:
    """From/to dates (Asia/Taipei); by default the last 90 days up to today."""
    today = today or datetime.now(TAIPEI).date()
    try:
        end_day = date.fromisoformat(end) if end else today
        start_day = date.fromisoformat(start) if start else end_day - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise BadPeriod(f"{start!r}..{end!r}") from None
    if start_day > end_day or (end_day - start_day).days > MAX_DAYS:
        raise BadPeriod(f"{start_day}..{end_day}")
    return Period(start_day, end_day)


def _pack_for_page(request: Request, start: str | None, end: str | None) -> EvidencePack | Response:
    """The pack for the period asked, or the answer instead: sign in first, or a wrong period."""
    if (redirect := require_page_principal(request)) is not None:
        return redirect
    try:
        period = parse_period(start, end)
    except BadPeriod:
        context = {"pack": None, "bad_period": True, **_period_form(start, end)}
        return _render(request, "acceptance.html", context, 400)
    return _collect(request, period)


def _translator(request: Request) -> Translator:
    return Translator(language_for(request), MESSAGES)


def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return pages_of(request).render(request, template, {"t": _translator(request), **context}, status_code=status_code)


def _sources(request: Request) -> dict[str, ServiceSource]:
    base = str(request.base_url).rstrip("/")
    sources: dict[str, ServiceSource] = {}
    for link in request.app.state.service_links:
        url = link.url if link.url.startswith(("http://", "https://")) else base + link.url
        title = link.title_zh if language_for(request) == "zh-TW" else link.title
        sources[link.name] = ServiceSource(link.name, title, url.rstrip("/"))
    return sources


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(TOKEN_COOKIE, "")


def _clients(request: Request) -> Any:
    return http_client_factory(_token(request), language_for(request))


def _collect(request: Request, period: Period) -> EvidencePack:
    carbon = request.app.state.runtime.carbon
    return collect_pack(
        _sources(request).values(),
        period,
        _clients(request),
        carbon_factors=carbon.model_dump(),
        now=datetime.now(UTC),
    )


def _pack_context(request: Request, pack: EvidencePack) -> dict[str, Any]:
    lang = language_for(request)
    query = pack.period.query()
    return {
        "pack": pack,
        "narratives": {name: texts[lang] for name, texts in NARRATIVES.items()},
        "platform_architecture": PLATFORM_ARCHITECTURE[lang],
        "howto": BASELINE_HOWTO[lang],
        "query": urlencode(query),
        "generated_local": pack.generated_at.astimezone(TAIPEI).isoformat(timespec="seconds"),
        "bad_period": False,
        **_period_form(query["from"], query["to"]),
    }


def _period_form(start: str | None, end: str | None) -> dict[str, str]:
    return {"from_value": start or "", "to_value": end or ""}


def _back(request: Request, *, saved: str | None = None, failed: str | None = None, anchor: str = "") -> Response:
    query = urlencode({k: v for k, v in (("saved", saved), ("failed", failed)) if v})
    return RedirectResponse(f"/acceptance/baselines?{query}" + (f"#{anchor}" if anchor else ""), status_code=303)


def _problem_text(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return f"HTTP {answer.status_code}"
    return str(body.get("detail") or body.get("title") or f"HTTP {answer.status_code}")
