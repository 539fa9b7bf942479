"""Fee schedule, COD rules and availability limits per platform (SPEC §4.D, contract).

Read per *started* kilometre of the trip's `distance_m`: the base fee covers the first
kilometre; each further started kilometre k = 2 .. ceil(distance_m / 1000) adds the rate of the
tier k falls in (10 for k ≤ 3, 15 for 4 ≤ k ≤ 8, 30 for k ≥ 9). COD adds the platform's COD fee
on a platform that offers COD. A platform is unavailable when the COD amount is over its cap or
the trip is longer than its distance limit ("longest distance 8 km": 8000 m is allowed, 8001 m
is not).

Everything here is data: a merchant's contract can change the rates, caps or limits by JSON
(`load_rules`) without touching code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Money = Annotated[int, Field(ge=0, description="Integer New Taiwan dollars.")]


class DistanceTier(BaseModel):
    """Each started kilometre numbered `from_km` or higher (until the next tier) costs `per_km`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_km: int = Field(ge=2, description="First started kilometre (1-based) the rate applies to.")
    per_km: Money


class FeeSchedule(BaseModel):
    """Base fee for the first kilometre plus marginal per-started-kilometre tiers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_fee: Money = 85
    tiers: tuple[DistanceTier, ...] = (
        DistanceTier(from_km=2, per_km=10),
        DistanceTier(from_km=4, per_km=15),
        DistanceTier(from_km=9, per_km=30),
    )

    @model_validator(mode="after")
    def _tiers_ascend(self) -> Self:
        starts = [t.from_km for t in self.tiers]
        if starts != sorted(set(starts)):
            raise ValueError("tiers must have strictly ascending from_km")
        return self

    def rate_for_kilometre(self, k: int) -> int:
        """Price of the k-th started kilometre (k ≥ 2); kilometres before the first tier are free."""
        rate = 0
        for tier in self.tiers:
            if k >= tier.from_km:
                rate = tier.per_km
        return rate


class PlatformTerms(BaseModel):
    """What the programme allows on one platform."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offers_cod: bool = Field(description="Whether the platform collects cash on delivery.")
    cod_fee: Money = Field(0, description="Added to the fee when the order carries COD.")
    cod_cap: Money | None = Field(None, description="Largest COD amount accepted; None = no cap.")
    max_distance_m: int | None = Field(None, ge=0, description="Longest trip accepted, inclusive; None = no limit.")
    schedule: FeeSchedule | None = Field(
        None, description="A contract-specific schedule; None = the broker's default schedule."
    )


def _default_platforms() -> dict[str, PlatformTerms]:
    return {
        "pandago": PlatformTerms(offers_cod=True, cod_fee=30, cod_cap=5000, max_distance_m=8000),
        "uber_direct": PlatformTerms(offers_cod=True, cod_fee=30, cod_cap=2000, max_distance_m=8000),
        # SPEC: "Lalamove: no COD, no cap, no distance limit" — no COD fee is added and no COD
        # amount or distance makes it unavailable.
        "lalamove": PlatformTerms(offers_cod=False, cod_fee=0, cod_cap=None, max_distance_m=None),
    }


class BrokerRules(BaseModel):
    """The whole configurable rule set: default schedule plus terms per platform."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schedule: FeeSchedule = FeeSchedule()
    platforms: dict[str, PlatformTerms] = Field(default_factory=_default_platforms)
    # A platform added without terms (e.g. the merchant's own fleet) is priced by the schedule
    # with no COD fee and no limits until its contract terms are configured.
    default_terms: PlatformTerms = PlatformTerms(offers_cod=False)

    def terms_for(self, provider: str) -> PlatformTerms:
        return self.platforms.get(provider, self.default_terms)


DEFAULT_RULES = BrokerRules()


def load_rules(source: str | Path | None = None) -> BrokerRules:
    """Rules from a JSON file path or JSON text (the `rules` setting); none: SPEC's.

    Keys left out of the JSON keep SPEC's defaults, so a contract file only states what differs.
    """
    raw = source
    if raw is None or str(raw).strip() == "":
        return DEFAULT_RULES
    text = str(raw)
    if not text.lstrip().startswith("{"):
        text = Path(text).read_text(encoding="utf-8")
    data = json.loads(text)
    if "platforms" in data:
        merged = {k: v.model_dump() for k, v in _default_platforms().items()}
        merged.update(data["platforms"])
        data = {**data, "platforms": merged}
    return BrokerRules.model_validate(data)


@dataclass(frozen=True)
class Reason:
    """Why a quote is unavailable, as a stable catalog code and its values (the HTTP layer says it
    in the caller's language: `broker.reason.<code>`); `text` is the English fallback."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    text: str = ""


def reason_text(reasons: tuple[Reason, ...] | list[Reason]) -> str | None:
    return "; ".join(r.text for r in reasons) or None


class FeeQuote(BaseModel):
    """The programme fee for one trip on one platform, and whether the platform may take it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str
    distance_m: int
    fee: int
    fee_breakdown: dict[str, int]
    available: bool
    reason: str | None = None
    reasons: tuple[Reason, ...] = ()


def started_kilometres(distance_m: int) -> int:
    """ceil(distance_m / 1000), at least 1: a 0 m trip still starts its first kilometre."""
    if distance_m < 0:
        raise ValueError("distance_m must be >= 0")
    return max(1, -(-distance_m // 1000))


def distance_fee(distance_m: int, schedule: FeeSchedule) -> int:
    """Sum of the tier rates of started kilometres 2 .. ceil(distance_m / 1000)."""
    return sum(schedule.rate_for_kilometre(k) for k in range(2, started_kilometres(distance_m) + 1))


def _unavailable_reasons(distance_m: int, cod_amount: int, terms: PlatformTerms) -> tuple[Reason, ...]:
    reasons = []
    if terms.max_distance_m is not None and distance_m > terms.max_distance_m:
        reasons.append(
            Reason(
                "distance_limit",
                {"distance_m": distance_m, "limit_m": terms.max_distance_m},
                f"trip of {distance_m} m is over the platform's distance limit of {terms.max_distance_m} m",
            )
        )
    if terms.offers_cod and terms.cod_cap is not None and cod_amount > terms.cod_cap:
        reasons.append(
            Reason(
                "cod_cap",
                {"cod_amount": cod_amount, "cap": terms.cod_cap},
                f"COD amount {cod_amount} TWD is over the platform's cap of {terms.cod_cap} TWD",
            )
        )
    return tuple(reasons)


def quote_fee(
    distance_m: int, cod_amount: int, rules: BrokerRules = DEFAULT_RULES, provider: str = "pandago"
) -> FeeQuote:
    """Programme fee and availability of `provider` for a trip of `distance_m` carrying `cod_amount`."""
    if cod_amount < 0:
        raise ValueError("cod_amount must be >= 0")
    terms = rules.terms_for(provider)
    schedule = terms.schedule or rules.schedule
    distance_part = distance_fee(distance_m, schedule)
    cod_part = terms.cod_fee if (cod_amount > 0 and terms.offers_cod) else 0
    reasons = _unavailable_reasons(distance_m, cod_amount, terms)
    return FeeQuote(
        provider=provider,
        distance_m=distance_m,
        fee=schedule.base_fee + distance_part + cod_part,
        fee_breakdown={
            "base": schedule.base_fee,
            "distance": distance_part,
            "cod": cod_part,
        },
        available=not reasons,
        reason=reason_text(reasons),
        reasons=reasons,
    )
