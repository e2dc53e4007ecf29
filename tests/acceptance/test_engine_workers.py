"""Acceptance with real worker processes on PostgreSQL: exactly-once effects, per-entity order,
and recovery from a worker killed with SIGKILL in the middle of a job."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopbridge.engine import queue
from shopbridge.engine.job import JobState
from shopbridge.engine.store import Store
from shopbridge.engine.testing import EFFECT_KIND, create_effect_table, read_effects

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REGISTRY = "shopbridge.engine.testing:effect_registry"


@pytest.fixture
def pg_store(pg_url: object) -> Iterator[Store]:
    store = Store.connect(pg_url())  # type: ignore[operator]
    create_effect_table(store)
    yield store
    store.close()


def start_workers(store: Store, log: Path, *args: str) -> subprocess.Popen[bytes]:
    url = store.engine.url.render_as_string(hide_password=False)
    command = [sys.executable, "-m", "shopbridge.engine.runner", "--url", url, "--registry", REGISTRY, *args]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> None:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    assert code == 0, log.read_text()[-3000:]


def test_four_processes_run_ten_thousand_jobs_once_each_in_entity_order(
    pg_store: Store, tmp_path: Path
) -> None:
    entities, per_entity = 200, 50
    with pg_store.begin() as conn:
        # Interleaved creation: consecutive jobs belong to different entities, so workers race.
        for seq in range(per_entity):
            for entity in range(entities):
                queue.enqueue(conn, EFFECT_KIND, {"seq": seq}, entity_key=f"order:{entity}")
    log = tmp_path / "workers.log"
    workers = start_workers(
        pg_store,
        log,
        "--processes",
        "4",
        "--batch-size",
        "50",
        "--poll-seconds",
        "0.05",
        "--stop-after-idle",
        "2",
    )
    finish(workers, log)

    effects = read_effects(pg_store)
    assert len(effects) == entities * per_entity
    assert len({job_id for job_id, _, _ in effects}) == len(effects)
    order: dict[str, list[int]] = defaultdict(list)
    for _, entity_key, seq in effects:
        order[entity_key].append(seq)
    assert all(seqs == list(range(per_entity)) for seqs in order.values())
    with pg_store.begin() as conn:
        assert {(s.state, s.count) for s in queue.stats(conn)} == {("done", entities * per_entity)}


def test_a_worker_killed_mid_job_loses_its_lease_and_another_completes_it(
    pg_store: Store, tmp_path: Path
) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    payload = {"seq": 0, "started_file": str(started), "release_file": str(release)}
    with pg_store.begin() as conn:
        blocked = queue.enqueue(conn, EFFECT_KIND, payload, entity_key="order:1")
        after = queue.enqueue(conn, EFFECT_KIND, {"seq": 1}, entity_key="order:1")
    lease = (
        "--lease-seconds",
        "2",
        "--heartbeat-seconds",
        "0.5",
        "--poll-seconds",
        "0.05",
        "--batch-size",
        "1",
    )
    log = tmp_path / "workers.log"
    victim = start_workers(pg_store, log, *lease)
    try:
        _wait_for(started, victim)
        time.sleep(3)  # longer than the lease: only the heartbeat keeps the job with its worker
        with pg_store.begin() as conn:
            held = queue.get_job(conn, blocked)
        assert held is not None and (held.state, held.attempts) == (JobState.RUNNING, 1)
    finally:
        victim.kill()  # SIGKILL: no cleanup, no release, the lease is all that is left
        victim.wait()
    release.touch()
    rescuer = start_workers(pg_store, log, *lease, "--stop-after-idle", "4")
    finish(rescuer, log)

    assert read_effects(pg_store) == [(blocked, "order:1", 0), (after, "order:1", 1)]
    with pg_store.begin() as conn:
        first, second = queue.get_job(conn, blocked), queue.get_job(conn, after)
    assert first is not None and second is not None
    assert (first.state, first.attempts, second.state) == (JobState.DONE, 2, JobState.DONE)


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "the worker exited before starting the job"
        assert time.monotonic() < deadline, f"the worker did not start the job within {timeout} s"
        time.sleep(0.02)
