"""Gating and SKU integrity: which products may be on sale, which SKUs are ambiguous (table tests)."""

from __future__ import annotations

import pytest

from shopbridge.domain.catalogue import (
    CatalogueProduct,
    CatalogueVariant,
    Gate,
    GateMode,
    Verdict,
    decide,
    decide_all,
    duplicate_skus,
    empty_sku_variants,
    gate_for,
    skus_to_check,
)
from shopbridge.domain.records import Item, ItemStatus

ACTIVE, INACTIVE = ItemStatus.ACTIVE, ItemStatus.INACTIVE
BUNDLES = {"SET-1": {"MUG-01": 2, "TEE-M": 1}}


def product(status: str, *skus: str, pid: str = "P1") -> CatalogueProduct:
    variants = tuple(CatalogueVariant(f"{pid}-V{n}", sku) for n, sku in enumerate(skus))
    return CatalogueProduct(pid, "A product", status, variants)


def items(**statuses: ItemStatus) -> dict[str, Item]:
    return {sku.replace("_", "-"): Item(sku.replace("_", "-"), status=st) for sku, st in statuses.items()}


GATED = Gate("P1", GateMode.DRAFT, prior_status="ACTIVE", blocking=("TEE-M",))


@pytest.mark.parametrize(
    ("case", "status", "skus", "erp", "gate", "verdict", "missing", "inactive"),
    [
        (
            "all active",
            "ACTIVE",
            ("TEE-M", "TEE-L"),
            items(TEE_M=ACTIVE, TEE_L=ACTIVE),
            None,
            Verdict.SELLABLE,
            (),
            (),
        ),
        (
            "one SKU missing",
            "ACTIVE",
            ("TEE-M", "TEE-L"),
            items(TEE_M=ACTIVE),
            None,
            Verdict.GATE,
            ("TEE-L",),
            (),
        ),
        (
            "one item inactive: withdrawn",
            "ACTIVE",
            ("TEE-M",),
            items(TEE_M=INACTIVE),
            None,
            Verdict.WITHDRAW,
            (),
            ("TEE-M",),
        ),
        (
            "missing and inactive: gated",
            "ACTIVE",
            ("TEE-M", "X"),
            items(TEE_M=INACTIVE),
            None,
            Verdict.GATE,
            ("X",),
            ("TEE-M",),
        ),
        ("unlisted is on sale too", "UNLISTED", ("X",), {}, None, Verdict.GATE, ("X",), ()),
        ("drafted by a person: not ours", "DRAFT", ("X",), {}, None, Verdict.NOT_OURS, ("X",), ()),
        ("archived: not ours", "ARCHIVED", ("X",), {}, None, Verdict.NOT_OURS, ("X",), ()),
        ("gated, still missing", "DRAFT", ("TEE-M",), {}, GATED, Verdict.STILL_GATED, ("TEE-M",), ()),
        (
            "gated, now active: release",
            "DRAFT",
            ("TEE-M",),
            items(TEE_M=ACTIVE),
            GATED,
            Verdict.RELEASE,
            (),
            (),
        ),
        (
            "gated, still inactive",
            "DRAFT",
            ("TEE-M",),
            items(TEE_M=INACTIVE),
            GATED,
            Verdict.STILL_GATED,
            (),
            ("TEE-M",),
        ),
        (
            "bundle: components active",
            "ACTIVE",
            ("SET-1",),
            items(MUG_01=ACTIVE, TEE_M=ACTIVE),
            None,
            Verdict.SELLABLE,
            (),
            (),
        ),
        (
            "bundle: a component inactive",
            "ACTIVE",
            ("SET-1",),
            items(MUG_01=INACTIVE, TEE_M=ACTIVE),
            None,
            Verdict.WITHDRAW,
            (),
            ("MUG-01",),
        ),
    ],
)
def test_a_product_is_sold_only_when_the_erp_has_every_sku_active(
    case: str,
    status: str,
    skus: tuple[str, ...],
    erp: dict[str, Item],
    gate: Gate | None,
    verdict: Verdict,
    missing: tuple[str, ...],
    inactive: tuple[str, ...],
) -> None:
    decision = decide(product(status, *skus), erp, gate, bundles=BUNDLES)
    assert (decision.verdict, decision.missing, decision.inactive) == (verdict, missing, inactive), case


def test_a_variant_without_a_sku_gates_its_product() -> None:
    decision = decide(product("ACTIVE", "TEE-M", ""), items(TEE_M=ACTIVE), None, bundles={})
    assert decision.verdict is Verdict.GATE and decision.unskued == ("P1-V1",)


def test_a_gated_product_with_a_variant_still_without_sku_stays_gated() -> None:
    decision = decide(product("DRAFT", "TEE-M", ""), items(TEE_M=ACTIVE), GATED, bundles={})
    assert decision.verdict is Verdict.STILL_GATED


def test_a_product_without_variants_is_left_alone() -> None:
    assert decide(product("ACTIVE"), {}, None, bundles={}).verdict is Verdict.NOT_OURS


def test_a_bundle_is_checked_through_its_components() -> None:
    assert skus_to_check(product("ACTIVE", "SET-1", "TEE-M"), BUNDLES) == ("MUG-01", "TEE-M")


def test_archived_products_are_skipped_unless_shopbridge_gated_them() -> None:
    archived = product("ARCHIVED", "X", pid="P9")
    assert decide_all([archived], {}, {}, bundles={}) == []
    gate = Gate("P9", GateMode.DRAFT, prior_status="ACTIVE")
    assert [d.verdict for d in decide_all([archived], {}, {"P9": gate}, bundles={})] == [Verdict.STILL_GATED]


@pytest.mark.parametrize(
    ("mode", "publications", "kept"),
    [(GateMode.DRAFT, ("Pub1",), ()), (GateMode.UNPUBLISH, ("Pub1", "Pub2"), ("Pub1", "Pub2"))],
)
def test_a_gate_remembers_what_to_restore(
    mode: GateMode, publications: tuple[str, ...], kept: tuple[str, ...]
) -> None:
    on_sale = CatalogueProduct("P1", "T", "UNLISTED", (CatalogueVariant("V", "X"),), publications)
    gate = gate_for(decide(on_sale, items(X=INACTIVE), None, bundles={}), mode)
    assert (gate.prior_status, gate.publications, gate.blocking, gate.withdrawn) == (
        "UNLISTED",
        kept,
        ("X",),
        True,
    )


@pytest.mark.parametrize(
    ("case", "catalogue", "expected"),
    [
        ("none", [product("ACTIVE", "A", "B", pid="P1")], {}),
        (
            "across products, any status",
            [product("ACTIVE", "A", pid="P1"), product("DRAFT", "A", pid="P2")],
            {"A": ("P1-V0", "P2-V0")},
        ),
        ("within one product", [product("ACTIVE", "A", "A", pid="P1")], {"A": ("P1-V0", "P1-V1")}),
        ("empty SKUs are not duplicates", [product("ACTIVE", "", "", pid="P1")], {}),
    ],
)
def test_duplicate_skus_are_found_across_variants(
    case: str, catalogue: list[CatalogueProduct], expected: dict[str, tuple[str, ...]]
) -> None:
    assert duplicate_skus(catalogue) == expected, case


def test_variants_without_a_sku_are_listed_per_product() -> None:
    found = empty_sku_variants([product("ACTIVE", "A", "", pid="P1"), product("ACTIVE", "B", pid="P2")])
    assert found == {"P1": ("P1-V1",)}
