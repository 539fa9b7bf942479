"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm message encryption (RFC 8291/8188).

``send_push`` encrypts a payload to a browser's subscription with pywebpush and signs the request
with the installation's VAPID key (py-vapid), then POSTs it to the subscription's endpoint through
a ``Poster`` (httpx by default; tests hand in their TestClient). A 404 or 410 from the push
service means the subscription is gone (``PushResult.gone``).

``SandboxPushService`` plays a browser and its push service, for tests and the demo: it makes
subscriptions (a P-256 key pair and an auth secret it keeps), checks the VAPID signature of what
arrives at their endpoints, decrypts it and records the plain payload. A sandbox subscription can
be marked expired: it then answers 410 Gone, as real push services do.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02, b64urlencode
from pywebpush import WebPusher

TTL_S = 6 * 3600  # a listing's news is stale after a few hours


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    private_pem: str
    public_key: str  # the uncompressed P-256 point, base64url: the page's applicationServerKey


def generate_vapid_keys() -> VapidKeys:
    vapid = Vapid02()
    vapid.generate_keys()
    pem = vapid.private_pem().decode()
    point = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return VapidKeys(private_pem=pem, public_key=b64urlencode(point))


def valid_subscription_keys(p256dh: str, auth: str) -> str | None:
    """Why the browser's keys cannot be used, or None: a 65-byte P-256 point and a 16-byte secret."""
    try:
        point, secret = unb64url(p256dh), unb64url(auth)
    except (ValueError, TypeError):
        return "keys are not base64url"
    if len(point) != 65 or point[0] != 4:
        return "p256dh is not an uncompressed P-256 point (65 bytes)"
    if len(secret) != 16:
        return "auth is not 16 bytes"
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return "p256dh is not on the P-256 curve"
    return None


class Poster(Protocol):
    def post(self, url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> httpx.Response: ...


@dataclass
class _Answer:
    status_code: int
    text: str
    headers: dict[str, str]


class _RequestsShim:
    """What pywebpush expects of a ``requests.Session`` (``post(url, data=, headers=, timeout=)``)."""

    def __init__(self, poster: Poster) -> None:
        self.poster = poster

    def post(self, url: str, *, data: bytes | None, headers: Any, timeout: float) -> _Answer:
        answer = self.poster.post(
            url, content=data or b"", headers={str(k): str(v) for k, v in dict(headers).items()}, timeout=timeout
        )
        return _Answer(answer.status_code, answer.text[:300], dict(answer.headers))


class HttpxPoster:
    def post(self, url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
        with httpx.Client(timeout=timeout) as client:
            return client.post(url, content=content, headers=headers)


@dataclass(frozen=True)
class PushResult:
    status: int
    detail: str = ""

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """The push service no longer knows the subscription (RFC 8030 §7.3): remove it."""
        return self.status in (404, 410)


def send_push(
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    payload: dict[str, Any],
    keys: VapidKeys,
    subject: str,
    poster: Poster | None = None,
    ttl_s: int = TTL_S,
    timeout_s: float = 10.0,
) -> PushResult:
    parts = urlsplit(endpoint)
    claims = {"aud": f"{parts.scheme}://{parts.netloc}", "sub": subject, "exp": int(time.time()) + 12 * 3600}
    vapid = Vapid02.from_pem(keys.private_pem.encode())
    headers = {**vapid.sign(claims), "Urgency": "normal"}
    pusher = WebPusher(
        {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
        requests_session=_RequestsShim(poster or HttpxPoster()),
    )
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        answer = pusher.send(data=data, headers=headers, ttl=ttl_s, content_encoding="aes128gcm", timeout=timeout_s)
    except httpx.HTTPError as exc:
        return PushResult(0, f"push service unreachable: {exc}"[:300])
    return PushResult(int(answer.status_code), str(answer.text)[:300])


# --- the sandbox push service ----------------------------------------------------------------


@dataclass
class SandboxMessage:
    received_at: datetime
    payload: Any
    ttl: int | None
    urgency: str | None
    vapid_subject: str | None


@dataclass
class _SandboxSubscription:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    expired: bool = False
    messages: list[SandboxMessage] = field(default_factory=list)


class PushRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class SandboxPushService:
    """A browser's push service in memory; what arrives is checked like a real one and decrypted."""

    def __init__(self) -> None:
        self._subscriptions: dict[str, _SandboxSubscription] = {}
        self._lock = threading.Lock()

    def subscribe(self, endpoint_base: str) -> dict[str, Any]:
        """A PushSubscription's JSON as the browser hands it to the page: endpoint and keys."""
        key = ec.generate_private_key(ec.SECP256R1())
        sub = _SandboxSubscription(id=secrets.token_urlsafe(16), private_key=key, auth=secrets.token_bytes(16))
        with self._lock:
            self._subscriptions[sub.id] = sub
        point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {
            "id": sub.id,
            "endpoint": f"{endpoint_base.rstrip('/')}/{sub.id}",
            "keys": {"p256dh": b64url(point), "auth": b64url(sub.auth)},
        }

    def expire(self, sub_id: str) -> bool:
        with self._lock:
            sub = self._subscriptions.get(sub_id)
            if sub is None:
                return False
            sub.expired = True
            return True

    def messages(self, sub_id: str) -> list[SandboxMessage] | None:
        with self._lock:
            sub = self._subscriptions.get(sub_id)
            return None if sub is None else list(sub.messages)

    def receive(self, sub_id: str, *, headers: dict[str, str], body: bytes, origin: str) -> SandboxMessage:
        """One push message as RFC 8030 delivers it; raises PushRefused with the push service's status."""
        with self._lock:
            sub = self._subscriptions.get(sub_id)
        if sub is None or sub.expired:
            raise PushRefused(410, "this subscription has expired or was never made")
        lowered = {k.lower(): v for k, v in headers.items()}
        subject = _check_vapid(lowered.get("authorization", ""), origin)
        if lowered.get("content-encoding", "").lower() != "aes128gcm":
            raise PushRefused(415, "Content-Encoding must be aes128gcm (RFC 8291)")
        if "ttl" not in lowered:
            raise PushRefused(400, "the TTL header is required (RFC 8030 §5.2)")
        try:
            plain = http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm")
        except Exception as exc:  # noqa: BLE001 - any decryption failure is the sender's error
            raise PushRefused(400, f"the message does not decrypt: {type(exc).__name__}") from exc
        try:
            payload: Any = json.loads(plain)
        except ValueError:
            payload = plain.decode("utf-8", "replace")
        message = SandboxMessage(
            received_at=datetime.now(UTC),
            payload=payload,
            ttl=int(lowered["ttl"]) if lowered["ttl"].isdigit() else None,
            urgency=lowered.get("urgency"),
            vapid_subject=subject,
        )
        with self._lock:
            sub.messages.append(message)
            del sub.messages[:-50]
        return message


def _check_vapid(authorization: str, origin: str) -> str | None:
    """RFC 8292: ``vapid t=<ES256 JWT>, k=<public key>``; signed by k, for this origin, not expired."""
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise PushRefused(401, "Authorization must be the vapid scheme (RFC 8292)")
    parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
    token, key = parts.get("t", ""), parts.get("k", "")
    try:
        valid = Vapid02.verify(f"vapid t={token},k={key}")
    except Exception:  # noqa: BLE001 - a malformed token is refused the same way
        valid = False
    if not valid:
        raise PushRefused(403, "the VAPID signature does not verify")
    try:
        claims = json.loads(unb64url(token.split(".")[1]))
    except (ValueError, IndexError) as exc:
        raise PushRefused(403, "the VAPID token is not a JWT") from exc
    if claims.get("aud") != origin:
        raise PushRefused(403, f"the VAPID audience is {claims.get('aud')!r}, not this push service")
    if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time() or claims["exp"] > time.time() + 86400:
        raise PushRefused(403, "the VAPID token has expired or lives longer than 24 hours")
    sub = claims.get("sub")
    return str(sub) if sub is not None else None
