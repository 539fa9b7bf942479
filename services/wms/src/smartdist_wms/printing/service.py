"""What each printable document shows, gathered from the nouns that own it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from smartdist_wms.outbound import service as outbound
from smartdist_wms.outbound.schemas import OutboundOrderOut, PickListOut
from smartdist_wms.printing import repository
from smartdist_wms.printing.barcode_svg import code128_svg
from smartdist_wms.waves import service as waves
from smartdist_wms.waves.schemas import WavePickListOut


@dataclass(frozen=True)
class Label:
    code: str  # what the barcode encodes, printed under it
    title: str
    subtitle: str
    svg: str


def location_labels(session: Session, *, zone: str | None, codes: Sequence[str]) -> list[Label]:
    return [
        Label(loc.code, loc.code, " · ".join(x for x in (loc.zone, loc.kind) if x), code128_svg(loc.code, height_mm=15))
        for loc in repository.locations_for_labels(session, zone=zone, codes=codes)
    ]


def product_labels(session: Session, skus: Sequence[str], *, copies: int) -> list[Label]:
    labels: list[Label] = []
    for product in repository.products_for_labels(session, skus):
        code = product.barcode or product.sku
        label = Label(code, product.name, f"{product.sku} · {product.unit}", code128_svg(code))
        labels += [label] * copies
    return labels


@dataclass(frozen=True)
class PickListDoc:
    order: OutboundOrderOut
    picks: PickListOut
    barcodes: dict[str, str]  # location code -> its barcode SVG


def pick_list(session: Session, order_id: int) -> PickListDoc:
    order = outbound.get_order(session, order_id)
    picks = outbound.pick_list(session, order)
    return PickListDoc(
        outbound.order_out(session, order), picks, {t.location: code128_svg(t.location) for t in picks.tasks}
    )


def packing_list(session: Session, order_id: int) -> tuple[OutboundOrderOut, str]:
    """The order with its lines, and the order number's barcode (scanned at the packing table)."""
    order = outbound.order_out(session, outbound.get_order(session, order_id))
    return order, code128_svg(order.no)


def wave_pick_list(session: Session, wave_id: int) -> tuple[WavePickListOut, dict[str, str]]:
    lists = waves.pick_list(session, waves.get_wave(session, wave_id))
    codes = {t.location for part in lists.lists for t in part.tasks}
    return lists, {code: code128_svg(code) for code in codes}
