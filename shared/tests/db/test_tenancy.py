"""Tenant isolation is a property of the session, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import CrossTenantWrite, Database, TenantScoped, TenantScopeMissing, make_base

Base = make_base("TenancyTestBase")


class Parcel(TenantScoped, Base):  # type: ignore[misc, valid-type]
    __tablename__ = "parcel"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))


@pytest.fixture
def db(empty_database: Database) -> Database:
    empty_database.ensure_schema()
    Base.metadata.create_all(empty_database.engine)
    with empty_database.tenant_transaction("tenant-a") as s:
        s.add_all([Parcel(id=1, label="a1"), Parcel(id=2, label="a2")])
    with empty_database.tenant_transaction("tenant-b") as s:
        s.add(Parcel(id=3, label="b1"))
    return empty_database


def test_tenant_sees_only_its_own_rows(db: Database) -> None:
    with db.tenant_session("tenant-b") as s:
        assert [p.label for p in s.scalars(select(Parcel))] == ["b1"]


def test_get_by_primary_key_of_another_tenant_finds_nothing(db: Database) -> None:
    with db.tenant_session("tenant-b") as s:
        assert s.get(Parcel, 1) is None


def test_bulk_update_and_delete_touch_only_the_tenants_rows(db: Database) -> None:
    with db.tenant_transaction("tenant-b") as s:
        s.execute(update(Parcel).values(label="changed"))
        s.execute(delete(Parcel).where(Parcel.id.in_([1, 2, 3])))
    with db.system_session() as s:
        assert sorted((p.id, p.label) for p in s.scalars(select(Parcel))) == [(1, "a1"), (2, "a2")]


def test_inserted_rows_are_stamped_with_the_sessions_tenant(db: Database) -> None:
    with db.tenant_transaction("tenant-b") as s:
        s.add(Parcel(id=9, label="new"))
    with db.system_session() as s:
        parcel = s.get(Parcel, 9)
        assert parcel is not None and parcel.tenant_id == "tenant-b"


def test_writing_a_row_of_another_tenant_is_refused(db: Database) -> None:
    with pytest.raises(CrossTenantWrite), db.tenant_transaction("tenant-b") as s:
        s.add(Parcel(id=10, label="smuggled", tenant_id="tenant-a"))
    with db.system_session() as s:
        assert s.get(Parcel, 10) is None


def test_a_session_without_a_tenant_refuses_to_query(db: Database) -> None:
    session = db._sessions()  # what a careless caller would get without the factory methods
    with pytest.raises(TenantScopeMissing):
        session.scalars(select(Parcel)).all()
    session.close()


def test_system_session_sees_every_tenant(db: Database) -> None:
    with db.system_session() as s:
        assert len(s.scalars(select(Parcel)).all()) == 3
