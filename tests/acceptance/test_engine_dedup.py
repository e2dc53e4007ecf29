"""Acceptance: two processes enqueue the same deduplicated jobs at the same moment: one job each."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
import sqlalchemy as sa

from shopbridge.engine.schema import jobs
from shopbridge.engine.store import Store
from shopbridge.engine.testing import enqueue_keys

KEYS = [f"order:{n}" for n in range(300)]


@pytest.mark.slow
def test_two_processes_enqueueing_the_same_dedup_keys_make_one_job_per_key(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        barrier = manager.Barrier(2)  # both start enqueueing at the same moment
        first, second = pool.map(enqueue_keys, [url, url], [KEYS, KEYS], [barrier, barrier])
    with store.begin() as conn:
        per_key = conn.execute(sa.select(jobs.c.dedup_key, sa.func.count()).group_by(jobs.c.dedup_key)).all()
    assert sorted(key for key, _ in per_key) == sorted(KEYS)
    assert {count for _, count in per_key} == {1}
    assert first == second  # each process was told the id of the one job
