"""Catalogue settings: the field ownership matrix (``[ownership]``) and how gating works (``[catalogue]``).

The defaults, and why, are in :mod:`shopbridge.domain.ownership` and docs/decisions.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shopbridge.domain.catalogue import GateMode
from shopbridge.domain.ownership import Owner, Ownership

__all__ = ["CatalogueSettings", "OwnershipSettings"]

_FieldOwner = Literal["shopify", "erp"]


class OwnershipSettings(BaseModel):
    """Which system owns each product field. The ERP's value is pushed only where the ERP owns it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: _FieldOwner = Field(default="shopify", description="product title")
    barcode: _FieldOwner = Field(default="erp", description="variant barcode")
    weight: _FieldOwner = Field(default="erp", description="inventory item weight")
    price: _FieldOwner = Field(default="shopify", description="variant price (B2B prices: price lists)")
    status: Literal["shopbridge", "shopify"] = Field(
        default="shopbridge", description="shopbridge gates products the ERP cannot sell; shopify: never"
    )

    def matrix(self) -> Ownership:
        return Ownership(
            title=Owner(self.title),
            barcode=Owner(self.barcode),
            weight=Owner(self.weight),
            price=Owner(self.price),
            status=Owner(self.status),
        )


class CatalogueSettings(BaseModel):
    """How the catalogue sweep keeps products the ERP cannot sell off sale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gate: GateMode = Field(default=GateMode.DRAFT, description="draft: status DRAFT; unpublish: off channels")
    page_size: int = Field(default=100, ge=1, le=250, description="variants read per Shopify page")
    full_every: int = Field(
        default=86_400,
        ge=0,
        description="seconds between whole-catalogue reads (the SKU index's heal); 0: every sweep",
    )
    change_overlap: int = Field(
        default=300,
        ge=0,
        description="seconds a changed-products read reaches back before the last sweep (clock skew)",
    )
