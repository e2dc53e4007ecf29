"""The configuration model: one TOML file, validated on load.

Every section forbids unknown keys (a typo is an error, not a silently ignored setting) and every
secret is a :class:`SecretRef`. One installation may serve several Shopify stores feeding one ERP:
each ``[[shops]]`` entry carries its own credentials, webhook secrets, locations and accounts.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shopbridge.config.alerts import AlertSettings
from shopbridge.config.catalogue import CatalogueSettings, OwnershipSettings
from shopbridge.config.erp import ErpSettings
from shopbridge.config.golive import DryRunSettings, GoLiveSettings
from shopbridge.config.order_names import check_order_references
from shopbridge.config.secrets import SecretRef

SHOPIFY_API_VERSION = "2026-07"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Strict):
    """Where the state lives. SQLite by default; PostgreSQL when several workers share the work."""

    url: str = Field(default="sqlite:///shopbridge.db", description="SQLAlchemy URL, or use url_env")
    url_env: str | None = Field(default=None, description="read the URL from this environment variable")
    pool_size: int = Field(default=5, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("use a sqlite:///path or postgresql+psycopg://user@host/db URL")
        return value


class RetrySettings(_Strict):
    """Backoff of failing jobs: ``min(cap, base * factor**(attempt-1))`` with ±``jitter`` spread."""

    base_seconds: float = Field(default=5.0, gt=0)
    factor: float = Field(default=2.0, ge=1)
    cap_seconds: float = Field(default=3600.0, gt=0)
    jitter: float = Field(default=0.2, ge=0, le=1)
    max_attempts: int = Field(default=10, ge=1, le=100)


class EngineSettings(_Strict):
    workers: int = Field(default=2, ge=1, le=64, description="worker threads in `shopbridge run`")
    lease_seconds: float = Field(default=60.0, gt=0)
    heartbeat_seconds: float = Field(default=15.0, gt=0)
    poll_seconds: float = Field(default=0.5, gt=0)
    # A worker runs its claimed batch one job after another, so a large batch of slow ERP calls would
    # sit with one worker while others idle: small by default, raise it for many quick jobs.
    batch_size: int = Field(default=4, ge=1, le=1000, description="jobs claimed per round trip")
    retry: RetrySettings = RetrySettings()

    @model_validator(mode="after")
    def _heartbeat_inside_lease(self) -> EngineSettings:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("heartbeat_seconds must be shorter than lease_seconds, or leases expire mid-job")
        return self


class WebSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    public_url: str = Field(default="", description="address Shopify delivers webhooks to")
    # Sign-in (see docs/decisions.md, "Access"). Without a session secret, each process makes a random
    # one at start (sessions end on restart) and the dashboard stays on loopback.
    session_secret: SecretRef | None = Field(
        default=None, description="signs session cookies; required to listen beyond loopback"
    )
    secure_cookies: bool | None = Field(
        default=None, description="mark cookies Secure; unset: when public_url starts with https://"
    )
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, description="a sign-in lasts this long")
    login_max_failures: int = Field(default=5, ge=1, description="failed sign-ins before refusing more")
    login_window_minutes: int = Field(default=15, ge=1, description="the window those failures count in")


class LookupSettings(_Strict):
    """Shopify value -> ERP code tables. Unknown values fall back to ``default`` where given."""

    payment_gateways: dict[str, str] = Field(default_factory=dict)
    shipping_methods: dict[str, str] = Field(default_factory=dict)
    tax_codes: dict[str, str] = Field(default_factory=dict, description="tax rate (e.g. '0.2') -> ERP code")
    carriers: dict[str, str] = Field(default_factory=dict, description="ERP courier -> Shopify carrier")


# The categories of a payout summary (domain/payouts.Category without suspense, which has its own key).
PayoutCategory = Literal[
    "sales",
    "shipping",
    "tax",
    "refunds",
    "fees",
    "chargebacks",
    "adjustments",
    "reserved_funds",
    "gift_cards",
]


class CurrencyAccounts(_Strict):
    """The ERP's ledger codes for one store's money in one currency (payout postings use these)."""

    bank: str = Field(description="bank account the Shopify payouts in this currency are paid into")
    clearing: str = Field(default="", description="Shopify Payments clearing (control) account")
    fees: str = Field(default="", description="expense account for card and payout fees")
    suspense: str = Field(default="", description="where unknown balance transaction types wait for finance")
    payouts: dict[PayoutCategory, str] = Field(
        default_factory=dict,
        description="payout category -> nominal code (sales, shipping, tax, refunds, fees, chargebacks, "
        "adjustments, reserved_funds, gift_cards); a category left out posts to `clearing`",
    )


class CutoffStatus(StrEnum):
    """ERP order statuses in which Shopify's edits and cancels may still reach the ERP by themselves."""

    OPEN = "open"
    PART_DISPATCHED = "part_dispatched"


class ShopSettings(_Strict):
    """One Shopify store."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="short name: uk, eu, us")
    domain: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
    access_token: SecretRef
    webhook_secrets: list[SecretRef] = Field(
        min_length=1, description="app client secrets; two during a rotation (old and new)"
    )
    admin_url: str = Field(default="", description="override for the sandbox; empty means https://<domain>")
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")
    restore_rate: float = Field(default=100.0, gt=0, description="cost points per second (plan)")
    order_trigger: Literal["paid", "authorized"] = "paid"
    locations: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Shopify location id (numeric or GID) -> ERP warehouse code, or a list of codes whose "
        "free stock adds up for the location (orders from the location post to the first)",
    )
    customer_account_prefix: str = ""
    default_customer_account: str = Field(default="", description="ERP account for guest checkouts")
    web_accounts: dict[str, str] = Field(
        default_factory=dict, description="ISO currency -> ERP web-sales account for guest checkouts"
    )
    company_accounts: dict[str, str] = Field(
        default_factory=dict, description="Shopify company id (numeric or GID) -> ERP account (B2B)"
    )
    create_customers: bool = Field(default=True, description="create ERP customers found by no email")
    test_orders: Literal["skip", "post"] = Field(default="skip", description="Shopify test orders")
    default_warehouse: str = Field(default="", description="for orders with no location; '' = ERP default")
    gift_card_sku: str = Field(default="", description="ERP non-stock item that gift cards sold post to")
    amendment_cutoff_minutes: int = Field(
        default=60, ge=0, description="edits and cancels reach the ERP this long after posting (0: no limit)"
    )
    amendment_cutoff_statuses: list[CutoffStatus] = Field(
        default_factory=lambda: [CutoffStatus.OPEN],
        description="ERP order statuses in which edits and cancels still reach the ERP",
    )
    accounts: dict[str, CurrencyAccounts] = Field(
        default_factory=dict, description="ISO currency -> this store's ledger codes in that currency"
    )
    lookups: LookupSettings | None = Field(
        default=None, description="this store's own lookup tables; absent: the global [lookups]"
    )
    notify_customers: bool = Field(
        default=True, description="Shopify emails the customer when a dispatch becomes a fulfilment"
    )
    saleable_return_locations: list[str] = Field(
        default_factory=list,
        description="Shopify locations (numeric id or GID) whose returned items go back on sale: "
        "a refund restocked there (restock type RETURN) restocks the ERP, or raises a restock task",
    )
    order_reference_prefix: str = Field(
        default="",
        max_length=10,
        pattern=r"^[A-Za-z0-9#_./-]*$",
        description="put before the Shopify order name in the ERP order's reference (e.g. 'EU-'); "
        "stores sharing the ERP need distinct ones unless order_names_distinct. Set it before the store "
        "goes live: orders posted under another prefix are no longer found (amend, cancel, dispatch, refund)",
    )
    order_names_distinct: bool = Field(
        default=False,
        description="this store's order names (its prefix/suffix in Shopify's order settings) never equal "
        "another configured store's, so it may share the ERP with the same order_reference_prefix",
    )

    @field_validator("accounts")
    @classmethod
    def _currency_keys(cls, value: dict[str, CurrencyAccounts]) -> dict[str, CurrencyAccounts]:
        bad = [key for key in value if len(key) != 3 or not key.isalpha() or not key.isupper()]
        if bad:
            raise ValueError(f"accounts are keyed by ISO currency codes like 'GBP', not {bad}")
        return value

    @property
    def admin_base(self) -> str:
        return (self.admin_url or f"https://{self.domain}").rstrip("/")

    @field_validator("locations")
    @classmethod
    def _warehouses_named(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        empty = [
            key for key, codes in value.items() if not codes or (isinstance(codes, list) and "" in codes)
        ]
        if empty:
            raise ValueError(f"locations {empty} name no ERP warehouse; give a code or a list of codes")
        return value

    @property
    def order_warehouses(self) -> dict[str, str]:
        """Shopify location -> the warehouse its orders post to (the first one listed)."""
        return {key: codes if isinstance(codes, str) else codes[0] for key, codes in self.locations.items()}

    @property
    def stock_warehouses(self) -> dict[str, tuple[str, ...]]:
        """Shopify location -> every warehouse whose free stock feeds it."""
        return {
            key: (codes,) if isinstance(codes, str) else tuple(codes) for key, codes in self.locations.items()
        }


class ScheduleSettings(_Strict):
    """How often each sweep runs, in seconds (0 turns a sweep off)."""

    order_sweep: int = Field(default=300, ge=0)
    order_sweep_overlap: int = Field(default=600, ge=0, description="re-read this far behind the watermark")
    erp_items: int = Field(default=300, ge=0)
    erp_stock: int = Field(default=120, ge=0)
    erp_dispatches: int = Field(default=300, ge=0)
    lease_reaper: int = Field(default=30, ge=0)
    catalogue: int = Field(default=600, ge=0, description="the catalogue sweep: gating, duplicate SKUs")
    alerts: int = Field(default=60, ge=0, description="send new and changed problems to [alerts] routes")
    price_lists: int = Field(default=3600, ge=0, description="ERP price lists -> B2B catalogs")
    stock_audit: int = Field(default=86400, ge=0, description="the full stock audit (a bulk read)")
    payouts: int = Field(default=3600, ge=0, description="Shopify Payments payouts into the ledger")
    refunds: int = Field(default=300, ge=0, description="the refunds sweep behind refunds/create")
    erp_stock_peak: int = Field(default=30, ge=0, description="the stock sweep's interval in peak mode")
    reconcile: int = Field(default=86400, ge=0, description="the daily reconciliation of the day before")


class FlowSettings(_Strict):
    orders: bool = True
    customers: bool = True
    stock: bool = True
    catalogue: bool = True
    fulfilments: bool = True
    refunds: bool = True
    payouts: bool = True
    prices: bool = False
    reconcile: bool = True


class PriceListMapping(_Strict):
    """How one ERP price list appears in each store (see ``[prices]`` in docs/decisions.md)."""

    name: str = Field(default="", description="the Shopify price list's name and catalog's title; '' = code")
    currency: str = Field(
        default="", pattern=r"^([A-Z]{3})?$", description="the Shopify price list's currency; '' = the shop's"
    )
    accounts: list[str] = Field(
        default_factory=list, description="ERP accounts buying on this list, besides those the ERP names"
    )
    adjustment_percent: Decimal = Field(
        default=Decimal(0), ge=0, le=100, description="decrease for variants the list does not price"
    )


class PriceSettings(_Strict):
    """``[prices]``: which ERP price lists become B2B price lists and catalogs (``[flows] prices``)."""

    lists: dict[str, PriceListMapping] = Field(
        default_factory=dict, description="ERP price list code -> its mapping; lists not named stay out"
    )


class BufferRuleSettings(_Strict):
    """One safety buffer rule: what it covers (a SKU, a collection handle, a product type, or none of
    them: every SKU), optionally at one Shopify location, and how much it holds back (units or percent
    of the ERP's free stock), with an optional override while peak mode is on."""

    sku: str = ""
    collection: str = ""
    product_type: str = ""
    location: str = Field(default="", description="Shopify location id (numeric or GID); '' = all")
    units: Decimal | None = Field(default=None, ge=0)
    percent: Decimal | None = Field(default=None, ge=0, le=100)
    peak_units: Decimal | None = Field(default=None, ge=0)
    peak_percent: Decimal | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _one_target_one_amount(self) -> BufferRuleSettings:
        targets = [name for name in ("sku", "collection", "product_type") if getattr(self, name)]
        if len(targets) > 1:
            raise ValueError(f"a buffer rule covers one of sku, collection, product_type, not {targets}")
        if (self.units is None) == (self.percent is None):
            raise ValueError("a buffer rule holds back either units or percent (give exactly one)")
        if self.units is not None and self.peak_percent is not None:
            raise ValueError("a buffer rule in units takes peak_units, not peak_percent")
        if self.percent is not None and self.peak_units is not None:
            raise ValueError("a buffer rule in percent takes peak_percent, not peak_units")
        return self


class BufferSettings(_Strict):
    """Safety buffers held in shopbridge. ``rules`` is the full form; ``default``, ``per_sku`` and
    ``per_location`` (units; a location by Shopify id or by ERP warehouse code) are shorthands kept
    from earlier configurations. The most specific rule wins (docs/decisions.md)."""

    default: Decimal = Field(default=Decimal(0), ge=0)
    peak_default: Decimal | None = Field(default=None, ge=0, description="units held back in peak mode")
    per_sku: dict[str, Decimal] = Field(default_factory=dict)
    per_location: dict[str, Decimal] = Field(default_factory=dict)
    rules: list[BufferRuleSettings] = Field(default_factory=list)


class StockSettings(_Strict):
    """The available-to-sell push: when it holds a push that looks like a failure, not a sell-out."""

    drop_guard_share: float = Field(
        default=0.5, gt=0, le=1, description="hold the push when more than this share of SKUs go to zero"
    )
    drop_guard_min_skus: int = Field(default=2, ge=1, description="never hold a drop of fewer SKUs")


class LoggingSettings(_Strict):
    """How ``run`` and ``worker`` log: JSON lines (for a collector) or text (for a terminal)."""

    format: Literal["json", "text"] = Field(default="json", description="json: one object per line")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class ReconcileSettings(_Strict):
    """``[reconcile]``: the daily proof that Shopify, shopbridge and the ledger agree."""

    parity_days: int = Field(
        default=7, ge=1, description="consecutive passing days before parity is confirmed (go-live gate)"
    )


class Settings(_Strict):
    """The whole configuration file."""

    database: DatabaseSettings = DatabaseSettings()
    engine: EngineSettings = EngineSettings()
    web: WebSettings = WebSettings()
    shops: list[ShopSettings] = Field(default_factory=list)
    erp: ErpSettings | None = None
    schedules: ScheduleSettings = ScheduleSettings()
    flows: FlowSettings = FlowSettings()
    lookups: LookupSettings = LookupSettings()
    buffers: BufferSettings = BufferSettings()
    bundles: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="virtual bundle SKU -> {component SKU: quantity per bundle}; the ERP's kits otherwise",
    )
    ownership: OwnershipSettings = OwnershipSettings()
    catalogue: CatalogueSettings = CatalogueSettings()
    logging: LoggingSettings = LoggingSettings()
    alerts: AlertSettings = AlertSettings()
    prices: PriceSettings = PriceSettings()
    stock: StockSettings = StockSettings()
    reconcile: ReconcileSettings = ReconcileSettings()
    dryrun: DryRunSettings = DryRunSettings()
    golive: GoLiveSettings = GoLiveSettings()

    @model_validator(mode="after")
    def _unique_shops(self) -> Settings:
        names = [s.name for s in self.shops]
        domains = [s.domain for s in self.shops]
        if len(set(names)) != len(names):
            raise ValueError("two [[shops]] share a name; give each store its own name")
        if len(set(domains)) != len(domains):
            raise ValueError("two [[shops]] share a domain; each store appears once")
        return self

    @model_validator(mode="after")
    def _erp_section_present(self) -> Settings:
        if self.erp is not None and getattr(self.erp, self.erp.vendor) is None:
            raise ValueError(
                f"erp.vendor is {self.erp.vendor!r} but there is no [erp.{self.erp.vendor}] section"
            )
        return self

    def shop_by_domain(self, domain: str) -> ShopSettings | None:
        return next((s for s in self.shops if s.domain == domain), None)

    def shop_by_name(self, name: str) -> ShopSettings | None:
        return next((s for s in self.shops if s.name == name), None)

    def lookups_for(self, shop: ShopSettings) -> LookupSettings:
        """A store's own lookup tables where it has them, else the installation's."""
        return shop.lookups if shop.lookups is not None else self.lookups

    @model_validator(mode="after")
    def _order_references_distinct(self) -> Settings:
        if self.erp is not None:  # the stores share this one ERP; raises ConfigurationError
            check_order_references(self.shops)
        return self
