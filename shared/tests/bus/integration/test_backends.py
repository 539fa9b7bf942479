"""Stream semantics both backends share (consumer groups, pending entries, claims, outages)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from smartdist.bus.backends import BusBackend, BusUnavailable
from smartdist.bus.backends.embedded import EmbeddedBusBackend

STREAM = "smartdist.wms"


def test_group_created_after_publishing_still_receives_earlier_messages(backend: BusBackend) -> None:
    backend.publish(STREAM, "first")
    backend.ensure_group(STREAM, "dispatch")
    backend.ensure_group(STREAM, "dispatch")  # idempotent
    assert [m.payload for m in backend.read("dispatch", "c1", [STREAM], 10, 0)] == ["first"]


def test_every_group_gets_every_message_and_consumers_of_a_group_share_them(backend: BusBackend) -> None:
    for group in ("dispatch", "surplus-market"):
        backend.ensure_group(STREAM, group)
    backend.publish_batch([(STREAM, f"m{n}") for n in range(6)])

    first = backend.read("dispatch", "c1", [STREAM], 4, 0)
    second = backend.read("dispatch", "c2", [STREAM], 4, 0)
    other_group = backend.read("surplus-market", "c1", [STREAM], 10, 0)

    assert [m.payload for m in first] == ["m0", "m1", "m2", "m3"]
    assert [m.payload for m in second] == ["m4", "m5"]
    assert [m.payload for m in other_group] == [f"m{n}" for n in range(6)]
    assert all(m.deliveries == 1 and m.stream == STREAM for m in first + second)


def test_streams_are_read_together_but_kept_apart(backend: BusBackend) -> None:
    for stream in (STREAM, "smartdist.forecast"):
        backend.ensure_group(stream, "wms")
    backend.publish(STREAM, "from wms")
    backend.publish("smartdist.forecast", "from forecast")
    messages = backend.read("wms", "c1", [STREAM, "smartdist.forecast"], 10, 0)
    assert {(m.stream, m.payload) for m in messages} == {
        (STREAM, "from wms"),
        ("smartdist.forecast", "from forecast"),
    }


def test_claim_moves_idle_message_and_counts_the_delivery(backend: BusBackend) -> None:
    backend.ensure_group(STREAM, "dispatch")
    backend.publish(STREAM, "m")
    [taken] = backend.read("dispatch", "c1", [STREAM], 10, 0)

    [claimed] = backend.claim_stale("dispatch", "c2", [STREAM], 0)
    assert (claimed.id, claimed.payload, claimed.deliveries) == (taken.id, "m", 2)
    [again] = backend.claim_stale("dispatch", "c3", [STREAM], 0)
    assert again.deliveries == 3

    backend.ack("dispatch", STREAM, [again.id])
    assert backend.claim_stale("dispatch", "c4", [STREAM], 0) == []
    assert backend.read("dispatch", "c1", [STREAM], 10, 0) == []


def test_blocking_read_wakes_when_a_message_arrives(backend: BusBackend, make_bus: Callable[[], BusBackend]) -> None:
    backend.ensure_group(STREAM, "dispatch")
    producer = make_bus()
    timer = threading.Timer(0.2, producer.publish, args=(STREAM, "late"))
    started = time.monotonic()
    timer.start()
    messages = backend.read("dispatch", "c1", [STREAM], 10, 5000)
    waited = time.monotonic() - started
    timer.join()
    assert [m.payload for m in messages] == ["late"]
    assert 0.15 < waited < 2.0


def test_blocking_read_returns_empty_after_its_timeout(backend: BusBackend) -> None:
    backend.ensure_group(STREAM, "dispatch")
    started = time.monotonic()
    assert backend.read("dispatch", "c1", [STREAM], 10, 150) == []
    assert time.monotonic() - started >= 0.14


def test_unreachable_bus_raises_bus_unavailable(bus_with_outage) -> None:
    bus_with_outage.backend.ping()
    bus_with_outage.outage.cut()
    with pytest.raises(BusUnavailable):
        bus_with_outage.backend.publish(STREAM, "m")
    bus_with_outage.outage.restore()
    bus_with_outage.backend.ping()
    assert bus_with_outage.backend.publish(STREAM, "m")


_WORKER = """
import json, sys
from smartdist.bus.backends.embedded import EmbeddedBusBackend
path, role, name = sys.argv[1], sys.argv[2], sys.argv[3]
bus = EmbeddedBusBackend(path)
if role == "publish":
    for n in range(60):
        bus.publish("smartdist.wms", f"{name}-{n}")
else:
    seen, idle = [], 0
    while idle < 20:
        batch = bus.read("dispatch", name, ["smartdist.wms"], 7, 20)
        idle = 0 if batch else idle + 1
        seen += [m.payload for m in batch]
    print(json.dumps(seen))
"""


def test_embedded_bus_is_shared_safely_by_several_processes(tmp_path: Path) -> None:
    path = tmp_path / "bus.db"
    bus = EmbeddedBusBackend(path)
    bus.ensure_group(STREAM, "dispatch")
    src = Path(__file__).resolve().parents[3] / "src"
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}

    def start(role: str, name: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(path), role, name],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    workers = [start("publish", "a"), start("publish", "b"), start("read", "r1"), start("read", "r2")]
    outputs = [worker.communicate(timeout=60)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0, 0]

    read_by = [json.loads(output) for output in outputs[2:]]
    everything = read_by[0] + read_by[1] + [m.payload for m in bus.read("dispatch", "late", [STREAM], 1000, 0)]
    assert len(everything) == 120
    assert set(everything) == {f"{name}-{n}" for name in "ab" for n in range(60)}
    for reader in read_by:  # each publisher's messages arrive in the order it sent them
        for name in "ab":
            numbers = [int(p.split("-")[1]) for p in reader if p.startswith(name)]
            assert numbers == sorted(numbers)
    bus.close()


def test_settings_choose_the_backend_and_its_namespace(tmp_path: Path, redis_url: str) -> None:
    from smartdist.bus.backends import make_backend
    from smartdist.bus.backends.redis import RedisBusBackend
    from smartdist.config import PlatformSettings

    embedded = make_backend(PlatformSettings(data_dir=tmp_path, redis_url=None, bus_backend=None, bus_namespace=""))
    assert isinstance(embedded, EmbeddedBusBackend)
    assert embedded.path == (tmp_path / "bus.db").resolve()
    embedded.close()

    redis_bus = make_backend(
        PlatformSettings(data_dir=tmp_path, redis_url=redis_url, bus_backend=None, bus_namespace="demo-a:")
    )
    assert isinstance(redis_bus, RedisBusBackend)
    assert redis_bus.namespace == "demo-a:"
    redis_bus.ping()
    redis_bus.close()


def test_backends_opening_a_new_embedded_bus_at_once_all_get_in(tmp_path: Path) -> None:
    # Each backend instance has its own connection, as separate processes would; the race is
    # on making the fresh file WAL and creating its tables.
    failures: list[BaseException] = []
    for round_no in range(15):
        path = tmp_path / f"bus-{round_no}.db"
        start = threading.Barrier(6)

        def open_and_publish(path: Path = path, start: threading.Barrier = start) -> None:
            bus = EmbeddedBusBackend(path, busy_timeout_ms=5000)
            start.wait()
            try:
                bus.publish(STREAM, "hello")
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)
            finally:
                bus.close()

        threads = [threading.Thread(target=open_and_publish) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert failures == []
        reader = EmbeddedBusBackend(path)
        assert len(reader.read("g", "c", [STREAM], 100, 0)) == 6
        reader.close()
