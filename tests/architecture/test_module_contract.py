"""The module contract of docs/adr/0001, enforced over every service's source.

Each rule reads the code (ast, no imports), so a violation names the file and line. The roles:

- ``api.py`` / ``pages.py``: HTTP only (JSON API / HTML pages): no SQLAlchemy; imported only by
  ``app.py`` (no module imports another noun's HTTP layer);
- ``service.py``: use cases; ``repository.py``: queries; ``models.py``: tables; ``jobs.py``:
  background jobs (the only home of ``@job_task``); ``consumer.py``: handlers of other services'
  events; ``schemas.py``: Pydantic models; ``domain.py`` and every other module: pure rules with
  neither SQLAlchemy nor FastAPI;
- settings only in ``config.py``; templates only in ``smartdist_<service>/templates/``;
- no service imports another service; no import cycles inside a service.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())

# Modules at a service's root: the app factory, settings, the declarative base, the KPI spec,
# the demo seed and the service-wide pages and texts.
ROOT_MODULES = {"__init__", "app", "config", "db", "kpi", "demo", "pages", "messages"}
HTTP_MODULES = {"api", "pages"}
# Where SQLAlchemy may be used: tables, queries, use cases, jobs, event handlers, the demo seed.
SQL_MODULES = {"models", "repository", "service", "jobs", "consumer", "demo", "db", "kpi", "app"}
FRAMEWORK = ("fastapi", "starlette")


@dataclass(frozen=True)
class Module:
    service: str  # "delivery-broker"
    package: str  # "smartdist_delivery_broker"
    name: str  # "smartdist_delivery_broker.orders.api"
    path: Path

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def noun(self) -> str | None:
        """The noun folder the module sits in (None at the service root or in migrations)."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 2 else None

    @property
    def where(self) -> str:
        return str(self.path.relative_to(ROOT))


@dataclass(frozen=True)
class Import:
    target: str  # the module imported (or the package an attribute was taken from)
    names: tuple[str, ...]  # for "from X import a, b": ("a", "b")
    line: int
    type_checking: bool  # under "if TYPE_CHECKING:" (not a runtime import)


def source_modules(service_dir: Path) -> Iterator[Module]:
    src = service_dir / "src"
    for package_dir in src.iterdir():
        if not package_dir.name.startswith("smartdist_"):
            continue
        for path in sorted(package_dir.rglob("*.py")):
            rel = path.relative_to(src).with_suffix("")
            if "migrations" in rel.parts:
                continue
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield Module(service_dir.name, package_dir.name, ".".join(parts), path)


def imports_of(module: Module) -> list[Import]:
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded.update(id(n) for child in node.body for n in ast.walk(child))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(alias.name, (), node.lineno, id(node) in guarded))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.name.split(".")
                if module.path.stem != "__init__":
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            found.append(Import(base, tuple(a.name for a in node.names), node.lineno, id(node) in guarded))
    return found


ALL_MODULES = [m for s in SERVICES for m in source_modules(s)]
IMPORTS = {m.name: imports_of(m) for m in ALL_MODULES}
MODULE_NAMES = {m.name for m in ALL_MODULES}


def resolved_targets(imp: Import) -> list[str]:
    """The modules an import really loads: ``from pkg import mod`` names the submodule."""
    subs = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in MODULE_NAMES]
    return subs or [imp.target]


def violations(check) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    for module in ALL_MODULES:
        for imp in IMPORTS[module.name]:
            message = check(module, imp)
            if message:
                out.append(f"{module.where}:{imp.line}: {message}")
    return out


def by_service(service: str) -> list[Module]:
    return [m for m in ALL_MODULES if m.service == service]


service_ids = [s.name for s in SERVICES]


@pytest.mark.parametrize("service", service_ids)
def test_no_service_imports_another(service: str) -> None:
    def check(module: Module, imp: Import) -> str | None:
        top = imp.target.split(".")[0]
        if module.service == service and top.startswith("smartdist_") and top != module.package:
            return f"imports {top}: services meet on the bus or over each other's REST API"
        return None

    found = violations(check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", service_ids)
def test_service_tests_import_no_other_service(service: str) -> None:
    own = f"smartdist_{service.replace('-', '_')}"
    bad = []
    for path in sorted((ROOT / "services" / service / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top.startswith("smartdist_") and top != own:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    bad.append(f"{where}: imports {top} (cross-service tests go in tests/)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("service", service_ids)
def test_http_layer_is_imported_only_by_the_app(service: str) -> None:
    def check(module: Module, imp: Import) -> str | None:
        if module.service != service or module.stem == "app":
            return None
        for target in resolved_targets(imp):
            if target.split(".")[-1] in HTTP_MODULES and target in MODULE_NAMES and target != module.name:
                return f"imports {target}: only app.py mounts the HTTP layer; share code through service.py"
        return None

    found = violations(check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", service_ids)
def test_sqlalchemy_only_where_the_data_lives(service: str) -> None:
    def check(module: Module, imp: Import) -> str | None:
        if module.service != service or imp.type_checking or not imp.target.startswith("sqlalchemy"):
            return None
        if module.stem in SQL_MODULES:
            return None
        return f"imports {imp.target} in {module.stem}.py: SQL goes in models/repository/service/jobs/consumer"

    found = violations(check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", service_ids)
def test_web_framework_only_in_the_http_layer(service: str) -> None:
    def check(module: Module, imp: Import) -> str | None:
        if module.service != service or imp.type_checking or not imp.target.startswith(FRAMEWORK):
            return None
        if module.stem in HTTP_MODULES or module.stem == "app" or module.noun is None:
            return None
        return f"imports {imp.target} in {module.stem}.py: HTTP belongs in api.py/pages.py"

    found = violations(check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", service_ids)
def test_jobs_live_in_jobs_modules(service: str) -> None:
    bad = []
    for module in by_service(service):
        if module.stem == "jobs":
            continue
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for deco in node.decorator_list:
                    if "job_task" in ast.unparse(deco):
                        bad.append(f"{module.where}:{node.lineno}: @job_task outside jobs.py")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("service", service_ids)
def test_settings_are_read_only_in_config(service: str) -> None:
    bad = []
    for module in by_service(service):
        if module.stem == "config":
            continue
        text = module.path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any("BaseSettings" in ast.unparse(b) for b in node.bases):
                bad.append(f"{module.where}:{node.lineno}: settings class outside config.py")
            if isinstance(node, ast.Attribute) and ast.unparse(node) in {"os.environ", "os.getenv"}:
                bad.append(f"{module.where}:{node.lineno}: reads the environment outside config.py")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("service", service_ids)
def test_templates_live_in_one_folder_per_service(service: str) -> None:
    src = ROOT / "services" / service / "src"
    folders = sorted(str(p.relative_to(ROOT)) for p in src.rglob("templates") if p.is_dir())
    package = f"smartdist_{service.replace('-', '_')}"
    assert all(f == f"services/{service}/src/{package}/templates" for f in folders), folders


@pytest.mark.parametrize("service", service_ids)
def test_root_holds_only_the_service_wide_modules(service: str) -> None:
    stray = [m.where for m in by_service(service) if m.noun is None and m.name.count(".") == 1]
    stray = [w for w in stray if Path(w).stem not in ROOT_MODULES]
    assert stray == [], "put these in a noun folder (or adapters/)"


@pytest.mark.parametrize("service", service_ids)
def test_no_import_cycles(service: str) -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    modules = {m.name for m in by_service(service)}
    for name in modules:
        for imp in IMPORTS[name]:
            if imp.type_checking:
                continue
            for target in resolved_targets(imp):
                if target in modules and target != name:
                    graph[name].add(target)
    cycles = [sorted(c) for c in strongly_connected(graph, modules) if len(c) > 1]
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def strongly_connected(graph: dict[str, set[str]], nodes: set[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (a service has a few hundred modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def test_the_checks_see_every_service() -> None:
    # A rule that reads no code cannot fail: make sure the walk found the six packages.
    assert {m.package for m in ALL_MODULES} == {
        "smartdist_dispatch",
        "smartdist_forecast",
        "smartdist_wms",
        "smartdist_delivery_broker",
        "smartdist_surplus_market",
        "smartdist_virtual_store",
    }
    assert len(IMPORTS) > 100
