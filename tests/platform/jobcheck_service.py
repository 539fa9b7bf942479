"""A one-job service for the worker tests: ``jobcheck.slow`` logs each start and finish in a
table and reports progress while it works, so a test can kill its worker midway and count runs.

``python jobcheck_service.py worker ...`` is ``smartdist worker ...`` with this service as the only
one installed (the real CLI code; the catalog is narrowed so the worker skips the six services).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from sqlalchemy import Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from smartdist.db import NAMING_CONVENTION, new_id
from smartdist.jobs import JobContext, job_task
from smartdist.service import ServiceDefinition

KIND = "jobcheck.slow"


class JobcheckBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RunLog(JobcheckBase):
    __tablename__ = "run_log"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    job_id: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(20))
    steps: Mapped[int] = mapped_column(Integer, default=0)


@job_task(KIND)
def slow(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    with ctx.database.system_transaction() as session:
        session.add(RunLog(job_id=ctx.job_id, event="started"))
    steps = int(params.get("steps", 30))
    for step in range(steps):
        ctx.progress(step / steps, f"step {step}", force=True)
        time.sleep(float(params.get("step_s", 0.2)))
    with ctx.database.system_transaction() as session:
        session.add(RunLog(job_id=ctx.job_id, event="finished", steps=steps))
    return {"steps": steps}


JOBCHECK = ServiceDefinition(
    name="jobcheck",
    package="",
    title="Job check",
    title_zh="工作檢查",
    summary="Worker tests only.",
    base=JobcheckBase,
    job_modules=[__name__],
)


if __name__ == "__main__":
    from smartdist import catalog

    sys.modules.setdefault("jobcheck_service", sys.modules[__name__])
    installed = catalog.definition
    catalog.service_definitions = lambda: {"jobcheck": JOBCHECK}  # type: ignore[assignment]
    catalog.definition = lambda name: JOBCHECK if name == "jobcheck" else installed(name)  # type: ignore[assignment]
    from smartdist.cli import main

    main(sys.argv[1:])
