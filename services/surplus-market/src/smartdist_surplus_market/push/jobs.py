"""The job that pushes a new listing to the browsers of the consumers who favour its seller."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist_surplus_market.push.service import SEND_PUSH, send_listing_push


@job_task(SEND_PUSH)
def send_push(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return asdict(send_listing_push(ctx.database, params))
