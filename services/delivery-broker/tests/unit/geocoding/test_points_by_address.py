"""A pickup or dropoff by its address: the request schema, the settings, and the paths that never
reach a provider (coordinates given, no geocoder)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from smartdist_delivery_broker.config import Settings
from smartdist_delivery_broker.geocoding.domain import NoGeocoder
from smartdist_delivery_broker.geocoding.service import PointAsked, geocoder_for, locate
from smartdist_delivery_broker.quotes.schemas import Point


class NoDatabase:
    """Coordinates and a missing geocoder must not touch the cache."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was used ({name})")


def test_a_point_is_coordinates_or_an_address_and_half_a_coordinate_names_the_rule() -> None:
    assert Point(address="臺北市信義區市府路1號").lat is None
    assert Point(lat=25.0, lng=121.5).address is None
    with pytest.raises(ValidationError, match="error.broker.point.both_coordinates"):
        Point(lat=25.0, address="臺北市信義區市府路1號")
    with pytest.raises(ValidationError, match="error.broker.point.no_place"):
        Point(address="   ")
    with pytest.raises(ValidationError):
        Point(lat=25.0, lng=181, address="x")  # bounds still hold


def test_settings_pick_the_geocoder_sandbox_beside_sandbox_platforms_none_live() -> None:
    assert geocoder_for(Settings(platform_mode="sandbox")).name == "sandbox"  # type: ignore[union-attr]
    assert geocoder_for(Settings(platform_mode="live")) is None
    assert geocoder_for(Settings(geocoder="none")) is None
    nominatim = geocoder_for(Settings(geocoder="nominatim", geocoder_url="http://osm.local", geocoder_min_interval_s=0))
    assert nominatim is not None and nominatim.name == "nominatim"
    assert geocoder_for(Settings(geocoder="nominatim")) is not nominatim  # one adapter per configuration
    with pytest.raises(ValueError, match="API key"):
        geocoder_for(Settings(geocoder="google", geocoder_key=" "))


def test_given_coordinates_win_and_no_geocoder_names_the_point() -> None:
    located = locate(None, NoDatabase(), "t", "pickup", PointAsked(25.03, 121.56, "somewhere"))  # type: ignore[arg-type]
    assert (located.place.lat, located.place.lng, located.place.address, located.found) == (
        25.03,
        121.56,
        "somewhere",
        None,
    )
    with pytest.raises(NoGeocoder) as raised:
        locate(None, NoDatabase(), "t", "dropoff", PointAsked(None, None, "臺北市信義區市府路1號"))  # type: ignore[arg-type]
    assert raised.value.code == "geocoding.not_configured"
    assert (raised.value.errors or [{}])[0]["loc"] == ["body", "dropoff", "address"]
