"""Browser-test fixtures: Debian's Chromium driven by Playwright, and a live ASGI server.

Register with ``pytest_plugins = ["smartdist.testing.browser"]`` (root conftest.py) and use::

    def test_dispatcher_sees_route_on_map(page, dispatch_app):
        with live_server(dispatch_app) as base_url:
            page.goto(f"{base_url}/routes")
            ...

Playwright's own browser download cannot reach its CDN from machines of this kind, so the
fixtures launch the distribution's Chromium (``scripts/install-system-deps``). Where that browser
is missing the browser tests are skipped on a developer machine and fail in CI (``CI`` set), so a
CI run can never pass without having exercised the pages.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_EXECUTABLE = Path(os.environ.get("SMARTDIST_CHROMIUM", "/usr/bin/chromium"))

# The sandbox needs user namespaces that containers rarely grant; the rest stop Chromium from
# phoning home (updates, sync, QUIC probes) so tests are quiet and independent of the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Seconds a page action or assertion may wait: local pages answer in milliseconds, so a long
# wait only hides a broken page behind Playwright's 30 s default.
PAGE_TIMEOUT_S = 10.0

SERVER_START_TIMEOUT_S = 90.0  # the six-service demo on two busy cores


def browser_unavailable(why: str) -> None:
    """Skip on a developer machine; fail in CI, which must run the browser tests."""
    message = f"Chromium for browser tests is unavailable: {why}"
    if os.environ.get("CI"):
        pytest.fail(
            message + "; run `bash scripts/install-system-deps` in CI set-up",
            pytrace=False,
        )
    pytest.skip(message + " (install it with `sudo bash scripts/install-system-deps`)")


def chromium_missing_reason() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if not CHROMIUM_EXECUTABLE.exists():
        return f"{CHROMIUM_EXECUTABLE} does not exist"
    if not os.access(CHROMIUM_EXECUTABLE, os.X_OK):
        return f"{CHROMIUM_EXECUTABLE} is not executable"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright Python package is not installed ({exc})"
    return None


class PlaywrightLoop:
    """Keeps Playwright's event loop marked as running only while a browser test runs.

    Between sync calls Playwright leaves its loop marked as the thread's running loop, which a
    session-scoped browser would turn into "asyncio.run() cannot be called from a running
    event loop" for every later test of the session that uses asyncio. So the mark is parked
    after each browser test and put back before the next one.
    """

    loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def capture(cls) -> None:
        cls.loop = asyncio.events._get_running_loop()

    @classmethod
    def enter(cls) -> None:
        if cls.loop is not None:
            asyncio.events._set_running_loop(cls.loop)

    @staticmethod
    def leave() -> None:
        asyncio.events._set_running_loop(None)


@pytest.fixture(autouse=True)
def playwright_loop_only_in_browser_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    if "browser" not in request.fixturenames:
        yield
        return
    PlaywrightLoop.enter()
    try:
        yield
    finally:
        PlaywrightLoop.leave()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session; tests isolate through their own context."""
    reason = chromium_missing_reason()
    if reason is not None:
        browser_unavailable(reason)

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        PlaywrightLoop.capture()
        try:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM_EXECUTABLE),
                headless=True,
                args=CHROMIUM_ARGS,
            )
        except PlaywrightError as exc:
            browser_unavailable(f"launch failed: {exc}")
            raise  # unreachable: browser_unavailable always raises
        try:
            yield launched
        finally:
            PlaywrightLoop.enter()
            launched.close()
    PlaywrightLoop.leave()
    PlaywrightLoop.loop = None


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    """Options for each test's browser context; override in a test module to change them.

    zh-TW and Asia/Taipei because they are the product's defaults (SPEC §2).
    """
    return {
        "locale": "zh-TW",
        "timezone_id": "Asia/Taipei",
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture
def page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """A fresh page in a new context, so cookies and storage never leak between tests."""
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(PAGE_TIMEOUT_S * 1000)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def live_server(app: Any, *, host: str = "127.0.0.1", start_timeout_s: float | None = None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free port in a background thread; yield its base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the port
    between choosing it and serving on it.
    """
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="auto")
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[listener])
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit from a failed lifespan
            failure.append(exc)

    thread = threading.Thread(target=serve, name=f"live-server-{port}", daemon=True)
    thread.start()
    start_timeout_s = start_timeout_s or SERVER_START_TIMEOUT_S
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive():
            listener.close()
            raise RuntimeError(f"live server on port {port} stopped during start-up: {failure!r}")
        if time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            listener.close()
            raise RuntimeError(f"live server on port {port} did not start in {start_timeout_s} s")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_START_TIMEOUT_S)
        listener.close()
