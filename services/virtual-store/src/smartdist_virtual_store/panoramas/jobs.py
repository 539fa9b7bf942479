"""The panorama processing job: upload → cube tiles, fallback faces, preview, thumbnail."""

from __future__ import annotations

from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist_virtual_store.panoramas import service


@job_task(service.PROCESS_JOB)
def process_panorama(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    panorama_id = str(params["panorama_id"])
    store = service.media_store(ctx.services["runtime"].settings.resolved_data_dir())
    ctx.progress(0.02, "vs.progress.decoding", force=True)
    try:
        # Progress is written outside our own transaction (the guide's SQLite rule).
        rendered = service.render_files(
            store, ctx.tenant_id, panorama_id, lambda f: ctx.progress(0.05 + 0.9 * f, "vs.progress.tiling", force=True)
        )
    except Exception as exc:
        with ctx.tenant_transaction() as session:
            service.mark_failed(session, store, ctx.tenant_id, panorama_id, f"{type(exc).__name__}: {exc}")
        raise
    with ctx.tenant_transaction() as session:
        service.mark_ready(session, panorama_id, rendered)
    return {"panorama_id": panorama_id, "files": rendered.files, "cube_size": rendered.cube_size}
