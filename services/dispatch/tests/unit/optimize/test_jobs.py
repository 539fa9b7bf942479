from __future__ import annotations

from smartdist.jobs.registry import task_for
from smartdist_dispatch.optimize.jobs import OPTIMIZE_JOB, run_optimize_job


class RecordingContext:
    def __init__(self) -> None:
        self.reports: list[float] = []
        self.messages: set[str] = set()

    def progress(self, fraction: float, message: str = "", *, force: bool = False, **params: object) -> None:
        self.reports.append(fraction)
        self.messages.add(message)


def test_optimize_job_is_registered_and_reports_progress_then_the_contract_response():
    assert task_for(OPTIMIZE_JOB) is run_optimize_job
    ctx = RecordingContext()
    params = {
        "depot": {"location": [0, 0]},
        "fleet": {"count": 1, "capacity": 10},
        "jobs": [{"id": "a", "location": [3, 4], "demand": 1}],
        "time_limit_s": 1.2,
    }
    result = run_optimize_job(ctx, params)
    assert result["routes"][0]["jobs"] == ["a"]
    assert result["total_distance"] == 10.0
    assert ctx.reports[0] == 0.0
    assert any(0.0 < f < 1.0 for f in ctx.reports)
    assert ctx.reports[-1] == 1.0
    assert ctx.messages == {"dispatch.progress.solving"}  # a catalog key, rendered in the reader's language
