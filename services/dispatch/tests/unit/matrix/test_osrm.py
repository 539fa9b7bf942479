"""The OSRM provider against a local fake: a real HTTP server on 127.0.0.1 and a mock transport."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pytest

from smartdist_dispatch.matrix import OsrmMatrixProvider, OsrmUnavailable

POINTS = [(121.5645, 25.0340), (121.5170, 25.0478), (121.5000, 25.0300)]


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/... like OSRM: 60 s and 500 m per coordinate index apart."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        FakeOsrm.seen.append(self.path)
        parts = url.path.split("/")
        if parts[1:4] != ["table", "v1", "driving"]:
            self._send(400, {"code": "InvalidUrl", "message": "unknown service"})
            return
        coords = [tuple(map(float, c.split(","))) for c in parts[4].split(";")]
        n = len(coords)
        annotations = parse_qs(url.query).get("annotations", [""])[0].split(",")
        body = {"code": "Ok"}
        if "duration" in annotations:
            body["durations"] = [[60.0 * abs(i - j) for j in range(n)] for i in range(n)]
        if "distance" in annotations:
            body["distances"] = [[500.0 * abs(i - j) for j in range(n)] for i in range(n)]
        self._send(200, body)

    def _send(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_osrm_url():
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_table_from_a_local_osrm_gives_metres_and_seconds(fake_osrm_url):
    matrix = OsrmMatrixProvider(fake_osrm_url).matrix(POINTS)
    assert matrix.duration_s.shape == (3, 3)
    assert matrix.duration_s[0, 2] == 120.0
    assert matrix.distance_m[2, 1] == 500.0
    # OSRM wants longitude first.
    assert "/table/v1/driving/121.564500,25.034000;121.517000,25.047800;121.500000,25.030000" in FakeOsrm.seen[-1]


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(OsrmUnavailable):
        OsrmMatrixProvider("http://127.0.0.1:9", timeout_s=0.5).matrix(POINTS)


def mock_provider(handler) -> OsrmMatrixProvider:
    return OsrmMatrixProvider("http://osrm.test", client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_a_pair_without_a_route_is_an_error_not_a_zero():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": "Ok", "durations": [[0, None], [5, 0]], "distances": [[0, 1], [1, 0]]})

    with pytest.raises(OsrmUnavailable, match="no route"):
        mock_provider(handler).matrix(POINTS[:2])


def test_osrm_error_code_and_server_failure_are_errors():
    def refuses(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": "TooBig", "message": "Too many table coordinates"})

    def breaks(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="busy")

    with pytest.raises(OsrmUnavailable, match="TooBig"):
        mock_provider(refuses).matrix(POINTS)
    with pytest.raises(OsrmUnavailable, match="503"):
        mock_provider(breaks).matrix(POINTS)


def test_table_translation_checks_the_size():
    body = {"code": "Ok", "durations": np.zeros((2, 2)).tolist(), "distances": np.zeros((2, 2)).tolist()}
    with pytest.raises(OsrmUnavailable, match="size"):
        OsrmMatrixProvider.read_table(body, 3)
