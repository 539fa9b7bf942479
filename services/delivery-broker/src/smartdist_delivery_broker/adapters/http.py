"""The send step shared by the platform adapters: one HTTP call, platform errors as exceptions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from smartdist_delivery_broker.adapters.port import (
    PlatformAuthFailed,
    PlatformError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
)

# (code, message) pulled out of a platform's error body.
ErrorReader = Callable[[Any], tuple[str | None, str]]


def _retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def platform_error(provider: str, response: httpx.Response, read_error: ErrorReader) -> PlatformError:
    """Translate a non-2xx answer into the port's error classes."""
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, ValueError):
        body = response.text
    code, message = read_error(body)
    message = message or f"HTTP {response.status_code}"
    status = response.status_code
    if status == 429:
        return PlatformRateLimited(provider, message, retry_after_s=_retry_after_s(response), code=code)
    if status in (401, 403):
        return PlatformAuthFailed(provider, message, status_code=status, code=code)
    if status >= 500 or status == 408:
        return PlatformUnavailable(provider, message, status_code=status, code=code)
    return PlatformRejected(provider, message, status_code=status, code=code)


async def send(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    url: str,
    *,
    read_error: ErrorReader,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    data: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One request; network failures become PlatformUnavailable, non-2xx become PlatformError."""
    try:
        response = await client.request(method, url, headers=headers, content=content, data=data)
    except httpx.TimeoutException as exc:
        raise PlatformUnavailable(provider, f"timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise PlatformUnavailable(provider, f"unreachable ({type(exc).__name__}: {exc})") from exc
    if response.status_code >= 400:
        raise platform_error(provider, response, read_error)
    return response


@dataclass
class _Token:
    value: str
    expires_at: datetime


class AccessTokenCache:
    """One OAuth2 access token per adapter, refreshed a minute before it expires.

    Token minting is itself rate limited on these platforms, so concurrent quotes share one
    fetch instead of each asking for a token.
    """

    def __init__(self, fetch: Callable[[], Awaitable[tuple[str, float]]], clock: Callable[[], datetime]):
        self._fetch = fetch
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        token = self._token
        if token is not None and self._clock() < token.expires_at:
            return token.value
        async with self._lock:
            token = self._token
            if token is not None and self._clock() < token.expires_at:
                return token.value
            value, expires_in_s = await self._fetch()
            margin = min(60.0, expires_in_s / 2)
            self._token = _Token(value, self._clock() + timedelta(seconds=expires_in_s - margin))
            return value

    def invalidate(self) -> None:
        self._token = None


async def send_json_with_bearer(
    client: httpx.AsyncClient,
    provider: str,
    tokens: AccessTokenCache,
    method: str,
    url: str,
    body: Any = None,
    *,
    read_error: ErrorReader,
) -> httpx.Response:
    """A JSON request with the cached OAuth2 bearer token; on a 401 the token is fetched anew once."""
    content = None if body is None else json.dumps(body).encode()
    for attempt in (1, 2):
        token = await tokens.get()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            return await send(client, provider, method, url, headers=headers, content=content, read_error=read_error)
        except PlatformError as exc:
            # An expired or revoked token: fetch a new one once.
            if exc.status_code == 401 and attempt == 1:
                tokens.invalidate()
                continue
            raise
    raise AssertionError("unreachable")
