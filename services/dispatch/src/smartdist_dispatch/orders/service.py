"""Delivery orders' use cases: every creation is one KPI record and one order.created event."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from smartdist.bus.outbox import publish
from smartdist.db import ScopedSession
from smartdist.kpi import record
from smartdist.pagination import Page, paginate
from smartdist.problems import Conflict, NotFound, Unprocessable
from smartdist_dispatch.geocoding.service import GEOCODING_ROW_MESSAGES, locate, locate_all
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.repository import existing_order_nos, first_depot_code, orders_of_status
from smartdist_dispatch.orders.schemas import OrderIn, OrderOut, OrderPatch, stored_windows
from smartdist_dispatch.orders.sheet import ORDER_COLUMNS, REQUIRED_ORDER_COLUMNS, validate_order_rows
from smartdist_dispatch.orders.spreadsheet import RowError, raise_row_errors, read_upload_rows, text

ORDER_CREATED = "smartdist.dispatch.order.created"


def order_out(order: DeliveryOrder) -> OrderOut:
    return OrderOut.model_validate(order)


def sender_of(session: ScopedSession) -> str:
    """The KPI sender: the tenant's first depot, or the merchant itself when it has none yet."""
    return first_depot_code(session) or "merchant"


def coordinates(session: ScopedSession, body: OrderIn, *, language: str) -> tuple[float, float]:
    """The order's (lat, lng): as given, else its address geocoded (a coded 422 or 503 when it cannot be)."""
    if body.lat is not None and body.lng is not None:
        return body.lat, body.lng
    found = locate(session, body.address, language=language)
    return found.lat, found.lng


def create_orders(
    session: ScopedSession, bodies: list[OrderIn], *, tenant_id: str, language: str = "zh-TW"
) -> list[DeliveryOrder]:
    """Store the orders (the caller has checked order_no against stored ones for imports).

    An order with an address and no coordinates is geocoded (``language``: of the provider's answer).
    """
    taken = existing_order_nos(session, (b.order_no for b in bodies))
    if taken:
        first = sorted(taken)[0]
        raise Conflict(
            f"order {first} already exists",
            code="dispatch.sheet.order_exists",
            params={"order_no": first},
            errors=[
                {
                    "loc": ["body", "order_no"],
                    "code": "dispatch.sheet.order_exists",
                    "params": {"order_no": no},
                    "message": f"order {no} already exists",
                }
                for no in sorted(taken)
            ],
        )
    sender = sender_of(session)
    points = [coordinates(session, b, language=language) for b in bodies]
    orders = [
        DeliveryOrder(
            order_no=b.order_no,
            customer_name=b.customer_name,
            phone=b.phone,
            address=b.address,
            lat=lat,
            lng=lng,
            time_windows=stored_windows(b.time_windows),
            service_s=b.service_s,
            weight_kg=b.weight_kg,
            volume_l=b.volume_l,
            boxes=b.boxes,
            priority=b.priority,
            cash_to_collect_twd=b.cash_to_collect_twd,
            notes=b.notes,
            status="created",
        )
        for b, (lat, lng) in zip(bodies, points, strict=True)
    ]
    try:
        # A concurrent request may have stored the same order_no since the check above.
        with session.begin_nested():
            session.add_all(orders)
            session.flush()
    except IntegrityError:
        raise Conflict("an order with this order_no was created at the same time") from None
    for order in orders:
        record(
            session,
            service="dispatch",
            doc_type="delivery_order",
            doc_no=order.order_no,
            status="created",
            sender=sender,
            receiver=order.customer_name,
            sent_at=order.created_at,
            amount_twd=order.cash_to_collect_twd or None,
            tenant_id=tenant_id,
        )
        publish(
            session,
            type=ORDER_CREATED,
            subject=order.order_no,
            tenant_id=tenant_id,
            data=order_out(order).model_dump(mode="json"),
        )
    return orders


def import_order_sheet(
    session: ScopedSession, filename: str, content: bytes, *, tenant_id: str, language: str = "zh-TW"
) -> int:
    """Create every order of a sheet, or none: any bad row is a 422 listing every bad row. How many.

    Rows with an address and no lat/lng are geocoded; an address that cannot be is its row's error.
    """
    rows = read_upload_rows(filename, content, required=REQUIRED_ORDER_COLUMNS, known=ORDER_COLUMNS)
    order_nos = [str(r.cells.get("order_no")) for r in rows if r.cells.get("order_no") is not None]
    orders, errors = validate_order_rows(rows, existing_order_nos(session, order_nos))
    if not errors:
        row_of = {str(text(r.cells.get("order_no"))): r.number for r in rows}
        wanted = {row_of[o.order_no]: o.address for o in orders if o.lat is None}
        found, misses = locate_all(session, wanted, language=language)
        errors = [
            RowError(m.key, "address", GEOCODING_ROW_MESSAGES[m.code], m.code, {"address": m.address}) for m in misses
        ]
        orders = [
            o.model_copy(update={"lat": found[n].lat, "lng": found[n].lng}) if (n := row_of[o.order_no]) in found else o
            for o in orders
        ]
    if errors:
        raise_row_errors(errors)
    if not orders:
        raise Unprocessable(
            "the file has no order rows",
            code="dispatch.import.empty",
            errors=[{"loc": ["file"], "code": "dispatch.import.empty", "message": "no rows"}],
        )
    create_orders(session, orders, tenant_id=tenant_id, language=language)
    return len(orders)


def order_page(session: ScopedSession, *, limit: int, cursor: str | None, status: str | None) -> Page[OrderOut]:
    """The tenant's orders, oldest first, optionally of one status."""
    return paginate(
        session, orders_of_status(status), DeliveryOrder.id, limit=limit, cursor=cursor, serialize=order_out
    )


def stored_order(session: ScopedSession, order_id: int) -> DeliveryOrder:
    order = session.get(DeliveryOrder, order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.", code="dispatch.order.not_found", params={"id": order_id})
    return order


def change_order(session: ScopedSession, order_id: int, body: OrderPatch) -> OrderOut:
    """Change an order not yet planned (a planned one changes through its route)."""
    order = stored_order(session, order_id)
    if order.status != "created":
        raise Conflict(
            f"order {order.order_no} is {order.status}; only created orders can be changed",
            code="dispatch.order.not_waiting",
            params={"order_no": order.order_no},
        )
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            error = {"loc": ["body", field], "code": "dispatch.field.not_null", "message": "not null"}
            raise Unprocessable(f"{field} cannot be null", code="dispatch.field.not_null", errors=[error])
        if field == "time_windows":
            value = stored_windows(body.time_windows or [])
        setattr(order, field, value)
    session.flush()
    return order_out(order)


def delete_order(session: ScopedSession, order_id: int) -> None:
    order = stored_order(session, order_id)
    if order.status != "created":
        raise Conflict(
            f"order {order.order_no} is {order.status}; only created orders can be deleted",
            code="dispatch.order.not_waiting",
            params={"order_no": order.order_no},
        )
    session.delete(order)
    session.flush()


def order_sheet(session: ScopedSession, status: str | None) -> tuple[tuple[str, ...], list[list[object]]]:
    """The tenant's orders in the import sheet's columns (download, edit, upload again)."""
    rows: list[list[object]] = []
    for order in session.scalars(orders_of_status(status).order_by(DeliveryOrder.id)):
        windows = [list(w) for w in order.time_windows[:2]]
        windows += [["", ""]] * (2 - len(windows))
        minutes = order.service_s / 60
        rows.append(
            [
                order.order_no,
                order.customer_name,
                order.phone,
                order.address,
                order.lat,
                order.lng,
                *windows[0],
                *windows[1],
                int(minutes) if minutes.is_integer() else round(minutes, 2),
                order.weight_kg,
                order.volume_l,
                order.boxes,
                order.priority,
                order.cash_to_collect_twd,
                order.notes,
            ]
        )
    return ORDER_COLUMNS, rows
