"""The session's demo days (``demo_days.day_of``), one per ERP, shared by every demo test."""

from __future__ import annotations

from demo_days import day_of

__all__ = ["day_of"]
