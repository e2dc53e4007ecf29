"""Bulk operations and cursor pagination against the sandbox: start, poll, stream the JSONL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.bulk import BulkOperation, start_bulk_query, stream_jsonl, wait_for_bulk
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.errors import RetryLater
from shopbridge.sandbox.shopify.server import SandboxServer

BULK_QUERY = "{ productVariants { edges { node { id sku inventoryItem { id } } } } }"


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def test_bulk_query_is_started_polled_and_streamed_line_by_line(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    operation = start_bulk_query(client, BULK_QUERY)
    done = wait_for_bulk(client, operation.id, interval=0.05, timeout=30)
    assert done.status == "COMPLETED" and done.url
    rows = list(stream_jsonl(done.url))
    skus = {row.get("sku") for row in rows}
    assert {"TEE-M", "MUG-01", "BUNDLE-BRK"} <= skus
    assert all(row["id"].startswith("gid://shopify/ProductVariant/") for row in rows)


def test_stream_jsonl_skips_blank_lines_and_reads_every_object() -> None:
    body = b'{"id": 1}\n\n{"id": 2}\n'
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with httpx.Client(transport=transport) as http:
        assert list(stream_jsonl("https://files.example/result.jsonl", http=http)) == [{"id": 1}, {"id": 2}]


def test_stream_jsonl_failure_is_retry_later() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    with httpx.Client(transport=transport) as http, pytest.raises(RetryLater):
        list(stream_jsonl("https://files.example/result.jsonl", http=http))


@pytest.mark.parametrize(
    ("status", "finished"), [("CREATED", False), ("RUNNING", False), ("COMPLETED", True), ("FAILED", True)]
)
def test_bulk_operation_knows_when_it_has_finished(status: str, finished: bool) -> None:
    assert BulkOperation(id="gid://shopify/BulkOperation/1", status=status).finished is finished
