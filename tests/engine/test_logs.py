"""Structured logs: one JSON object per line, the job's entity on each, secrets and emails redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from shopbridge.config import parse_settings
from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job
from shopbridge.engine.logcontext import entity_context
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext, Registry, Worker
from shopbridge.logs import REDACTED, configure_logging, redact, setup_logging

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
EMAIL = "jane.doe@example.co.uk"
log = logging.getLogger("shopbridge.test")


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_logging(json_lines=True, stream=stream, secrets=["s3cret-webhook-value"])
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _logs_while_posting(job: Job, ctx: HandlerContext) -> None:
    log.info("posting order for %s with token %s", EMAIL, TOKEN)
    log.warning("the ERP answered", extra={"erp_reply": f"customer {EMAIL} on hold"})


def _fails_loudly(job: Job, ctx: HandlerContext) -> None:
    raise RuntimeError(f"ERP refused Authorization: Bearer {TOKEN} for {EMAIL}")


def run_one(store: Store, clock: FakeClock, kind: str, handler: Any) -> int:
    with store.begin() as conn:
        job_id = queue.enqueue(conn, kind, {}, entity_key="order:uk:1001", shop="uk", now=clock.now())
    registry = Registry()
    registry.register(kind, handler)
    Worker(store, registry, clock=clock, name="w").run_once()
    return job_id


def test_each_line_a_job_logs_is_json_with_its_entity_and_no_token_or_email(
    output: io.StringIO, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    job_id = run_one(sqlite_store, fake_clock, "orders.create", _logs_while_posting)
    text = output.getvalue()
    assert TOKEN not in text and EMAIL not in text
    mine = [line for line in lines(output) if line["logger"] == "shopbridge.test"]
    assert [line["level"] for line in mine] == ["INFO", "WARNING"]
    for line in mine:
        assert (line["entity"], line["job_id"], line["kind"], line["shop"]) == (
            "order:uk:1001",
            str(job_id),
            "orders.create",
            "uk",
        )
    assert "j•••@e•••.uk" in mine[0]["message"] and REDACTED in mine[0]["message"]
    assert mine[1]["erp_reply"] == "customer j•••@e•••.uk on hold"


def test_a_traceback_is_redacted_too(output: io.StringIO, sqlite_store: Store, fake_clock: FakeClock) -> None:
    run_one(sqlite_store, fake_clock, "orders.create", _fails_loudly)
    failed = [line for line in lines(output) if "exception" in line]
    assert failed and "RuntimeError" in failed[0]["exception"]
    assert TOKEN not in output.getvalue() and EMAIL not in output.getvalue()
    assert failed[0]["entity"] == "order:uk:1001"


def test_a_line_outside_any_job_has_no_entity(output: io.StringIO) -> None:
    log.info("started")
    (line,) = lines(output)
    assert "entity" not in line and line["message"] == "started"


def test_nested_contexts_add_fields_and_restore_the_outer_ones(output: io.StringIO) -> None:
    with entity_context(entity="order:1"):
        with entity_context(step="post"):
            log.info("inner")
        log.info("outer")
    inner, outer = lines(output)
    assert (inner["entity"], inner["step"]) == ("order:1", "post")
    assert outer["entity"] == "order:1" and "step" not in outer


def test_configured_secret_values_are_removed_wherever_they_appear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_T_TOKEN", "plain-looking-token-value")
    monkeypatch.setenv("LOG_T_HOOK", "hook-secret-value")
    settings = parse_settings(
        {
            "logging": {"format": "text"},
            "shops": [
                {
                    "name": "uk",
                    "domain": "uk.myshopify.com",
                    "access_token": {"env": "LOG_T_TOKEN"},
                    "webhook_secrets": [{"env": "LOG_T_HOOK"}],
                }
            ],
        }
    )
    handler = setup_logging(settings)
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        with entity_context(entity="order:7"):
            log.warning(
                "config says token=%s and secret %s", "plain-looking-token-value", "hook-secret-value"
            )
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert "plain-looking-token-value" not in text and "hook-secret-value" not in text
    assert text.rstrip().endswith("[order:7]")  # the text format names the entity too


@pytest.mark.parametrize(
    ("given", "gone"),
    [
        (f"X-Shopify-Access-Token: {TOKEN}", TOKEN),
        ("Authorization: Bearer sbt_AbC-123_xyz", "sbt_AbC-123_xyz"),
        ("login with password=hunter2hunter2", "hunter2hunter2"),
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        (f"mail {EMAIL}", EMAIL),
    ],
)
def test_redact_removes_credential_shaped_strings(given: str, gone: str) -> None:
    assert gone not in redact(given)


def test_redact_keeps_ordinary_text() -> None:
    assert redact("order #1001 posted as SO-42 in 120 ms") == "order #1001 posted as SO-42 in 120 ms"


def test_a_payload_logged_as_an_argument_has_its_personal_fields_masked(output: io.StringIO) -> None:
    payload = {"name": "#1001", "shipping_address": {"address1": "12 Acacia Avenue", "zip": "LS1 1AA"}}
    log.info("order %s", payload)
    text = output.getvalue()
    assert "12 Acacia Avenue" not in text and "LS1 1AA" not in text and "#1001" in text


def test_a_payload_among_other_arguments_is_masked_too(output: io.StringIO) -> None:
    log.info("order %s for %s", "#1002", [{"customer": {"first_name": "Jane", "phone": "+44 7700 900123"}}])
    text = output.getvalue()
    assert "Jane" not in text and "900123" not in text and "#1002" in text
