"""Background jobs with status and progress (SPEC §2 contract)."""

from smartdist.jobs.models import Job
from smartdist.jobs.registry import JobContext, job_task, run_job, submit_job

__all__ = ["Job", "JobContext", "job_task", "run_job", "submit_job"]
