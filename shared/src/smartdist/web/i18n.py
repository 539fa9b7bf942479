"""zh-TW (default) and English texts: JSON catalogs, the language chosen per request.

Pages call ``t("key")`` in their templates; the HTTP layer renders the human texts of JSON bodies
(problem ``detail``, ``errors[].message``, a quote's ``reason``) with :func:`translator_for`,
which merges the shared catalog (``smartdist/web/locales``) with the service's own (the
``messages`` of its ServiceDefinition).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from starlette.requests import HTTPConnection

LANGUAGES = ("zh-TW", "en")
DEFAULT_LANGUAGE = "zh-TW"
LANG_COOKIE = "smartdist_lang"

# A message that is a catalog key ("forecast.progress.features"), optionally followed by its
# parameters as a JSON object: what ``ctx.progress(0.4, "forecast.progress.training", done=3)`` stores.
_KEYED = re.compile(r"^(?P<key>[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+)(?:\s+(?P<params>\{.*\}))?$", re.DOTALL)


@lru_cache
def shared_catalog(lang: str) -> dict[str, str]:
    path = resources.files("smartdist.web") / "locales" / f"{lang}.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def language_for(request: HTTPConnection) -> str:
    """?lang= beats the cookie, which beats Accept-Language; zh-TW when nothing says otherwise."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    return accept_language(request.headers.get("accept-language", ""))


def accept_language(header: str) -> str:
    """The best of our languages for an ``Accept-Language`` header (RFC 9110 q-values).

    Any Chinese asks for zh-TW (the one Chinese we write), any English for en; a header that
    names neither gets the default."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for position, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for param in rest.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = (
            "en" if tag == "en" or tag.startswith("en-") else "zh-TW" if tag == "zh" or tag.startswith("zh-") else None
        )
        # Equal q-values: the earlier one wins (strictly greater, and a tiny preference by order).
        score = q - position * 1e-6
        if lang is not None and q > 0 and score > best_q:
            best, best_q = lang, score
    return best


class Translator:
    """``t(key, **params)``: the text of ``key`` in ``lang`` (then in zh-TW, then the key itself)."""

    def __init__(self, lang: str, extra: Mapping[str, Mapping[str, str]] | None = None) -> None:
        extra = extra or {}
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._catalog = {**shared_catalog(self.lang), **extra.get(self.lang, {})}
        self._fallback = {**shared_catalog(DEFAULT_LANGUAGE), **extra.get(DEFAULT_LANGUAGE, {})}

    def __call__(self, key: str, /, **values: object) -> str:
        text = self._catalog.get(key) or self._fallback.get(key) or key
        return format_text(text, values) if values else text

    def has(self, key: str) -> bool:
        return key in self._catalog or key in self._fallback

    def get(self, key: str, default: str | None = None, /, **values: object) -> str | None:
        """The text of ``key`` formatted with ``values``; ``default`` when the catalog lacks it
        (or its placeholders name values that were not given)."""
        text = self._catalog.get(key) or self._fallback.get(key)
        if text is None:
            return default
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):
            return default if default is not None else text

    def field(self, name: str) -> str:
        """A field's label (catalog ``field.<name>``), else its name."""
        return self.get(f"field.{name}") or name

    def message(self, text: str | None) -> str:
        """A stored message that may be a catalog key with JSON parameters (job progress):
        rendered when the catalog knows the key, shown as is otherwise."""
        if not text:
            return ""
        match = _KEYED.match(text.strip())
        if match is None or not self.has(match["key"]):
            return text
        params: dict[str, Any] = {}
        if match["params"]:
            try:
                loaded = json.loads(match["params"])
            except ValueError:
                return text
            if isinstance(loaded, dict):
                params = loaded
        return self(match["key"], **params) if params else self(match["key"])


def format_text(text: str, values: Mapping[str, object]) -> str:
    """``str.format`` that leaves a placeholder it has no value for as it is."""
    try:
        return text.format_map(_KeepMissing(values))
    except (IndexError, ValueError, AttributeError, TypeError):
        return text


class _KeepMissing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def keyed_message(key: str, **params: object) -> str:
    """How a catalog key and its parameters are stored as one message (job progress)."""
    if not params:
        return key
    return f"{key} {json.dumps(params, ensure_ascii=False, default=str, separators=(',', ':'))}"


def catalog_of(app: Any) -> Mapping[str, Mapping[str, str]]:
    """The service's own catalog of the app serving a request (its ServiceDefinition's messages)."""
    state = getattr(app, "state", None)
    messages = getattr(state, "messages", None)
    if messages is None:
        pages = getattr(state, "pages", None)
        messages = getattr(pages, "messages", None)
    return messages or {}


def translator_for(request: HTTPConnection) -> Translator:
    """The request's language (``?lang=``, cookie, ``Accept-Language``) over the shared catalog
    and the serving service's own."""
    return Translator(language_for(request), catalog_of(request.scope.get("app")))
