"""Webhook throughput with duplicates and reordering, and a check that nothing is lost or doubled.

    PYTHONPATH=services/delivery-broker/src .venv/bin/python services/delivery-broker/benchmarks/webhook_throughput.py

Books --orders deliveries spread over the three sandboxes and scenarios, lets every courier
finish, then feeds all their webhooks — each duplicated with --duplicates probability (repeat
draws allowed) and the whole stream shuffled — through signature verification, parsing and the
exactly-once lifecycle. Reports webhooks per second and counts of lost / duplicated changes
against what each courier actually did (both must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta

from smartdist_delivery_broker.adapters.port import BookingRequest, Place, TripRequest
from smartdist_delivery_broker.adapters.sandbox import CourierScenario, SandboxBehaviour, SandboxPlatform
from smartdist_delivery_broker.orders.domain import DeliveryState, Outcome, apply_status_update

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--duplicates", type=float, default=0.5, help="probability a webhook is sent again")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database",
        help="also store everything: a SQLAlchemy URL (e.g. sqlite:////tmp/b.db or postgresql://...) "
        "— webhooks then go through ingest_status_updates with the orders in the database",
    )
    args = parser.parse_args()

    clock = Clock()
    rng = random.Random(args.seed)
    scenarios = list(CourierScenario)
    platforms = {
        (p, s): SandboxPlatform(
            p,
            SandboxBehaviour(
                quote_latency_s=0,
                scenario=s,
                duplicate_probability=args.duplicates,
                reorder=True,
                webhook_delay_s=60,
                seed=args.seed,
            ),
            clock,
        )
        for p in ("pandago", "uber_direct", "lalamove")
        for s in scenarios
    }
    trip = TripRequest(Place(25.034, 121.5645), Place(25.0478, 121.517), 5025)

    async def book_all() -> dict[tuple[str, str], SandboxPlatform]:
        owners: dict[tuple[str, str], SandboxPlatform] = {}
        keys = list(platforms)
        for n in range(args.orders):
            platform = platforms[keys[n % len(keys)]]
            quote = await platform.quote(trip)
            delivery = await platform.create(
                BookingRequest(trip, f"d{n}", quote.platform_quote_ref, tuple(quote.raw.get("stop_ids", ())))
            )
            owners[(platform.provider, delivery.platform_ref)] = platform
        return owners

    owners = asyncio.run(book_all())
    clock.now = T0 + timedelta(hours=2)
    stream = [(platform, hook) for platform in platforms.values() for hook in platform.due_webhooks()]
    rng.shuffle(stream)
    expected = {key: [s for s in platform.orders[key[1]].script] for key, platform in owners.items()}

    if args.database:
        stored_run(args.database, owners, stream, expected)
        return

    states: dict[tuple[str, str], DeliveryState] = {}
    announced: dict[tuple[str, str], list[str]] = {}
    started = time.perf_counter()
    for platform, hook in stream:
        for update in platform.parse_webhook(hook.headers, hook.body):
            key = (update.provider, update.platform_ref)
            state = states.get(key) or DeliveryState.booked(T0)
            result = apply_status_update(state, update)
            states[key] = result.state
            if result.outcome in (Outcome.APPLIED, Outcome.BACKFILLED) and result.change is not None:
                announced.setdefault(key, []).append(str(result.change.status))
    elapsed = time.perf_counter() - started

    lost = duplicated = wrong_final = 0
    for key, script in expected.items():
        parse = owners[key].parse_webhook
        truth = []
        order = owners[key].orders[key[1]]
        for step in script:
            headers, body = owners[key].render_webhook(order, step)
            status = parse(headers, body)[0].status
            if status is not None and (not truth or truth[-1] != status) and status not in truth:
                truth.append(status)
        reached = [c.status for c in states[key].history]
        expected_set = {"pending", *map(str, truth)}
        lost += len(expected_set - set(map(str, reached)))
        duplicated += len(reached) - len(set(reached))
        duplicated += len(announced.get(key, [])) - len(set(announced.get(key, [])))
        wrong_final += states[key].status is not truth[-1]

    print(
        json.dumps(
            {
                "orders": args.orders,
                "webhooks_delivered": len(stream),
                "unique_webhooks": sum(len(s) for s in expected.values()),
                "duplicate_probability": args.duplicates,
                "seconds": round(elapsed, 3),
                "webhooks_per_s": round(len(stream) / elapsed),
                "lost_status_changes": lost,
                "duplicated_status_changes": duplicated,
                "wrong_final_status": wrong_final,
            },
            indent=2,
        )
    )


def stored_run(url: str, owners: dict, stream: list, expected: dict) -> None:  # type: ignore[type-arg]
    """The same stream through the database pipeline: lock order, dedupe on (order, event key)."""
    from sqlalchemy import func, select

    from smartdist.bus.models import OutboxEvent
    from smartdist.db import Database, PlatformBase
    from smartdist.migrate import import_platform_models
    from smartdist_delivery_broker.db import Base
    from smartdist_delivery_broker.orders.models import DeliveryOrder, DeliveryStatusEvent
    from smartdist_delivery_broker.orders.service import ingest_status_updates, new_order
    from smartdist_delivery_broker.quotes.domain import ProviderQuote, QuoteSet

    database = Database(url)
    import_platform_models()
    PlatformBase.metadata.create_all(database.engine)
    Base.metadata.create_all(database.engine)
    with database.tenant_transaction("bench") as session:
        for (provider, platform_ref), platform in owners.items():
            trip = platform.orders[platform_ref].trip
            quote_set = QuoteSet(trip.distance_m, 0, (), None, T0, None, trip=trip)
            quote = ProviderQuote(provider, True, 150, {"base": 85, "distance": 65, "cod": 0})
            order = new_order(
                "bench",
                quote_set,
                quote,
                reference=None,
                goods_value=0,
                pickup=trip.pickup,
                dropoff=trip.dropoff,
                now=T0,
            )
            order.platform_ref = platform_ref
            session.add(order)
    started = time.perf_counter()
    for platform, hook in stream:
        ingest_status_updates(database, platform.parse_webhook(hook.headers, hook.body))
    elapsed = time.perf_counter() - started
    with database.tenant_transaction("bench") as session:
        events = session.scalar(select(func.count()).select_from(DeliveryStatusEvent))
        completed = session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type.endswith("delivery.completed"))
        )
        delivered = session.scalar(
            select(func.count()).select_from(DeliveryOrder).where(DeliveryOrder.status == "delivered")
        )
    should_deliver = sum(
        1 for key, script in expected.items() if script[-1].raw_status in ("DELIVERED", "delivered", "COMPLETED")
    )
    print(
        json.dumps(
            {
                "database": database.engine.url.render_as_string(),
                "orders": len(owners),
                "webhooks_delivered": len(stream),
                "unique_webhooks": sum(len(s) for s in expected.values()),
                "stored_status_events": events,
                "seconds": round(elapsed, 3),
                "webhooks_per_s": round(len(stream) / elapsed),
                "delivered_orders": delivered,
                "expected_delivered_orders": should_deliver,
                "completed_events_published": completed,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
