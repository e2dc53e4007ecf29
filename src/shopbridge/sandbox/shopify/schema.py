"""The real Shopify Admin schema (2026-07), built once per process."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from graphql import GraphQLSchema, build_schema

API_VERSION = "2026-07"
_SDL_PACKAGE = "shopbridge.reference"
_SDL_FILE = f"shopify/admin-graphql-{API_VERSION}.graphql"


def schema_sdl() -> str:
    return resources.files(_SDL_PACKAGE).joinpath(_SDL_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def admin_schema() -> GraphQLSchema:
    """The built schema; building takes about two seconds, so it is done once and shared.

    Shopify's own schema breaks one rule graphql-core 3.3 enforces (an implementation field may
    not be deprecated when the interface field is not: e.g. ``Customer.hasTimelineComment``).
    Shopify serves it regardless, so the sandbox records the schema as already validated rather
    than refusing every request.
    """
    schema = build_schema(schema_sdl(), assume_valid_sdl=True)
    schema._validation_errors = []
    return schema
