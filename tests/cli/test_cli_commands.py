"""The operator's commands against a real store (SQLite and PostgreSQL via the ``store`` fixture)."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.seeding import Seeded
from shopbridge.cli.app import app
from shopbridge.cli.sandbox_cmd import SANDBOX_MODULES
from shopbridge.domain.problems import ProblemKind, ProblemReport, ProblemStatus
from shopbridge.engine import audit, queue_admin
from shopbridge.engine.job import JobState
from shopbridge.engine.problems import get_problem, list_problems, report_problem
from shopbridge.engine.store import Store


def shopbridge(config: Path, *args: str, user: str = "alice") -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"USER": user, "COLUMNS": "200"})


def test_status_json_counts_queue_by_kind_and_state_and_problems_by_owner(
    config: Path, seeded: Seeded
) -> None:
    result = shopbridge(config, "status", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    queue = {(row["kind"], row["state"]): row["count"] for row in report["queue"]}
    assert queue == {
        ("orders.create", "pending"): 3,
        ("stock.push", "pending"): 1,
        ("payouts.post", "dead"): 1,
    }
    assert all(row["oldest_age_seconds"] >= 0 for row in report["queue"])
    owners = {(row["team"], row["severity"]): row["count"] for row in report["problems"]}
    assert owners == {
        ("merchandising", "error"): 1,
        ("finance", "error"): 1,
        ("operations", "warning"): 1,
        ("technical", "error"): 1,  # the dead job's problem
    }


def test_status_tables_name_kinds_and_owners(config: Path, seeded: Seeded) -> None:
    result = shopbridge(config, "status")
    assert result.exit_code == 0, result.output
    for text in ("Queue", "orders.create", "payouts.post", "Open problems", "merchandising", "finance"):
        assert text in result.stdout


def test_jobs_list_filters_by_state(config: Path, seeded: Seeded) -> None:
    result = shopbridge(config, "jobs", "list", "--state", "dead", "--json")
    assert result.exit_code == 0, result.output
    assert [job["id"] for job in json.loads(result.stdout)] == [seeded.dead_id]


def test_jobs_show_prints_the_last_error(config: Path, seeded: Seeded) -> None:
    result = shopbridge(config, "jobs", "show", str(seeded.dead_id))
    assert result.exit_code == 0, result.output
    assert "account ON HOLD" in result.stdout and "payouts.post" in result.stdout


def test_jobs_replay_requeues_a_dead_job_closes_its_problem_and_audits_the_actor(
    config: Path, seeded: Seeded, store: Store
) -> None:
    result = shopbridge(config, "jobs", "replay", str(seeded.dead_id))
    assert result.exit_code == 0, result.output
    with store.begin() as conn:
        job = queue_admin.get_job(conn, seeded.dead_id)
        entries = audit.list_audit(conn, entity_type="job", entity_id=str(seeded.dead_id))
        dead_letter = list_problems(conn, kind=ProblemKind.JOB_DEAD_LETTERED, status=None)
    assert job is not None and job.state is JobState.PENDING and job.attempts == 0
    assert [(e.action, e.actor) for e in entries] == [("job.replay", "alice")]
    assert [(p.entity_id, p.status) for p in dead_letter] == [(str(seeded.dead_id), ProblemStatus.RESOLVED)]


def test_jobs_replay_all_dead_shows_progress_and_requeues_every_dead_job(
    config: Path, seeded: Seeded, store: Store
) -> None:
    result = shopbridge(config, "jobs", "replay", "--all-dead", "--actor", "bob")
    assert result.exit_code == 0, result.output
    assert "replaying dead jobs" in result.stdout and "replayed 1 dead job" in result.stdout
    with store.begin() as conn:
        assert queue_admin.list_jobs(conn, state=JobState.DEAD) == []
        assert audit.list_audit(conn)[0].actor == "bob"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jobs", "replay", "1"], "is pending and cannot be replayed"),
        (["jobs", "replay", "999"], "there is no job 999"),
        (["jobs", "show", "999"], "there is no job 999"),
        (["jobs", "list", "--state", "stuck"], "unknown state 'stuck'"),
        (["problems", "list", "--team", "sales"], "unknown team 'sales'; choose one of finance"),
        (["problems", "resolve", "999"], "there is no problem 999"),
    ],
)
def test_refused_actions_exit_1_with_the_reason(
    config: Path, seeded: Seeded, args: list[str], message: str
) -> None:
    result = shopbridge(config, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_jobs_retry_makes_a_waiting_job_due_now(config: Path, seeded: Seeded, store: Store) -> None:
    job_id = seeded.pending_ids[0]
    result = shopbridge(config, "jobs", "retry", str(job_id))
    assert result.exit_code == 0, result.output
    with store.begin() as conn:
        assert [e.action for e in audit.list_audit(conn, entity_type="job")] == ["job.retry_now"]


def test_jobs_discard_needs_a_reason_and_keeps_the_job_in_the_audit(
    config: Path, seeded: Seeded, store: Store
) -> None:
    assert shopbridge(config, "jobs", "discard", str(seeded.dead_id)).exit_code == 2  # --reason missing
    result = shopbridge(config, "jobs", "discard", str(seeded.dead_id), "--reason", "posted by hand")
    assert result.exit_code == 0, result.output
    with store.begin() as conn:
        assert queue_admin.get_job(conn, seeded.dead_id) is None
        entry = audit.list_audit(conn, entity_type="job")[0]
    assert entry.detail["reason"] == "posted by hand" and entry.detail["kind"] == "payouts.post"


def test_problems_list_filters_by_team(config: Path, seeded: Seeded) -> None:
    result = shopbridge(config, "problems", "list", "--team", "finance", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [(p["id"], p["team"], p["kind"]) for p in found] == [
        (seeded.problem_ids["finance"], "finance", "payout_mismatch")
    ]


def test_problems_show_says_what_resolves_it(config: Path, seeded: Seeded) -> None:
    result = shopbridge(config, "problems", "show", str(seeded.problem_ids["merchandising"]))
    assert result.exit_code == 0, result.output
    assert "SKU A-404 is not in the ERP" in result.stdout
    assert "Create the item in the ERP" in result.stdout  # the kind's advice


def test_problems_resolve_records_the_user_as_actor(config: Path, seeded: Seeded, store: Store) -> None:
    problem_id = seeded.problem_ids["operations"]
    result = shopbridge(config, "problems", "resolve", str(problem_id), "--note", "recounted", user="carol")
    assert result.exit_code == 0, result.output
    with store.begin() as conn:
        problem = get_problem(conn, problem_id)
        entries = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))
    assert problem is not None and problem.status is ProblemStatus.RESOLVED
    assert [(e.action, e.actor, e.detail["note"]) for e in entries] == [
        ("problem.resolve", "carol", "recounted")
    ]
    again = shopbridge(config, "problems", "resolve", str(problem_id))
    assert again.exit_code == 1 and "already resolved" in again.stderr


def test_problems_ignore_requires_a_reason(config: Path, seeded: Seeded, store: Store) -> None:
    problem_id = seeded.problem_ids["finance"]
    refused = shopbridge(config, "problems", "ignore", str(problem_id))
    assert refused.exit_code == 2 and "--reason" in refused.output
    result = shopbridge(config, "problems", "ignore", str(problem_id), "--reason", "test payout")
    assert result.exit_code == 0, result.output
    with store.begin() as conn:
        problem = get_problem(conn, problem_id)
    assert problem is not None and problem.status is ProblemStatus.IGNORED and problem.note == "test payout"


def test_migrate_creates_the_schema_of_an_empty_sqlite_database(tmp_path: Path) -> None:
    config = tmp_path / "shopbridge.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "new.db"}"\n', encoding="utf-8")
    assert shopbridge(config, "migrate").exit_code == 0
    result = shopbridge(config, "status", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["queue"] == []


def test_messages_with_brackets_are_printed_verbatim(config: Path, store: Store) -> None:
    report = ProblemReport(
        ProblemKind.REMOTE_REJECTED, "order", "#7", "ERP said [red]no[/red] to [erp.sage200]"
    )
    with store.begin() as conn:
        problem_id = report_problem(conn, report, now=datetime.now(UTC))
    for args in (["problems", "list"], ["problems", "show", str(problem_id)]):
        result = shopbridge(config, *args)
        assert result.exit_code == 0, result.output
        assert "ERP said [red]no[/red] to [erp.sage200]" in result.stdout


@pytest.mark.parametrize("name", SANDBOX_MODULES)
def test_each_present_sandbox_module_is_offered_under_sandbox(name: str) -> None:
    present = importlib.util.find_spec(f"shopbridge.cli.sandbox_{name}") is not None
    result = CliRunner().invoke(app, ["sandbox", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert (f" {name} " in result.stdout) is present


def test_run_refuses_to_listen_beyond_loopback_without_a_session_secret(tmp_path: Path) -> None:
    config = tmp_path / "shopbridge.toml"
    config.write_text('[web]\nhost = "0.0.0.0"\n', encoding="utf-8")
    result = shopbridge(config, "run")
    assert result.exit_code == 2
    assert "web.session_secret" in result.stderr and "'0.0.0.0'" in result.stderr
    assert "reverse proxy" in result.stderr


def test_run_may_listen_beyond_loopback_with_a_session_secret() -> None:
    from shopbridge.cli.run_cmd import _listen_host
    from shopbridge.config import parse_settings

    web = {"host": "0.0.0.0", "session_secret": {"env": "ANY_SECRET"}}
    assert _listen_host(parse_settings({"web": web})) == "0.0.0.0"
    assert _listen_host(parse_settings({"web": {"host": "::1"}})) == "::1"


def test_an_unmigrated_database_says_to_run_migrate(tmp_path: Path) -> None:
    config = tmp_path / "shopbridge.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "empty.db"}"\n', encoding="utf-8")
    result = shopbridge(config, "status")
    assert result.exit_code == 2
    assert "no such table" in result.stderr and "shopbridge migrate" in result.stderr
    assert "Traceback" not in result.output


def test_config_explain_ownership_prints_the_default_matrix(config: Path) -> None:
    result = shopbridge(config, "config", "explain", "ownership")
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") >= 4}
    assert {
        name: rows[name].split("│")[2].strip() for name in ("title", "barcode", "weight", "price", "status")
    } == {
        "title": "shopify",
        "barcode": "erp",
        "weight": "erp",
        "price": "shopify",
        "status": "shopbridge",
    }
    assert "gating: draft" in result.stdout


def test_config_explain_ownership_shows_what_the_file_sets(config: Path) -> None:
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[ownership]\nprice = "erp"\nstatus = "shopify"\n'
    )
    result = shopbridge(config, "config", "explain", "ownership")
    assert result.exit_code == 0, result.output
    price = next(line for line in result.stdout.splitlines() if line.startswith("│ price"))
    assert "erp" in price and "pushed" in price and "gating: off" in result.stdout
