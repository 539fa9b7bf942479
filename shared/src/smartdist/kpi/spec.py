"""What a service declares about its KPIs: status codes, baselines, and how to compute the two."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from smartdist.config import CarbonFactors
from smartdist.kpi.models import KpiRecord

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class StatusCode:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class BaselineSpec:
    code: str
    name: str
    unit: str
    description: str = ""
    demo_value: float | None = None  # what the demo merchant "entered" before go-live


@dataclass(frozen=True)
class KpiValue:
    code: str
    name: str
    value: float | None
    unit: str
    target: float
    met: bool
    detail: str = ""


@dataclass
class SummaryContext:
    session: Session
    start: datetime | None
    end: datetime | None
    baselines: Mapping[str, float]
    carbon: CarbonFactors

    def _window(self, stmt: Select[*Ts]) -> Select[*Ts]:
        if self.start is not None:
            stmt = stmt.where(KpiRecord.at >= self.start)
        if self.end is not None:
            stmt = stmt.where(KpiRecord.at < self.end)
        return stmt

    def count_documents(self, doc_types: Iterable[str], statuses: Iterable[str]) -> int:
        """Documents (distinct doc_type + doc_no) that reached one of ``statuses`` in the window."""
        inner = self._window(
            select(KpiRecord.doc_type, KpiRecord.doc_no)
            .where(KpiRecord.doc_type.in_(list(doc_types)), KpiRecord.status.in_(list(statuses)))
            .distinct()
        ).subquery()
        return int(self.session.scalar(select(func.count()).select_from(inner)) or 0)

    def sum_field(self, column: str, doc_types: Iterable[str], statuses: Iterable[str]) -> float:
        col = getattr(KpiRecord, column)
        stmt = self._window(
            select(func.coalesce(func.sum(col), 0)).where(
                KpiRecord.doc_type.in_(list(doc_types)), KpiRecord.status.in_(list(statuses))
            )
        )
        return float(self.session.scalar(stmt) or 0)

    def mean_elapsed(self, doc_types: Iterable[str], statuses: Iterable[str]) -> float | None:
        stmt = self._window(
            select(func.avg(KpiRecord.elapsed_s)).where(
                KpiRecord.doc_type.in_(list(doc_types)),
                KpiRecord.status.in_(list(statuses)),
                KpiRecord.elapsed_s.is_not(None),
            )
        )
        value = self.session.scalar(stmt)
        return None if value is None else float(value)

    def records(self, doc_types: Iterable[str], statuses: Iterable[str]) -> Iterable[KpiRecord]:
        """The matching records themselves, for KPIs computed from their ``extra`` figures."""
        stmt = self._window(
            select(KpiRecord)
            .where(KpiRecord.doc_type.in_(list(doc_types)), KpiRecord.status.in_(list(statuses)))
            .order_by(KpiRecord.at, KpiRecord.id)
        )
        return self.session.scalars(stmt.execution_options(yield_per=1000))

    def months_in_window(self) -> float:
        """Length of the window in months (30.44 days), from the first record when open-ended."""
        start = self.start
        end = self.end
        if start is None:
            start = self.session.scalar(self._window(select(func.min(KpiRecord.at))))
        if end is None:
            end = self.session.scalar(self._window(select(func.max(KpiRecord.at))))
        if start is None or end is None:
            return 0.0
        return max((end - start).total_seconds() / (30.44 * 86400), 1 / 30.44)


@dataclass(frozen=True)
class KpiSummary:
    kpis: list[KpiValue]
    co2e_kg: float
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KpiSpec:
    service: str
    doc_types: Sequence[str]
    status_codes: Sequence[StatusCode]
    baselines: Sequence[BaselineSpec]
    summarize: Callable[[SummaryContext], KpiSummary]


def volume_kpi(
    ctx: SummaryContext,
    *,
    code: str,
    name: str,
    doc_types: Iterable[str],
    statuses: Iterable[str],
    target: float = 250,
    unit: str = "documents",
) -> KpiValue:
    value = ctx.count_documents(doc_types, statuses)
    return KpiValue(code=code, name=name, value=value, unit=unit, target=target, met=value >= target)


def revenue_uplift_kpi(
    ctx: SummaryContext,
    *,
    code: str,
    name: str,
    baseline_code: str,
    added_revenue_twd: float,
    target_pct: float = 5.0,
) -> KpiValue:
    """Revenue +x% vs the merchant's monthly revenue before go-live: (before + added/month) / before."""
    baseline = ctx.baselines.get(baseline_code)
    months = ctx.months_in_window()
    monthly_added = added_revenue_twd / months if months else None
    return improvement_kpi(
        code=code,
        name=name,
        baseline=baseline,
        measured=None if monthly_added is None or baseline is None else baseline + monthly_added,
        target_pct=target_pct,
        lower_is_better=False,
    )


def improvement_kpi(
    *,
    code: str,
    name: str,
    baseline: float | None,
    measured: float | None,
    target_pct: float,
    lower_is_better: bool,
    missing: str = "",
) -> KpiValue:
    """Percentage improvement of ``measured`` over the merchant's ``baseline``."""
    if baseline is None or measured is None or baseline == 0:
        why = missing or ("baseline not entered" if baseline in (None, 0) else "nothing measured yet")
        return KpiValue(code=code, name=name, value=None, unit="%", target=target_pct, met=False, detail=why)
    change = (baseline - measured) / baseline if lower_is_better else (measured - baseline) / baseline
    pct = round(change * 100, 2)
    return KpiValue(code=code, name=name, value=pct, unit="%", target=target_pct, met=pct >= target_pct)
