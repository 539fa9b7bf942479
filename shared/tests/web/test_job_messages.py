"""The job status API renders a progress message that is a catalog key in the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from smartdist.jobs.models import Job
from smartdist.testing.platform import ServiceUnderTest
from smartdist.testing.sample import SAMPLE, SampleBase
from smartdist.web.i18n import keyed_message

MESSAGES = {
    "zh-TW": {"sample.progress.counting": "計算筆記中（{done}/{total}）"},
    "en": {"sample.progress.counting": "counting notes ({done}/{total})"},
}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(replace(SAMPLE, messages=MESSAGES)) as started:
        SampleBase.metadata.create_all(started.database.engine)
        yield started


def test_keyed_progress_is_rendered_per_language_and_plain_text_is_kept(svc: ServiceUnderTest) -> None:
    with svc.database.system_transaction() as session:
        keyed = Job(kind="sample.count_notes", status="running", progress=0.3, tenant_id="t1")
        keyed.message = keyed_message("sample.progress.counting", done=3, total=10)
        plain = Job(kind="sample.count_notes", status="running", progress=0.5, tenant_id="t1", message="solving")
        session.add_all([keyed, plain])
        session.flush()
        keyed_id, plain_id = keyed.id, plain.id
    h = svc.headers("t1")
    assert svc.client.get(f"/api/v1/jobs/{keyed_id}", headers=h).json()["message"] == "計算筆記中（3/10）"
    english = svc.client.get(f"/api/v1/jobs/{keyed_id}", headers={**h, "Accept-Language": "en"}).json()
    assert english["message"] == "counting notes (3/10)"
    assert svc.client.get(f"/api/v1/jobs/{plain_id}", headers=h).json()["message"] == "solving"
    listed = {j["id"]: j["message"] for j in svc.client.get("/api/v1/jobs?lang=en", headers=h).json()["items"]}
    assert listed[keyed_id] == "counting notes (3/10)"
    missing = svc.client.get("/api/v1/jobs/nope", headers=h).json()
    assert missing["code"] == "job.not_found" and missing["detail"] == "找不到工作 nope。"
