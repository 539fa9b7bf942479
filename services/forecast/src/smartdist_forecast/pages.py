"""HTML pages (mounted at the service root): upload with the quality report, forecast charts,
the model registry's accuracy, and replenishment with the inventory simulation.

The pages are server-rendered from the tenant's own rows (series, model versions, the last
simulation); everything that changes data goes through the JSON API from the browser
(``SmartDist.api``, authenticated by the sign-in cookie), so the pages hold no business rules.
The page-only endpoints, ``/forecast-data/quality-report`` (POST: of an uploaded file; GET: of
the stored sales), only read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import FileResponse
from starlette.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.db import ScopedSession
from smartdist.problems import Forbidden, NotFound
from smartdist.web.auth_pages import require_page_principal
from smartdist.web.deps import DbSession
from smartdist.web.i18n import translator_for
from smartdist.web.pages import Pages
from smartdist_forecast.messages import MESSAGES
from smartdist_forecast.modelling.training import MAX_HORIZON_DAYS
from smartdist_forecast.publishing import repository as publishing
from smartdist_forecast.publishing.domain import ordered_models
from smartdist_forecast.replenishment.repository import latest_simulation
from smartdist_forecast.sales import service as sales
from smartdist_forecast.sales.repository import Series, imported_series

pages = APIRouter(include_in_schema=False)

PAGES = Pages("smartdist_forecast", MESSAGES)  # templates/forecast_<page>.html
STATIC_DIR = Path(str(resources.files("smartdist_forecast") / "static"))
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css"}
# Days of actual sales drawn before the forecast on the chart.
HISTORY_DAYS = 120
DEFAULT_HORIZON_DAYS = 28
# Times on the pages are the merchant's wall clock (SPEC §2: Asia/Taipei unless said otherwise).
PAGE_ZONE = ZoneInfo("Asia/Taipei")

Importer = Annotated[Principal, require_roles("clerk", "integrator")]
Reader = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]


def _tenant_session(request: Request) -> ScopedSession:
    """The signed-in merchant's session; a page is for a tenant's staff, never a consumer."""
    principal: Principal = request.state.principal
    if principal.tenant_id is None or principal.kind == "consumer":
        raise Forbidden("These pages are for a merchant's staff.", code="forecast.pages.staff_only")
    session: ScopedSession = request.app.state.runtime.database.tenant_session(str(principal.tenant_id))
    return session


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as the merchant reads it: ``2026-11-26 15:40`` (Asia/Taipei)."""
    return moment.astimezone(PAGE_ZONE).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


class Names:
    """People read names, with the code beside it: ``芝司樂原味高鈣起司250g（11001010）``."""

    def __init__(self, series: list[Series]) -> None:
        self.stores = {s.store: s.store_name for s in series if s.store_name}
        self.products = {s.sku: s.product_name for s in series if s.product_name}

    def store(self, store: str) -> str:
        name = self.stores.get(str(store))
        return f"{name}（{store}）" if name else str(store)

    def product(self, store: str | None, sku: str) -> str:
        name = self.products.get(str(sku))
        label = f"{name}（{sku}）" if name else str(sku)
        return f"{self.store(store)} {label}" if store else label


def version_label(version: Any) -> str:
    """A model version as people tell them apart: when it was trained (Asia/Taipei) and a short id,
    ``2026-11-26 15:40 · 01a2424c`` (the full 32-hex id stays in the page's data and the API)."""
    return f"{local_time(version.created_at)} · {str(version.id)[:8]}"


def _render(request: Request, template: str, context: dict[str, Any]) -> Response:
    response: Response = PAGES.render(
        request,
        template,
        {"active": template.removesuffix(".html"), "local_time": local_time, "version_label": version_label, **context},
    )
    return response


@pages.get("/")
def forecast_home(request: Request) -> Response:
    """What has been imported and trained, with a link to each page."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    with _tenant_session(request) as session:
        series = imported_series(session)
        latest = publishing.latest_version(session)
        simulation = latest_simulation(session)
        stores = len({s.store for s in series})
        skus = len({s.sku for s in series})
        last_sale = max((s.last_date for s in series), default=None)
        # Days of sales the current model has not seen (retraining picks them up).
        unseen_days = (last_sale - latest.data_end).days if latest is not None and last_sale is not None else 0
        return _render(
            request,
            "forecast_home.html",
            {
                "series": series,
                "stores": stores,
                "skus": skus,
                "latest": latest,
                "simulation": simulation,
                "last_sale": last_sale,
                "unseen_days": max(unseen_days, 0),
            },
        )


@pages.get("/sales/upload")
def upload_page(request: Request) -> Response:
    """Choose a POS CSV, upload it with a progress bar, then see the errors and the quality report."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    with _tenant_session(request) as session:
        series = imported_series(session)
        # A large file's row errors come back in the import job's result (no request, so no
        # language): the page says them from these templates, as the API does for a small file.
        t = translator_for(request)
        error_texts = {key[len("error.") :]: t(key) for key in MESSAGES["en"] if key.startswith("error.forecast.")}
        return _render(request, "forecast_upload.html", {"series_count": len(series), "error_texts": error_texts})


@pages.post("/forecast-data/quality-report")
def quality_report(file: UploadFile, session: DbSession, principal: Importer) -> dict[str, Any]:
    """The data-quality report of an uploaded POS file (stores nothing): gaps, zero runs, outliers,
    stores/products the current model does not forecast, and rejected rows by column."""
    return sales.file_quality(session, file.file.read(sales.QUALITY_MAX_BYTES + 1))


@pages.get("/forecast-data/quality-report")
def stored_quality_report(session: DbSession, principal: Reader) -> dict[str, Any]:
    """The same report over everything the tenant has stored (POS and online demand per day)."""
    return sales.stored_quality(session)


@pages.get("/forecasts")
def forecasts_page(
    request: Request,
    store: Annotated[str | None, Query(max_length=40)] = None,
    sku: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """One store × product: actual sales, the forecast and its 80% band, downloads, train now."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    with _tenant_session(request) as session:
        series = imported_series(session)
        chosen = next((s for s in series if s.store == store and s.sku == sku), None)
        if chosen is None and series:
            chosen = next((s for s in series if s.store == store), series[0]) if store else series[0]
        latest = publishing.latest_version(session)
        stores = {s.store: s.store_name for s in series}
        products = [s for s in series if chosen is not None and s.store == chosen.store]
        history_from = chosen.last_date - timedelta(days=HISTORY_DAYS - 1) if chosen is not None else None
        return _render(
            request,
            "forecast_forecasts.html",
            {
                "series": series,
                "stores": stores,
                "products": products,
                "chosen": chosen,
                "latest": latest,
                "history_from": history_from,
                "horizon": latest.horizon_days if latest is not None else DEFAULT_HORIZON_DAYS,
                "max_horizon": MAX_HORIZON_DAYS,
                "running_job": publishing.running_training_job(session),
            },
        )


@pages.get("/accuracy")
def accuracy_page(request: Request) -> Response:
    """The model registry: each version's back-test WAPE, MASE, bias and band coverage per model."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    with _tenant_session(request) as session:
        versions = publishing.model_versions(session)
        rows = [
            {"version": v, "active": i == 0, "models": [(m, v.metrics[m]) for m in ordered_models(v.metrics)]}
            for i, v in enumerate(versions)
        ]
        return _render(request, "forecast_accuracy.html", {"rows": rows})


@pages.get("/replenishment")
def replenishment_page(request: Request) -> Response:
    """Order-up-to recommendations from the latest forecast, and the inventory simulation (KPI 1)."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    with _tenant_session(request) as session:
        latest = publishing.latest_version(session)
        series = imported_series(session)
        forecast_pairs = publishing.forecast_series(session, latest.id) if latest is not None else set()
        names = Names(series)
        return _render(
            request,
            "forecast_replenishment.html",
            {
                "store_label": names.store,
                "product_label": names.product,
                "names": {"stores": names.stores, "products": names.products},
                "latest": latest,
                "series": [s for s in series if (s.store, s.sku) in forecast_pairs],
                "has_sales": bool(series),
                "simulation": latest_simulation(session),
            },
        )


@pages.get("/forecast-static/{name}")
def page_asset(name: str) -> Response:
    """The pages' own scripts and styles (the platform's /static serves only shared files)."""
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFound(f"no page asset {name!r}", code="forecast.pages.no_asset", params={"name": name})
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})
