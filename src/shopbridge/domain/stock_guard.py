"""The implausible-drop guard: never zero the store because a system is down or answered nonsense.

If a sweep would take more than ``share`` of the SKUs Shopify currently sells (last pushed figure
above zero) to zero at once, the push is held: nothing is sent and a technical problem is raised.
A drop of fewer than ``min_skus`` SKUs is never held, so a small catalogue selling out is not a
false alarm. An ERP that cannot be read holds the push the same way (the flow decides that one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DropVerdict", "check_drop"]

Key = tuple[str, str]  # (sku, location)


@dataclass(frozen=True)
class DropVerdict:
    held: bool
    zeroed: tuple[str, ...]  # SKUs that would go from selling to zero everywhere
    selling: int  # SKUs selling now (the base of the share)

    @property
    def share(self) -> float:
        return len(self.zeroed) / self.selling if self.selling else 0.0


def check_drop(
    last_pushed: Mapping[Key, int], proposed: Mapping[Key, int], *, share: float = 0.5, min_skus: int = 2
) -> DropVerdict:
    """Compare what Shopify sells now with what the sweep proposes; hold when too much goes to zero."""
    selling = {sku for (sku, _), quantity in last_pushed.items() if quantity > 0}
    after: dict[str, int] = {}
    for (sku, location), quantity in last_pushed.items():
        after[sku] = after.get(sku, 0) + proposed.get((sku, location), quantity)
    zeroed = tuple(sorted(sku for sku in selling if after.get(sku, 0) == 0))
    held = len(zeroed) >= min_skus and len(zeroed) > share * len(selling)
    return DropVerdict(held=held, zeroed=zeroed, selling=len(selling))
