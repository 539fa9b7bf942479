"""POST /optimize over HTTP: auth, roles, 422 on bad input, a solved plan on good input."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from smartdist.auth import TokenSigner, TokenVerifier
from smartdist.auth.keys import generate_pem_pair
from smartdist.problems import install_problem_handlers
from smartdist_dispatch.optimize.api import router

BODY = {
    "depot": {"location": [0, 0], "time_window": [0, 100]},
    "fleet": {"count": 2, "capacity": 5},
    "jobs": [{"id": 1, "location": [3, 4], "demand": 2}, {"id": 2, "location": [6, 8], "demand": 2}],
    "time_limit_s": 0.2,
}


@pytest.fixture(scope="module")
def client_and_signer():
    keys = generate_pem_pair()
    app = FastAPI()
    install_problem_handlers(app)
    app.state.runtime = SimpleNamespace(verifier=TokenVerifier(keys.public_pem))
    app.include_router(router, prefix="/api/v1")
    return TestClient(app, raise_server_exceptions=False), TokenSigner(keys.private_pem)


def token(signer: TokenSigner, *roles: str) -> dict[str, str]:
    value, _ = signer.issue(kind="api_key", subject="erp", tenant_id="t1", roles=roles, ttl_s=None)
    return {"Authorization": f"Bearer {value}"}


def test_integrator_gets_a_solved_plan(client_and_signer):
    client, signer = client_and_signer
    response = client.post("/api/v1/optimize", json=BODY, headers=token(signer, "integrator"))
    assert response.status_code == 200
    plan = response.json()
    assert plan["unassigned"] == []
    assert plan["vehicles_used"] == 1
    assert sorted(plan["routes"][0]["jobs"]) == [1, 2]
    assert plan["total_distance"] == pytest.approx(20.0)
    # The contract's fields, plus the additive `unassigned_reasons`; routes keep exactly theirs.
    assert set(plan) == {
        "routes",
        "unassigned",
        "total_distance",
        "vehicles_used",
        "solve_time_s",
        "unassigned_reasons",
    }
    assert set(plan["routes"][0]) == {"vehicle", "jobs", "distance", "arrivals"}


def test_request_without_credentials_is_refused(client_and_signer):
    client, _ = client_and_signer
    assert client.post("/api/v1/optimize", json=BODY).status_code == 401


def test_driver_role_may_not_optimise(client_and_signer):
    client, signer = client_and_signer
    assert client.post("/api/v1/optimize", json=BODY, headers=token(signer, "driver")).status_code == 403


def test_unknown_field_is_a_422(client_and_signer):
    client, signer = client_and_signer
    response = client.post("/api/v1/optimize", json=BODY | {"engine": "x"}, headers=token(signer, "dispatcher"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
