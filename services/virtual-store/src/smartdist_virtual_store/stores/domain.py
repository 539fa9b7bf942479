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


def bad_reference(field: str, message: str) -> BadReference:
    return BadReference(message, errors=[{"loc": ["body", field], "message": message}])
