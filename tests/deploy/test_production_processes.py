"""The deployed commands really start, with exactly the environment compose gives them.

There is no container engine here, so the processes run on this machine against its PostgreSQL
and Redis: same commands as deploy/compose.yaml (only the listen address and port changed), same
SMARTDIST_* variable names and nothing else. That proves the production wiring the manifests
describe: migrate succeeds on an empty database, the web processes answer /healthz, /readyz and
/metrics, and every process stops cleanly on SIGTERM as Docker and Kubernetes send it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartdist.testing.processes import SMARTDIST, Process, free_port
from smartdist.testing.servers import postgres_available, redis_available

pytestmark = pytest.mark.slow

# Seven services' libraries loading at once on a shared two-core machine can take a while.
READY_TIMEOUT_S = 120.0

REPO = Path(__file__).resolve().parents[2]
# A Redis database of its own, so the platform's streams never meet other tests' keys.
REDIS_DB = 13


def compose_services() -> dict[str, Any]:
    with (REPO / "deploy" / "compose.yaml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle)["services"])


def listening_locally(command: list[str], port: int) -> list[str]:
    """The deployed command, listening on 127.0.0.1:port instead of the container's 0.0.0.0:8000."""
    local = list(command)
    local[local.index("--host") + 1] = "127.0.0.1"
    local[local.index("--port") + 1] = str(port)
    return local


@pytest.fixture
def production_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; its URL in the deployed form."""
    admin_url = sqlalchemy.make_url(postgres_available())
    name = "smartdist_deploy_" + uuid.uuid4().hex[:10]
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        deployed = admin_url.set(drivername="postgresql", database=name)
        yield deployed.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def production_redis() -> Iterator[str]:
    import redis

    base = redis_available().rsplit("/", 1)[0]
    url = f"{base}/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def signing_keys() -> dict[str, str]:
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {"SMARTDIST_AUTH_PRIVATE_KEY": private_pem, "SMARTDIST_AUTH_PUBLIC_KEY": public_pem}


@pytest.fixture
def local_values(
    production_database: str, production_redis: str, signing_keys: dict[str, str], tmp_path: Path
) -> dict[str, str]:
    """This machine's value for each deployed variable; names not listed here fail the test."""
    return {
        "SMARTDIST_ENV": "production",
        "SMARTDIST_DATABASE_URL": production_database,
        "SMARTDIST_REDIS_URL": production_redis,
        "SMARTDIST_DATA_DIR": str(tmp_path / "data"),
        "SMARTDIST_CONSOLE_URL": "http://localhost:8000",
        "SMARTDIST_SERVICE_URLS": json.dumps({"wms": "http://localhost:8003"}),
        **signing_keys,
    }


def deployed_environment(service: dict[str, Any], local_values: dict[str, str]) -> dict[str, str]:
    names = set(service["environment"])
    unknown = names - set(local_values)
    assert not unknown, f"the test has no local value for deployed variables {unknown}"
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("SMARTDIST_")}
    return inherited | {name: local_values[name] for name in names}


def create_tenant(environment: dict[str, str], tmp_path: Path) -> str:
    """`smartdist tenant create` as an operator runs it in the console container; its API key."""
    done = subprocess.run(
        [str(SMARTDIST), "tenant", "create", "--name", "部署檢查商店"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    created = json.loads(done.stdout.strip().splitlines()[-1])
    assert created["tenant_id"]
    return str(created["api_key"])


def test_deployed_processes_start_serve_health_and_stop_cleanly(local_values: dict[str, str], tmp_path: Path) -> None:
    services = compose_services()

    migrate = Process(
        "migrate",
        services["migrate"]["command"],
        deployed_environment(services["migrate"], local_values),
        tmp_path,
    ).start()
    assert migrate.popen is not None and migrate.popen.wait(READY_TIMEOUT_S) == 0, migrate.log_tail()

    # The console (it signs tokens) and one service stand for the web processes: all of them
    # run the same `smartdist serve` path; the test keeps to two to stay quick on two cores.
    processes: list[Process] = []
    try:
        for name in ("console", "wms"):
            port = free_port()
            command = listening_locally([str(part) for part in services[name]["command"]], port)
            environment = deployed_environment(services[name], local_values)
            processes.append(Process(name, command, environment, tmp_path, port=port).start())
        for name in ("worker", "relay"):
            command = [str(part) for part in services[name]["command"]]
            processes.append(
                Process(name, command, deployed_environment(services[name], local_values), tmp_path).start()
            )

        for process in processes:
            if process.port is None:
                continue
            process.wait_until_ready(READY_TIMEOUT_S)
            base = f"http://127.0.0.1:{process.port}"
            assert httpx.get(base + "/healthz", timeout=5).status_code == 200
            metrics = httpx.get(base + "/metrics", timeout=5)
            assert metrics.status_code == 200
            assert "# TYPE" in metrics.text
        landing = httpx.get(f"http://127.0.0.1:{processes[0].port}/", timeout=5)
        assert landing.status_code == 200
        assert "<html" in landing.text

        # The operator's first step (deploy/README.md): create a merchant where the signing key
        # is, i.e. in the console's environment. Its key must open another process's API, which
        # holds only the public key.
        api_key = create_tenant(deployed_environment(services["console"], local_values), tmp_path)
        wms_jobs = f"http://127.0.0.1:{processes[1].port}/api/v1/jobs"
        assert httpx.get(wms_jobs, timeout=5).status_code == 401
        authorised = httpx.get(wms_jobs, headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
        assert authorised.status_code == 200, authorised.text
        assert authorised.json()["items"] == []

        for process in processes:
            assert process.running(), f"{process.name} died\n{process.log_tail()}"
    finally:
        exit_codes = {process.name: process.stop() for process in processes}
    # uvicorn re-raises the SIGTERM it handled once it has shut down gracefully, so a web
    # process may end "killed by SIGTERM" after a clean shutdown; any other code is a crash.
    clean = {0, -signal.SIGTERM}
    crashed = {name: code for name, code in exit_codes.items() if code not in clean}
    assert not crashed, {name: next(p.log_tail() for p in processes if p.name == name) for name in crashed}
