"""The geocoding port: what a geocoder answers, how it fails, and the address key of a cache."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable


@dataclass(frozen=True)
class Geocoded:
    """Where an address is: WGS84 degrees, and the provider's own (normalised) address text."""

    lat: float
    lng: float
    address: str
    provider: str


class GeocodingError(Exception):
    """A geocoding failure with a stable machine code (the catalog key a service renders)."""

    code: ClassVar[str] = "geocoding.error"

    def __init__(self, message: str, *, address: str = "") -> None:
        super().__init__(message)
        self.address = address


class AddressNotFound(GeocodingError):
    """The provider answered and knows no place of that address."""

    code = "geocoding.not_found"


class GeocoderUnavailable(GeocodingError):
    """The provider did not answer, refused the request (key, quota), or answered nonsense."""

    code = "geocoding.unavailable"


@runtime_checkable
class Geocoder(Protocol):
    """Address + language -> :class:`Geocoded`, or :class:`AddressNotFound` / :class:`GeocoderUnavailable`."""

    name: str

    def geocode(self, address: str, *, language: str = "zh-TW") -> Geocoded: ...


_SPACE = re.compile(r"\s+")
_POSTCODE = re.compile(r"^\d{3}(\d{2,3})?(?=\s*[\u4e00-\u9fff])")  # a Taiwanese postcode before the city
_COUNTRY = ("臺灣", "中華民國", "taiwan")


def normalise_address(address: str) -> str:
    """The key two spellings of one address share: full-width folded (NFKC), 台 as 臺, no
    leading country or postcode, single spaces, Latin letters lower-case.

    >>> normalise_address(" 100 台北市 中正區  北平西路３號 ")
    '臺北市 中正區 北平西路3號'
    """
    text = unicodedata.normalize("NFKC", address).strip().replace("台", "臺")
    text = _SPACE.sub(" ", text).lower()
    for country in _COUNTRY:
        if text.startswith(country):
            text = text[len(country) :].strip(" ,")
    return _POSTCODE.sub("", text).strip(" ,")
