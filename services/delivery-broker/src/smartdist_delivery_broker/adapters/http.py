"""The send step shared by the platform adapters: one HTTP call, platform errors as exceptions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from smartdist_delivery_broker.adapters.port import (
    CancellationRefused,
    PlatformAuthFailed,
    PlatformDelivery,
    PlatformError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
    StatusUpdate,
    WebhookSignatureInvalid,
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


def read_oauth_error(body: Any) -> tuple[str | None, str]:
    """The OAuth2 token endpoint's error body (RFC 6749 §5.2)."""
    if isinstance(body, dict):
        return body.get("error"), str(body.get("error_description") or body.get("error") or "")
    return None, str(body)[:200]


# Why a platform's cancellation window is closed, from its raw status (each adapter's rule).
CancellationWindow = Callable[[str, datetime | None, datetime], str | None]


class HttpPlatform:
    """What every platform adapter over HTTP shares: its credentials, client and clock; cancelling
    (a refusal the platform marks as "past the window" becomes CancellationRefused); the
    cancellation window; and the webhook check (signature first, then the platform's payload).

    An adapter names its `provider`, `window`, `webhook_problem`, and implements `_cancel`,
    `get`, `verify_webhook`, `webhook_updates` (and quote/create)."""

    provider: ClassVar[str]
    window: ClassVar[CancellationWindow]
    webhook_problem: ClassVar[str]

    def __init__(
        self, creds: Any, client: httpx.AsyncClient, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        self.creds = creds
        self.client = client
        self.clock = clock

    async def get(self, platform_ref: str) -> PlatformDelivery:
        raise NotImplementedError

    async def _cancel(self, platform_ref: str, reason: str) -> PlatformDelivery | None:
        """Ask the platform to cancel; its answer, or None when only a GET tells the new status."""
        raise NotImplementedError

    def cancel_refused(self, exc: PlatformError) -> bool:
        """Whether the platform's error means the cancellation window has closed."""
        raise NotImplementedError

    async def cancel(self, platform_ref: str, reason: str = "") -> PlatformDelivery:
        try:
            delivery = await self._cancel(platform_ref, reason)
        except PlatformError as exc:
            if self.cancel_refused(exc):
                raise CancellationRefused(
                    self.provider, exc.reason, status_code=exc.status_code or 409, code=exc.code
                ) from exc
            raise
        return delivery if delivery is not None else await self.get(platform_ref)

    def cancellation_refusal(self, raw_status: str, courier_accepted_at: datetime | None, now: datetime) -> str | None:
        # Raw statuses may carry a detail after a colon (Uber's "pickup:courier_imminent").
        return type(self).window(raw_status.split(":")[0], courier_accepted_at, now)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> Any:
        """The webhook's payload when its signature verifies, else None."""
        raise NotImplementedError

    def webhook_updates(self, payload: Any) -> list[StatusUpdate]:
        raise NotImplementedError

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[StatusUpdate]:
        payload = self.verify_webhook(headers, body)
        if payload is None:
            raise WebhookSignatureInvalid(self.webhook_problem)
        return self.webhook_updates(payload)


class OAuthPlatform(HttpPlatform):
    """An HTTP platform whose API takes an OAuth2 bearer token (pandago, Uber Direct)."""

    read_error: ClassVar[ErrorReader]

    def __init__(
        self, creds: Any, client: httpx.AsyncClient, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        super().__init__(creds, client, clock)
        self.tokens = AccessTokenCache(self._fetch_token, clock)

    def token_request(self) -> tuple[str, dict[str, str]]:
        """The token endpoint's URL and form."""
        raise NotImplementedError

    def token_answer(self, body: Mapping[str, Any]) -> tuple[str, float]:
        raise NotImplementedError

    async def _fetch_token(self) -> tuple[str, float]:
        url, form = self.token_request()
        response = await send(self.client, self.provider, "POST", url, data=form, read_error=read_oauth_error)
        return self.token_answer(response.json())

    async def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return await send_json_with_bearer(
            self.client, self.provider, self.tokens, method, self.creds.api_base + path, body,
            read_error=type(self).read_error,
        )  # fmt: skip
