"""Writing KPI records and reading them back for summaries and exports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist.kpi.models import KpiBaseline, KpiRecord
from smartdist.timeparams import TAIPEI

EXPORT_FIELDS = [
    "tenant_id",
    "service",
    "doc_type",
    "doc_no",
    "sender",
    "receiver",
    "sent_at",
    "received_at",
    "status",
    "at",
    "elapsed_s",
    "amount_twd",
    "quantity",
    "distance_m",
]


def record(
    session: Session,
    *,
    service: str,
    doc_type: str,
    doc_no: str,
    status: str,
    sender: str = "",
    receiver: str = "",
    sent_at: datetime | None = None,
    received_at: datetime | None = None,
    elapsed_s: float | None = None,
    amount_twd: int | None = None,
    quantity: int | None = None,
    distance_m: int | None = None,
    at: datetime | None = None,
    tenant_id: str | None = None,
    **extra: Any,
) -> KpiRecord:
    """Add a KPI record to the caller's transaction (it lands with the change it describes)."""
    row = KpiRecord(
        service=service,
        doc_type=doc_type,
        doc_no=doc_no,
        status=status,
        sender=sender,
        receiver=receiver,
        sent_at=sent_at,
        received_at=received_at,
        elapsed_s=elapsed_s,
        amount_twd=amount_twd,
        quantity=quantity,
        distance_m=distance_m,
        at=at or utcnow(),
        extra=extra,
    )
    if tenant_id is not None:
        row.tenant_id = tenant_id
    session.add(row)
    session.flush()
    return row


def records_between(session: Session, start: datetime | None, end: datetime | None, *, batch: int = 1000) -> Any:
    stmt = select(KpiRecord).order_by(KpiRecord.at, KpiRecord.id)
    if start is not None:
        stmt = stmt.where(KpiRecord.at >= start)
    if end is not None:
        stmt = stmt.where(KpiRecord.at < end)
    return session.scalars(stmt.execution_options(yield_per=batch))


# The CSV header for the acceptance meeting (``?header=zh-TW``), in SPEC §3's programme wording.
EXPORT_HEADERS_ZH = {
    "tenant_id": "商家代號",
    "service": "服務",
    "doc_type": "文件名稱",
    "doc_no": "編號",
    "sender": "收送方（寄件方）",
    "receiver": "收送方（收件方）",
    "sent_at": "收送件時間（寄件）",
    "received_at": "收送件時間（收件）",
    "status": "狀態",
    "at": "記錄時間",
    "elapsed_s": "處理時間（秒）",
    "amount_twd": "金額（新臺幣元）",
    "quantity": "數量",
    "distance_m": "距離（公尺）",
}


def taipei_time(value: datetime) -> str:
    """RFC 3339 in Asia/Taipei with its offset (SPEC §2): ``2026-12-04T18:20:00+08:00``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    moment = value.astimezone(TAIPEI)
    return moment.isoformat(timespec="seconds" if moment.microsecond == 0 else "milliseconds")


def export_row(r: KpiRecord) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in EXPORT_FIELDS:
        value = getattr(r, name)
        row[name] = taipei_time(value) if isinstance(value, datetime) else value
    return row


def latest_baselines(session: Session) -> dict[str, float]:
    rows = session.scalars(select(KpiBaseline).order_by(KpiBaseline.entered_at, KpiBaseline.id))
    return {b.code: b.value for b in rows}


def seed_baselines(session: Session, values: dict[str, float], note: str) -> None:
    """Demo data: baselines a merchant would enter, written only where none exists yet."""
    present = latest_baselines(session)
    for code, value in values.items():
        if code not in present:
            session.add(KpiBaseline(code=code, value=value, note=note, entered_by="demo"))
    session.flush()
