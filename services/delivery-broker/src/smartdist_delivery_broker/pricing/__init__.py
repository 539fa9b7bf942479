"""The programme's published fee schedule, COD rules and platform availability, as data."""

from smartdist_delivery_broker.pricing.distance import trip_distance_m
from smartdist_delivery_broker.pricing.schedule import (
    DEFAULT_RULES,
    BrokerRules,
    DistanceTier,
    FeeQuote,
    FeeSchedule,
    PlatformTerms,
    Reason,
    distance_fee,
    load_rules,
    quote_fee,
    reason_text,
    started_kilometres,
)

__all__ = [
    "DEFAULT_RULES",
    "BrokerRules",
    "DistanceTier",
    "FeeQuote",
    "FeeSchedule",
    "PlatformTerms",
    "Reason",
    "distance_fee",
    "load_rules",
    "quote_fee",
    "reason_text",
    "started_kilometres",
    "trip_distance_m",
]
