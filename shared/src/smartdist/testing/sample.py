"""A tiny service used by the platform's own tests: one tenant-scoped noun ("note") with a
creating POST (idempotent), a paginated list, a job, an event and a KPI record. It shows the
pattern every real service follows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Integer, MetaData, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from smartdist.auth import Principal, require_roles
from smartdist.bus.outbox import publish
from smartdist.db import NAMING_CONVENTION, TenantScoped
from smartdist.jobs import JobContext, job_task, submit_job
from smartdist.kpi import KpiSpec, KpiSummary, StatusCode, SummaryContext, record, volume_kpi
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import NotFound
from smartdist.service import ServiceDefinition
from smartdist.web.deps import DbSession, IdempotencyDep, IntId


class SampleBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Note(TenantScoped, SampleBase):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=200)


class NoteOut(BaseModel):
    id: int
    text: str


Writer = Annotated[Principal, require_roles("clerk")]
router = APIRouter(tags=["notes"])


@router.post("/notes", status_code=status.HTTP_201_CREATED, response_model=NoteOut)
def create_note(body: NoteIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Create a note (Idempotency-Key honoured)."""
    if idem.replay is not None:
        return idem.replay
    note = Note(text=body.text)
    session.add(note)
    session.flush()
    publish(
        session,
        type="smartdist.sample.note.created",
        subject=str(note.id),
        data={"id": note.id, "text": note.text},
        tenant_id=principal.tenant_id,
    )
    record(
        session,
        service="sample",
        doc_type="note",
        doc_no=str(note.id),
        status="created",
        sender=principal.subject,
        receiver="archive",
    )
    return idem.save(201, NoteOut(id=note.id, text=note.text))


@router.post("/notes/upload", status_code=status.HTTP_201_CREATED)
def upload_notes(
    file: Annotated[UploadFile, File()], session: DbSession, principal: Writer, idem: IdempotencyDep
) -> Any:
    """One note per line of an uploaded text file (Idempotency-Key honoured for uploads too)."""
    # A plain def (runs in a worker thread): the sync DbSession must never run on the event loop.
    if idem.replay is not None:
        return idem.replay
    file.file.seek(0)
    lines = [line for line in file.file.read(1_000_000).decode().splitlines() if line.strip()]
    session.add_all(Note(text=line[:200]) for line in lines)
    session.flush()
    return idem.save(201, {"created": len(lines)})


@router.get("/notes", response_model=Page[NoteOut])
def list_notes(session: DbSession, principal: Writer, limit: Limit = 50, cursor: Cursor = None) -> Page[NoteOut]:
    """The tenant's notes, oldest first."""
    return paginate(
        session, select(Note), Note.id, limit=limit, cursor=cursor, serialize=lambda n: NoteOut(id=n.id, text=n.text)
    )


@router.get("/notes/{note_id}", response_model=NoteOut)
def get_note(note_id: IntId, session: DbSession, principal: Writer) -> NoteOut:
    note = session.get(Note, note_id)
    if note is None:
        raise NotFound(f"No note {note_id}.")
    return NoteOut(id=note.id, text=note.text)


@router.post("/notes/count-job", status_code=status.HTTP_202_ACCEPTED)
def count_notes_job(session: DbSession, principal: Writer, fail: bool = False) -> dict[str, str]:
    """Count the notes in the background."""
    return {"job_id": submit_job(session, "sample.count_notes", {"fail": fail}, created_by=principal.subject)}


@job_task("sample.count_notes")
def count_notes(ctx: JobContext, params: dict[str, Any]) -> dict[str, int]:
    ctx.progress(0.5, "counting", force=True)
    if params.get("fail"):
        raise ValueError("asked to fail")
    with ctx.tenant_transaction() as session:
        return {"notes": len(session.scalars(select(Note)).all())}


pages = APIRouter(include_in_schema=False)

COUNT_PAGE = """{% extends "base.html" %}{% from "macros.html" import job_progress %}
{% block content %}<h1>Count notes</h1><button id="start">Count</button>{{ job_progress("job") }}
<p id="answer"></p>{% endblock %}
{% block scripts %}<script>
document.getElementById("start").addEventListener("click", async () => {
  const started = await SmartDist.api("{{ root }}/api/v1/notes/count-job", {method: "POST"});
  const job = await SmartDist.watchJob("{{ root }}/api/v1/jobs/" + started.job_id, document.getElementById("job"));
  document.getElementById("answer").textContent = "notes: " + job.result.notes;
});
</script>{% endblock %}"""


@pages.get("/count")
def count_page(request: Request) -> Response:
    """A page that starts a job and shows its progress bar (the pattern service pages follow)."""
    template = request.app.state.pages.templates.env.from_string(COUNT_PAGE)
    return HTMLResponse(
        template.render(
            request=request, root=request.scope.get("root_path", ""), t=lambda key, **kw: key, lang="en", service=None
        )
    )


def summarize(ctx: SummaryContext) -> KpiSummary:
    return KpiSummary(
        kpis=[volume_kpi(ctx, code="notes", name="notes", doc_types=["note"], statuses=["created"])], co2e_kg=0.0
    )


SAMPLE = ServiceDefinition(
    name="sample",
    package="",
    title="Sample",
    title_zh="範例",
    summary="Platform test service.",
    base=SampleBase,
    routers=[router],
    pages=pages,
    kpi=KpiSpec(
        service="sample",
        doc_types=["note"],
        status_codes=[StatusCode("created", "已建立", "created")],
        baselines=[],
        summarize=summarize,
    ),
)
