from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import PlatformBase, TenantScoped, UtcDateTime, new_id, utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class Job(TenantScoped, PlatformBase):
    """A long task (planning, training, import, panorama processing) and how far it got."""

    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(300), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # How many times a worker claimed it; a job whose worker died that often is failed, not retried.
    attempts: Mapped[int] = mapped_column(default=0)
    # Renewed by the running worker; once it lapses a reaper gives the job to another worker.
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    worker: Mapped[str] = mapped_column(String(200), default="", server_default="")
