"""The dashboard in a real headless Chromium: problems by team, and the resolve button works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from cli.live_server import serve
from cli.seeding import Seeded, seed
from shopbridge.bootstrap import build_services
from shopbridge.config import Settings
from shopbridge.engine import audit
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.problems import get_problem
from shopbridge.engine.store import Store
from shopbridge.web.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Chromium (tests never download a browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def dashboard(sqlite_store: Store, fake_clock: FakeClock) -> Iterator[tuple[str, Seeded]]:
    seeded = seed(sqlite_store, fake_clock)
    services = build_services(Settings(), store=sqlite_store, clock=fake_clock)
    with serve(create_app(services)) as base_url:
        yield base_url, seeded


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = browser.new_context().new_page()  # a fresh context: no storage shared between tests
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def test_resolving_a_problem_from_the_dashboard_removes_it_and_audits_the_actor(
    browser: Browser, dashboard: tuple[str, Seeded], sqlite_store: Store
) -> None:
    base_url, seeded = dashboard
    page, errors = open_page(browser, base_url + "/")
    for team in ("finance", "operations", "merchandising", "technical"):
        assert page.locator(f"#team-{team} tr.problem").count() == 1, team
    finance_id = seeded.problem_ids["finance"]
    row = page.locator(f'tr[data-problem-id="{finance_id}"]')
    assert "payout 9 is 0.01 GBP short" in row.inner_text()

    page.fill("#actor", "grace")
    with page.expect_navigation():
        row.locator("button.resolve").click()

    assert page.locator(f'tr[data-problem-id="{finance_id}"]').count() == 0
    assert page.locator("#team-finance").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-after-resolve.png"), full_page=True)
    assert errors == []
    with sqlite_store.begin() as conn:
        problem = get_problem(conn, finance_id)
        entries = audit.list_audit(conn, entity_type="problem", entity_id=str(finance_id))
    assert problem is not None and problem.status == "resolved"
    assert [(e.action, e.actor) for e in entries] == [("problem.resolve", "grace")]


def test_replaying_a_dead_job_from_the_dashboard_requeues_it(
    browser: Browser, dashboard: tuple[str, Seeded]
) -> None:
    base_url, seeded = dashboard
    page, errors = open_page(browser, base_url + "/")
    page.fill("#actor", "heidi")
    with page.expect_navigation():
        page.locator(f'tr[data-job-id="{seeded.dead_id}"] button.replay').click()
    assert page.locator(f'tr[data-job-id="{seeded.dead_id}"]').count() == 0
    assert "No dead jobs." in page.inner_text("main")
    assert errors == []


def test_ignoring_a_problem_from_its_page_asks_for_a_reason_and_keeps_it(
    browser: Browser, dashboard: tuple[str, Seeded], sqlite_store: Store
) -> None:
    base_url, seeded = dashboard
    problem_id = seeded.problem_ids["merchandising"]
    page, errors = open_page(browser, f"{base_url}/problems/{problem_id}")
    assert "Create the item in the ERP" in page.inner_text("#problem")
    page.fill("#actor", "ivan")
    page.once("dialog", lambda dialog: dialog.accept("SKU discontinued"))
    with page.expect_navigation():
        page.click("button.ignore")
    assert "ignored" in page.inner_text("#problem") and "SKU discontinued" in page.inner_text("#problem")
    assert page.locator("button.ignore").count() == 0
    assert errors == []
    with sqlite_store.begin() as conn:
        entry = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))[0]
    assert (entry.action, entry.actor, entry.detail["note"]) == ("problem.ignore", "ivan", "SKU discontinued")
