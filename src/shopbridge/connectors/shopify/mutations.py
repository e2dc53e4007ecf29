"""Typed helpers for the mutations that need care: batching, compare-and-swap, idempotency keys.

The idempotency key comes from the job (``Job.idempotency_key``), so a retry of the same job sends
the same key and Shopify applies the change once. A push larger than Shopify's 250-quantity limit
is split; each chunk gets its own key derived from the job's key and the chunk number, so a retry
re-sends every chunk under the same keys (chunks already applied are answered from Shopify's
idempotency record, not applied twice).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["MAX_QUANTITIES", "QuantityChange", "chunk_key", "create_refund", "set_quantities"]

MAX_QUANTITIES = 250  # Shopify's cap on input arrays


class Mutator(Protocol):
    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


@dataclass(frozen=True)
class QuantityChange:
    """Set ``quantity`` at one item and location; ``expected`` is the compare-and-swap value.

    ``expected=None`` sends an explicit null (skip the check): only when shopbridge owns the figure.
    """

    inventory_item_id: str
    location_id: str
    quantity: int
    expected: int | None

    def as_input(self) -> dict[str, Any]:
        return {
            "inventoryItemId": self.inventory_item_id,
            "locationId": self.location_id,
            "quantity": self.quantity,
            "changeFromQuantity": self.expected,  # mandatory since 2026-04, even when null
        }


def chunk_key(key: str, number: int) -> str:
    """The idempotency key of chunk ``number`` of an operation keyed ``key`` (stable, UUID-shaped)."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, key), str(number)))


def _chunks(changes: Sequence[QuantityChange]) -> Iterator[Sequence[QuantityChange]]:
    for start in range(0, len(changes), MAX_QUANTITIES):
        yield changes[start : start + MAX_QUANTITIES]


def set_quantities(
    client: Mutator,
    changes: Sequence[QuantityChange],
    *,
    key: str,
    name: str = "available",
    reason: str = "correction",
    reference_uri: str | None = None,
) -> list[Any]:
    """``inventorySetQuantities`` in chunks of 250; returns each chunk's adjustment group."""
    groups = []
    for number, chunk in enumerate(_chunks(changes)):
        variables = {
            "input": {
                "name": name,
                "reason": reason,
                "referenceDocumentUri": reference_uri,
                "quantities": [change.as_input() for change in chunk],
            }
        }
        payload = client.mutate("inventory_set_quantities", variables, key=chunk_key(key, number))
        groups.append(payload.get("inventoryAdjustmentGroup"))
    return groups


def create_refund(client: Mutator, refund_input: Mapping[str, Any], *, key: str) -> Any:
    """``refundCreate`` with the job's idempotency key; returns the refund."""
    return client.mutate("refund_create", {"input": dict(refund_input)}, key=key).get("refund")
