"""The layer rules of ARCHITECTURE.md, checked on the source: arrows point down.

- the domain imports only the standard library and itself;
- the sandbox wing imports nothing from connectors, flows or web (it would test us against ourselves);
- nothing in the package reads ../shared at run time.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "shopbridge"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("path", python_files("domain"), ids=lambda p: p.name)
def test_domain_imports_only_the_standard_library_and_itself(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        allowed = top in sys.stdlib_module_names or name.startswith("shopbridge.domain")
        assert allowed, f"{path.name} imports {name}: the domain must stay pure"


@pytest.mark.parametrize("path", python_files("sandbox"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sandbox_imports_nothing_from_connectors_flows_or_web(path: Path) -> None:
    forbidden = ("shopbridge.connectors", "shopbridge.flows", "shopbridge.web", "shopbridge.bootstrap")
    for name in imported_modules(path):
        assert not name.startswith(forbidden), f"{path} imports {name}"


def test_package_never_reads_the_shared_folder() -> None:
    offenders = [p for p in PACKAGE.rglob("*.py") if "../shared" in p.read_text(encoding="utf-8")]
    assert offenders == []


def _absolute_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against its package."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", python_files("sandbox"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sandbox_computes_without_the_domain(path: Path) -> None:
    # The sandbox stands in for Shopify and the ERPs: with its own money and rounding, a bug in
    # shopbridge.domain shows up as a disagreement instead of hiding behind the same bug.
    offenders = {
        name
        for name in _absolute_imports(path)
        if name == "shopbridge.domain" or name.startswith("shopbridge.domain.")
    }
    assert offenders == set(), f"{path} imports {sorted(offenders)}"


# A flow sees Shopify, the ERP and the store only through ports: no connector, no table, no SQL,
# no entrypoint. The engine modules it may use are the job record, the retry policy and the clock.
_FLOW_FORBIDDEN = (
    "shopbridge.connectors",
    "shopbridge.sandbox",
    "shopbridge.web",
    "shopbridge.cli",
    "shopbridge.bootstrap",
    "shopbridge.intake",
    "shopbridge.admin",
    "sqlalchemy",
    "httpx",
)
_FLOW_ENGINE_ALLOWED = ("shopbridge.engine.job", "shopbridge.engine.retry", "shopbridge.engine.clock")


@pytest.mark.parametrize("path", python_files("flows"), ids=lambda p: p.name)
def test_flows_use_ports_and_the_domain_never_connectors_or_tables(path: Path) -> None:
    for name in imported_modules(path):
        assert not name.startswith(_FLOW_FORBIDDEN), f"{path.name} imports {name}"
        if name.startswith("shopbridge.engine"):
            assert name.startswith(_FLOW_ENGINE_ALLOWED), f"{path.name} imports {name}: use the ports"


def test_flows_are_listed_explicitly_not_loaded_by_name() -> None:
    sources = [PACKAGE / "bootstrap.py", *python_files("flows")]
    offenders = [p.name for p in sources if "importlib" in p.read_text(encoding="utf-8")]
    assert offenders == []


@pytest.mark.parametrize("path", python_files("ports"), ids=lambda p: p.name)
def test_ports_import_only_the_domain_and_errors(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        ours = name.startswith(("shopbridge.domain", "shopbridge.errors"))
        allowed = top in sys.stdlib_module_names or ours
        assert allowed, f"{path.name} imports {name}"
