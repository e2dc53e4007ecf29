"""``pip install`` of a built wheel works in a clean venv, with every artefact the program reads inside it.

What this does, and why:

- **Build** from a copy of the project's files (pyproject.toml, README.md, LICENSE, src/), so the
  build leaves nothing in the checkout. ``python -m build --wheel --no-isolation`` when ``build`` is
  installed; else ``pip wheel --no-deps --no-build-isolation --no-index`` when the installed
  setuptools can build this pyproject (77 or newer: the PEP 639 ``license``); else ``pip wheel
  --no-deps`` with build isolation fed only by the local package indexes pip is configured with
  (``file://`` URLs: no network). Skipped, saying so, when none of the three is possible.
- **Install** into a new venv (``python -m venv --without-pip``) with ``pip --python <venv> install
  --no-deps --no-index <wheel>``. The dependencies are not installed again (no network): a ``.pth``
  file puts the test environment's site-packages *after* the venv's own, so ``shopbridge`` itself can
  only come from the wheel, and the shared environment's editable install is not activated (a path
  in a ``.pth`` is added, the ``.pth`` files inside it are not run).
- **Run** ``shopbridge --help`` and ``shopbridge demo --no-serve --orders 5`` from an empty folder
  outside the checkout, without PYTHONPATH: the migrations, GraphQL documents, Shopify schema, Sage 200
  OpenAPI files, templates, runbooks and starter config all come from the installed package.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel"), pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
_PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")
_SETUPTOOLS_FOR_PEP639 = (77, 0)


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    how: str

    @property
    def shopbridge(self) -> Path:
        return self.venv / "bin" / "shopbridge"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command (without the checkout on PYTHONPATH unless ``env`` says otherwise); its stdout."""
    line = [str(a) for a in args]
    done = subprocess.run(
        line,
        cwd=cwd,
        env=_outside_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(line)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _copy_project(to: Path) -> Path:
    for name in _PROJECT_FILES:
        shutil.copy2(ROOT / name, to / name)
    shutil.copytree(ROOT / "src", to / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return to


def _setuptools_version() -> tuple[int, int]:
    try:
        from importlib.metadata import version

        major, minor = version("setuptools").split(".")[:2]
        return int(major), int(minor)
    except Exception:
        return (0, 0)


def _local_indexes() -> list[str]:
    """The ``file://`` package indexes pip is configured with (never a network one)."""
    listed = _run([sys.executable, "-m", "pip", "config", "list"], cwd=ROOT)
    urls: list[str] = []
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(("index-url", "extra-index-url")):
            urls += [u for u in value.strip("'\"").split() if u.startswith("file://")]
    return list(dict.fromkeys(urls))


def _offline_env(indexes: list[str]) -> dict[str, str]:
    env = _outside_env()
    env["PIP_INDEX_URL"] = indexes[0]
    env["PIP_EXTRA_INDEX_URL"] = " ".join(indexes[1:])
    return env


def build_wheel(source: Path, out: Path) -> str:
    """Build the wheel into ``out`` without the network; returns the command used."""
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, source]
    if importlib.util.find_spec("build") is not None:
        _run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, source], cwd=source
        )
        return "python -m build --wheel --no-isolation"
    if _setuptools_version() >= _SETUPTOOLS_FOR_PEP639:
        _run([*pip_wheel, "--no-build-isolation", "--no-index"], cwd=source)
        return "pip wheel --no-deps --no-build-isolation --no-index"
    indexes = _local_indexes()
    if not indexes:
        pytest.skip(
            f"setuptools {'.'.join(map(str, _setuptools_version()))} here cannot build pyproject.toml "
            "(PEP 639 license needs 77+), `build` is not installed and pip knows no local index"
        )
    _run(pip_wheel, cwd=source, env=_offline_env(indexes))
    return f"pip wheel --no-deps, build isolation from {' '.join(indexes)}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    _copy_project(source)
    out = base / "dist"
    how = build_wheel(source, out)
    (wheel,) = out.glob("shopbridge-*.whl")
    venv = base / "venv"
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base)
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
        cwd=base,
    )
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([python, "-c", purelib], cwd=base).strip())
    (site / "_shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    yield Installed(venv, wheel, how)


def _outside_env() -> dict[str, str]:
    """This environment without PYTHONPATH (the checkout's src/) or a configuration file."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SHOPBRIDGE_CONFIG")}
    env["COLUMNS"] = "200"
    return env


def test_the_package_comes_from_the_wheel_not_the_checkout(installed: Installed, tmp_path: Path) -> None:
    code = "import shopbridge, sys; print(shopbridge.__file__)"
    where = Path(_run([installed.python, "-c", code], cwd=tmp_path, env=_outside_env()).strip())
    assert where.is_relative_to(installed.venv), where
    assert not where.is_relative_to(ROOT)


def test_shopbridge_help_runs_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    shown = _run([installed.shopbridge, "--help"], cwd=tmp_path, env=_outside_env())
    for command in ("run", "worker", "migrate", "demo", "connect", "import"):
        assert f" {command} " in shown, command


def test_the_demo_runs_from_the_wheel_outside_the_checkout(installed: Installed, tmp_path: Path) -> None:
    _run([installed.shopbridge, "demo", "--no-serve", "--orders", "5"], cwd=tmp_path, env=_outside_env())
    report = json.loads((tmp_path / "var" / "demo" / "report.json").read_text(encoding="utf-8"))
    assert report["reconciliation"]["agrees"] is True
    assert report["erp"]["reachable"] is True
