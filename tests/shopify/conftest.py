"""Shared fixtures for the Shopify connector tests."""

from __future__ import annotations

from importlib import resources

import pytest
from graphql import GraphQLSchema, build_schema


@pytest.fixture(scope="session")
def admin_schema() -> GraphQLSchema:
    """The pinned Admin schema, built once per session (3.8 MB of SDL).

    ``assume_valid``: the published SDL breaks graphql-core's own schema rules in a few places
    (deprecated implementations of non-deprecated interface fields); the schema is Shopify's and
    what we check is our documents against it.
    """
    sdl = resources.files("shopbridge.reference") / "shopify" / "admin-graphql-2026-07.graphql"
    return build_schema(sdl.read_text(encoding="utf-8"), assume_valid=True)


class FakeTime:
    """A monotonic clock whose ``sleep`` moves time instead of waiting; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
