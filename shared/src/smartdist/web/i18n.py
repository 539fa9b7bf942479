"""zh-TW (default) and English text for pages: JSON catalogs, the language chosen per request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from starlette.requests import Request

LANGUAGES = ("zh-TW", "en")
DEFAULT_LANGUAGE = "zh-TW"
LANG_COOKIE = "smartdist_lang"


@lru_cache
def shared_catalog(lang: str) -> dict[str, str]:
    path = resources.files("smartdist.web") / "locales" / f"{lang}.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def language_for(request: Request) -> str:
    """?lang= beats the cookie, which beats Accept-Language; zh-TW when nothing says otherwise."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class Translator:
    def __init__(self, lang: str, extra: Mapping[str, Mapping[str, str]]) -> None:
        self.lang = lang
        self._catalog = {**shared_catalog(lang), **extra.get(lang, {})}
        self._fallback = {**shared_catalog(DEFAULT_LANGUAGE), **extra.get(DEFAULT_LANGUAGE, {})}

    def __call__(self, key: str, **values: object) -> str:
        text = self._catalog.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text
