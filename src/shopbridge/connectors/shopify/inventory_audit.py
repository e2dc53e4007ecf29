"""The Shopify side of the full stock audit: one bulk read of every level, polled, streamed, repaired.

The read is a bulk query over ``inventoryItems`` and their ``inventoryLevels`` (two connections, the
nesting Shopify allows) asking only the ``available`` quantity. Its JSONL has one line per item and
one per level, the level naming its item in ``__parentId``; only level lines are turned into
:class:`ShopifyLevel`, one at a time, so memory stays flat whatever the shop's size.

Polling backs off (Shopify's guidance: poll a bulk operation every few seconds, not in a tight
loop): the interval doubles from ``first_interval`` up to ``max_interval``. A read that ends
CANCELED (someone cancelled it in Shopify, or another app did) or FAILED raises ``RetryLater``:
nothing has been repaired at that point, so the next attempt simply starts a new read.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shopbridge.connectors.shopify.bulk import BulkOperation, GraphQLClient, fetch_bulk, start_bulk_query
from shopbridge.connectors.shopify.bulk import stream_jsonl as _stream_jsonl
from shopbridge.connectors.shopify.errors import StaleQuantity
from shopbridge.connectors.shopify.mutations import MAX_QUANTITIES, QuantityChange, set_quantities
from shopbridge.domain.stock_audit import Drift, ShopifyLevel
from shopbridge.errors import BadInput, RetryLater

__all__ = [
    "LEVELS_QUERY",
    "Backoff",
    "levels_from_lines",
    "read_levels",
    "repair",
    "start_read",
    "wait_read",
]

LEVELS_QUERY = (
    "{ inventoryItems { edges { node { id inventoryLevels { edges { node { "
    'location { id } quantities(names: ["available"]) { name quantity } } } } } } } }'
)
REPAIR_REASON = "correction"
REPAIR_REFERENCE = "shopbridge://stock-audit"


@dataclass(frozen=True)
class Backoff:
    """Poll intervals: ``first_interval`` doubling to ``max_interval``; give up after ``deadline`` s."""

    first_interval: float = 1.0
    max_interval: float = 30.0
    deadline: float = 3 * 3600.0

    def intervals(self) -> Iterator[float]:
        interval = self.first_interval
        while True:
            yield interval
            interval = min(self.max_interval, interval * 2)


def start_read(client: GraphQLClient) -> str:
    """Start the bulk read of every level; returns the operation's id."""
    return start_bulk_query(client, LEVELS_QUERY).id


def wait_read(
    client: GraphQLClient,
    operation_id: str,
    *,
    backoff: Backoff = Backoff(),
    progress: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll with backoff until the read completes; its object count. RetryLater if it did not."""
    waited = 0.0
    for interval in backoff.intervals():
        operation = fetch_bulk(client, operation_id)
        if progress is not None:
            progress(operation.object_count)
        if operation.finished:
            return _completed(operation)
        if waited >= backoff.deadline:
            raise RetryLater(
                f"the stock audit's bulk read {operation_id} is still {operation.status} "
                f"after {waited:.0f} s; the next audit starts a new one",
                details={"operation": operation_id, "status": operation.status},
            )
        sleep(interval)
        waited += interval
    raise AssertionError("unreachable: the intervals never end")  # pragma: no cover


def _completed(operation: BulkOperation) -> int:
    if operation.status != "COMPLETED":
        raise RetryLater(
            f"the stock audit's bulk read {operation.id} ended {operation.status}"
            + (f" ({operation.error_code})" if operation.error_code else "")
            + "; nothing was repaired, the audit runs again later",
            retry_after=300.0,
            details={
                "operation": operation.id,
                "status": operation.status,
                "errorCode": operation.error_code,
            },
        )
    return operation.object_count


def read_levels(client: GraphQLClient, operation_id: str) -> Iterator[ShopifyLevel]:
    """Stream the levels of a completed read (a read without objects has no file: no levels)."""
    operation = fetch_bulk(client, operation_id)
    if operation.status != "COMPLETED":
        raise RetryLater(f"the bulk read {operation_id} is {operation.status}, not COMPLETED")
    if not operation.url:
        return iter(())
    return levels_from_lines(_stream_jsonl(operation.url))


def levels_from_lines(lines: Iterator[Mapping[str, Any]]) -> Iterator[ShopifyLevel]:
    """The level lines of the read's JSONL (they have a ``location``), as canonical levels."""
    for line in lines:
        if "location" not in line:
            continue  # an inventory item's own line
        yield _level(line)


def _level(line: Mapping[str, Any]) -> ShopifyLevel:
    try:
        quantities = {q["name"]: int(q["quantity"]) for q in line["quantities"]}
        return ShopifyLevel(str(line["location"]["id"]), str(line["__parentId"]), quantities["available"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"the bulk read has a level line without its fields: {line}") from exc


def repair(client: GraphQLClient, drifts: Sequence[Drift], *, key: str) -> int:
    """Set up to 250 drifted levels back; a stale level is dropped and the rest sent again once."""
    if len(drifts) > MAX_QUANTITIES:
        raise ValueError(f"repair at most {MAX_QUANTITIES} levels per call, not {len(drifts)}")
    pending = list(drifts)
    for _attempt in range(2):
        if not pending:
            return 0
        try:
            _send(client, pending, key)
            return len(pending)
        except StaleQuantity as exc:
            stale = _stale_indexes(exc.details)
            pending = [drift for i, drift in enumerate(pending) if i not in stale]
    return 0  # stale twice in a row: the levels are being written right now; the next audit looks again


def _send(client: GraphQLClient, drifts: Sequence[Drift], key: str) -> None:
    changes = [QuantityChange(d.inventory_item_id, d.location_id, d.expected, d.shopify) for d in drifts]
    set_quantities(
        client,
        changes,
        key=_content_key(key, changes),
        reason=REPAIR_REASON,
        reference_uri=REPAIR_REFERENCE,
    )


def _content_key(key: str, changes: Sequence[QuantityChange]) -> str:
    """A key per (job, exact batch): a retry of the same batch replays, a re-read batch is new work.

    The job's key alone would be reused by a retry that read different levels, and Shopify refuses a
    key seen with other parameters (IDEMPOTENCY_KEY_PARAMETER_MISMATCH).
    """
    digest = hashlib.sha256(json.dumps([c.as_input() for c in changes], sort_keys=True).encode()).hexdigest()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{digest}"))


def _stale_indexes(details: Mapping[str, Any]) -> set[int]:
    """The batch positions Shopify named in its stale errors (``input.quantities.<i>.changeFrom...``)."""
    stale = set()
    for code, path in zip(details.get("codes", []), details.get("fields", []), strict=False):
        if code == "CHANGE_FROM_QUANTITY_STALE" and path and len(path) > 2 and str(path[2]).isdigit():
            stale.add(int(path[2]))
    return stale
