"""The order trail page: search by Shopify name, ERP number or customer email; the story in time order."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shopbridge import order_trail
from shopbridge.admin import NotFound, Services, order_story
from shopbridge.bootstrap import Services as AppServices
from shopbridge.engine.trail import OrderStory
from shopbridge.erp_links import erp_document_url
from shopbridge.ports.erp import DOCUMENT_SALES_ORDER
from shopbridge.web.api import services_of
from shopbridge.web.dashboard import templates
from shopbridge.web.masking import problem_for

__all__ = ["masked_story", "routes", "shopify_admin_of", "story_events_linked"]


def shopify_admin_of(services: AppServices, shop: str) -> str:
    """``https://<shop domain>`` of the configured shop, or "" when it is not configured here."""
    for configured in services.settings.shops:
        if configured.name == shop:
            return f"https://{configured.domain}"
    return ""


def story_events_linked(services: AppServices, story: OrderStory) -> list[order_trail.Event]:
    """The story's events with their links: the order in Shopify's admin, the ERP's sales order."""
    sync = story.sync
    erp_link = erp_document_url(services, DOCUMENT_SALES_ORDER, sync.erp_id, sync.erp_number)
    admin_base = shopify_admin_of(services, sync.shop)
    return order_trail.story_events(story, shopify_admin=admin_base, erp_document=erp_link)


def masked_story(services: Services, key: str) -> OrderStory:
    story = order_story(services, key)
    return replace(story, problems=tuple(problem_for(p, revealed=False) for p in story.problems))


def orders_page(request: Request) -> Response:
    services = services_of(request)
    query = request.query_params.get("q", "").strip()
    matches = order_trail.find_orders(services, query)
    story, events = None, []
    if len(matches) == 1:
        try:
            story = masked_story(services, matches[0].order_id.rsplit("/", 1)[-1])
        except NotFound:
            story = None
        if story is not None:
            events = story_events_linked(services, story)
    context = {"query": query, "matches": matches, "story": story, "events": events}
    return templates.TemplateResponse(request, "trail.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/orders", orders_page, name="order_trail")]
