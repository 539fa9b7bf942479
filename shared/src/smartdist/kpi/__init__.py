"""KPI log and acceptance summary (SPEC §3)."""

from smartdist.kpi.log import record
from smartdist.kpi.models import KpiBaseline, KpiRecord
from smartdist.kpi.spec import (
    BaselineSpec,
    KpiSpec,
    KpiSummary,
    KpiValue,
    StatusCode,
    SummaryContext,
    improvement_kpi,
    revenue_uplift_kpi,
    volume_kpi,
)

__all__ = [
    "BaselineSpec",
    "KpiBaseline",
    "KpiRecord",
    "KpiSpec",
    "KpiSummary",
    "KpiValue",
    "StatusCode",
    "SummaryContext",
    "improvement_kpi",
    "record",
    "revenue_uplift_kpi",
    "volume_kpi",
]
