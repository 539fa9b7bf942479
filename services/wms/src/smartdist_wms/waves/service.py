"""Pick wave use cases: release orders together, their pick lists by strategy, pick with put-to-order.

Picks of one wave lock the wave row first, so two clerks on one wave queue behind each other and
the orders under it are then locked one at a time in tote order (never two ways round).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist.problems import Unprocessable
from smartdist_wms.documents.repository import get_document, lock_document
from smartdist_wms.outbound import service as outbound
from smartdist_wms.outbound.domain import ALLOCATABLE, PICKABLE, PickTooMuch
from smartdist_wms.waves import repository
from smartdist_wms.waves.domain import NothingToPickHere, OrderNotReleasable, WaveNotOpen, pick_lists, split_to_totes
from smartdist_wms.waves.models import PickWave, PickWaveOrder
from smartdist_wms.waves.schemas import (
    PutDoneOut,
    PutOut,
    WaveIn,
    WaveOrderOut,
    WaveOut,
    WavePickIn,
    WavePickListOut,
    WavePickListPart,
    WavePickOut,
    WaveTaskOut,
)


def _no(order_id: int) -> str:
    return f"OUT-{order_id:06d}"


def release(session: Session, body: WaveIn, *, by: str) -> PickWave:
    """Release orders together: each still open for picking, in no other open wave; orders not
    yet allocated are allocated now (FEFO/FIFO), and if any cannot be, nothing is released."""
    found = repository.orders_by_id(session, body.orders)
    unknown = [(i, oid) for i, oid in enumerate(body.orders) if oid not in found]
    if unknown:
        raise Unprocessable(
            f"unknown outbound orders: {', '.join(str(oid) for _, oid in unknown)}",
            code="wms.wave.unknown_order",
            params={"id": unknown[0][1]},
            errors=[
                {"loc": ["body", "orders", i], "code": "wms.wave.unknown_order", "params": {"id": oid}}
                | {"message": f"no order {oid}"}
                for i, oid in unknown
            ],
        )
    for oid in sorted(body.orders):  # one lock order for every use case: ids ascending
        outbound.lock_order(session, oid)
    busy = repository.orders_in_open_waves(session, body.orders)
    errors: list[dict[str, Any]] = []
    for i, oid in enumerate(body.orders):
        order = found[oid]
        if oid in busy:
            errors.append(
                {
                    "loc": ["body", "orders", i],
                    "code": "wms.wave.order_in_wave",
                    "params": {"no": order.no, "wave": f"WAVE-{busy[oid]:06d}"},
                    "message": f"{order.no} is already in WAVE-{busy[oid]:06d}",
                }
            )
        elif order.status not in ALLOCATABLE:
            errors.append(
                {
                    "loc": ["body", "orders", i],
                    "code": "wms.wave.order_not_open",
                    "params": {"no": order.no, "status": order.status},
                    "message": f"{order.no} is {order.status}",
                }
            )
    if errors:
        raise OrderNotReleasable(
            "; ".join(str(e["message"]) for e in errors),
            code=str(errors[0]["code"]),
            params=dict(errors[0]["params"]),
            errors=errors,
        )
    for oid in body.orders:
        if found[oid].status == "created":
            outbound.allocate(session, oid, by=by)
    wave = PickWave(strategy=body.strategy, status="released", released_by=by, created_at=utcnow())
    wave.orders = [PickWaveOrder(order_id=oid, tote=i + 1) for i, oid in enumerate(body.orders)]
    session.add(wave)
    session.flush()
    return wave


def get_wave(session: Session, wave_id: int) -> PickWave:
    return get_document(session, PickWave, wave_id, "pick wave")


def wave_out(session: Session, wave: PickWave) -> WaveOut:
    orders = repository.orders_by_id(session, [wo.order_id for wo in wave.orders])
    return WaveOut(
        id=wave.id,
        no=wave.no,
        strategy=wave.strategy,
        status=wave.status,
        released_by=wave.released_by,
        created_at=wave.created_at,
        completed_at=wave.completed_at,
        orders=[
            WaveOrderOut(
                order_id=wo.order_id,
                no=orders[wo.order_id].no,
                ref=orders[wo.order_id].ref,
                tote=wo.tote,
                status=orders[wo.order_id].status,
            )
            for wo in wave.orders
        ],
    )


def pick_list(session: Session, wave: PickWave) -> WavePickListOut:
    """The wave's open picks cut by its strategy, each list in walking order with its tote split."""
    rows = repository.open_allocations(session, {wo.order_id: wo.tote for wo in wave.orders})
    lists = pick_lists(wave.strategy, rows)
    return WavePickListOut(
        id=wave.id,
        no=wave.no,
        strategy=wave.strategy,
        status=wave.status,
        lists=[
            WavePickListPart(
                zone=pl.zone,
                order_id=pl.order_id,
                tasks=[
                    WaveTaskOut(
                        sequence=t.sequence,
                        location=t.location,
                        zone=t.zone,
                        sku=t.sku,
                        name=t.name,
                        barcode=t.barcode,
                        lot=t.lot,
                        expiry=t.expiry,
                        qty=t.qty,
                        picked=t.picked,
                        remaining=t.qty - t.picked,
                        puts=[
                            PutOut(
                                order_id=p.order_id,
                                no=_no(p.order_id),
                                tote=p.tote,
                                qty=p.qty,
                                picked=p.picked,
                                remaining=p.qty - p.picked,
                            )
                            for p in t.puts
                        ],
                    )
                    for t in pl.tasks
                ],
            )
            for pl in lists
        ],
    )


def pick(session: Session, wave_id: int, body: WavePickIn) -> WavePickOut:
    """Confirm a scan for the wave: its units go to the orders that need them here, lowest tote
    first (or to ``order_id`` alone), each confirmed as that order's pick."""
    wave = lock_document(session, PickWave, wave_id, "pick wave")
    if wave.status != "released":
        raise WaveNotOpen(
            f"{wave.no} is {wave.status}", code="wms.wave.not_open", params={"no": wave.no, "status": wave.status}
        )
    totes = {wo.order_id: wo.tote for wo in wave.orders}
    if body.order_id is not None and body.order_id not in totes:
        raise Unprocessable(
            f"order {body.order_id} is not in {wave.no}",
            code="wms.wave.order_not_in_wave",
            params={"id": body.order_id, "wave": wave.no},
            errors=[{"loc": ["body", "order_id"], "code": "wms.wave.order_not_in_wave", "message": "not in this wave"}],
        )
    candidates = [body.order_id] if body.order_id is not None else list(totes)
    needs = repository.needs_at(session, candidates, body.location, body.sku, body.lot)
    if not needs:
        raise NothingToPickHere(
            f"{wave.no} has nothing of {body.sku} to pick in {body.location}",
            code="wms.wave.nothing_here",
            params={"wave": wave.no, "sku": body.sku, "location": body.location},
            errors=[{"loc": ["body", "location"], "code": "wms.wave.nothing_here", "message": "nothing to pick here"}],
        )
    remaining = sum(left for _, left in needs)
    if body.qty > remaining:
        raise PickTooMuch(
            f"{body.sku} in {body.location}: {remaining} left to pick for {wave.no}, {body.qty} scanned",
            code="wms.pick.too_much",
            params={"sku": body.sku, "location": body.location, "left": remaining, "qty": body.qty},
        )
    puts = split_to_totes(body.qty, [(totes[oid], oid, left) for oid, left in needs])
    sku = body.sku
    for _, oid, take in puts:
        done = outbound.pick(session, oid, location_code=body.location, sku=body.sku, qty=take, lot=body.lot)
        sku = done.sku
    orders = repository.orders_by_id(session, list(totes))
    if all(o.status not in PICKABLE and o.status != "created" for o in orders.values()):
        wave.status = "completed"
        wave.completed_at = utcnow()
        session.flush()
    return WavePickOut(
        status=wave.status,
        sku=sku,
        location=body.location,
        qty=body.qty,
        puts=[PutDoneOut(order_id=oid, no=_no(oid), tote=tote, qty=take) for tote, oid, take in puts],
    )
