"""Connection settings of each ERP adapter, one model per vendor (``[erp.<vendor>]`` in the TOML)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shopbridge.config.secrets import SecretRef


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sage200Settings(_Strict):
    """Sage 200 Standard/Professional REST API (``/sop_orders``, ``/warehouse_holdings``, ...)."""

    base_url: str = Field(description="API root, e.g. https://api.columbus.sage.com/uk/sage200/accounts/v1")
    site_id: str = Field(description="X-Site header, from GET /sites")
    company_id: str = Field(description="X-Company header, from GET /sites")
    access_token: SecretRef = Field(description="OAuth bearer token from Sage ID")
    timeout_seconds: float = 30.0
    page_size: int = Field(default=100, ge=1, le=500)
    bank_account_code: str = Field(default="1200", description="bank for payout receipts")
    default_warehouse: str = "WAREHOUSE"


class SysproSettings(_Strict):
    """SYSPRO e.net Solutions REST (``/SYSPROWCFService/Rest``)."""

    base_url: str = Field(description="e.g. http://erp-host:20080/SYSPROWCFService/Rest")
    operator: str
    operator_password: SecretRef
    company_id: str
    company_password: SecretRef | None = None
    timeout_seconds: float = 30.0
    default_warehouse: str = "FG"
    cash_book: str = Field(
        default="",
        description="the SYSPRO bank (cash book) Shopify payouts are paid into; needed to post payouts"
        " through ARSTPY where GL journals (GENTJL) are not licensed",
    )


class PrimaSettings(_Strict):
    """Prima Solutions SOAP/XML web services (``wsomhandler`` / ``comwsomhandler``)."""

    base_url: str = Field(
        description="the OpenEdge WSA URL, e.g. http://prima-host:8080/wsa/wsa1"
        " (the WSDL address without /wsdl?targetURI=urn:omlink)"
    )
    company_id: str | None = Field(default=None, description="set to use comwsomhandler")
    # Prima's web services usually sit behind the customer's network with no HTTP auth (the live
    # installs in the public evidence use none); where a proxy asks for Basic auth, give both.
    username: str | None = None
    password: SecretRef | None = None
    timeout_seconds: float = 30.0
    default_warehouse: str = "MAIN"
    carriage_product: str = Field(
        default="",
        description="a Prima non-stock product that carries shipping as an order line with Shopify's VAT"
        " (ExtTaxVal); empty: shipping goes as an OrderChargeData charge, which carries no tax",
    )

    @model_validator(mode="after")
    def _credentials_come_in_pairs(self) -> PrimaSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError(
                "give erp.prima.username and erp.prima.password together (HTTP Basic auth), or neither"
            )
        return self


class TrytonSettings(_Strict):
    """Tryton over JSON-RPC (``POST /<database>/rpc/``)."""

    url: str = Field(description="server root, e.g. http://127.0.0.1:8000")
    database: str
    username: str = "admin"
    password: SecretRef
    timeout_seconds: float = 30.0
    company_id: int = 1
    warehouse_code: str = "WH"
    web_url: str = Field(
        default="",
        description="Tryton's web client (sao), for links to its documents on the dashboard; empty: url",
    )


class ErpSettings(_Strict):
    """Which ERP this installation feeds, and how to reach it."""

    vendor: Literal["sage200", "syspro", "prima", "tryton"]
    # 0 by default: what an ERP accepts depends on the installation (Sage 200's cloud gateway about 10,
    # an on-premises server or SYSPRO's licensed e.net sessions something else), a wrong guess would
    # either throttle for nothing or still overrun, and unlimited costs no store round-trips.
    max_concurrency: int = Field(
        default=0,
        ge=0,
        description="most ERP HTTP requests in flight at once across every worker process and host"
        " sharing the store (0: no limit); e.g. 10 for Sage 200's API gateway",
    )
    slot_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="how long one request may hold its slot; a worker that dies frees its slots after"
        " this long, so it must outlast the slowest ERP request (more than the vendor's timeout_seconds)",
    )
    slot_wait_seconds: float = Field(
        default=60.0,
        ge=0,
        description="how long a request waits for a free slot before its job is retried later",
    )
    document_url_template: str = Field(
        default="",
        description="link to an ERP document on the dashboard, with {kind} (sales_order, credit_note,"
        " payout_entry), {erp_id} and {number}; empty: the adapter's own link (Tryton's web client) or none",
    )
    sage200: Sage200Settings | None = None
    syspro: SysproSettings | None = None
    prima: PrimaSettings | None = None
    tryton: TrytonSettings | None = None
    order_item_memory_seconds: float = Field(
        default=30.0,
        ge=0,
        description="how long the order flow may reuse its check that an item is active in the ERP"
        " (fewer ERP requests per order in a burst; 0: check every order); the catalogue, stock and"
        " price flows always read the ERP, and an order the ERP refuses is checked again fresh",
    )

    @model_validator(mode="after")
    def _document_url_template_names_known_fields(self) -> ErpSettings:
        try:
            self.document_url_template.format(kind="sales_order", erp_id="1", number="SO1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"erp.document_url_template may use {{kind}}, {{erp_id}} and {{number}} only ({exc!r})"
            ) from exc
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_request(self) -> ErpSettings:
        section = getattr(self, self.vendor, None)
        timeout = getattr(section, "timeout_seconds", None)
        if self.max_concurrency and timeout is not None and self.slot_lease_seconds <= timeout:
            raise ValueError(
                f"erp.slot_lease_seconds ({self.slot_lease_seconds:g}) must be longer than"
                f" erp.{self.vendor}.timeout_seconds ({timeout:g}), or a slow request could lose its"
                " slot to another and the ERP see one request too many"
            )
        return self
