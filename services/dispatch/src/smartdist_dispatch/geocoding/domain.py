"""Geocoding's problems in the merchant's words (catalog keys problem.dispatch.geocoding.*)."""

from __future__ import annotations

from smartdist.problems import ServiceUnavailable, Unprocessable


class NoGeocoder(Unprocessable):
    """An address without coordinates, and no geocoder is configured."""

    def __init__(self, address: str) -> None:
        super().__init__(
            "This address has no coordinates and no geocoder is set up: give lat and lng, or ask the "
            "operator to set SMARTDIST_DISPATCH_GEOCODER.",
            code="dispatch.geocoding.not_configured",
            errors=[
                {
                    "loc": ["body", "address"],
                    "code": "dispatch.geocoding.not_configured",
                    "params": {"address": address},
                    "message": "give lat and lng (no geocoder is set up)",
                }
            ],
        )


class AddressUnknown(Unprocessable):
    def __init__(self, address: str) -> None:
        super().__init__(
            f"No place found at {address!r}: check the address, or give lat and lng.",
            code="dispatch.geocoding.not_found",
            params={"address": address},
            errors=[
                {
                    "loc": ["body", "address"],
                    "code": "dispatch.geocoding.not_found",
                    "params": {"address": address},
                    "message": "no place found at this address",
                }
            ],
        )


class GeocoderDown(ServiceUnavailable):
    def __init__(self, provider: str) -> None:
        super().__init__(
            f"The geocoder ({provider}) does not answer now; try again later, or give lat and lng.",
            code="dispatch.geocoding.unavailable",
            params={"provider": provider},
            headers={"Retry-After": "30"},
        )
