"""The alerts sweep against a real SMTP server (aiosmtpd) and real webhook receivers, on 127.0.0.1."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cli.live_server import serve
from shopbridge.alerts.sweep import sweep_alerts
from shopbridge.config import Settings, parse_settings
from shopbridge.domain.problems import ProblemKind, ProblemReport, Severity, Team
from shopbridge.engine import counters
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.problems import report_problem, resolve_problem
from shopbridge.engine.store import Store

DASHBOARD = "https://shopbridge.example.com"
HOOK_TOKEN = "hook-token-0123456789"


class Mailbox:
    """aiosmtpd's handler: keeps every message received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Receiver:
    """A webhook endpoint recording what it is sent; ``status`` is what it answers."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    status: int = 200

    async def endpoint(self, request: Request) -> JSONResponse:
        if self.status >= 300:
            return JSONResponse({"error": "down"}, status_code=self.status)
        self.bodies.append(await request.json())
        self.auth.append(request.headers.get("authorization", ""))
        return JSONResponse({"ok": True})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver, str]]:
    slack, hook = Receiver(), Receiver()
    app = Starlette(
        routes=[
            Route("/slack", slack.endpoint, methods=["POST"]),
            Route("/hook", hook.endpoint, methods=["POST"]),
        ]
    )
    with serve(app) as base_url:
        yield slack, hook, base_url


@pytest.fixture
def settings(
    mailbox: tuple[Mailbox, int], receivers: tuple[Receiver, Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> Settings:
    _, _, base_url = receivers
    monkeypatch.setenv("T_SLACK_URL", f"{base_url}/slack")
    monkeypatch.setenv("T_HOOK_URL", f"{base_url}/hook")
    monkeypatch.setenv("T_HOOK_TOKEN", HOOK_TOKEN)
    return parse_settings(
        {
            "alerts": {
                "dashboard_url": DASHBOARD,
                "digest_hour": 8,
                "smtp": {"host": "127.0.0.1", "port": mailbox[1], "sender": "shopbridge@example.com"},
                "routes": [
                    {
                        "name": "finance-mail",
                        "channel": "email",
                        "teams": ["finance"],
                        "digest_below": "error",
                        "to": ["finance@example.com"],
                        "max_per_hour": 2,
                    },
                    {
                        "name": "ops-chat",
                        "channel": "slack",
                        "teams": ["operations"],
                        "url": {"env": "T_SLACK_URL"},
                    },
                    {
                        "name": "everything",
                        "channel": "webhook",
                        "min_severity": "warning",
                        "url": {"env": "T_HOOK_URL"},
                        "token": {"env": "T_HOOK_TOKEN"},
                    },
                ],
            }
        }
    )


def report(store: Store, clock: FakeClock, n: int, team: Team, severity: Severity, message: str = "") -> int:
    problem = ProblemReport(
        ProblemKind.PAYOUT_MISMATCH,
        "payout",
        str(n),
        message or f"payout {n} is 0.01 GBP short",
        team=team,
        severity=severity,
    )
    with store.begin() as conn:
        return report_problem(conn, problem, now=clock.now())


def test_each_route_gets_its_teams_problems_once_linked_to_the_dashboard(
    store: Store,
    fake_clock: FakeClock,
    settings: Settings,
    mailbox: tuple[Mailbox, int],
    receivers: tuple[Receiver, Receiver, str],
) -> None:
    box, _ = mailbox
    slack, hook, _ = receivers
    finance = report(
        store, fake_clock, 1, Team.FINANCE, Severity.ERROR, "customer jane@example.com paid twice"
    )
    ops = report(store, fake_clock, 2, Team.OPERATIONS, Severity.WARNING)

    sweep_alerts(store, settings, fake_clock)

    (mail,) = box.messages
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert mail["To"] == "finance@example.com" and "1 problem" in mail["Subject"]
    assert f"{DASHBOARD}/problems/{finance}" in body and "payout_mismatch" in body
    assert "jane@example.com" not in body  # personal data never leaves in an alert
    (chat,) = slack.bodies
    assert f"{DASHBOARD}/problems/{ops}" in chat["text"] and f"/problems/{finance}" not in chat["text"]
    (sent,) = hook.bodies
    assert sorted(p["problem_id"] for p in sent["problems"]) == [finance, ops]
    assert {p["url"] for p in sent["problems"]} == {
        f"{DASHBOARD}/problems/{finance}",
        f"{DASHBOARD}/problems/{ops}",
    }
    assert hook.auth == [f"Bearer {HOOK_TOKEN}"]

    sweep_alerts(store, settings, fake_clock)  # nothing new: nothing sent
    assert (len(box.messages), len(slack.bodies), len(hook.bodies)) == (1, 1, 1)


def test_a_storm_is_grouped_into_one_message_and_repeats_are_told_only_as_they_double(
    store: Store, fake_clock: FakeClock, settings: Settings, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    for n in range(1, 31):
        report(store, fake_clock, n, Team.FINANCE, Severity.CRITICAL)
    sweep_alerts(store, settings, fake_clock)
    assert len(box.messages) == 1 and "30 problems" in box.messages[0]["Subject"]

    report(store, fake_clock, 1, Team.FINANCE, Severity.CRITICAL)  # seen twice now: news
    sweep_alerts(store, settings, fake_clock)
    report(store, fake_clock, 1, Team.FINANCE, Severity.CRITICAL)  # three times: not yet
    sweep_alerts(store, settings, fake_clock)
    assert len(box.messages) == 2 and "seen 2 times" in box.messages[1].get_payload()


def test_a_route_at_its_hourly_limit_holds_news_for_a_later_message(
    store: Store, fake_clock: FakeClock, settings: Settings, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    for n in (1, 2, 3):  # finance-mail may send 2 messages an hour
        report(store, fake_clock, n, Team.FINANCE, Severity.ERROR)
        sweep_alerts(store, settings, fake_clock)
        fake_clock.advance(60)
    assert len(box.messages) == 2
    report(store, fake_clock, 4, Team.FINANCE, Severity.ERROR)
    fake_clock.advance(3600)
    sweep_alerts(store, settings, fake_clock)
    assert len(box.messages) == 3 and "2 problems" in box.messages[2]["Subject"]  # 3 and 4, grouped


def test_low_severity_waits_for_the_daily_digest(
    store: Store, fake_clock: FakeClock, settings: Settings, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    fake_clock.set(fake_clock.now().replace(hour=6, minute=0))
    warning = report(store, fake_clock, 1, Team.FINANCE, Severity.WARNING)  # below digest_below
    sweep_alerts(store, settings, fake_clock)
    assert box.messages == []
    fake_clock.advance(2 * 3600)  # 08:00, the digest hour
    sweep_alerts(store, settings, fake_clock)
    sweep_alerts(store, settings, fake_clock)
    (digest,) = box.messages
    assert "daily digest" in digest["Subject"] and f"/problems/{warning}" in digest.get_payload()


def test_a_problem_closed_after_it_was_announced_is_announced_closed(
    store: Store, fake_clock: FakeClock, settings: Settings, receivers: tuple[Receiver, Receiver, str]
) -> None:
    slack, _, _ = receivers
    ops = report(store, fake_clock, 2, Team.OPERATIONS, Severity.ERROR)
    sweep_alerts(store, settings, fake_clock)
    with store.begin() as conn:
        resolve_problem(conn, ops, actor="otto", now=fake_clock.now())
    sweep_alerts(store, settings, fake_clock)
    assert len(slack.bodies) == 2 and "[resolved]" in slack.bodies[1]["text"]


def test_a_failing_webhook_is_counted_and_its_news_sent_by_a_later_sweep(
    store: Store, fake_clock: FakeClock, settings: Settings, receivers: tuple[Receiver, Receiver, str]
) -> None:
    slack, _, _ = receivers
    slack.status = 503
    ops = report(store, fake_clock, 2, Team.OPERATIONS, Severity.ERROR)
    sweep_alerts(store, settings, fake_clock)
    with store.begin() as conn:
        assert counters.read(conn, "alerts.failed.ops-chat") == 1
    slack.status = 200
    sweep_alerts(store, settings, fake_clock)
    (chat,) = slack.bodies
    assert f"/problems/{ops}" in chat["text"]


def test_the_alerts_sweep_is_scheduled_and_handled_by_the_runtime(
    store: Store, fake_clock: FakeClock
) -> None:
    from shopbridge.bootstrap import Runtime, build_services

    runtime = Runtime(build_services(Settings(), store=store, clock=fake_clock), threads=1)
    assert "sweep.alerts" in runtime.registry.kinds()
    assert any(schedule.name == "alerts" for schedule in runtime.scheduler.plan.values())
