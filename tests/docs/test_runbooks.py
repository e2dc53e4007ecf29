"""Every problem kind has a section in its team's runbook, and every section is a real kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shopbridge.domain.problems import ProblemKind

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"


def _sections(name: str) -> set[str]:
    text = (RUNBOOKS / f"{name}.md").read_text(encoding="utf-8")
    return set(re.findall(r"^## ([a-z_]+)$", text, flags=re.MULTILINE))


@pytest.mark.parametrize("kind", list(ProblemKind), ids=lambda kind: kind.value)
def test_each_kind_has_a_section_in_its_teams_runbook(kind: ProblemKind) -> None:
    path, anchor = kind.runbook.split("#")
    name = Path(path).stem
    assert anchor == kind.value
    assert kind.value in _sections(name), f"docs/runbooks/{name}.md has no '## {kind.value}' section"


def test_every_section_names_a_kind_owned_by_that_runbooks_team() -> None:
    for path in RUNBOOKS.glob("*.md"):
        if path.name == "README.md":
            continue
        for section in _sections(path.stem):
            kind = ProblemKind(section)  # a stale section (a kind that no longer exists) fails here
            assert Path(kind.runbook.split("#")[0]).stem == path.stem, f"{section} is in {path.name}"


def test_each_section_says_what_happened_and_what_to_do_or_how_it_closes() -> None:
    for path in RUNBOOKS.glob("*.md"):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        for body in re.split(r"^## [a-z_]+$", text, flags=re.MULTILINE)[1:]:
            assert "**What happened.**" in body, path.name
            assert "**What to do.**" in body or "**Closes**" in body, path.name
