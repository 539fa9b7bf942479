"""Payment provider port: authorise at reservation, capture at pickup, void or refund on cancel.

``SandboxPayments`` runs with no network (card tokens like a provider's test cards: ``tok_declined``
is refused, anything else accepted). ``HttpPayments`` speaks a card gateway's REST API of the usual
shape (``POST /authorizations``, ``/{id}/capture``, ``/{id}/void``, ``/{id}/refunds``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

import httpx

DECLINED_TOKEN = "tok_declined"


@dataclass(frozen=True)
class Authorisation:
    approved: bool
    reference: str
    reason: str = ""


class PaymentDeclined(Exception):
    """The provider refused the authorisation (the reservation is then not made)."""


class PaymentProvider(Protocol):
    name: str

    def authorise(self, *, amount_twd: int, token: str, reference: str) -> Authorisation: ...

    def capture(self, reference: str, amount_twd: int) -> None: ...

    def void(self, reference: str) -> None: ...

    def refund(self, reference: str, amount_twd: int) -> None: ...


class SandboxPayments:
    name = "sandbox"

    def __init__(self) -> None:
        self.captured: dict[str, int] = {}
        self.voided: set[str] = set()
        self.refunded: dict[str, int] = {}

    def authorise(self, *, amount_twd: int, token: str, reference: str) -> Authorisation:
        if token == DECLINED_TOKEN:
            return Authorisation(False, "", "card declined (sandbox test token)")
        return Authorisation(True, "sbx_" + secrets.token_hex(8))

    def capture(self, reference: str, amount_twd: int) -> None:
        self.captured[reference] = amount_twd

    def void(self, reference: str) -> None:
        self.voided.add(reference)

    def refund(self, reference: str, amount_twd: int) -> None:
        self.refunded[reference] = amount_twd


class HttpPayments:
    """A card gateway over HTTPS with a secret key (Bearer); amounts in whole TWD."""

    name = "gateway"

    def __init__(self, base_url: str, secret_key: str, *, timeout_s: float = 10.0) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout_s, headers={"Authorization": f"Bearer {secret_key}"}
        )

    def authorise(self, *, amount_twd: int, token: str, reference: str) -> Authorisation:
        answer = self._client.post(
            "/authorizations",
            json={"amount": amount_twd, "currency": "TWD", "source": token, "reference": reference},
            headers={"Idempotency-Key": reference},
        )
        if answer.status_code in (402, 422):
            return Authorisation(False, "", str(answer.json().get("message", "declined")))
        answer.raise_for_status()
        return Authorisation(True, str(answer.json()["id"]))

    def capture(self, reference: str, amount_twd: int) -> None:
        self._client.post(f"/authorizations/{reference}/capture", json={"amount": amount_twd}).raise_for_status()

    def void(self, reference: str) -> None:
        self._client.post(f"/authorizations/{reference}/void").raise_for_status()

    def refund(self, reference: str, amount_twd: int) -> None:
        self._client.post(f"/authorizations/{reference}/refunds", json={"amount": amount_twd}).raise_for_status()
