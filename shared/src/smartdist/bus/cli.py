"""``smartdist bus ...``: run the relays, inspect and replay dead letters.

The lead's CLI attaches the group: ``main.add_command(bus_cli(get_databases, get_backend))``,
where ``get_databases`` returns every service's :class:`Database` keyed by service name.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType

import click

from smartdist.bus.backends import BusBackend, DeadLetterNotFound, make_backend
from smartdist.bus.envelope import CloudEvent, InvalidEvent
from smartdist.bus.relay import OutboxRelay, run_relays
from smartdist.db import Database


def _default_backend() -> BusBackend:
    from smartdist.config import get_platform_settings

    return make_backend(get_platform_settings())


def _event_fields(payload: str) -> dict[str, str | None]:
    try:
        event = CloudEvent.from_json(payload)
    except InvalidEvent:
        return {"event_type": None, "event_id": None}
    return {"event_type": event.type, "event_id": event.id}


def bus_cli(
    get_databases: Callable[[], Mapping[str, Database]],
    get_backend: Callable[[], BusBackend] = _default_backend,
) -> click.Group:
    @click.group("bus", help="Event bus: outbox relays and dead letters.")
    def bus() -> None:
        pass

    @bus.command("relay", help="Relay every service's outbox to the bus until interrupted.")
    @click.option("--once", is_flag=True, help="Relay what is waiting now, print counts, exit.")
    @click.option("--batch", default=500, show_default=True, help="Events per pass.")
    @click.option("--idle-sleep", default=0.1, show_default=True, help="Seconds between empty passes.")
    def relay(once: bool, batch: int, idle_sleep: float) -> None:
        backend = get_backend()
        relays = [OutboxRelay(db, backend, name=name) for name, db in get_databases().items()]
        try:
            if once:
                failed = False
                for one in relays:
                    total, error = 0, None
                    try:
                        while (published := one.run_once(batch)) > 0:
                            total += published
                        error = one.last_error
                    except Exception as exc:  # noqa: BLE001 - e.g. a database not migrated yet
                        error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                    failed = failed or error is not None
                    click.echo(json.dumps({"service": one.name, "published": total, "error": error}))
                if failed:
                    raise SystemExit(1)
                return
            stop = threading.Event()

            def request_stop(signum: int, frame: FrameType | None) -> None:
                stop.set()

            signal.signal(signal.SIGINT, request_stop)
            signal.signal(signal.SIGTERM, request_stop)
            click.echo(f"relaying {', '.join(one.name for one in relays)}; Ctrl-C stops", err=True)
            threads = run_relays(relays, stop, idle_sleep)
            while not stop.wait(0.5):
                pass
            for thread in threads:
                thread.join(timeout=10)
        finally:
            backend.close()

    @bus.group("dead", help="Messages that kept failing.")
    def dead() -> None:
        pass

    @dead.command("list", help="Print dead letters as JSON lines, oldest first.")
    @click.option("--limit", default=100, show_default=True)
    def dead_list(limit: int) -> None:
        backend = get_backend()
        try:
            for letter in backend.dead_letters(limit):
                click.echo(
                    json.dumps(
                        {
                            "id": letter.id,
                            "stream": letter.stream,
                            "group": letter.group,
                            "message_id": letter.message_id,
                            "deliveries": letter.deliveries,
                            "error": letter.error,
                            "dead_at": letter.dead_at.isoformat(),
                            **_event_fields(letter.payload),
                        },
                        ensure_ascii=False,
                    )
                )
        finally:
            backend.close()

    @dead.command("replay", help="Put dead letters back on their original stream.")
    @click.argument("dead_id", required=False)
    @click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
    def dead_replay(dead_id: str | None, replay_all: bool) -> None:
        if bool(dead_id) == replay_all:
            raise click.UsageError("give one dead-letter ID or --all")
        backend = get_backend()
        try:
            if replay_all:
                ids = []
                while letters := backend.dead_letters(500):
                    for letter in letters:
                        backend.replay_dead(letter.id)
                        ids.append(letter.id)
            else:
                assert dead_id is not None
                try:
                    backend.replay_dead(dead_id)
                except DeadLetterNotFound:
                    raise click.ClickException(f"no dead letter {dead_id}") from None
                ids = [dead_id]
            click.echo(json.dumps({"replayed": ids}))
        finally:
            backend.close()

    return bus
