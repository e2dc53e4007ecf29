"""One demo day per ERP for the whole session: each feature's checks read the same day's report.

``conftest.py`` makes :func:`day_of` a fixture; the test modules import the rest from here.

A demo day is a real ``shopbridge demo`` process (about a minute); running it once per ERP and
letting every flow's test read its ``report.json`` keeps the suite's time flat as flows are added.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The day every flow's demo test reads. Sage 200 gets lossy webhooks on top (the intake is ERP-blind).
DAY_ARGS: dict[str, tuple[str, ...]] = {
    "sage200": ("--orders", "25", "--drop-rate", "0.3", "--duplicate-rate", "0.3"),
    "syspro": ("--orders", "25"),
    "prima": ("--orders", "25"),
    "tryton": ("--orders", "25"),
}


def on_day(erp: str) -> pytest.MarkDecorator:
    """Tests reading one ERP's day run in one process under ``pytest -n`` (``--dist loadgroup``),
    so each day is run once, not once per worker."""
    return pytest.mark.xdist_group(f"demo-{erp}")


def erp_param(erp: str, *values: object) -> Any:
    """A ``parametrize`` value for ``erp`` (and ``values``) with its day's group and marks."""
    marks = [on_day(erp), *([pytest.mark.tryton] if erp == "tryton" else [])]
    return pytest.param(erp, *values, marks=marks, id="-".join(str(v) for v in (erp, *values)))


# Every ERP, for the tests that check one flow's part of each ERP's day.
EVERY_ERP = [erp_param(erp) for erp in DAY_ARGS]


@dataclass(frozen=True)
class DemoDay:
    """A finished demo run: its exit, output, ``report.json`` and ``report.md``."""

    result: subprocess.CompletedProcess[str]
    report: dict[str, Any]
    markdown: str

    @property
    def output(self) -> str:
        return " ".join(self.result.stdout.split())


def run_demo(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shopbridge.cli", "demo", "--no-serve", "--workdir", str(workdir), *args]
    env = {**os.environ, "CI": "true"}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, check=False)


def finished_day(workdir: Path, *args: str) -> DemoDay | str:
    """The day, or why it did not finish (its output)."""
    result = run_demo(workdir, *args)
    if result.returncode != 0:
        return f"demo {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
    report = json.loads((workdir / "report.json").read_text())
    return DemoDay(result, report, (workdir / "report.md").read_text())


@pytest.fixture(scope="session")
def day_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], DemoDay]:
    """``day_of("sage200")``: that ERP's demo day, run on first use and kept for the session (a day
    that failed fails every test that reads it, with its output, without running again)."""
    days: dict[str, DemoDay | str] = {}

    def get(erp: str) -> DemoDay:
        if erp not in days:
            workdir = tmp_path_factory.mktemp(f"demo-{erp}")
            days[erp] = finished_day(workdir, "--erp", erp, *DAY_ARGS[erp])
        day = days[erp]
        if isinstance(day, str):
            pytest.fail(day)
        return day

    return get


DayOf = Callable[[str], DemoDay]
