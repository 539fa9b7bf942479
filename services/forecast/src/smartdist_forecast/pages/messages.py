"""Texts of the forecast pages: zh-TW (the default) and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {"zh-TW": {}, "en": {}}
