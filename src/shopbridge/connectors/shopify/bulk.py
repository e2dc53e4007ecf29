"""Bulk operations: full reads outside the cost limit, delivered as a JSONL file.

Start with :func:`start_bulk_query`, then either poll :func:`wait_for_bulk` or react to the
``bulk_operations/finish`` webhook (its body names the operation), and read the result with
:func:`stream_jsonl`, which streams the file line by line so a catalogue of any size needs memory
for one line only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from shopbridge.connectors.shopify.pagination import Executor
from shopbridge.errors import NeedsPerson, RetryLater

__all__ = ["BulkOperation", "fetch_bulk", "start_bulk_query", "stream_jsonl", "wait_for_bulk"]


class GraphQLClient(Executor, Protocol):
    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


_RUNNING = {"CREATED", "RUNNING", "CANCELING"}


@dataclass(frozen=True)
class BulkOperation:
    id: str
    status: str
    url: str | None = None
    error_code: str | None = None
    object_count: int = 0

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> BulkOperation:
        return cls(
            id=str(node["id"]),
            status=str(node.get("status") or ""),
            url=node.get("url"),
            error_code=node.get("errorCode"),
            object_count=int(node.get("objectCount") or 0),
        )

    @property
    def finished(self) -> bool:
        return self.status not in _RUNNING


def start_bulk_query(client: GraphQLClient, query: str, *, group_objects: bool = False) -> BulkOperation:
    """Start a bulk query; ``OPERATION_IN_PROGRESS`` and friends surface as errors via ``mutate``."""
    payload = client.mutate("bulk_operation_run_query", {"query": query, "groupObjects": group_objects})
    return BulkOperation.from_node(payload["bulkOperation"])


def fetch_bulk(client: Executor, operation_id: str) -> BulkOperation:
    data = client.execute("bulk_operation_by_id", {"id": operation_id})
    node = (data or {}).get("node")
    if not node:
        raise NeedsPerson(f"Shopify has no bulk operation {operation_id}", details={"id": operation_id})
    return BulkOperation.from_node(node)


def wait_for_bulk(
    client: Executor,
    operation_id: str,
    *,
    interval: float = 2.0,
    timeout: float = 3600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> BulkOperation:
    """Poll until the operation leaves CREATED/RUNNING; raise unless it COMPLETED."""
    waited = 0.0
    while True:
        operation = fetch_bulk(client, operation_id)
        if operation.finished:
            break
        if waited >= timeout:
            raise RetryLater(f"bulk operation {operation_id} still {operation.status} after {timeout:.0f} s")
        sleep(interval)
        waited += interval
    if operation.status != "COMPLETED":
        raise NeedsPerson(
            f"bulk operation {operation_id} ended {operation.status} ({operation.error_code})",
            details={"status": operation.status, "errorCode": operation.error_code},
        )
    return operation


def stream_jsonl(url: str, *, http: httpx.Client | None = None) -> Iterator[dict[str, Any]]:
    """Yield each JSON object of the result file at ``url``, reading it as a stream."""
    owned = http is None
    client = http or httpx.Client(timeout=60.0)
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise RetryLater(f"bulk result {url} answered {response.status_code}")
            for line in response.iter_lines():
                if line.strip():
                    yield json.loads(line)
    except httpx.TransportError as exc:
        raise RetryLater(f"cannot read the bulk result: {exc}") from exc
    finally:
        if owned:
            client.close()
