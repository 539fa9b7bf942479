import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from smartdist.bus.envelope import CloudEvent, InvalidEvent, stream_for_type


def shipped_event(**overrides: object) -> CloudEvent:
    fields: dict[str, object] = {
        "type": "smartdist.wms.outbound.shipped",
        "subject": "OUT-2026-0001",
        "data": {"order_no": "OUT-2026-0001", "parcels": 2},
        "tenant_id": "t1",
    }
    fields.update(overrides)
    return CloudEvent.create(**fields)  # type: ignore[arg-type]


def test_event_survives_json_round_trip() -> None:
    event = shipped_event(data={"order_no": "OUT-1", "note": "冷藏"})
    assert CloudEvent.from_json(event.to_json()) == event


def test_json_uses_cloudevents_structured_attributes() -> None:
    document = json.loads(shipped_event().to_json())
    assert document["specversion"] == "1.0"
    assert document["source"] == "/smartdist/wms"
    assert document["type"] == "smartdist.wms.outbound.shipped"
    assert document["datacontenttype"] == "application/json"
    assert document["tenantid"] == "t1"
    assert document["subject"] == "OUT-2026-0001"
    assert document["data"] == {"order_no": "OUT-2026-0001", "parcels": 2}
    assert datetime.fromisoformat(document["time"]).utcoffset() is not None


def test_optional_attributes_without_value_are_left_out() -> None:
    document = json.loads(shipped_event(subject=None, tenant_id=None).to_json())
    assert "subject" not in document
    assert "tenantid" not in document


def test_each_event_gets_its_own_uuid() -> None:
    assert shipped_event().id != shipped_event().id


def test_source_defaults_to_the_service_in_the_type_even_with_a_hyphen() -> None:
    event = shipped_event(type="smartdist.delivery-broker.request.booked")
    assert event.source == "/smartdist/delivery-broker"
    assert event.stream == "smartdist.delivery-broker"


def test_one_stream_per_producing_service() -> None:
    assert stream_for_type("smartdist.wms.outbound.shipped") == "smartdist.wms"
    assert stream_for_type("smartdist.wms.lot.nearing_expiry") == "smartdist.wms"


@pytest.mark.parametrize(
    "bad_type",
    [
        "wms.outbound.shipped",
        "smartdist.wms.shipped",
        "smartdist.WMS.outbound.shipped",
        "smartdist.wms.outbound.shipped.late",
        "",
    ],
)
def test_type_not_following_the_naming_rule_is_refused(bad_type: str) -> None:
    with pytest.raises(InvalidEvent):
        shipped_event(type=bad_type)


def test_time_without_offset_is_refused() -> None:
    with pytest.raises(InvalidEvent):
        shipped_event(time=datetime(2026, 11, 26, 9, 0))


def test_time_keeps_its_offset_through_json() -> None:
    taipei = timezone(timedelta(hours=8))
    event = shipped_event(time=datetime(2026, 11, 26, 9, 0, tzinfo=taipei))
    parsed = CloudEvent.from_json(event.to_json())
    assert parsed.time == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert parsed.time.utcoffset() == timedelta(hours=8)


def test_time_with_z_suffix_is_read() -> None:
    document = json.loads(shipped_event().to_json())
    document["time"] = "2026-11-26T01:00:00Z"
    assert CloudEvent.from_dict(document).time == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def test_unknown_extension_is_tolerated() -> None:
    document = json.loads(shipped_event().to_json())
    document["traceparent"] = "00-abc-def-01"
    assert CloudEvent.from_dict(document).type == "smartdist.wms.outbound.shipped"


@pytest.mark.parametrize("missing", ["id", "source", "type", "specversion"])
def test_message_lacking_a_required_attribute_is_refused(missing: str) -> None:
    document = json.loads(shipped_event().to_json())
    del document[missing]
    with pytest.raises(InvalidEvent, match=missing):
        CloudEvent.from_dict(document)


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[1, 2]",
        json.dumps(
            {
                "specversion": "0.3",
                "id": "1",
                "source": "/smartdist/wms",
                "type": "smartdist.wms.a.b",
                "time": "2026-11-26T01:00:00Z",
            }
        ),
    ],
)
def test_malformed_message_is_refused(payload: str) -> None:
    with pytest.raises(InvalidEvent):
        CloudEvent.from_json(payload)


def test_data_must_be_an_object() -> None:
    with pytest.raises(InvalidEvent):
        shipped_event(data=["a"])
