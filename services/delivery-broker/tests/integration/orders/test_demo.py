"""The demo seed: two months of delivered orders, their KPI records and subsidy charges, once."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from smartdist.db import Database, PlatformBase
from smartdist.kpi.models import KpiRecord
from smartdist.migrate import import_platform_models
from smartdist_delivery_broker.db import Base
from smartdist_delivery_broker.demo import seed_demo_deliveries
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.subsidy.models import SubsidyAccountRow


def test_demo_seed_makes_delivered_history_within_the_subsidy_and_runs_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    import_platform_models()
    PlatformBase.metadata.create_all(database.engine)
    Base.metadata.create_all(database.engine)
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    with database.tenant_transaction("demo") as session:
        assert seed_demo_deliveries(session, "demo", count=40, subsidised=25, now=now) == 40
    with database.tenant_transaction("demo") as session:
        assert seed_demo_deliveries(session, "demo", count=40, now=now) == 0
        orders = session.scalars(select(DeliveryOrder)).all()
        assert len(orders) == 40 and all(o.status == "delivered" for o in orders)
        delivered_records = session.scalar(
            select(func.count()).select_from(KpiRecord).where(KpiRecord.status == "delivered")
        )
        assert delivered_records == 40
        account = session.scalar(select(SubsidyAccountRow))
        assert account is not None
        assert account.spent == sum(o.fee for o in orders if o.subsidised) <= account.cap
        assert all(o.created_at < now for o in orders)
