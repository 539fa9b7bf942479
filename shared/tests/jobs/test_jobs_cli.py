"""``smartdist jobs list|retry|cancel`` for operators, and the worker's unique node name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from smartdist import catalog
from smartdist.cli import default_node_name, main
from smartdist.config import get_platform_settings
from smartdist.db import Database
from smartdist.jobs import Job
from smartdist.migrate import upgrade
from smartdist.testing.sample import SAMPLE


@pytest.fixture
def sample_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The CLI sees one installed service, the sample, on SQLite in a fresh data dir."""
    monkeypatch.setenv("SMARTDIST_DATA_DIR", str(tmp_path))
    for name in ("SMARTDIST_DATABASE_URL", "SMARTDIST_REDIS_URL", "SMARTDIST_JOBS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    installed = catalog.definition
    monkeypatch.setattr(catalog, "service_definitions", lambda: {"sample": SAMPLE})
    monkeypatch.setattr(catalog, "definition", lambda name: SAMPLE if name == "sample" else installed(name))
    get_platform_settings.cache_clear()
    database = Database(f"sqlite:///{tmp_path / 'sample.db'}")
    upgrade(database, None, None)
    yield database
    database.dispose()
    get_platform_settings.cache_clear()


def _add(database: Database, **values: object) -> str:
    with database.tenant_transaction("t1") as session:
        job = Job(kind="sample.count_notes", params={}, **values)
        session.add(job)
        session.flush()
        return job.id


def test_operator_lists_cancels_and_retries_jobs(sample_database: Database) -> None:
    queued = _add(sample_database)
    failed = _add(sample_database, status="failed", attempts=3, error="Gave up after 3 attempts")
    runner = CliRunner()

    listed = runner.invoke(main, ["jobs", "list", "--status", "failed"])
    assert listed.exit_code == 0, listed.output
    lines = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    assert [(line["service"], line["id"], line["attempts"]) for line in lines] == [("sample", failed, 3)]

    cancelled = runner.invoke(main, ["jobs", "cancel", queued])
    assert cancelled.exit_code == 0, cancelled.output
    assert json.loads(cancelled.output.splitlines()[-1])["status"] == "failed"
    retried = runner.invoke(main, ["jobs", "retry", failed])
    assert retried.exit_code == 0, retried.output
    assert json.loads(retried.output.splitlines()[-1])["status"] == "queued"
    with sample_database.system_session() as session:
        again = session.get(Job, failed)
        assert again is not None and again.status == "queued" and again.attempts == 0 and again.error is None
        stopped = session.get(Job, queued)
        assert stopped is not None and stopped.error is not None and stopped.error.startswith("Cancelled by ")

    assert runner.invoke(main, ["jobs", "retry", queued]).exit_code == 0  # it failed by cancel: retry is fine
    refused = runner.invoke(main, ["jobs", "cancel", "0" * 32])
    assert refused.exit_code != 0 and "no job" in refused.output
    done = runner.invoke(main, ["jobs", "retry", failed])  # queued now: not retryable
    assert done.exit_code != 0 and "only a failed job" in done.output


def test_two_workers_on_one_host_get_different_node_names() -> None:
    first, second = default_node_name(), default_node_name()
    assert first != second and first.startswith("worker-") and "@" in first
