"""Store, scene and hotspot requests and answers, and the public viewer's store."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
# Links a merchant puts on a card: web addresses or paths on this site, never javascript: or data:.
Link = Annotated[str, Field(max_length=500, pattern=r"^(https?://|/)[^\s<>\"'`]*$")]
Pitch = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, description="Degrees up (+) or down (-).")]
Yaw = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, description="Degrees right (+) of the centre.")]
Hfov = Annotated[float, Field(ge=30, le=120, allow_inf_nan=False, description="Horizontal field of view, degrees.")]
Icon = Literal["info", "cart", "tag", "star", "arrow", "door", "gift"]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#RRGGBB")]
MAX_SCENES = 10


class StoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="The shop's name as visitors see it.")
    description: str = Field("", max_length=2000)


class StorePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    first_scene_id: Id | None = Field(None, description="The scene a visitor starts in.")


class SceneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    panorama_id: Id = Field(description="A ready panorama of the tenant.")
    name: str = Field(min_length=1, max_length=200)
    yaw: Yaw = 0.0
    pitch: Pitch = 0.0
    hfov: Hfov = 100.0


class ScenePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    position: int | None = Field(None, ge=0, le=MAX_SCENES)
    yaw: Yaw | None = None
    pitch: Pitch | None = None
    hfov: Hfov | None = None


class HotspotFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pitch: Pitch
    yaw: Yaw
    title: str = Field(min_length=1, max_length=200)
    text: str = Field("", max_length=2000)
    image_urls: list[Link] = Field(default_factory=list, max_length=8)
    video_url: Link | None = None
    model_url: Link | None = Field(None, description="glTF/GLB model for the 3D and AR preview.")
    price: int | None = Field(None, ge=0, le=10_000_000, description="TWD")
    shop_url: Link | None = Field(None, description="The product in the online shop.")
    target_scene_id: Id | None = Field(None, description="For kind=scene: where the hotspot leads.")
    campaign_id: Id | None = Field(None, description="A campaign whose coupon the card offers.")
    icon: Icon = "info"
    color: Color = "#e4572e"


class HotspotIn(HotspotFields):
    kind: Literal["product", "scene", "info"] = Field(description="product card, link to a scene, or information")

    @model_validator(mode="after")
    def _scene_link(self) -> HotspotIn:
        if self.kind == "scene" and self.target_scene_id is None:
            raise ValueError("error.virtual.reference.scene_needs_target")
        return self


class HotspotPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pitch: Pitch | None = None
    yaw: Yaw | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    text: str | None = Field(None, max_length=2000)
    image_urls: list[Link] | None = Field(None, max_length=8)
    video_url: Link | None = None
    model_url: Link | None = None
    price: int | None = Field(None, ge=0, le=10_000_000)
    shop_url: Link | None = None
    target_scene_id: Id | None = None
    campaign_id: Id | None = None
    icon: Icon | None = None
    color: Color | None = None


class HotspotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    scene_id: str
    kind: Literal["product", "scene", "info"]
    pitch: float
    yaw: float
    title: str
    text: str
    image_urls: list[str]
    video_url: str | None
    model_url: str | None
    price: int | None
    shop_url: str | None
    target_scene_id: str | None
    campaign_id: str | None
    icon: str
    color: str


class SceneOut(BaseModel):
    id: str
    name: str
    panorama_id: str
    position: int
    yaw: float
    pitch: float
    hfov: float
    preview_url: str | None = None
    thumbnail_url: str | None = None
    multires: dict[str, object] | None = Field(None, description="Pannellum's multiRes config.")
    hotspots: list[HotspotOut] = Field(default_factory=list)


class StoreOut(BaseModel):
    id: str
    name: str
    description: str
    published: bool
    published_at: datetime | None
    first_scene_id: str | None
    created_at: datetime
    scenes: list[SceneOut] = Field(default_factory=list)
    viewer_url: str = Field(description="The public viewer page.")


class PublicCampaign(BaseModel):
    id: str
    name: str
    description: str
    kind: Literal["amount", "percent"]
    value: int
    min_spend: int
    ends_at: datetime
    code_type: Literal["unique", "generic"] = "unique"
    code: str | None = Field(None, description="A generic campaign's shared code, shown on the card.")


class PublicStore(BaseModel):
    id: str
    name: str
    description: str
    first_scene_id: str | None
    scenes: list[SceneOut]
    campaigns: list[PublicCampaign] = Field(description="Campaigns open now whose coupons can be claimed here.")
