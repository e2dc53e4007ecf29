"""The dashboard in a real headless Chromium: sign in, problems by team, and the buttons work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from cli.live_server import serve
from cli.seeding import Seeded, seed
from cli.signing import PASSWORD, add_user
from shopbridge.bootstrap import build_services
from shopbridge.config import Settings
from shopbridge.domain.access import Role
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
    for name in ("grace", "heidi", "ivan"):
        add_user(services, name, Role.OPERATOR)
    add_user(services, "victor", Role.VIEWER)
    with serve(create_app(services)) as base_url:
        yield base_url, seeded


def open_page(browser: Browser, url: str, user: str) -> tuple[Page, list[str]]:
    """Open ``url`` in a fresh context (no cookies shared between tests), signing in as ``user``."""
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)  # sends us to the sign-in form, which brings us back here
    page.fill("#name", user)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#login button[type=submit]")
    assert page.url == url, page.url
    return page, errors


def test_resolving_a_problem_from_the_dashboard_removes_it_and_audits_the_actor(
    browser: Browser, dashboard: tuple[str, Seeded], sqlite_store: Store
) -> None:
    base_url, seeded = dashboard
    page, errors = open_page(browser, base_url + "/", "grace")
    for team in ("finance", "operations", "merchandising", "technical"):
        assert page.locator(f"#team-{team} tr.problem").count() == 1, team
    finance_id = seeded.problem_ids["finance"]
    row = page.locator(f'tr[data-problem-id="{finance_id}"]')
    assert "payout 9 is 0.01 GBP short" in row.inner_text()

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
    page, errors = open_page(browser, base_url + "/", "heidi")
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
    page, errors = open_page(browser, f"{base_url}/problems/{problem_id}", "ivan")
    assert "Create the item in the ERP" in page.inner_text("#problem")
    page.once("dialog", lambda dialog: dialog.accept("SKU discontinued"))
    with page.expect_navigation():
        page.click("button.ignore")
    assert "ignored" in page.inner_text("#problem") and "SKU discontinued" in page.inner_text("#problem")
    assert page.locator("button.ignore").count() == 0
    assert errors == []
    with sqlite_store.begin() as conn:
        entry = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))[0]
    assert (entry.action, entry.actor, entry.detail["note"]) == ("problem.ignore", "ivan", "SKU discontinued")


def test_a_viewer_sees_problems_but_no_buttons_and_the_server_refuses_their_replay(
    browser: Browser, dashboard: tuple[str, Seeded], sqlite_store: Store
) -> None:
    base_url, seeded = dashboard
    page, errors = open_page(browser, base_url + "/", "victor")
    assert "victor (viewer)" in page.inner_text("#signed-in-as")
    assert page.locator("tr.problem").count() == 4
    assert page.locator("button.resolve, button.ignore, button.replay").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-viewer.png"), full_page=True)
    # The page hides the button; the server is what refuses (a viewer could craft the request).
    status = page.evaluate(
        """async (url) => {
             const token = document.querySelector('meta[name="csrf-token"]').content;
             const headers = {"Content-Type": "application/json", "X-CSRF-Token": token};
             return (await fetch(url, {method: "POST", headers: headers, body: "{}"})).status;
           }""",
        f"/api/jobs/{seeded.dead_id}/replay",
    )
    assert status == 403
    assert errors == []
    with sqlite_store.begin() as conn:
        assert audit.list_audit(conn, entity_type="job", entity_id=str(seeded.dead_id)) == []


def test_an_action_without_the_csrf_token_is_refused_in_the_browser(
    browser: Browser, dashboard: tuple[str, Seeded], sqlite_store: Store
) -> None:
    base_url, seeded = dashboard
    problem_id = seeded.problem_ids["finance"]
    page, errors = open_page(browser, base_url + "/", "grace")
    refused = page.evaluate(
        """async (url) => {
             const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                         body: '{"note": "forged"}'});
             return [r.status, (await r.json()).error];
           }""",
        f"/api/problems/{problem_id}/resolve",
    )
    assert refused[0] == 403 and "CSRF" in refused[1]
    with sqlite_store.begin() as conn:
        problem = get_problem(conn, problem_id)
    assert problem is not None and problem.status == "open"
    assert errors == []


def test_signing_in_with_a_wrong_password_stays_on_the_form_and_says_so(
    browser: Browser, dashboard: tuple[str, Seeded]
) -> None:
    base_url, _ = dashboard
    page = browser.new_context().new_page()
    page.goto(base_url + "/")
    assert "/login" in page.url
    page.fill("#name", "grace")
    page.fill("#password", "not the password at all")
    page.click("#login button[type=submit]")
    assert "wrong user name or password" in page.inner_text("#login-error")
    assert page.locator("tr.problem").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sign-in-refused.png"), full_page=True)
