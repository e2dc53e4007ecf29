"""``shopbridge connect shopify``: check the token, report scopes, register the webhooks.

One store at a time. Nothing is written before every check passed: a non-HTTPS public URL, a token
Shopify refuses and missing scopes are refused first, each naming the config key and the fix.
Registration is idempotent (a subscription already pointing at the intake route is left alone) and
never moves a subscription that points elsewhere unless ``force``. What was registered is remembered
in ``links`` (entity ``webhook_subscription``: shopify_id = topic, erp_id = subscription GID), which
is how ``--check`` tells "never registered" from "gone since" (Shopify deletes a subscription after
8 failed delivery retries).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from shopbridge.errors import ConfigurationError, ShopbridgeError
from shopbridge.onboarding import scopes as scope_table
from shopbridge.ports.store import UnitOfWork

SUBSCRIPTION_ENTITY = "webhook_subscription"
PAGE = 100

# Subscription states in the report
OK = "ok"
CREATED = "created"
UPDATED = "updated"
MISSING = "missing"
ELSEWHERE = "points elsewhere"
REMOVED = "removed by Shopify"


class GraphQL(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


@dataclass(frozen=True)
class Subscription:
    topic: str  # the REST form Shopify's headers carry: orders/create
    status: str
    uri: str = ""
    detail: str = ""


@dataclass
class ShopReport:
    shop: str
    shop_name: str = ""
    granted: tuple[str, ...] = ()
    needed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    subscriptions: list[Subscription] = field(default_factory=list)

    @property
    def drift(self) -> list[Subscription]:
        return [s for s in self.subscriptions if s.status in (MISSING, ELSEWHERE, REMOVED)]

    @property
    def changed(self) -> list[Subscription]:
        return [s for s in self.subscriptions if s.status in (CREATED, UPDATED)]


def enum_topic(topic: str) -> str:
    return topic.upper().replace("/", "_")


def intake_address(public_url: str, path: str) -> str:
    """The address Shopify must deliver to; refuses anything but an absolute HTTPS URL."""
    parts = urlsplit(public_url)
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigurationError(
            f"[web] public_url {public_url!r} is not an HTTPS address; Shopify delivers webhooks "
            "only to https:// URLs",
            key="web.public_url",
            fix='set public_url = "https://<your host>" (the TLS address in front of `shopbridge run`)',
        )
    return public_url.rstrip("/") + path


def check_access(client: GraphQL, report: ShopReport, token_key: str) -> None:
    """Ask the shop who we are and what we may do; a refused token is a configuration error."""
    try:
        data = client.execute("shop_access")
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"Shopify refused the access token of {report.shop}: {exc.message}",
            key=token_key,
            fix="create a custom app's Admin API access token and point this secret at it",
        ) from exc
    report.shop_name = str(data["shop"]["name"])
    handles = [s["handle"] for s in data["currentAppInstallation"]["accessScopes"]]
    report.granted = tuple(sorted(handles))
    report.missing = scope_table.missing(report.needed, report.granted)


def refuse_missing_scopes(report: ShopReport, token_key: str) -> None:
    if not report.missing:
        return
    lacking = sorted({s for scopes in report.missing.values() for s in scopes})
    flows = ", ".join(sorted(report.missing))
    raise ConfigurationError(
        f"the access token of {report.shop} lacks scopes {', '.join(lacking)} (needed by flows {flows})",
        key=token_key,
        fix="grant those scopes to the custom app in Shopify admin and reinstall it, "
        "or turn those flows off in [flows]",
    )


def existing_subscriptions(client: GraphQL) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    after: str | None = None
    while True:
        page = client.execute("webhook_subscriptions", {"first": PAGE, "after": after})[
            "webhookSubscriptions"
        ]
        found.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def reconcile(
    client: GraphQL,
    uow: UnitOfWork,
    report: ShopReport,
    topics: Iterable[str],
    address: str,
    *,
    check: bool,
    force: bool,
) -> None:
    """One row per topic: leave, create, move (force) or, under ``check``, only report."""
    existing = existing_subscriptions(client)
    for topic in sorted(topics):
        mine = [s for s in existing if s["topic"] == enum_topic(topic)]
        report.subscriptions.append(_one(client, uow, report.shop, topic, mine, address, check, force))


def _one(
    client: GraphQL,
    uow: UnitOfWork,
    shop: str,
    topic: str,
    mine: list[dict[str, str]],
    address: str,
    check: bool,
    force: bool,
) -> Subscription:
    if any(s["uri"] == address for s in mine):
        return Subscription(topic, OK, address)
    if mine:
        other = mine[0]
        if check or not force:
            return Subscription(topic, ELSEWHERE, other["uri"], "rerun with --force to point it here")
        gid = _mutate(client, "webhook_subscription_update", {"id": other["id"], "input": {"uri": address}})
        _remember(uow, shop, topic, gid)
        return Subscription(topic, UPDATED, address, f"was {other['uri']}")
    if check:
        with uow.begin() as tx:
            known = tx.find_link(SUBSCRIPTION_ENTITY, shop, topic)
        if known is not None:
            return Subscription(topic, REMOVED, "", f"{known[0]} is gone (failed deliveries, or deleted)")
        return Subscription(topic, MISSING, "", "run `shopbridge connect shopify` to register it")
    gid = _mutate(
        client, "webhook_subscription_create", {"topic": enum_topic(topic), "input": {"uri": address}}
    )
    _remember(uow, shop, topic, gid)
    return Subscription(topic, CREATED, address)


def _mutate(client: GraphQL, name: str, variables: dict[str, Any]) -> str:
    data = client.execute(name, variables)
    payload = next(iter(data.values()))
    errors = payload["userErrors"]
    if errors:
        text = "; ".join(e["message"] for e in errors)
        raise ShopbridgeError(f"Shopify refused {name}: {text}", details={"userErrors": errors})
    return str(payload["webhookSubscription"]["id"])


def _remember(uow: UnitOfWork, shop: str, topic: str, gid: str) -> None:
    with uow.begin() as tx:
        tx.link(SUBSCRIPTION_ENTITY, shop, topic, gid, "")


def connect_shop(
    client: GraphQL,
    uow: UnitOfWork,
    *,
    shop: str,
    token_key: str,
    switches: Iterable[str],
    topics: Iterable[str],
    address: str,
    check: bool = False,
    force: bool = False,
) -> ShopReport:
    """Everything ``connect shopify`` does for one store; raises before any write when refused."""
    report = ShopReport(shop=shop, needed=scope_table.needed(switches))
    check_access(client, report, token_key)
    if not check:
        refuse_missing_scopes(report, token_key)
    reconcile(client, uow, report, topics, address, check=check, force=force)
    return report
