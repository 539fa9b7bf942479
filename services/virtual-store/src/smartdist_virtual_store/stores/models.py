"""A virtual store: its scenes (one panorama each) and the hotspots placed on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_virtual_store.db import Base


class Store(TenantScoped, Base):
    __tablename__ = "store"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    first_scene_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Scene(TenantScoped, Base):
    __tablename__ = "scene"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"), index=True)
    panorama_id: Mapped[str] = mapped_column(ForeignKey("panorama.id"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    yaw: Mapped[float] = mapped_column(Float, default=0.0)  # where the visitor looks on arrival
    pitch: Mapped[float] = mapped_column(Float, default=0.0)
    hfov: Mapped[float] = mapped_column(Float, default=100.0)


class Hotspot(TenantScoped, Base):
    __tablename__ = "hotspot"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    scene_id: Mapped[str] = mapped_column(ForeignKey("scene.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # product | scene | info
    pitch: Mapped[float] = mapped_column(Float)
    yaw: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(String(2000), default="")
    image_urls: Mapped[list[Any]] = mapped_column(JSON, default=list)
    video_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    model_url: Mapped[str | None] = mapped_column(String(500), nullable=True)  # glTF/GLB for 3D and AR
    price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shop_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    target_scene_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    campaign_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    icon: Mapped[str] = mapped_column(String(20), default="info")
    color: Mapped[str] = mapped_column(String(7), default="#e4572e")
