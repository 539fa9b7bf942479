"""``GET /api/v1/jobs/{id}`` (SPEC §2 contract), the tenant's job list, and the owner's cancel / retry."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from smartdist.auth import Principal, TenantPrincipal, require_roles
from smartdist.jobs.models import Job
from smartdist.jobs.registry import cancel_job, retry_job
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import NotFound, problem_responses
from smartdist.web.deps import DbSession
from smartdist.web.i18n import Translator, translator_for

router = APIRouter(prefix="/jobs", tags=["jobs"])


class JobOut(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(ge=0, le=1)
    message: str = ""
    result: Any = None
    error: str | None = None
    attempts: int = Field(0, ge=0, description="How many times a worker started it.")
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None


def job_out(job: Job, t: Translator | None = None) -> JobOut:
    """A job as the API answers it; with a translator, a message (or error) that is a catalog key
    of the service (``ctx.progress(0.4, "forecast.progress.training", done=3)``) in its language."""
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=job.progress,
        message=t.message(job.message) if t is not None else job.message,
        result=job.result,
        error=t.message(job.error) if t is not None and job.error else job.error,
        attempts=job.attempts,
        created_at=job.created_at.isoformat(),
        started_at=job.started_at.isoformat() if job.started_at else None,
        finished_at=job.finished_at.isoformat() if job.finished_at else None,
    )


@router.get("/{job_id}", response_model=JobOut, response_model_exclude_none=True)
def get_job(job_id: str, session: DbSession, principal: TenantPrincipal, request: Request) -> JobOut:
    """A background job's status, progress (0-1), and its result or error when done; its
    message in the request's language (Accept-Language)."""
    job = session.get(Job, job_id)
    if job is None or job.tenant_id != principal.tenant_id:
        raise NotFound(f"No job '{job_id}'.", code="job.not_found", params={"job_id": job_id})
    return job_out(job, translator_for(request))


@router.get("", response_model=Page[JobOut])
def list_jobs(
    session: DbSession, principal: TenantPrincipal, request: Request, limit: Limit = 50, cursor: Cursor = None
) -> Page[JobOut]:
    """The tenant's jobs, newest first."""
    t = translator_for(request)
    return paginate(
        session, select(Job), Job.id, limit=limit, cursor=cursor, serialize=lambda job: job_out(job, t), descending=True
    )


Owner = Annotated[Principal, require_roles("owner")]


@router.post(
    "/{job_id}/cancel", response_model=JobOut, response_model_exclude_none=True, responses=problem_responses(409)
)
def cancel(job_id: str, session: DbSession, principal: Owner, request: Request) -> JobOut:
    """Cancel a queued or running job: it ends failed, naming who cancelled it (409 if already done)."""
    return job_out(cancel_job(session, job_id, by=principal.subject), translator_for(request))


@router.post(
    "/{job_id}/retry", response_model=JobOut, response_model_exclude_none=True, responses=problem_responses(409)
)
def retry(job_id: str, session: DbSession, principal: Owner, request: Request) -> JobOut:
    """Queue a failed job again from the start (409 unless it failed)."""
    return job_out(retry_job(session, job_id), translator_for(request))
