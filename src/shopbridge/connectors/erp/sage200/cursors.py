"""Change cursors over ``date_time_updated`` with an overlap window (pure).

Sage stamps records with ``date_time_updated``; a record committed a moment late can carry a stamp
older than one already read. So each read starts ``OVERLAP`` before the watermark and drops what the
cursor remembers returning (record id + its stamp): a change is returned once, a re-read converges.
The cursor is compact JSON: ``{"w": watermark, "seen": [[id, stamp], ...]}`` (only stamps inside the
window are remembered, so it stays small).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shopbridge.connectors.erp.sage200.translate import format_time, parse_time

OVERLAP = timedelta(seconds=5)


@dataclass(frozen=True)
class ChangeCursor:
    watermark: datetime | None = None
    seen: frozenset[tuple[int, str]] = field(default_factory=frozenset)

    @classmethod
    def decode(cls, text: str | None) -> ChangeCursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            seen = frozenset((int(i), str(s)) for i, s in data.get("seen", []))
            return cls(parse_time(data["w"]) if data.get("w") else None, seen)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a Sage 200 change cursor: {text!r}") from exc

    def encode(self) -> str:
        return json.dumps(
            {"w": format_time(self.watermark) if self.watermark else None, "seen": sorted(self.seen)},
            separators=(",", ":"),
        )

    def since(self) -> datetime | None:
        """Where the next read starts (the watermark less the overlap)."""
        return self.watermark - OVERLAP if self.watermark else None

    def is_new(self, record_id: int, stamp: str) -> bool:
        return (record_id, stamp) not in self.seen

    def advance(self, returned: Iterable[tuple[int, str]]) -> ChangeCursor:
        pairs = set(self.seen) | set(returned)
        if not pairs:
            return self
        newest = max(parse_time(s) for _, s in pairs)
        watermark = max(newest, self.watermark) if self.watermark else newest
        floor = watermark - OVERLAP
        return ChangeCursor(watermark, frozenset(p for p in pairs if parse_time(p[1]) >= floor))
