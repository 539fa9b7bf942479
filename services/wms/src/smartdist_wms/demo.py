"""The demo warehouse: zones and walking-ordered locations, a few hundred products with lots and
expiries, and inbound / outbound documents in several states — all through the real use cases
except the opening stock, which is written with its ledger rows in bulk (so it stays fast)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import structlog
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from smartdist.db import TENANT_KEY, utcnow
from smartdist_wms.deliveries.schemas import ContactIn, DeliveryIn, PlaceIn
from smartdist_wms.inbound import service as inbound
from smartdist_wms.inbound.schemas import (
    InboundLineIn,
    InboundOrderIn,
    PutawayIn,
    PutawayLineIn,
    ReceiptIn,
    ReceiptLineIn,
)
from smartdist_wms.locations.models import Location
from smartdist_wms.outbound import service as outbound
from smartdist_wms.outbound.schemas import OutboundLineIn, OutboundOrderIn
from smartdist_wms.products.models import Product
from smartdist_wms.stock.models import Movement, StockItem
from smartdist_wms.stock.service import announce_lots_entering_window, local_today

log = structlog.get_logger(__name__)

# zone, kind, category, aisles, bins per aisle
ZONES = [("A", "bin", "ambient", 4, 15), ("B", "bin", "beverage", 2, 15), ("C", "bin", "chilled", 2, 10)]
ITEMS = {
    "ambient": ["米", "麵條", "醬油", "香油", "餅乾", "泡麵", "罐頭鮪魚", "花生醬", "衛生紙", "洗碗精"],
    "beverage": ["烏龍茶", "綠茶", "麥茶", "礦泉水", "可樂", "柳橙汁", "咖啡", "豆漿"],
    "chilled": ["鮮乳", "優格", "豆腐", "雞蛋", "起司", "布丁"],
}
BRANDS = ["福壽", "統一", "味全", "義美", "光泉", "黑松", "泰山", "金蘭", "桂格", "愛之味"]
SIZES = ["小", "中", "大"]
# The forecast demo's products (its synthetic POS sales): its replenishment suggestion names these
# SKUs, so the warehouse knows them and drafts an inbound order of them (SPEC §5 flow 2).
FORECAST_PRODUCTS = [("D0001", "示範鮮乳936ml", "chilled"), ("D0002", "示範吐司", "ambient"),
                     ("D0003", "示範礦泉水600ml", "beverage")]  # fmt: skip
HOME_DELIVERY = {"lat": 25.0478, "lng": 121.5170, "address": "台北市中正區北平西路3號"}


@dataclass(frozen=True)
class DemoResult:
    products: int
    locations: int
    stock_items: int
    inbound: int
    outbound: int


def _row(obj: Any, tenant: str) -> dict[str, Any]:
    """A new ORM object's column values for a bulk insert (defaults filled in)."""
    row: dict[str, Any] = {"tenant_id": tenant}
    for column in obj.__table__.columns:
        if column.key in ("id", "tenant_id"):
            continue
        value = getattr(obj, column.key)
        if value is None and column.default is not None:
            arg = column.default.arg
            value = arg(None) if callable(arg) else arg
        row[column.key] = value
    return row


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def seed_demo(runtime: Any, tenant_id: str) -> None:
    """Once per data folder (nothing is added when the tenant already has products).

    The SPEC §5 flows start from here: the near-expiry lots are announced (the surplus market
    drafts their listings), and one home-delivery order is shipped (its courier is booked through
    the delivery broker once this transaction commits)."""
    with runtime.database.tenant_transaction(tenant_id) as session:
        if session.scalar(select(Product.id).limit(1)) is not None:
            return
        result = seed_warehouse(session)
        announced = announce_lots_entering_window(session, tenant_id)
    log.info("wms_demo_seeded", tenant_id=tenant_id, near_expiry_lots=announced, **result.__dict__)


def seed_warehouse(session: Session, *, seed: int = 11, today: date | None = None) -> DemoResult:
    rng = random.Random(seed)
    today = today or local_today()
    locations: dict[str, list[Location]] = {}
    sequence = 0
    for zone, kind, category, aisles, bins in ZONES:
        for aisle in range(1, aisles + 1):
            # Serpentine walk: odd aisles up, even aisles down.
            order = range(1, bins + 1) if aisle % 2 else range(bins, 0, -1)
            for b in order:
                sequence += 10
                loc = Location(
                    code=f"{zone}-{aisle:02d}-{b:02d}",
                    zone=zone,
                    kind=kind,
                    category=category,
                    capacity=500,
                    sequence=sequence,
                )
                locations.setdefault(category, []).append(loc)
    dock = [
        Location(code="DOCK-IN", zone="D", kind="dock", sequence=0),
        Location(code="RET-01", zone="R", kind="returns", sequence=sequence + 10),
    ]
    tenant = str(session.info[TENANT_KEY])
    # Bulk inserts (no unit of work per row): the demo must start in seconds.
    all_locations = [loc for locs in locations.values() for loc in locs] + dock
    session.execute(insert(Location), [_row(loc, tenant) for loc in all_locations])
    product_rows: list[dict[str, Any]] = []
    n = 0
    for category, names in ITEMS.items():
        for name in names:
            for brand in BRANDS[: 4 if category == "chilled" else 3]:
                for size in SIZES:
                    n += 1
                    tracking = "expiry" if category == "chilled" else ("lot" if n % 4 == 0 else "none")
                    product_rows.append(
                        {
                            "tenant_id": tenant,
                            "sku": f"{category[0].upper()}{n:04d}",
                            "name": f"{brand}{name}（{size}）",
                            "barcode": ean13(f"471{n:09d}"),
                            "pack_barcode": ean13(f"472{n:09d}"),
                            "pack_size": rng.choice([6, 12, 24]),
                            "unit": "pcs",
                            "tracking": tracking,
                            "near_expiry_days": 3 if category == "chilled" else 14,
                            "allocation": "fefo",
                            "category": category,
                            "created_at": utcnow(),
                        }
                    )
    for sku, name, category in FORECAST_PRODUCTS:
        n += 1
        product_rows.append(
            {
                "tenant_id": tenant,
                "sku": sku,
                "name": name,
                "barcode": ean13(f"471{n:09d}"),
                "pack_barcode": ean13(f"472{n:09d}"),
                "pack_size": 12,
                "unit": "pcs",
                "tracking": "none",
                "near_expiry_days": 3,
                "allocation": "fefo",
                "category": category,
                "created_at": utcnow(),
            }
        )
    session.execute(insert(Product), product_rows)
    products = list(session.scalars(select(Product).order_by(Product.id)))
    locations = {}
    for loc in session.scalars(select(Location).where(Location.kind == "bin").order_by(Location.sequence)):
        locations.setdefault(str(loc.category), []).append(loc)
    # Opening stock: one or two lots per product, in its category's zone, with their ledger rows.
    now = utcnow()
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for p in products:
        shelves = locations[str(p.category)]
        for lot_no in range(rng.choice([1, 1, 2])):
            dated = p.tracking == "expiry" or (p.tracking == "lot" and rng.random() < 0.7)
            days = rng.randint(1, 12) if p.category == "chilled" else rng.randint(20, 400)
            row = {
                "tenant_id": tenant,
                "product_id": p.id,
                "location_id": rng.choice(shelves).id,
                "lot": f"L{today:%y%m}{lot_no + 1}" if p.tracking != "none" else "",
                "expiry": (today + timedelta(days=days)).isoformat() if dated else "",
                "on_hand": rng.randint(12, 120),
                "allocated": 0,
                "received_at": now - timedelta(days=rng.randint(1, 60)),
                "updated_at": now,
            }
            # The same product and lot drawn twice into one bin would break the unique key: keep the first.
            unique.setdefault((row["product_id"], row["location_id"], row["lot"], row["expiry"]), row)
    stock_rows = list(unique.values())
    ids = list(session.scalars(insert(StockItem).returning(StockItem.id, sort_by_parameter_order=True), stock_rows))
    session.execute(
        insert(Movement),
        [
            {
                "tenant_id": tenant,
                "stock_item_id": i,
                "d_on_hand": r["on_hand"],
                "d_allocated": 0,
                "reason": "adjust",
                "note": "opening stock",
                "doc_type": "",
                "by": "demo",
                "at": now,
            }
            for i, r in zip(ids, stock_rows, strict=True)
        ],
    )
    items = list(session.scalars(select(StockItem)).unique())
    docs_in, docs_out = _documents(session, rng, products, items, locations)
    return DemoResult(len(products), len(all_locations), len(items), docs_in, docs_out)


def _documents(
    session: Session,
    rng: random.Random,
    products: list[Product],
    items: list[StockItem],
    locations: dict[str, list[Location]],
) -> tuple[int, int]:
    """Inbound orders created / receiving / completed; outbound created / allocated / picking / shipped."""
    untracked = [p for p in products if p.tracking == "none"]
    suppliers = ["統一企業", "味全食品", "黑松公司", "義美食品"]
    inbound_states = ["created", "receiving", "putaway", "completed", "completed"]
    for i, target in enumerate(inbound_states):
        chosen = rng.sample(untracked, 2)
        body = InboundOrderIn(
            ref=f"PO-2026{i + 1:04d}",
            supplier=suppliers[i % len(suppliers)],
            lines=[InboundLineIn(sku=p.sku, qty=rng.randint(2, 6) * 12) for p in chosen],
        )
        order = inbound.create_inbound(session, body)
        if target == "created":
            continue
        receipt = ReceiptIn(
            lines=[
                ReceiptLineIn(sku=line.sku, qty=line.qty, damaged=1 if k == 0 else 0)
                for k, line in enumerate(body.lines)
            ]
        )
        inbound.receive(session, order.id, receipt)
        if target == "receiving":
            continue
        lines = body.lines if target == "completed" else body.lines[:1]
        putaway = PutawayIn(
            lines=[
                PutawayLineIn(
                    sku=line.sku,
                    qty=line.qty - (1 if k == 0 else 0),
                    location=rng.choice(locations[str(chosen[k].category)]).code,
                )
                for k, line in enumerate(lines)
            ]
        )
        inbound.put_away(session, order.id, putaway, by="demo")
    by_product = {p.id: p for p in products}
    stocked = [by_product[i.product_id] for i in items if i.on_hand >= 10]
    customers = ["台北南京店", "新北板橋店", "桃園中壢店", "網路商店 momo", "蝦皮商城"]
    outbound_states = ["created", "allocated", "allocated", "picking", "shipped", "shipped"]
    for i, target in enumerate(outbound_states):
        chosen = list({p.sku: p for p in rng.sample(stocked, 2)}.values())
        shipment = outbound.create_outbound(
            session,
            OutboundOrderIn(
                ref=f"SO-2026{i + 1:04d}",
                customer=customers[i % len(customers)],
                lines=[OutboundLineIn(sku=p.sku, qty=rng.randint(1, 4)) for p in chosen],
            ),
        )
        if target == "created":
            continue
        outbound.allocate(session, shipment.id, by="demo")
        if target == "allocated":
            continue
        tasks = outbound.pick_list(session, shipment).tasks
        if target == "picking":
            tasks = tasks[:1]
        for task in tasks:
            outbound.pick(session, shipment.id, location_code=task.location, sku=task.sku, qty=task.qty, lot=task.lot)
        if target == "shipped":
            outbound.ship(
                session, shipment.id, carrier="黑貓宅急便", tracking_no=f"T{rng.randint(10**9, 10**10 - 1)}", by="demo"
            )
    # A shop order for home delivery, shipped: a courier of the delivery broker takes it (flow 3).
    chosen = list({p.sku: p for p in rng.sample(stocked, 2)}.values())
    home = outbound.create_outbound(
        session,
        OutboundOrderIn(
            ref="EC-20260001",
            customer="網路訂單 林小姐",
            lines=[OutboundLineIn(sku=p.sku, qty=1) for p in chosen],
            delivery=DeliveryIn(dropoff=PlaceIn(**HOME_DELIVERY), contact=ContactIn(name="林小姐", phone="0912345678")),
        ),
    )
    outbound.allocate(session, home.id, by="demo")
    for task in outbound.pick_list(session, home).tasks:
        outbound.pick(session, home.id, location_code=task.location, sku=task.sku, qty=task.qty, lot=task.lot)
    outbound.ship(session, home.id, carrier=None, tracking_no=None, by="demo")
    return len(inbound_states), len(outbound_states) + 1
