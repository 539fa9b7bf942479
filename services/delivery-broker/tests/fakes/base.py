"""What all three fake platforms share: request log, injected failures, a rate limiter, a clock."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


@dataclass
class InjectedFailure:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakePlatformControls:
    """Knobs a test turns: fail the next calls, rate-limit, hang, move the clock."""

    def __init__(self, clock: Callable[[], datetime] | None = None):
        # Real time at start, so signed tokens (JWT exp) are judged the way the platform would.
        self.now: datetime = datetime.now(UTC).replace(microsecond=0)
        self._clock = clock
        self.requests: list[tuple[str, str]] = []
        self.failures: deque[InjectedFailure] = deque()
        self.rate_limit: int | None = None  # requests allowed before every further one gets 429
        self.retry_after_s: int = 10
        self.hang: bool = False

    def clock(self) -> datetime:
        return self._clock() if self._clock else self.now

    def fail_next(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.failures.append(InjectedFailure(status, body, headers or {}))

    async def gate(self, request: Request, rate_limited_body: Any) -> Response | None:
        """Log the call; answer 429 / an injected failure / hang when the test asked for it."""
        self.requests.append((request.method, request.url.path))
        if self.hang:
            await asyncio.Event().wait()
        if self.rate_limit is not None and len(self.requests) > self.rate_limit:
            return JSONResponse(rate_limited_body, status_code=429, headers={"Retry-After": str(self.retry_after_s)})
        if self.failures:
            failure = self.failures.popleft()
            return JSONResponse(failure.body, status_code=failure.status, headers=failure.headers)
        return None


Handler = Callable[[Request], Awaitable[Response]]
