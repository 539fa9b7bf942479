"""Geocoding's problems in the merchant's words (catalog keys problem.geocoding.*, error.geocoding.*).

Each names the point (pickup or dropoff) whose address could not be located.
"""

from __future__ import annotations

from smartdist.problems import ServiceUnavailable, Unprocessable

RETRY_AFTER_S = 30


class NoGeocoder(Unprocessable):
    """An address without coordinates, and no address look-up is set up."""

    def __init__(self, point: str, address: str) -> None:
        super().__init__(
            "This address has no coordinates and no address lookup is set up: give lat and lng, or ask "
            "the operator to set SMARTDIST_DELIVERY_BROKER_GEOCODER.",
            code="geocoding.not_configured",
            params={"address": address},
            errors=[
                {
                    "loc": ["body", point, "address"],
                    "code": "geocoding.not_configured",
                    "params": {"address": address},
                    "message": "give lat and lng (no address lookup is set up)",
                }
            ],
        )


class AddressUnknown(Unprocessable):
    """The provider answered and knows no place at the address."""

    def __init__(self, point: str, address: str) -> None:
        super().__init__(
            f"No place found at {address!r}: check the address, or give lat and lng.",
            code="geocoding.not_found",
            params={"address": address},
            errors=[
                {
                    "loc": ["body", point, "address"],
                    "code": "geocoding.not_found",
                    "params": {"address": address},
                    "message": f"no place found at {address!r}",
                }
            ],
        )


class GeocoderDown(ServiceUnavailable):
    """The provider did not answer (network, quota, key refused): not the merchant's fault."""

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"The address lookup ({provider}) does not answer now; try again later, or give lat and lng.",
            code="geocoding.unavailable",
            params={"provider": provider},
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
