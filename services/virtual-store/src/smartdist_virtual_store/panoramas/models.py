"""The panorama table: one accepted upload and what its processing made of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_virtual_store.db import Base


class Panorama(TenantScoped, Base):
    __tablename__ = "panorama"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    scene_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="processing", index=True)  # processing|ready|failed
    kind: Mapped[str] = mapped_column(String(10))  # jpeg | png, from the bytes
    width: Mapped[int] = mapped_column(Integer)  # as displayed, after EXIF orientation
    height: Mapped[int] = mapped_column(Integer)
    source_mode: Mapped[str] = mapped_column(String(16), default="RGB")
    source_bytes: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[str] = mapped_column(String(32), default="")
    cube_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tile_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    levels: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tile_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
