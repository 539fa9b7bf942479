"""``smartdist bus relay|dead list|dead replay`` through click."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from smartdist.bus.backends import BusBackend
from smartdist.bus.cli import bus_cli
from smartdist.bus.consumer import Consumer
from smartdist.bus.envelope import CloudEvent
from smartdist.db import Database

SCANNED = "smartdist.wms.parcel.scanned"
# Storage plays no part here; the bus backends are what varies.
SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_relay_once_then_inspect_and_replay_dead_letters(
    bus_database: Database, make_bus: Callable[[], BusBackend], publish_scan, scan_handlers, count_scans
) -> None:
    cli = bus_cli(lambda: {"wms": bus_database}, make_bus)
    runner = CliRunner()
    first, second = publish_scan("P-1"), publish_scan("P-2")

    relayed = runner.invoke(cli, ["relay", "--once"])
    assert relayed.exit_code == 0, relayed.output
    assert json.loads(relayed.output) == {"service": "wms", "published": 2, "error": None}

    def always_fails(session: Session, event: CloudEvent) -> None:
        raise ValueError("unknown parcel")

    failing = Consumer(make_bus(), bus_database, "dispatch", {SCANNED: always_fails}, "c1", max_deliveries=1)
    failing.run_once(block_ms=0)

    listed = runner.invoke(cli, ["dead", "list"])
    assert listed.exit_code == 0, listed.output
    letters = [json.loads(line) for line in listed.output.splitlines()]
    assert [(letter["event_id"], letter["event_type"], letter["group"]) for letter in letters] == [
        (first.id, SCANNED, "dispatch"),
        (second.id, SCANNED, "dispatch"),
    ]
    assert all(letter["stream"] == "smartdist.wms" and "unknown parcel" in letter["error"] for letter in letters)

    one = runner.invoke(cli, ["dead", "replay", letters[0]["id"]])
    assert one.exit_code == 0, one.output
    assert [json.loads(line)["event_id"] for line in runner.invoke(cli, ["dead", "list"]).output.splitlines()] == [
        second.id
    ]
    everything = runner.invoke(cli, ["dead", "replay", "--all"])
    assert json.loads(everything.output) == {"replayed": [letters[1]["id"]]}
    assert runner.invoke(cli, ["dead", "list"]).output == ""

    healed = Consumer(make_bus(), bus_database, "dispatch", scan_handlers, "c2")
    while healed.run_once(block_ms=50):
        pass
    assert count_scans() == 2


@SQLITE_ONLY
def test_replay_of_unknown_dead_letter_fails_with_a_message(
    bus_database: Database, make_bus: Callable[[], BusBackend]
) -> None:
    cli = bus_cli(lambda: {"wms": bus_database}, make_bus)
    result = CliRunner().invoke(cli, ["dead", "replay", "999999"])
    assert result.exit_code != 0
    assert "no dead letter 999999" in result.output


@SQLITE_ONLY
def test_replay_needs_an_id_or_all(bus_database: Database, make_bus: Callable[[], BusBackend]) -> None:
    result = CliRunner().invoke(bus_cli(lambda: {"wms": bus_database}, make_bus), ["dead", "replay"])
    assert result.exit_code == 2


@SQLITE_ONLY
def test_relay_once_reports_a_database_it_cannot_read_and_fails(
    bus_database: Database, make_bus: Callable[[], BusBackend], publish_scan
) -> None:
    publish_scan("P-1")
    unmigrated = Database(f"sqlite:///{bus_database.url.removeprefix('sqlite:///')}.other")
    cli = bus_cli(lambda: {"wms": bus_database, "forecast": unmigrated}, make_bus)
    result = CliRunner().invoke(cli, ["relay", "--once"])
    unmigrated.dispose()

    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0] == {"service": "wms", "published": 1, "error": None}
    assert lines[1]["service"] == "forecast"
    assert "outbox_event" in lines[1]["error"]
