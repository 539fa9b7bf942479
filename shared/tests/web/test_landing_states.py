"""The landing page's service states when the console runs apart from the services: each one's
/readyz asked over HTTP (up, down), or left to the browser for a path behind the same proxy."""

from __future__ import annotations

import socket
from pathlib import Path

from smartdist.console import ServiceLink, service_states
from smartdist.testing.browser import live_server
from smartdist.testing.platform import service_under_test
from smartdist.testing.sample import SAMPLE, SampleBase


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_states_of_services_on_their_own_hosts(tmp_path: Path) -> None:
    with service_under_test(SAMPLE, f"sqlite:///{tmp_path / 's.db'}", None, tmp_path / "d") as svc:
        SampleBase.metadata.create_all(svc.database.engine)
        with live_server(svc.client.app) as base:
            links = [
                ServiceLink("up", "Up", "上", "", base),
                ServiceLink("down", "Down", "下", "", f"http://127.0.0.1:{closed_port()}"),
                ServiceLink("proxied", "Proxied", "代理", "", "/proxied"),
            ]
            assert service_states(links) == {"up": True, "down": False, "proxied": None}
