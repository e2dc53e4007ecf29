"""Personal data in a problem's stored payload: masked for viewers and operators, revealed to admins
(each reveal audited), and card data shown to nobody."""

from __future__ import annotations

import pytest

from cli.signing import signed_in_client
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import audit
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.problems import report_problem
from shopbridge.engine.store import Store

EMAIL = "jane.doe@example.co.uk"
STREET = "12 Acacia Avenue"
PHONE = "+44 7700 900123"
CARD = "XXXX-XXXX-XXXX-4242"


@pytest.fixture
def problem_id(sqlite_store: Store, fake_clock: FakeClock) -> int:
    body = {
        "name": "#1042",
        "email": EMAIL,
        "customer": {"first_name": "Jane", "last_name": "Doe", "phone": PHONE},
        "shipping_address": {"address1": STREET, "city": "Leeds", "zip": "LS1 1AA"},
        "payment_details": {"credit_card_number": CARD},
    }
    report = ProblemReport(
        ProblemKind.CUSTOMER_CONFLICT,
        "order",
        "#1042",
        f"two ERP customers have the email {EMAIL}",
        shop="uk",
        details={"webhook": body},
    )
    with sqlite_store.begin() as conn:
        return report_problem(conn, report, now=fake_clock.now())


def reveals(store: Store, problem_id: int) -> list[str]:
    with store.begin() as conn:
        entries = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))
    return [e.actor for e in entries if e.action == "problem.reveal"]


def assert_masked(text: str, *, with_details: bool = True) -> None:
    for value in (EMAIL, STREET, PHONE, "Jane", CARD):
        assert value not in text, value
    assert "#1042" in text and "j•••@e•••.uk" in text  # the problem is there, its email masked
    assert "Leeds" in text or not with_details


@pytest.mark.parametrize("user", ["vera", "otto"])
def test_viewers_and_operators_see_personal_data_masked_on_the_page_and_in_the_api(
    base: str, problem_id: int, user: str
) -> None:
    with signed_in_client(base, user) as client:
        assert_masked(client.get(f"/problems/{problem_id}").text)
        assert_masked(client.get(f"/api/problems/{problem_id}").text)
        assert_masked(client.get("/api/problems").text)
        assert_masked(client.get("/").text, with_details=False)
        assert "reveal personal data" not in client.get(f"/problems/{problem_id}").text


@pytest.mark.parametrize("user", ["vera", "otto"])
def test_only_an_admin_may_reveal(base: str, problem_id: int, sqlite_store: Store, user: str) -> None:
    with signed_in_client(base, user) as client:
        assert client.post(f"/problems/{problem_id}/reveal").status_code == 403
        assert client.get(f"/api/problems/{problem_id}", params={"reveal": "1"}).status_code == 403
    assert reveals(sqlite_store, problem_id) == []


def test_an_admin_reveal_shows_personal_data_but_no_card_and_is_audited(
    base: str, problem_id: int, sqlite_store: Store
) -> None:
    with signed_in_client(base, "ada") as client:
        page = client.get(f"/problems/{problem_id}").text
        assert_masked(page)  # masked until asked for
        assert "reveal personal data" in page
        assert reveals(sqlite_store, problem_id) == []
        shown = client.post(f"/problems/{problem_id}/reveal").text
        assert EMAIL in shown and STREET in shown and PHONE in shown
        assert CARD not in shown and "card data removed" in shown
        api = client.get(f"/api/problems/{problem_id}", params={"reveal": "1"}).json()
        assert api["details"]["webhook"]["email"] == EMAIL
    assert reveals(sqlite_store, problem_id) == ["ada", "ada"]


def test_a_reveal_without_the_csrf_token_is_refused(base: str, problem_id: int, sqlite_store: Store) -> None:
    with signed_in_client(base, "ada") as client:
        del client.headers["X-CSRF-Token"]
        response = client.post(f"/problems/{problem_id}/reveal")
        assert response.status_code == 403 and EMAIL not in response.text
    assert reveals(sqlite_store, problem_id) == []
