"""A problem as a page or an API answer shows it: personal data masked unless an admin revealed it.

The rules are in :mod:`shopbridge.domain.personal_data`; this applies them to every free-text field
of a problem (a message may quote an email address, an entity may be a customer's email) and to its
stored payload. Card data is removed even from a revealed problem.
"""

from __future__ import annotations

from dataclasses import replace

from shopbridge.domain.personal_data import mask_personal_data, mask_text, reveal
from shopbridge.domain.problems import Problem

__all__ = ["problem_for"]


def problem_for(problem: Problem, *, revealed: bool) -> Problem:
    if revealed:
        return replace(problem, details=reveal(problem.details))
    return replace(
        problem,
        entity_id=mask_text(problem.entity_id),
        message=mask_text(problem.message),
        tried=mask_text(problem.tried),
        note=mask_text(problem.note),
        details=mask_personal_data(problem.details),
    )
