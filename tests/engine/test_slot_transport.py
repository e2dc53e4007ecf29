"""The ERP transport holds one slot per real HTTP request and gives it back however the request ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from shopbridge.config.erp import ErpSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp import build_erp
from shopbridge.connectors.erp.limits import SlotLimitedTransport, limited_transport
from shopbridge.engine.schema import erp_slots as slots_table
from shopbridge.engine.slots import Slots, erp_slots
from shopbridge.engine.store import Store


class CountingLimiter:
    """Counts holds and releases, and whether a request was sent while holding."""

    def __init__(self) -> None:
        self.held = 0
        self.holds = 0
        self.releases = 0
        self.lock = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self.lock:
            self.held += 1
            self.holds += 1
        try:
            yield
        finally:
            with self.lock:
                self.held -= 1
                self.releases += 1


@pytest.fixture
def slots(tmp_path: Path) -> Iterator[Slots]:
    store = Store.connect(f"sqlite:///{tmp_path / 'slots.db'}")
    slots_table.create(store.engine)
    yield Slots(store, limit=2)
    store.close()


def test_each_request_holds_a_slot_while_it_is_sent_and_read() -> None:
    limiter = CountingLimiter()
    seen: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(limiter.held)
        return httpx.Response(200, json={"ok": True})

    with httpx.Client(transport=SlotLimitedTransport(httpx.MockTransport(answer), limiter)) as client:
        assert client.get("http://erp/a").json() == {"ok": True}
        assert client.get("http://erp/b").status_code == 200
    assert (seen, limiter.holds, limiter.releases, limiter.held) == ([1, 1], 2, 2, 0)


def test_the_transport_releases_its_slot_when_the_request_raises(slots: Slots) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("the ERP said nothing", request=request)

    with (
        httpx.Client(transport=SlotLimitedTransport(httpx.MockTransport(fail), slots)) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get("http://erp/slow")
    assert slots.in_use() == 0


def test_the_transport_releases_its_slot_when_reading_the_body_fails(slots: Slots) -> None:
    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"{"
            raise httpx.RemoteProtocolError("connection dropped mid-body")

    transport = SlotLimitedTransport(
        httpx.MockTransport(lambda r: httpx.Response(200, stream=Broken())), slots
    )
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("http://erp/half")
    assert slots.in_use() == 0


def test_no_limit_means_httpx_own_transport() -> None:
    assert limited_transport(None) is None
    assert isinstance(limited_transport(CountingLimiter()), SlotLimitedTransport)


def _erp(vendor: str, **limits: float) -> ErpSettings:
    secret = SecretRef(env="SHOPBRIDGE_TEST_ERP_SECRET")
    unreachable = "http://127.0.0.1:9"
    sections = {
        "sage200": {"base_url": unreachable, "site_id": "s", "company_id": "1", "access_token": secret},
        "syspro": {"base_url": unreachable, "operator": "op", "operator_password": secret, "company_id": "A"},
        "prima": {"base_url": unreachable},
    }
    return ErpSettings.model_validate({"vendor": vendor, vendor: sections[vendor], **limits})


@pytest.mark.parametrize("vendor", ["sage200", "syspro", "prima"])
def test_every_http_adapter_sends_through_the_limiter_build_erp_is_given(
    vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPBRIDGE_TEST_ERP_SECRET", "x")
    limiter = CountingLimiter()
    port = build_erp(_erp(vendor), limiter=limiter)
    health = port.check()  # nothing listens there: a connection error, on the limiter's watch
    assert not health.reachable
    assert limiter.holds >= 1
    assert limiter.releases == limiter.holds


def test_erp_slots_follow_the_settings(slots: Slots) -> None:
    assert erp_slots(slots.store, _erp("prima")) is None
    limited = erp_slots(slots.store, _erp("prima", max_concurrency=10, slot_lease_seconds=90))
    assert limited is not None
    assert (limited.limit, limited.pool, limited.lease.total_seconds()) == (10, "erp", 90)


def test_a_lease_shorter_than_the_erp_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="slot_lease_seconds"):
        _erp("prima", max_concurrency=10, slot_lease_seconds=5)
