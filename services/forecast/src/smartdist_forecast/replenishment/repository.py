"""Queries of replenishment: product profiles and the last inventory simulation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smartdist.jobs import Job
from smartdist.kpi.models import KpiRecord
from smartdist_forecast.kpi import SIMULATION
from smartdist_forecast.replenishment.models import ProductProfile


def profile(session: Session, sku: str) -> ProductProfile | None:
    return session.scalar(select(ProductProfile).where(ProductProfile.sku == sku))


def profiles_query() -> Select[Any]:
    return select(ProductProfile)


def profiles(session: Session) -> dict[str, tuple[int, float]]:
    """{sku: (shelf_life_days, unit_kg)} of the SKUs with their own profile."""
    return {r.sku: (r.shelf_life_days, r.unit_kg) for r in session.scalars(select(ProductProfile))}


@dataclass(frozen=True)
class SimulationRun:
    job_id: str
    at: datetime
    params: dict[str, Any]
    figures: dict[str, Any]
    products: list[dict[str, Any]]  # one row per replayed store × SKU (from the job's result)
    left_out: list[dict[str, Any]]  # the first series not replayed (figures["series_left_out"] counts all)


def latest_simulation(session: Session) -> SimulationRun | None:
    """The newest inventory simulation's KPI record (the evidence of KPI 1) and its job's parameters."""
    rec = session.scalar(
        select(KpiRecord)
        .where(KpiRecord.doc_type == SIMULATION, KpiRecord.status == "simulated")
        .order_by(KpiRecord.id.desc())
        .limit(1)
    )
    if rec is None:
        return None
    job = session.get(Job, rec.doc_no)
    own = job is not None and job.tenant_id == rec.tenant_id
    params = dict(job.params) if own and job is not None else {}
    result = job.result if own and job is not None and isinstance(job.result, dict) else {}
    return SimulationRun(
        job_id=rec.doc_no,
        at=rec.at,
        params=params,
        figures=dict(rec.extra or {}),
        products=list(result.get("products") or []),
        left_out=list(result.get("left_out") or []),
    )
