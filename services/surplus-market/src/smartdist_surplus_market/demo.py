"""``ServiceDefinition.seed_demo``: the demo merchant's stores around Taipei with listings at every
markdown step, a supplier's case lot, a draft from the warehouse, and two months of collected orders.

Listings go through ``create_listing`` (so they publish their events like real ones); the past
orders are written as the rows and KPI records real pickups leave, dated on their days and marked
``demo: true``. Idempotent: a tenant whose seller profile is named is left alone. Fast (< 1 s).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from smartdist.db import new_id, utcnow
from smartdist.kpi.models import KpiRecord
from smartdist_surplus_market.listings.models import Listing
from smartdist_surplus_market.listings.schemas import ListingIn, Location, MarkdownStepIn
from smartdist_surplus_market.listings.service import create_draft, create_listing
from smartdist_surplus_market.markdowns.service import put_template
from smartdist_surplus_market.reservations.domain import new_pickup_code, service_fee
from smartdist_surplus_market.reservations.models import Reservation
from smartdist_surplus_market.reservations.schemas import Contact, DeliveryIn
from smartdist_surplus_market.reservations.service import queue_delivery_booking, reserve
from smartdist_surplus_market.sellers.models import Seller

if TYPE_CHECKING:
    from smartdist.runtime import ServiceRuntime

STORES = [
    ("信義店", 25.0339, 121.5645, "台北市信義區信義路五段7號"),
    ("大安店", 25.0330, 121.5436, "台北市大安區復興南路一段"),
    ("中山店", 25.0527, 121.5203, "台北市中山區南京西路"),
    ("松山店", 25.0500, 121.5775, "台北市松山區八德路四段"),
    ("士林店", 25.0880, 121.5250, "台北市士林區中正路"),
    ("內湖店", 25.0797, 121.5750, "台北市內湖區內湖路一段"),
    ("板橋店", 25.0143, 121.4672, "新北市板橋區縣民大道二段"),
    ("永和店", 25.0080, 121.5150, "新北市永和區永和路二段"),
]
GOODS = [
    ("鮮奶吐司 milk loaf", "bakery", "條", 85, 0.45),
    ("綜合麵包驚喜袋 surprise bag", "bakery", "袋", 150, 1.2),
    ("鮮乳 936ml fresh milk", "dairy", "瓶", 95, 1.0),
    ("雞腿便當 chicken bento", "meal", "個", 110, 0.55),
    ("有機香蕉 organic bananas", "produce", "串", 60, 1.0),
    ("柳橙汁 orange juice", "drinks", "瓶", 45, 0.5),
]
# 48 h before: 20% off, 24 h: 40%, 6 h: 60%; the hours left chosen so every step is on show.
MARKDOWN: list[dict[str, float]] = [
    {"hours_before": 48.0, "percent_off": 20.0},
    {"hours_before": 24.0, "percent_off": 40.0},
    {"hours_before": 6.0, "percent_off": 60.0},
]
STEPS = [MarkdownStepIn(**step) for step in MARKDOWN]
HOURS_LEFT = [60, 36, 12, 3]


def seed_demo(runtime: ServiceRuntime, tenant_id: str) -> None:
    now = utcnow()
    with runtime.database.tenant_transaction(tenant_id) as session:
        seller = session.get(Seller, tenant_id)
        if seller is not None and seller.name:
            return
        session.add(
            Seller(
                id=tenant_id,
                tenant_id=tenant_id,
                name="好鄰居超市 Good Neighbour Market",
                kind="supermarket",
                phone="0227208889",
                address=STORES[0][3],
                lat=STORES[0][1],
                lng=STORES[0][2],
            )
        )
        session.flush()
        for category in ("bakery", "meal"):  # the seller desk's markdown templates, one per category
            put_template(session, category, STEPS, 25)
        for s, (branch, lat, lng, address) in enumerate(STORES):
            for k, hours in enumerate(HOURS_LEFT):
                title, category, unit, price, kg = GOODS[(s + k) % len(GOODS)]
                body = ListingIn(
                    title=f"{title} · {branch}",
                    category=category,
                    unit=unit,
                    quantity=3 + (s + k) % 6,
                    list_price=price,
                    best_before=now + timedelta(hours=hours),
                    location=Location(lat=lat, lng=lng, address=address),
                    markdown=STEPS,
                    floor_price=price // 4,
                    weight_kg=kg,
                    surprise_bag="surprise" in title,
                    bag_value=price * 2 if "surprise" in title else None,  # worth twice its price
                    pickup_window=(now, now + timedelta(hours=min(hours, 10))),
                )
                create_listing(session, body, tenant_id=tenant_id, created_by="demo")
        case_lot = create_listing(
            session,
            ListingIn(
                title="鮮乳 936ml × 12 瓶/箱 case lot",
                mode="supplier",
                category="dairy",
                unit="箱",
                quantity=20,
                list_price=960,
                best_before=now + timedelta(days=4),
                markdown=STEPS,
                location=Location(lat=25.0797, lng=121.5750, address="內湖物流中心"),
                weight_kg=11.5,
            ),
            tenant_id=tenant_id,
            created_by="demo",
        )
        # SPEC §5 flow 4 on show: a case lot ordered for home delivery, its courier booked through
        # the delivery broker by a job once this transaction commits.
        order = reserve(
            session,
            case_lot,
            consumer_id="demo-consumer",
            consumer_name="王小明",
            quantity=1,
            payment_token="tok_visa",
            delivery=DeliveryIn(
                dropoff=Location(lat=25.0478, lng=121.5170, address="台北市中正區北平西路3號"),
                contact=Contact(name="王小明", phone="0912345678"),
            ),
            now=now,
        )
        queue_delivery_booking(session, order, now=now)
        create_draft(
            session,
            tenant_id=tenant_id,
            title="優格 yoghurt 400g",
            unit="盒",
            quantity=24,
            best_before=now + timedelta(days=2),
            source={"service": "wms", "sku": "YOG-400", "lot": "L2411", "location": "C-02-03"},
            source_key="wms:YOG-400:L2411:C-02-03",
            markdown=MARKDOWN,
        )
        _history(session, tenant_id, now)


def _history(session: Session, tenant_id: str, now: datetime) -> None:
    """Two months of collected orders: the KPI log the acceptance meeting reads."""
    start = now - timedelta(days=60)
    past = Listing(
        tenant_id=tenant_id,
        title="歷史商品 past listing",
        unit="袋",
        quantity=0,
        initial_quantity=300,
        list_price=120,
        best_before=start + timedelta(days=60),
        status="published",
        markdown=MARKDOWN,
        weight_kg=0.8,
        created_by="demo",
        created_at=start,
        published_at=start,
        lat=STORES[0][1],
        lng=STORES[0][2],
        cell=None,
    )
    session.add(past)
    session.flush()
    for i in range(260):
        at = start + timedelta(hours=5 + i * 5.5)
        amount = 60 + (i * 37) % 90
        order = Reservation(
            id=new_id(),
            tenant_id=tenant_id,
            listing_id=past.id,
            consumer_id=f"demo-consumer-{i % 40}",
            consumer_name=f"顧客 {i % 40}",
            quantity=1,
            unit_price=amount,
            amount=amount,
            service_fee=service_fee(amount, 10, 0),
            pickup_code=new_pickup_code(),
            status="picked_up",
            payment_provider="sandbox",
            payment_ref=f"sbx_demo_{i}",
            payment_status="captured",
            created_at=at - timedelta(hours=2),
            closed_at=at,
            rating=5 - i % 3 if i % 4 == 0 else None,
        )
        session.add(order)
        # The rows record() writes, added in bulk: one flush for the two months instead of 520.
        for status, when in (("reserved", at - timedelta(hours=2)), ("picked_up", at)):
            session.add(KpiRecord(
                tenant_id=tenant_id, service="surplus-market", doc_type="marketplace_order", doc_no=order.id,
                status=status, sender=tenant_id, receiver=order.consumer_id, sent_at=order.created_at,
                received_at=at if status == "picked_up" else None, amount_twd=amount, quantity=1, at=when,
                extra={"weight_kg": 0.8, "demo": True},
            ))  # fmt: skip
    session.flush()
