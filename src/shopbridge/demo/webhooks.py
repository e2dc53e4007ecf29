"""The demo's webhook emitter: drops and duplicates decided by (seed, event), not by arrival order.

The sandbox's emitter draws its faults from one ``random.Random`` in the order events reach it. In the
demo, events come from the trading day *and* from shopbridge writing ERP numbers back to Shopify on
worker threads, so that order (and with it which webhook is dropped) changed from run to run. Here
each decision is a pure function of the seed and the event's content (its topic, its resource and
its body without the fields, at any depth, that carry wall-clock time or the ERP's numbering), so one
seed gives the same drops and duplicates every run. Webhook and event ids are derived the same way.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict
from typing import Any

from shopbridge.sandbox.shopify.webhooks import Delivery, WebhookEmitter

# Fields whose values depend on when (wall clock) or in which order (ERP document numbers) things
# happened, not on what happened.
VOLATILE = frozenset({"updated_at", "tags", "processed_at_wall", "note_attributes", "metafields"})


def stable(value: Any) -> Any:
    """``value`` without volatile fields, at any depth: those in :data:`VOLATILE` and every ``*_at``.

    The simulated day stamps its events with its own clock, but what the demo does around it (the
    VAT-exclusive order, the edits and the cancellation after posting) happens on the wall clock, and
    those stamps sit in nested objects too (the order's customer, a refund's transactions, the order
    edit), so the same day gave different digests, and different drops, from run to run.
    """
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE and not str(k).endswith("_at")}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def event_digest(seed: int | None, topic: str, payload: dict[str, Any]) -> str:
    text = json.dumps(stable(payload), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{seed}|{topic}|{text}".encode()).hexdigest()


def fraction(digest: str, purpose: str) -> float:
    """A number in [0, 1) drawn from the digest, independent per purpose."""
    value = hashlib.sha256(f"{digest}|{purpose}".encode()).digest()
    return int.from_bytes(value[:8], "big") / 2**64


class SeededEmitter(WebhookEmitter):
    """:class:`WebhookEmitter` with per-event fault decisions (see the module docstring)."""

    _occurrences: dict[str, int]

    def on_event(self, topic: str, payload: dict[str, Any]) -> None:
        with self._cond:
            s = self.settings
            if not s.address or (s.topics is not None and topic not in s.topics):
                return
            self.stats.triggered += 1
            digest = event_digest(s.seed, topic, payload)
            occurrences = self.__dict__.setdefault("_occurrences", {})
            nth = occurrences[digest] = occurrences.get(digest, 0) + 1
            key = f"{digest}#{nth}"
            delivery = self._new_delivery(topic, payload, str(s.address), None)  # the legacy target
            delivery.webhook_id = str(uuid.UUID(bytes=hashlib.sha256(f"{key}|w".encode()).digest()[:16]))
            delivery.event_id = str(uuid.UUID(bytes=hashlib.sha256(f"{key}|e".encode()).digest()[:16]))
            if fraction(key, "drop") < s.drop_rate:
                self.stats.dropped += 1
                return
            self._push(delivery, self._first_delay())
            if fraction(key, "duplicate") < s.duplicate_rate:
                self.stats.duplicated += 1
                self._push(Delivery(**{**asdict(delivery), "duplicate": True}), self._first_delay())
