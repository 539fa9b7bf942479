"""Store rules and refusals."""

from __future__ import annotations

from smartdist.problems import Conflict, Unprocessable

MAX_SCENES = 10


class TooManyScenes(Conflict):
    title = "A store has at most 10 scenes"


class PanoramaNotReady(Conflict):
    title = "Panorama not ready"


class NothingToPublish(Conflict):
    title = "A store needs a scene before it is published"


class BadReference(Unprocessable):
    title = "Unknown reference"


REFERENCE_CODES = {
    "not a scene of this store": "not_a_scene",
    "no such panorama": "no_panorama",
    "no such campaign": "no_campaign",
    "a scene hotspot needs target_scene_id": "scene_needs_target",
    "not a hotspot of this store": "not_a_hotspot",
}


def bad_reference(field: str, message: str) -> BadReference:
    """A 422 naming the field; its texts are ``problem.virtual.reference.<kind>`` / ``error.…``."""
    code = f"virtual.reference.{REFERENCE_CODES.get(message, 'unknown')}"
    return BadReference(
        f"{field}: {message}",
        code=code,
        params={"field": field},
        errors=[{"loc": ["body", field], "message": message, "code": code, "params": {"field": field}}],
    )
