"""The CloudEvents 1.0 envelope every smartdist event travels in (SPEC §2 "Events").

Structured-mode JSON (CloudEvents JSON format §3): attributes at the top level, ``data`` as a
JSON object because ``datacontenttype`` is ``application/json``, plus the ``tenantid``
extension so a consumer can open a session scoped to the event's merchant.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPEC_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"

# smartdist.<service>.<entity>.<verb>; services may carry a hyphen (delivery-broker).
_TYPE_PATTERN = re.compile(r"^smartdist\.([a-z][a-z0-9-]*)\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")
_SOURCE_PATTERN = re.compile(r"^/smartdist/[a-z][a-z0-9-]*(/[A-Za-z0-9._~-]+)*$")
# CloudEvents §3.1.1: extension names are lower-case ASCII letters and digits only.
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_CORE_ATTRIBUTES = frozenset(
    {"id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time", "data"}
)


class InvalidEvent(ValueError):  # noqa: N818 - named for what happened, like domain errors
    """A message that is not a well-formed smartdist CloudEvent."""


def service_of_type(event_type: str) -> str:
    """``smartdist.wms.outbound.shipped`` -> ``wms``."""
    match = _TYPE_PATTERN.match(event_type)
    if match is None:
        raise InvalidEvent(f"event type {event_type!r} is not smartdist.<service>.<entity>.<verb> in lower case")
    return match.group(1)


def stream_for_type(event_type: str) -> str:
    """One stream per producing service: consumers subscribe to the services they listen to."""
    return f"smartdist.{service_of_type(event_type)}"


def source_for_service(service: str) -> str:
    return f"/smartdist/{service}"


def _format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise InvalidEvent("event time must carry a UTC offset")
    return moment.isoformat()


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidEvent("event time must be an RFC 3339 string")
    try:
        # Python 3.11 reads "Z" as well as "+08:00".
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidEvent(f"event time {value!r} is not RFC 3339") from exc
    if moment.tzinfo is None:
        raise InvalidEvent(f"event time {value!r} has no UTC offset")
    return moment


@dataclass(frozen=True, slots=True)
class CloudEvent:
    """One event. Build with :meth:`create`; the constructor validates whatever it is given."""

    type: str
    source: str
    subject: str | None
    data: dict[str, Any]
    tenantid: str | None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    specversion: str = SPEC_VERSION
    datacontenttype: str = JSON_CONTENT_TYPE

    def __post_init__(self) -> None:
        service_of_type(self.type)
        if not _SOURCE_PATTERN.match(self.source):
            raise InvalidEvent(f"event source {self.source!r} is not /smartdist/<service>[/...]")
        if not self.id:
            raise InvalidEvent("event id must not be empty")
        if self.specversion != SPEC_VERSION:
            raise InvalidEvent(f"specversion {self.specversion!r} is not {SPEC_VERSION}")
        if self.datacontenttype != JSON_CONTENT_TYPE:
            raise InvalidEvent(f"datacontenttype must be {JSON_CONTENT_TYPE}")
        if not isinstance(self.data, dict):
            raise InvalidEvent("event data must be a JSON object")
        if self.time.tzinfo is None:
            raise InvalidEvent("event time must carry a UTC offset")

    @classmethod
    def create(
        cls,
        *,
        type: str,  # noqa: A002 - the CloudEvents attribute is called "type"
        subject: str | None,
        data: dict[str, Any],
        tenant_id: str | None,
        source: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        """A new event; ``source`` defaults to the producing service named in the type."""
        return cls(
            type=type,
            source=source or source_for_service(service_of_type(type)),
            subject=subject,
            data=data,
            tenantid=tenant_id,
            time=time or datetime.now(UTC),
        )

    @property
    def stream(self) -> str:
        return stream_for_type(self.type)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": _format_time(self.time),
            "datacontenttype": self.datacontenttype,
        }
        # CloudEvents omits optional attributes that have no value rather than sending null.
        if self.subject is not None:
            document["subject"] = self.subject
        if self.tenantid is not None:
            document["tenantid"] = self.tenantid
        document["data"] = self.data
        return document

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, document: object) -> CloudEvent:
        if not isinstance(document, dict):
            raise InvalidEvent("a CloudEvent is a JSON object")
        missing = [name for name in ("specversion", "id", "source", "type") if name not in document]
        if missing:
            raise InvalidEvent(f"CloudEvent lacks required attributes: {', '.join(missing)}")
        for name in document:
            if name not in _CORE_ATTRIBUTES and not _EXTENSION_NAME.match(name):
                raise InvalidEvent(f"{name!r} is not a valid CloudEvents extension name")
        for name in ("id", "source", "type", "specversion"):
            if not isinstance(document[name], str):
                raise InvalidEvent(f"CloudEvent attribute {name!r} must be a string")
        subject = document.get("subject")
        tenant = document.get("tenantid")
        if subject is not None and not isinstance(subject, str):
            raise InvalidEvent("CloudEvent subject must be a string")
        if tenant is not None and not isinstance(tenant, str):
            raise InvalidEvent("CloudEvent tenantid must be a string")
        # Unknown extensions are tolerated (CloudEvents requires it) but not carried: smartdist
        # producers only ever set tenantid.
        return cls(
            id=document["id"],
            source=document["source"],
            type=document["type"],
            specversion=document["specversion"],
            time=_parse_time(document.get("time")),
            subject=subject,
            datacontenttype=document.get("datacontenttype", JSON_CONTENT_TYPE),
            data=document.get("data", {}),
            tenantid=tenant,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> CloudEvent:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidEvent(f"message is not JSON: {exc}") from exc
        return cls.from_dict(document)
