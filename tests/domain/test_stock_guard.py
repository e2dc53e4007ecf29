"""The implausible-drop guard: a mass drop to zero is held, an ordinary sell-out is not."""

from __future__ import annotations

import pytest

from shopbridge.domain.stock_guard import check_drop

L1, L2 = "L1", "L2"


def _selling(n: int) -> dict[tuple[str, str], int]:
    return {(f"S{i}", L1): 5 for i in range(n)}


@pytest.mark.parametrize(
    ("last", "proposed", "held", "zeroed"),
    [
        (_selling(10), {(f"S{i}", L1): 0 for i in range(6)}, True, 6),  # 60% to zero at once
        (_selling(10), {(f"S{i}", L1): 0 for i in range(5)}, False, 5),  # exactly half: not "more than"
        (_selling(10), {(f"S{i}", L1): 1 for i in range(10)}, False, 0),  # a drop, not to zero
        (_selling(1), {("S0", L1): 0}, False, 1),  # one SKU selling out is not implausible
        # A SKU still selling at another location is not zeroed.
        ({("A", L1): 5, ("A", L2): 5, ("B", L1): 5}, {("A", L1): 0, ("B", L1): 0}, False, 1),
        ({}, {("A", L1): 0}, False, 0),  # nothing selling yet: nothing to protect
    ],
)
def test_drop_guard(
    last: dict[tuple[str, str], int], proposed: dict[tuple[str, str], int], held: bool, zeroed: int
) -> None:
    verdict = check_drop(last, proposed)
    assert (verdict.held, len(verdict.zeroed)) == (held, zeroed)


def test_the_share_is_configurable() -> None:
    proposed = {(f"S{i}", L1): 0 for i in range(3)}
    assert check_drop(_selling(10), proposed, share=0.2).held
    assert not check_drop(_selling(10), proposed, share=0.5).held
