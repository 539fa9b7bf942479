"""Every human text the broker answers exists in zh-TW (the default) and English with a stable
code beside it (issue 13 item 4): quote reasons, problem details and titles (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smartdist_delivery_broker
from smartdist.testing.platform import ServiceUnderTest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings
from smartdist_delivery_broker.pages.messages import MESSAGES
from smartdist_delivery_broker.quotes.service import QuotingContext

STORE = {"lat": 25.0418, "lng": 121.5436}
FAR = {"lat": 25.1610, "lng": 121.5436}  # 13.3 km north: over pandago's and Uber's 8 km
CONTACTS = {
    "pickup_contact": {"name": "Store", "phone": "+886227001234"},
    "dropoff_contact": {"name": "Lin", "phone": "+886912345678"},
}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        started.client.app.state.delivery_quoting = QuotingContext(
            PlatformRegistry(Settings(sandbox_quote_latency_s=0, quote_deadline_s=1.0))
        )
        yield started


def quote(svc: ServiceUnderTest, tenant: str, lang: str | None = None, **body: Any) -> dict[str, Any]:
    headers = svc.headers(tenant, ("clerk",)) | ({"Accept-Language": lang} if lang else {})
    answer = svc.client.post("/api/v1/quotes", json={"pickup": STORE, "dropoff": FAR, "cod_amount": 0, **body},
                             headers=headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {q["provider"]: q for q in answer.json()["quotes"]} | {"_set": answer.json()}


def test_unavailable_quote_reasons_carry_codes_and_follow_the_language(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    zh = quote(svc, tenant, cod_amount=3000)
    uber = zh["uber_direct"]
    assert [r["code"] for r in uber["reasons"]] == ["distance_limit", "cod_cap"]
    assert uber["reason_code"] == "distance_limit"
    distance = zh["_set"]["distance_m"]
    assert uber["reason"] == f"行程 {distance} 公尺，超過平台距離上限 8000 公尺；代收貨款 3000 元，超過平台上限 2000 元"
    assert uber["reasons"][0]["params"] == {"distance_m": distance, "limit_m": 8000}
    en = quote(svc, tenant, "en", cod_amount=3000)["pandago"]
    assert en["reason"] == f"trip of {distance} m is over the platform's distance limit of 8000 m"
    # Available quotes carry no reason at all.
    assert "reason" not in zh["lalamove"] and zh["lalamove"]["reasons"] == []


def test_problems_carry_codes_and_their_detail_and_title_in_the_callers_language(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    quote_set_id = quote(svc, tenant)["_set"]["quote_set_id"]
    body = {"quote_set_id": quote_set_id, "provider": "lalamove", **CONTACTS}
    headers = svc.headers(tenant, ("clerk",))
    assert svc.client.post("/api/v1/deliveries", json=body, headers=headers).status_code == 201
    again = svc.client.post("/api/v1/deliveries", json=body, headers=headers)
    assert again.status_code == 409
    problem = again.json()
    assert problem["code"] == "broker.quote_set.booked"
    assert (problem["title"], problem["detail"]) == ("報價已下單", "這組報價已下單，另一筆配送請重新報價")
    english = svc.client.post("/api/v1/deliveries", json=body, headers=headers | {"Accept-Language": "en"}).json()
    assert english["code"] == problem["code"] and english["title"] == "Quote set already booked"
    missing = svc.client.get("/api/v1/deliveries/nope", headers=headers).json()
    assert (missing["code"], missing["detail"]) == ("broker.delivery.not_found", "找不到配送 nope")


def test_every_code_the_source_gives_has_both_languages() -> None:
    source = "\n".join(p.read_text("utf-8") for p in Path(smartdist_delivery_broker.__file__).parent.rglob("*.py"))
    problem_codes = set(re.findall(r'code="(broker\.[a-z_.]+)"', source))
    reason_codes = set(re.findall(r'Reason\(\s*"([a-z_.]+)"', source))
    reason_codes |= {f"own_fleet.dispatch.{c}" for c in ("shift_over", "time_window", "capacity", "no_vehicle",
                                                       "no_driver", "no_depot", "unreachable", "refused")}  # fmt: skip
    assert len(problem_codes) >= 20 and {"distance_limit", "cod_cap", "own_fleet.hours"} <= reason_codes
    for lang in ("zh-TW", "en"):
        catalog = MESSAGES[lang]
        missing = [c for c in problem_codes if f"problem.{c}" not in catalog and f"error.{c}" not in catalog]
        missing += [c for c in reason_codes if f"broker.reason.{c}" not in catalog]
        assert not missing, (lang, sorted(missing))
    assert set(MESSAGES["zh-TW"]) == set(MESSAGES["en"])
