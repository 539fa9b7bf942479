"""Demo data for delivery-broker: the merchant's baseline and two months of past deliveries.

The service definition's ``seed_demo``. Idempotent: it does nothing for a tenant that already
has deliveries.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from smartdist import kpi
from smartdist.db import new_id
from smartdist.kpi.log import seed_baselines
from smartdist_delivery_broker.adapters.port import DeliveryStatus, Place
from smartdist_delivery_broker.kpi import REQUEST
from smartdist_delivery_broker.orders.domain import delivery_number
from smartdist_delivery_broker.orders.models import DeliveryOrder, DeliveryStatusEvent
from smartdist_delivery_broker.orders.service import SERVICE
from smartdist_delivery_broker.own_fleet.repository import own_fleet_terms, save_own_fleet_terms
from smartdist_delivery_broker.pricing import DEFAULT_RULES, BrokerRules, quote_fee, trip_distance_m
from smartdist_delivery_broker.subsidy.service import charge_subsidy

DEMO_BASELINES: dict[str, float] = {"monthly_revenue_before_twd": 105_000}
STORE = Place(25.0418, 121.5436, "台北市大安區忠孝東路四段 100 號", "示範商店", "+886227001234")
PATH = [("assigned", 6), ("picked_up", 14), ("delivered", 31)]  # minutes after booking
# The demo merchant's vans: its own cost per delivery, within 10 km, cash collected, 08:00–22:00.
DEMO_OWN_FLEET = {"enabled": True, "fee_twd": 70, "max_distance_m": 10_000, "cod_allowed": True,
                  "service_start": "08:00", "service_end": "22:00"}  # fmt: skip


def _customer(rng: random.Random) -> Place:
    return Place(
        STORE.lat + rng.uniform(-0.045, 0.045),
        STORE.lng + rng.uniform(-0.045, 0.045),
        f"台北市 示範地址 {rng.randint(1, 300)} 號",
        f"顧客 {rng.randint(100, 999)}",
        f"+8869{rng.randint(10000000, 99999999)}",
    )


def seed_demo_deliveries(
    session: Any,
    tenant_id: str,
    *,
    count: int = 260,
    subsidised: int = 150,
    days: int = 60,
    now: datetime | None = None,
    rules: BrokerRules = DEFAULT_RULES,
    seed: int = 7,
) -> int:
    """Past delivered orders with their events, KPI records and subsidy charges; returns how many."""
    if session.scalar(select(func.count()).select_from(DeliveryOrder)):
        return 0
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    made = 0
    for n in range(count):
        customer = _customer(rng)
        distance = trip_distance_m(STORE.lat, STORE.lng, customer.lat, customer.lng)
        cod = rng.choice([0, 0, 0, 350, 800, 1500])
        candidates = [
            q
            for q in (quote_fee(distance, cod, rules, p) for p in ("pandago", "uber_direct", "lalamove"))
            if q.available
        ]
        chosen = min(candidates, key=lambda q: q.fee)
        booked_at = now - timedelta(days=days * (count - n) / count, minutes=rng.randint(0, 600))
        order_id = new_id()
        order = DeliveryOrder(
            id=order_id,
            no=delivery_number(order_id, booked_at),
            tenant_id=tenant_id,
            reference=f"DEMO-{n + 1:04d}",
            provider=chosen.provider,
            platform_ref=f"demo-{tenant_id[:8]}-{n + 1:05d}",
            status=DeliveryStatus.DELIVERED.value,
            raw_status="delivered (demo)",
            status_at=booked_at + timedelta(minutes=PATH[-1][1]),
            pickup={
                "lat": STORE.lat,
                "lng": STORE.lng,
                "address": STORE.address,
                "name": STORE.name,
                "phone": STORE.phone,
            },
            dropoff={
                "lat": customer.lat,
                "lng": customer.lng,
                "address": customer.address,
                "name": customer.name,
                "phone": customer.phone,
            },
            distance_m=distance,
            cod_amount=cod,
            goods_value=cod or rng.choice([450, 680, 920, 1200]),
            fee=chosen.fee,
            fee_breakdown=dict(chosen.fee_breakdown),
            platform_fee=chosen.fee - rng.randint(0, 15),
            subsidised=n < subsidised,
            created_at=booked_at,
            updated_at=booked_at + timedelta(minutes=PATH[-1][1]),
        )
        session.add(order)
        session.flush()
        kpi.record(
            session,
            service=SERVICE,
            doc_type=REQUEST,
            doc_no=order.no,
            status="pending",
            sender=STORE.name,
            receiver=customer.name,
            sent_at=booked_at,
            at=booked_at,
            amount_twd=order.goods_value,
            distance_m=distance,
            tenant_id=tenant_id,
            demo=True,
        )
        for status, minutes in PATH:
            at = booked_at + timedelta(minutes=minutes)
            session.add(
                DeliveryStatusEvent(
                    tenant_id=tenant_id,
                    order_id=order.id,
                    provider=order.provider,
                    event_key=f"demo:{status}",
                    raw_status=status,
                    status=status,
                    outcome="applied",
                    late=False,
                    occurred_at=at,
                    received_at=at,
                    detail="demo",
                    raw={"demo": True},
                )
            )
            delivered = status == DeliveryStatus.DELIVERED.value
            kpi.record(
                session,
                service=SERVICE,
                doc_type=REQUEST,
                doc_no=order.no,
                status=status,
                sender=STORE.name,
                receiver=customer.name,
                sent_at=booked_at,
                received_at=at if delivered else None,
                elapsed_s=(at - booked_at).total_seconds() if delivered else None,
                at=at,
                amount_twd=order.goods_value,
                distance_m=distance,
                tenant_id=tenant_id,
                demo=True,
            )
        if order.subsidised:
            cod_fee = chosen.fee_breakdown["cod"]
            charge_subsidy(session, tenant_id, order.id, chosen.fee - cod_fee, cod_fee, at=booked_at)
        made += 1
    session.flush()
    return made


def seed_demo(runtime: Any, tenant_id: str) -> None:
    """``ServiceDefinition.seed_demo`` for delivery-broker: past deliveries and the merchant's own
    fleet offered beside the platforms (the courier pump is one of the service's background tasks)."""
    with runtime.database.tenant_transaction(tenant_id) as session:
        seed_baselines(session, DEMO_BASELINES, note="demo merchant's monthly revenue before go-live")
        seed_demo_deliveries(session, tenant_id)
        if own_fleet_terms(session) is None:
            save_own_fleet_terms(session, DEMO_OWN_FLEET)
