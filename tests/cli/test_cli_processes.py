"""``shopbridge run`` and ``shopbridge worker`` as real processes: they work jobs and stop cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.seeding import write_config
from shopbridge.engine import queue
from shopbridge.engine.clock import SystemClock
from shopbridge.engine.job import JobState
from shopbridge.engine.queue_admin import list_jobs
from shopbridge.engine.store import Store
from shopbridge.intake.order_sweep import SWEEP_KIND

pytestmark = pytest.mark.slow

SHOPBRIDGE = [sys.executable, "-c", "from shopbridge.cli.app import main; main()"]
_WAIT = 30.0


def enqueue_placeholder_jobs(store: Store, count: int) -> None:
    # An order sweep of every configured shop completes without any remote call when there are none
    # (the config of these tests names no shop); each job gets its own key, so none is deduplicated.
    now = SystemClock().now()
    with store.begin() as conn:
        for n in range(count):
            queue.enqueue(conn, SWEEP_KIND, {"shop": ""}, entity_key=f"test:{n}", now=now)


def states(store: Store) -> list[JobState]:
    # Only the placeholder jobs this module enqueues: `run` also schedules sweeps of its own.
    with store.begin() as conn:
        return [job.state for job in list_jobs(conn, kind=SWEEP_KIND, limit=1000)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def running(tmp_path: Path, sqlite_store: Store) -> Iterator[tuple[subprocess.Popen[str], str]]:
    config = write_config(tmp_path / "shopbridge.toml", sqlite_store)
    port = free_port()
    process = subprocess.Popen(
        [*SHOPBRIDGE, "--config", str(config), "run", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "USER": "ops"},
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + _WAIT
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def api_token_for_a_new_viewer(config: str) -> str:
    """``shopbridge users add`` (password from a variable) then ``users token``: the token printed once."""
    env = {**os.environ, "USER": "ops", "NEW_PASSWORD": "a long enough password"}
    add = [*SHOPBRIDGE, "--config", config, "users", "add", "scripts", "--password-env", "NEW_PASSWORD"]
    subprocess.run(add, env=env, check=True, capture_output=True, text=True)
    made = subprocess.run(
        [*SHOPBRIDGE, "--config", config, "users", "token", "scripts", "--label", "test"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert "a long enough password" not in made.stdout + made.stderr
    return made.stdout.strip().splitlines()[-1]


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(base_url + "/healthz").status_code == 200
    except httpx.TransportError:
        return False


def test_run_serves_the_web_app_works_jobs_and_stops_on_sigterm(
    running: tuple[subprocess.Popen[str], str], sqlite_store: Store, tmp_path: Path
) -> None:
    process, base_url = running
    enqueue_placeholder_jobs(sqlite_store, 5)
    wait_for(lambda: healthy(base_url), "the web app")
    wait_for(lambda: states(sqlite_store) == [JobState.DONE] * 5, "the workers to finish the jobs")
    assert httpx.get(base_url + "/api/status").status_code == 401
    token = api_token_for_a_new_viewer(str(tmp_path / "shopbridge.toml"))  # the config `run` was given
    body = httpx.get(base_url + "/api/status", headers={"Authorization": f"Bearer {token}"}).json()
    rows = {(row["kind"], row["state"]): row["count"] for row in body["queue"]}
    assert rows[(SWEEP_KIND, "done")] == 5
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=_WAIT)
    assert process.returncode == 0, output
    assert "stopped" in output
    assert "Traceback" not in output


@pytest.mark.postgres
def test_worker_processes_share_one_postgresql_and_finish_every_job(tmp_path: Path, pg_url: str) -> None:
    store = Store.connect(pg_url())
    try:
        enqueue_placeholder_jobs(store, 40)
        config = write_config(tmp_path / "shopbridge.toml", store)
        args = [
            "--config",
            str(config),
            "worker",
            "--processes",
            "2",
            "--threads",
            "2",
            "--stop-after-idle",
            "1",
        ]
        done = subprocess.run([*SHOPBRIDGE, *args], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert states(store) == [JobState.DONE] * 40
    finally:
        store.close()


def test_status_json_of_a_fresh_install_is_empty(tmp_path: Path, sqlite_store: Store) -> None:
    config = write_config(tmp_path / "shopbridge.toml", sqlite_store)
    done = subprocess.run(
        [*SHOPBRIDGE, "--config", str(config), "status", "--json"], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout)["queue"] == []
