"""The runner: loading registries by name and running worker threads until idle."""

from __future__ import annotations

import signal

import pytest

from shopbridge.engine import queue
from shopbridge.engine.job import JobState
from shopbridge.engine.runner import load_registry, main, run_worker_processes
from shopbridge.engine.store import Store
from shopbridge.engine.testing import EFFECT_KIND, create_effect_table, read_effects
from shopbridge.engine.worker import Registry


def test_a_registry_factory_is_loaded_by_name() -> None:
    registry, services = load_registry("shopbridge.engine.testing:effect_registry")
    assert (registry.kinds(), services) == ({EFFECT_KIND}, None)


def registry_with_services() -> tuple[Registry, dict[str, str]]:
    return Registry(), {"erp": "fake"}


def returns_nonsense() -> str:
    return "not a registry"


def test_a_factory_may_return_services_too() -> None:
    _, services = load_registry(f"{__name__}:registry_with_services")
    assert services == {"erp": "fake"}


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("no_colon", ValueError),
        (f"{__name__}:returns_nonsense", TypeError),
        ("shopbridge.nothing:here", ImportError),
    ],
)
def test_a_bad_registry_factory_is_refused(spec: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        load_registry(spec)


def test_worker_threads_run_every_job_then_stop_when_idle(store: Store) -> None:
    create_effect_table(store)
    with store.begin() as conn:
        ids = [queue.enqueue(conn, EFFECT_KIND, {"seq": n}, entity_key=f"order:{n % 3}") for n in range(30)]
    url = store.engine.url.render_as_string(hide_password=False)
    handler_before = signal.getsignal(signal.SIGTERM)
    run_worker_processes(
        url, "shopbridge.engine.testing:effect_registry", processes=1, threads=3, stop_after_idle=0.3
    )
    assert sorted(job_id for job_id, _, _ in read_effects(store)) == ids
    with store.begin() as conn:
        assert {job.state for job in queue.list_jobs(conn, limit=100)} == {JobState.DONE}
    assert signal.getsignal(signal.SIGTERM) is handler_before


def test_the_command_line_passes_engine_settings_through(sqlite_store: Store) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    args = ["--url", url, "--registry", "shopbridge.engine.testing:noop_registry", "--stop-after-idle", "0.1"]
    assert main([*args, "--lease-seconds", "5", "--heartbeat-seconds", "1", "--batch-size", "7"]) == 0
