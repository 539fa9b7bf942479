"""A geocoder without a network for tests and the demo: a small gazetteer of real places.

Real addresses of Taipei and New Taipei landmarks with their coordinates (to about 100 m); an
address matches when its :func:`normalise_address` equals an entry's (so 台/臺, full-width digits,
a postcode or a leading 臺灣 do not matter). Anything else is :class:`AddressNotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smartdist.geocoding.port import AddressNotFound, Geocoded, normalise_address

GAZETTEER: dict[str, tuple[float, float]] = {
    "臺北市中正區北平西路3號": (25.0478, 121.5170),  # Taipei Main Station
    "臺北市信義區市府路1號": (25.0375, 121.5637),  # Taipei City Hall
    "臺北市信義區信義路五段7號": (25.0340, 121.5645),  # Taipei 101
    "臺北市中正區中山南路21號": (25.0346, 121.5218),  # Chiang Kai-shek Memorial Hall
    "臺北市中正區重慶南路一段122號": (25.0400, 121.5119),  # Presidential Office
    "臺北市萬華區廣州街211號": (25.0372, 121.4999),  # Longshan Temple
    "臺北市大安區羅斯福路四段1號": (25.0173, 121.5397),  # National Taiwan University
    "臺北市士林區至善路二段221號": (25.1024, 121.5485),  # National Palace Museum
    "臺北市文山區新光路二段30號": (24.9983, 121.5810),  # Taipei Zoo
    "臺北市中山區中山北路三段181號": (25.0724, 121.5246),  # Taipei Fine Arts Museum
    "新北市板橋區中山路一段161號": (25.0120, 121.4650),  # New Taipei City Hall
    "新北市板橋區縣民大道二段7號": (25.0143, 121.4637),  # Banqiao Station
}


@dataclass
class SandboxGeocoder:
    places: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(GAZETTEER))
    name: str = "sandbox"

    def __post_init__(self) -> None:
        self._by_key = {normalise_address(a): (a, point) for a, point in self.places.items()}

    def geocode(self, address: str, *, language: str = "zh-TW") -> Geocoded:
        found = self._by_key.get(normalise_address(address).replace(" ", ""))
        if found is None:
            raise AddressNotFound(f"the sandbox gazetteer has no {address!r}", address=address)
        name, (lat, lng) = found
        return Geocoded(lat, lng, name, self.name)
