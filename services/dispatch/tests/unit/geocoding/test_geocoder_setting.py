"""Which geocoder dispatch uses: the one named, or for ``auto`` the sandbox outside production."""

from __future__ import annotations

import pytest

from smartdist.config import get_platform_settings
from smartdist_dispatch.config import Settings


@pytest.mark.parametrize(("env", "expected"), [("local", "sandbox"), ("test", "sandbox"), ("production", "none")])
def test_auto_is_the_sandbox_in_the_demo_and_none_in_production(
    monkeypatch: pytest.MonkeyPatch, env: str, expected: str
) -> None:
    monkeypatch.setenv("SMARTDIST_ENV", env)
    get_platform_settings.cache_clear()
    try:
        assert Settings(geocoder="auto").resolved_geocoder() == expected
    finally:
        get_platform_settings.cache_clear()


def test_a_named_geocoder_is_used_as_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTDIST_ENV", "production")
    get_platform_settings.cache_clear()
    try:
        assert Settings(geocoder="nominatim").resolved_geocoder() == "nominatim"
        assert Settings(geocoder="none").resolved_geocoder() == "none"
    finally:
        get_platform_settings.cache_clear()
