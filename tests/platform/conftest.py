"""One live demo shared by the platform's zh-TW tests: starting six services is the slow part."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smartdist.config import PlatformSettings, get_platform_settings
from smartdist.demo import build_demo_app
from smartdist.testing.browser import live_server


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo (console at /, the six services below it, SQLite) served on a free port."""
    path = tmp_path_factory.mktemp("zh-demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMARTDIST_DATA_DIR", str(path))
        for name in ("SMARTDIST_DATABASE_URL", "SMARTDIST_REDIS_URL"):
            mp.delenv(name, raising=False)
        get_platform_settings.cache_clear()
        app = build_demo_app(PlatformSettings(data_dir=path, log_json=False, log_level="WARNING"))
        with live_server(app) as base:
            yield base
    get_platform_settings.cache_clear()
