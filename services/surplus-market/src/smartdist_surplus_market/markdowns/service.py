"""Markdown templates: set, list, remove; and what a new listing of a category takes from one.

A listing created without ``markdown`` (the field left out, not ``[]``) gets its category's
template steps, and its ``floor_price`` from the template's ``floor_percent`` when it gives none.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.problems import NotFound
from smartdist_surplus_market.listings.domain import round_half_up
from smartdist_surplus_market.markdowns.models import MarkdownTemplate


class TemplateNotFound(NotFound):
    title = "No markdown template for this category"


def steps_of(markdown: Sequence[Any]) -> list[dict[str, float]]:
    return [{"hours_before": s.hours_before, "percent_off": s.percent_off} for s in markdown]


def template_for(session: Session, category: str) -> MarkdownTemplate | None:
    if not category:
        return None
    return session.scalar(select(MarkdownTemplate).where(MarkdownTemplate.category == category))


def templates(session: Session) -> Sequence[MarkdownTemplate]:
    return session.scalars(select(MarkdownTemplate).order_by(MarkdownTemplate.category)).all()


def put_template(
    session: Session, category: str, markdown: Sequence[Any], floor_percent: int | None
) -> MarkdownTemplate:
    row = template_for(session, category)
    if row is None:
        row = MarkdownTemplate(category=category, markdown=steps_of(markdown), floor_percent=floor_percent)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except IntegrityError:  # set twice at once: the later write wins below
            row = template_for(session, category)
            assert row is not None
    row.markdown, row.floor_percent = steps_of(markdown), floor_percent
    session.flush()
    return row


def remove_template(session: Session, category: str) -> None:
    row = template_for(session, category)
    if row is None:
        raise TemplateNotFound(
            f"No markdown template for '{category}'.", code="surplus.template.not_found", params={"category": category}
        )
    session.delete(row)
    session.flush()


def floor_from(template: MarkdownTemplate, list_price: int | None) -> int | None:
    if template.floor_percent is None or list_price is None:
        return None
    return round_half_up(Decimal(list_price) * Decimal(template.floor_percent) / Decimal(100))
