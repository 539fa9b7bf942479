"""deploy/ describes one consistent platform: every process, one image, one port, known settings.

Docker and a cluster are not available to the test run, so these checks are static: they read
the Dockerfile, the compose file and the Kubernetes manifests and cross-check them against each
other, against the repository layout and against the platform's settings model.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import shlex
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"

SERVICES = ("dispatch", "forecast", "wms", "delivery-broker", "surplus-market", "virtual-store")
WEB_APPS = ("console", *SERVICES)
# `smartdist worker` and `smartdist bus relay` open no HTTP port: no probes, no scraping.
BACKGROUND_PROCESSES = ("worker", "relay")
PROCESSES = (*WEB_APPS, *BACKGROUND_PROCESSES)
APP_PORT = 8000
HOST_PORTS = {"console": 8000} | {name: 8001 + i for i, name in enumerate(SERVICES)}

EXPECTED_COMMANDS: dict[str, list[str]] = {
    name: ["smartdist", "serve", name, "--host", "0.0.0.0", "--port", str(APP_PORT)] for name in WEB_APPS
} | {
    "worker": ["smartdist", "worker"],
    "relay": ["smartdist", "bus", "relay"],
    "migrate": ["smartdist", "migrate"],
}

# Every process needs these; only the console may hold the key that signs tokens.
REQUIRED_ENV = {
    "SMARTDIST_ENV",
    "SMARTDIST_DATABASE_URL",
    "SMARTDIST_REDIS_URL",
    "SMARTDIST_AUTH_PUBLIC_KEY",
}
SIGNING_KEY_ENV = "SMARTDIST_AUTH_PRIVATE_KEY"


@cache
def platform_setting_names() -> frozenset[str]:
    """The SMARTDIST_* variables the code reads; any other name in deploy/ is a typo.

    Platform settings, carbon factors, and each service's own settings (its package's
    ``config.Settings``), since the worker, relay and migrate act for every service.
    """
    from pydantic_settings import BaseSettings

    from smartdist.config import CarbonFactors, PlatformSettings

    models: list[type[BaseSettings]] = [PlatformSettings, CarbonFactors]
    for package in service_packages():
        try:
            config = importlib.import_module(f"{package}.config")
        except ModuleNotFoundError:
            continue
        settings = getattr(config, "Settings", None)
        if isinstance(settings, type) and issubclass(settings, BaseSettings):
            models.append(settings)
    return frozenset(
        f"{model.model_config.get('env_prefix', '')}{field}".upper() for model in models for field in model.model_fields
    )


def service_packages() -> list[str]:
    """Top-level packages of the services, from their "smartdist.services" entry points."""
    packages = []
    for pyproject in sorted((REPO / "services").glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        for target in project.get("entry-points", {}).get("smartdist.services", {}).values():
            packages.append(target.split(":")[0].split(".")[0])
    return packages


def parse_cli(argv: list[str]) -> tuple[str, dict[str, Any]]:
    """Parse a container command with the real `smartdist` CLI, without running it.

    Returns the resolved command path ("bus relay") and its parsed parameters; raises
    click.UsageError for an unknown command or a bad option.
    """
    from smartdist.cli import main

    assert argv[0] == "smartdist", f"{argv} does not run the smartdist console command"
    command: click.Command = main
    path: list[str] = []
    remaining = list(argv[1:])
    while isinstance(command, click.Group):
        assert remaining, f"{argv} stops at the command group {' '.join(path) or 'smartdist'}"
        name = remaining.pop(0)
        subcommand = command.get_command(click.Context(command), name)
        if subcommand is None:
            raise click.UsageError(f"no such command {' '.join([*path, name])!r} in {argv}")
        command = subcommand
        path.append(name)
    context = command.make_context(" ".join(["smartdist", *path]), remaining)
    return " ".join(path), dict(context.params)


def load_documents(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [document for document in yaml.safe_load_all(handle) if document is not None]


@cache
def compose() -> dict[str, Any]:
    (document,) = load_documents(DEPLOY / "compose.yaml")
    return dict(document)


def compose_service(name: str) -> dict[str, Any]:
    return dict(compose()["services"][name])


@cache
def k8s_objects() -> tuple[dict[str, Any], ...]:
    objects = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        objects.extend(load_documents(path))
    return tuple(objects)


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in k8s_objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_spec(kind: str, name: str) -> dict[str, Any]:
    return dict(k8s_object(kind, name)["spec"]["template"]["spec"])


def only_container(kind: str, name: str) -> dict[str, Any]:
    (container,) = pod_spec(kind, name)["containers"]
    return dict(container)


def workload_containers() -> list[tuple[str, dict[str, Any]]]:
    workloads = [("Deployment", name) for name in PROCESSES] + [("Job", "migrate")]
    return [(name, only_container(kind, name)) for kind, name in workloads]


def resolve_port(container: dict[str, Any], port: int | str) -> int:
    """A probe or Service may name a container port instead of giving its number."""
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"port name {port!r} is not declared by container {container['name']}"
    return int(named[port])


def compose_environment(name: str) -> dict[str, str]:
    environment = compose_service(name).get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {str(key): str(value) for key, value in environment.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


# --- every file ------------------------------------------------------------------------------


def test_every_yaml_file_under_deploy_is_well_formed_mappings() -> None:
    paths = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
    assert paths, "deploy/ has no YAML files"
    for path in paths:
        documents = load_documents(path)
        assert documents, f"{path.relative_to(REPO)} is empty"
        for document in documents:
            assert isinstance(document, dict), f"{path.relative_to(REPO)} holds a non-mapping document"


def test_deployed_services_are_exactly_the_services_in_the_repository() -> None:
    in_repository = {path.name for path in (REPO / "services").iterdir() if path.is_dir()}
    assert in_repository == set(SERVICES)


def test_every_deployed_service_name_is_one_smartdist_serve_can_load() -> None:
    # `smartdist serve <name>` finds a service through its package's "smartdist.services"
    # entry point, so the names in deploy/ must be exactly the entry-point names.
    registered: dict[str, str] = {}
    for pyproject in sorted((REPO / "services").glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        for name in project.get("entry-points", {}).get("smartdist.services", {}):
            assert name not in registered, f"{name} registered by {registered.get(name)} and {pyproject}"
            registered[name] = str(pyproject.relative_to(REPO))
    assert set(registered) == set(SERVICES)


@pytest.mark.parametrize("process", sorted(EXPECTED_COMMANDS))
def test_every_container_command_parses_with_the_smartdist_cli(process: str) -> None:
    command, params = parse_cli(EXPECTED_COMMANDS[process])
    if process in WEB_APPS:
        assert command == "serve"
        assert params["service"] == process
        assert params["host"] == "0.0.0.0"
        assert params["port"] == APP_PORT
    else:
        assert command == " ".join(EXPECTED_COMMANDS[process][1:])


def test_cli_check_rejects_a_command_smartdist_does_not_have() -> None:
    with pytest.raises(click.UsageError):
        parse_cli(["smartdist", "bus", "relays"])
    with pytest.raises(click.UsageError):
        parse_cli(["smartdist", "serve", "dispatch", "--listen", "0.0.0.0"])


# --- compose ---------------------------------------------------------------------------------


def test_compose_runs_every_process_beside_postgres_and_redis() -> None:
    assert set(compose()["services"]) == {*PROCESSES, "migrate", "postgres", "redis"}
    assert compose_service("postgres")["image"].startswith("postgres:15")
    assert compose_service("redis")["image"].startswith("redis:7")


def test_compose_builds_one_image_from_the_repository_dockerfile() -> None:
    images = set()
    for name in (*PROCESSES, "migrate"):
        service = compose_service(name)
        images.add(service["image"])
        context = (DEPLOY / service["build"]["context"]).resolve()
        assert context == REPO, f"{name} builds from {context}, not the repository root"
        assert (context / service["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert len(images) == 1, f"compose uses several smartdist images: {images}"


@pytest.mark.parametrize("name", [*PROCESSES, "migrate"])
def test_compose_command_is_the_platform_command(name: str) -> None:
    assert [str(part) for part in compose_service(name)["command"]] == EXPECTED_COMMANDS[name]


def test_compose_publishes_the_console_on_8000_and_each_service_on_its_own_port() -> None:
    published: dict[str, int] = {}
    for name, service in compose()["services"].items():
        for mapping in service.get("ports", []):
            host, container = str(mapping).rsplit(":", 2)[-2:]
            assert int(container) == APP_PORT, f"{name} publishes container port {container}"
            published[name] = int(host)
    assert published == HOST_PORTS


def test_compose_starts_processes_after_migration_and_healthy_backends() -> None:
    healthy_backends = {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in PROCESSES:
        assert compose_service(name)["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            **healthy_backends,
        }, name
    assert compose_service("migrate")["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert compose_service("migrate")["restart"] == "no"


def test_compose_health_checks_ask_each_web_process_for_readiness_on_the_app_port() -> None:
    for name in WEB_APPS:
        check = compose_service(name)["healthcheck"]["test"]
        assert check[0] == "CMD"
        assert f"http://127.0.0.1:{APP_PORT}/readyz" in " ".join(check), name
    for backend in ("postgres", "redis"):
        assert compose_service(backend)["healthcheck"]["test"], backend
    for name in BACKGROUND_PROCESSES:
        assert "healthcheck" not in compose_service(name), f"{name} opens no port to check"


def test_compose_environment_uses_only_platform_settings_and_reaches_the_backends() -> None:
    for name in (*PROCESSES, "migrate"):
        environment = compose_environment(name)
        assert set(environment) <= platform_setting_names(), name
        assert set(environment) >= REQUIRED_ENV, name
        assert environment["SMARTDIST_ENV"] == "production"
        assert environment["SMARTDIST_DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in environment["SMARTDIST_DATABASE_URL"]
        assert environment["SMARTDIST_REDIS_URL"].startswith("redis://redis:6379/")
        assert (SIGNING_KEY_ENV in environment) == (name == "console"), name


# --- Kubernetes ------------------------------------------------------------------------------


def test_kustomization_applies_every_manifest_but_the_secret_template() -> None:
    (kustomization,) = load_documents(K8S / "kustomization.yaml")
    manifests = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.template.yaml"}
    assert set(kustomization["resources"]) == manifests
    assert len(kustomization["resources"]) == len(manifests), "a manifest is listed twice"


def test_k8s_has_a_deployment_per_process_a_service_per_web_app_and_a_migrate_job() -> None:
    present = {(o["kind"], o["metadata"]["name"]) for o in k8s_objects()}
    expected = (
        {("Deployment", name) for name in PROCESSES}
        | {("Service", name) for name in WEB_APPS}
        | {("Job", "migrate"), ("Namespace", "smartdist"), ("ConfigMap", "smartdist-config")}
        | {("Secret", "smartdist-runtime"), ("Secret", "smartdist-signing-key")}
    )
    assert present == expected


def test_k8s_objects_are_well_formed_and_live_in_the_smartdist_namespace() -> None:
    for o in k8s_objects():
        assert o.get("apiVersion") and o.get("kind") and o["metadata"].get("name"), o
        if o["kind"] != "Namespace":
            assert o["metadata"].get("namespace") == "smartdist", o["metadata"]["name"]


def test_k8s_runs_the_same_image_as_compose() -> None:
    image = compose_service("console")["image"]
    for name, container in workload_containers():
        assert container["image"] == image, name
    (kustomization,) = load_documents(K8S / "kustomization.yaml")
    image_names = {entry["name"] for entry in kustomization.get("images", [])}
    assert image_names == {image.rsplit(":", 1)[0]}


def test_k8s_container_args_are_the_platform_commands_and_keep_the_image_entrypoint() -> None:
    for name, container in workload_containers():
        assert "command" not in container, f"{name} overrides the image entrypoint"
        assert [str(part) for part in container["args"]] == EXPECTED_COMMANDS[name]


def test_k8s_deployment_selectors_match_their_pod_labels() -> None:
    for name in PROCESSES:
        deployment = k8s_object("Deployment", name)
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), name


def test_k8s_services_select_only_their_own_pods_on_the_container_port() -> None:
    pod_labels = {name: k8s_object("Deployment", name)["spec"]["template"]["metadata"]["labels"] for name in PROCESSES}
    for name in WEB_APPS:
        service = k8s_object("Service", name)
        selector = service["spec"]["selector"]
        selected = {pods for pods, labels in pod_labels.items() if selector.items() <= labels.items()}
        assert selected == {name}
        container = only_container("Deployment", name)
        container_ports = {p["containerPort"] for p in container["ports"]}
        assert container_ports == {APP_PORT}, name
        for port in service["spec"]["ports"]:
            assert resolve_port(container, port["targetPort"]) == APP_PORT, name


def test_k8s_probes_check_liveness_and_readiness_on_the_container_port() -> None:
    for name in WEB_APPS:
        container = only_container("Deployment", name)
        liveness = container["livenessProbe"]["httpGet"]
        readiness = container["readinessProbe"]["httpGet"]
        assert liveness["path"] == "/healthz", name
        assert readiness["path"] == "/readyz", name
        assert resolve_port(container, liveness["port"]) == APP_PORT, name
        assert resolve_port(container, readiness["port"]) == APP_PORT, name
        if "startupProbe" in container:
            assert resolve_port(container, container["startupProbe"]["httpGet"]["port"]) == APP_PORT


def test_k8s_web_pods_are_scraped_by_prometheus_on_the_app_port() -> None:
    for name in WEB_APPS:
        annotations = k8s_object("Deployment", name)["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/port"] == str(APP_PORT), name
        assert annotations["prometheus.io/path"] == "/metrics", name


def test_k8s_background_pods_declare_no_port_probe_or_scrape_they_could_not_answer() -> None:
    for name in BACKGROUND_PROCESSES:
        template = k8s_object("Deployment", name)["spec"]["template"]
        container = only_container("Deployment", name)
        assert "annotations" not in template["metadata"], name
        for field in ("ports", "startupProbe", "livenessProbe", "readinessProbe"):
            assert field not in container, f"{name} declares {field}"


def test_k8s_environment_comes_from_the_config_map_and_secrets_that_exist() -> None:
    config_map = k8s_object("ConfigMap", "smartdist-config")
    secrets = {
        name: set(k8s_object("Secret", name)["stringData"]) for name in ("smartdist-runtime", "smartdist-signing-key")
    }
    assert set(config_map["data"]) <= platform_setting_names()
    for name, container in workload_containers():
        names: set[str] = set()
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] == "smartdist-config", name
            names |= set(config_map["data"])
        for variable in container.get("env", []):
            names.add(variable["name"])
            reference = variable["valueFrom"]["secretKeyRef"]
            assert reference["key"] in secrets[reference["name"]], f"{name}: {reference}"
            assert reference["key"] == variable["name"], f"{name}: {reference}"
        assert names <= platform_setting_names(), name
        assert names >= REQUIRED_ENV, name
        assert (SIGNING_KEY_ENV in names) == (name == "console"), name


def test_k8s_pods_run_as_the_image_user_with_a_writable_data_dir_on_a_read_only_root() -> None:
    (image_user,) = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]
    data_dir = k8s_object("ConfigMap", "smartdist-config")["data"]["SMARTDIST_DATA_DIR"]
    workloads = [("Deployment", name) for name in PROCESSES] + [("Job", "migrate")]
    for kind, name in workloads:
        spec = pod_spec(kind, name)
        container = only_container(kind, name)
        assert str(spec["securityContext"]["runAsUser"]) == image_user, name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        mounted = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {data_dir, "/tmp"} <= mounted, f"{name} cannot write its data dir or /tmp"


def test_compose_keeps_the_data_dir_on_a_volume_shared_by_every_process() -> None:
    for name in (*PROCESSES, "migrate"):
        data_dir = compose_environment(name)["SMARTDIST_DATA_DIR"]
        assert f"smartdist-data:{data_dir}" in compose_service(name)["volumes"], name


def test_k8s_secret_template_holds_placeholders_not_real_credentials() -> None:
    for name in ("smartdist-runtime", "smartdist-signing-key"):
        for key, value in k8s_object("Secret", name)["stringData"].items():
            assert "CHANGE-ME" in value, f"{name}.{key} looks like a real value"


# --- image -----------------------------------------------------------------------------------


def test_dockerfile_runs_python_311_slim_as_a_non_root_user_on_the_app_port() -> None:
    instructions = dockerfile_instructions()
    bases = [arguments.split()[0] for keyword, arguments in instructions if keyword == "FROM"]
    assert bases[-1].startswith("python:3.11-slim"), "the runtime stage must be python:3.11-slim"
    runtime = instructions[max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM") :]
    users = [arguments for keyword, arguments in runtime if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert ("EXPOSE", str(APP_PORT)) in runtime
    (cmd,) = [json.loads(arguments) for keyword, arguments in runtime if keyword == "CMD"]
    assert cmd in EXPECTED_COMMANDS.values()


def test_dockerfile_installs_the_shared_library_and_every_service() -> None:
    installs = [
        shlex.split(arguments)
        for keyword, arguments in dockerfile_instructions()
        if keyword == "RUN" and "pip install" in arguments
    ]
    (words,) = installs
    targets = [word for word in words if word.startswith("./")]
    assert "./shared" in targets
    for name in SERVICES:
        assert any(fnmatch.fnmatch(f"./services/{name}/", target) for target in targets), name


def test_image_puts_the_front_end_libraries_where_the_installed_pages_find_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smartdist.web import pages

    (venv,) = [
        words[words.index("venv") + 1]
        for keyword, arguments in dockerfile_instructions()
        if keyword == "RUN" and "venv" in (words := arguments.split())
    ]
    (destination,) = [
        arguments.split()[-1]
        for keyword, arguments in dockerfile_instructions()
        if keyword == "COPY" and "node_modules" in arguments
    ]
    # Rebuild the image's layout under tmp_path and let the real lookup search it.
    image_root = tmp_path / "image"
    installed = image_root / venv.lstrip("/") / "lib" / "python3.11" / "site-packages" / "smartdist" / "web"
    installed.mkdir(parents=True)
    (image_root / destination.lstrip("/")).mkdir(parents=True)
    monkeypatch.setattr(pages, "__file__", str(installed / "pages.py"))
    assert pages.vendor_dir() == image_root / destination.lstrip("/")


def test_dockerfile_copies_only_paths_that_exist_and_the_context_keeps() -> None:
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "COPY" and "--from=" not in arguments:
            sources.extend(arguments.split()[:-1])
    assert sources
    for source in sources:
        path = source.rstrip("/")
        assert (REPO / path).exists(), f"COPY {source} is not in the repository"
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), f"{source} is dockerignored"
    for local_state in (".venv", "node_modules", ".git", "var"):
        assert local_state in ignored, f"{local_state} would be sent to the docker daemon"
