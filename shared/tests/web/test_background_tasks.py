"""A service's own background loops run beside the relay and consumer, and stop with the service."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from smartdist.testing.sample import SAMPLE


def test_background_tasks_run_while_the_service_runs_and_stop_with_it(service_factory: Any) -> None:
    ticks: list[float] = []
    stopped = threading.Event()

    def ticker(runtime: Any, stop: threading.Event) -> None:
        assert runtime.name == SAMPLE.name
        while not stop.wait(0.01):
            ticks.append(time.monotonic())
        stopped.set()

    def crashes(runtime: Any, stop: threading.Event) -> None:
        raise RuntimeError("a broken loop must not take the service down")

    definition = dataclasses.replace(SAMPLE, background_tasks=[crashes, ticker])
    with service_factory(definition, background=True) as svc:
        deadline = time.monotonic() + 5
        while len(ticks) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(ticks) >= 3
        assert svc.client.get("/healthz").status_code == 200
    assert stopped.wait(5), "the loop was not told to stop"


def test_no_background_tasks_without_background_mode(service_factory: Any) -> None:
    ran = threading.Event()
    definition = dataclasses.replace(SAMPLE, background_tasks=[lambda runtime, stop: ran.set()])
    with service_factory(definition):
        assert not ran.wait(0.2)
