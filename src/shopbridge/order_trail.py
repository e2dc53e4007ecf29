"""The dashboard's order trail: find an order by any name people use, and tell its story in time order.

An order is found by its Shopify name or id, its ERP number (:func:`shopbridge.admin.order_story`) or
a customer email. shopbridge keeps no customer table, so an email is found where it was recorded:
in the order's trail and its problems' details (a quarantined order's problem carries the webhook).
The story merges trail steps, jobs (with their attempts and last error), the ERP document and
problems, both sides, into one list ordered by time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shopbridge.admin import NotFound, Services, order_story
from shopbridge.engine import trail as trail_store
from shopbridge.engine.schema import order_syncs, problems, trail
from shopbridge.engine.uow import sync_from_row

__all__ = ["Event", "Found", "find_orders", "story_events"]

_MATCHES_SHOWN = 50


@dataclass(frozen=True)
class Found:
    shop: str
    name: str
    order_id: str
    status: str
    erp_number: str


@dataclass(frozen=True)
class Event:
    """One line of the story: when, which side (shopify, shopbridge, erp), what, and a link if any."""

    at: datetime
    side: str
    what: str
    detail: str
    link: str = ""
    problem_id: int | None = None


def find_orders(services: Services, query: str) -> list[Found]:
    """Orders matching ``query``: exactly (name, id, ERP number), else by a recorded email address."""
    query = query.strip()
    if not query:
        return []
    try:
        story = order_story(services, query)
    except NotFound:
        story = None
    if story is not None:
        s = story.sync
        return [Found(s.shop, s.name, s.order_id, str(s.status), s.erp_number)]
    if "@" not in query:
        return []
    return _by_email(services, query.lower())


def _by_email(services: Services, email: str) -> list[Found]:
    needle = f"%{email}%"
    with services.store.begin() as conn:
        in_trail = sa.select(trail.c.shop, trail.c.entity_id).where(
            sa.func.lower(sa.cast(trail.c.detail, sa.Text)).like(needle)
        )
        in_problems = sa.select(problems.c.shop, problems.c.entity_id).where(
            problems.c.entity_type == "order",
            sa.func.lower(sa.cast(problems.c.details, sa.Text)).like(needle),
        )
        keys = {(r.shop, r.entity_id) for r in conn.execute(sa.union(in_trail, in_problems))}
        if not keys:
            return []
        rows = conn.execute(
            sa.select(order_syncs)
            .where(sa.tuple_(order_syncs.c.shop, order_syncs.c.order_id).in_(sorted(keys)))
            .limit(_MATCHES_SHOWN)
        )
        syncs = [sync_from_row(row._mapping) for row in rows]
    return [Found(s.shop, s.name, s.order_id, str(s.status), s.erp_number) for s in syncs]


def story_events(story: trail_store.OrderStory, *, shopify_admin: str, erp_document: str = "") -> list[Event]:
    """Every recorded thing about the order, oldest first, the link to Shopify's admin on top, and the
    ERP's sales order linked to ``erp_document`` when the ERP has an address for it."""
    events = [Event(step.at, _side(step.step), step.step, _flat(step.detail)) for step in story.steps]
    for job in story.jobs:
        tries = f"{job.attempts} attempt{'s' if job.attempts != 1 else ''}"
        error = f"; last error: {job.last_error}" if job.last_error else ""
        source = job.payload.get("source") or job.payload.get("topic") or ""
        events.append(
            Event(
                job.created_at,
                "shopbridge",
                f"job {job.id} {job.kind}",
                f"{source} · {job.state} after {tries}{error}",
            )
        )
    sync = story.sync
    if sync.posted_at is not None and sync.erp_number:
        what, detail = f"sales order {sync.erp_number}", f"ERP id {sync.erp_id}"
        events.append(Event(sync.posted_at, "erp", what, detail, link=erp_document))
    for p in story.problems:  # masked by the caller for its audience
        title = f"problem {p.kind} ({p.status})"
        events.append(Event(p.first_seen, "shopbridge", title, p.message, problem_id=p.id))
    events.sort(key=lambda e: e.at)
    first = events[0].at if events else sync.updated_at
    if shopify_admin and first is not None:
        number = sync.order_id.rsplit("/", 1)[-1]
        events.insert(
            0,
            Event(
                first,
                "shopify",
                f"order {sync.name}",
                "open it in Shopify's admin",
                link=f"{shopify_admin}/admin/orders/{number}",
            ),
        )
    return events


def _side(step: str) -> str:
    return "erp" if step in ("posted", "amended", "cancelled") else "shopbridge"


def _flat(detail: dict[str, object]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in detail.items())
