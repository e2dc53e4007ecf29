"""Run worker processes: ``python -m shopbridge.engine.runner --url URL --registry module:callable``.

Each process opens its own store and runs ``threads`` workers until SIGTERM or SIGINT (the job in
hand is finished, unstarted claimed jobs are given back), or until every worker has been idle for
``stop_after_idle`` seconds. The registry factory is named ``"module:callable"`` so that spawned
processes can import it; the callable takes no arguments and returns a :class:`Registry`, or a
``(Registry, services)`` pair. ``shopbridge worker`` calls :func:`run_worker_processes` too.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from shopbridge.config.model import EngineSettings
from shopbridge.engine.store import Store
from shopbridge.engine.worker import Registry, Worker, default_worker_name

__all__ = ["load_registry", "main", "run_worker_processes"]

log = logging.getLogger(__name__)


def load_registry(spec: str) -> tuple[Registry, Any]:
    """Import ``module:callable`` and call it; returns (registry, services)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"registry factory {spec!r} must look like 'package.module:function'")
    built = getattr(importlib.import_module(module_name), attr)()
    registry, services = built if isinstance(built, tuple) else (built, None)
    if not isinstance(registry, Registry):
        raise TypeError(f"{spec} returned {type(registry).__name__}, expected a Registry")
    return registry, services


def run_worker_processes(
    url: str,
    registry_factory: str,
    processes: int = 1,
    threads: int = 1,
    stop_after_idle: float | None = None,
    *,
    settings: EngineSettings | None = None,
) -> int:
    """Run ``processes`` worker processes of ``threads`` workers each; returns how many exited badly.

    With one process the workers run in this process (signals reach them directly).
    """
    settings = settings or EngineSettings()
    if processes <= 1:
        _process_main(url, registry_factory, threads, stop_after_idle, settings)
        return 0
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_process_main,
            args=(url, registry_factory, threads, stop_after_idle, settings),
            name=f"shopbridge-worker-{i}",
        )
        for i in range(processes)
    ]
    for child in children:
        child.start()
    _forward_stop_signals(children)
    for child in children:
        child.join()
    return sum(1 for child in children if child.exitcode != 0)


def _forward_stop_signals(children: Sequence[multiprocessing.process.BaseProcess]) -> None:
    # Each child stops gracefully on its own signal handler; the parent just passes the word on.
    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)


def _process_main(
    url: str, registry_factory: str, threads: int, stop_after_idle: float | None, settings: EngineSettings
) -> None:
    stop = threading.Event()
    registry, services = load_registry(registry_factory)
    store = Store.connect(url, pool_size=threads + 2)
    try:
        workers = [
            Worker(store, registry, services=services, settings=settings, name=default_worker_name(str(i)))
            for i in range(threads)
        ]
        with _stop_on_signals(stop):
            _run_threads(workers, stop, stop_after_idle)
    finally:
        store.close()


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` while the block runs; the previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; the caller owns stopping
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    for signum in previous:
        signal.signal(signum, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run_threads(workers: Sequence[Worker], stop: threading.Event, stop_after_idle: float | None) -> None:
    pool = [
        threading.Thread(
            target=worker.run_forever,
            args=(stop,),
            kwargs={"idle_timeout": stop_after_idle},
            name=worker.name,
        )
        for worker in workers
    ]
    for thread in pool:
        thread.start()
    # Join with a timeout so the main thread keeps receiving signals while the workers run.
    for thread in pool:
        while thread.is_alive():
            thread.join(0.2)
            if stop.is_set():  # idle workers wait for new work, not for the stop: wake them
                for worker in workers:
                    worker.store.wakeups.wake_all()


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m shopbridge.engine.runner", description=__doc__)
    parser.add_argument("--url", required=True, help="database URL")
    parser.add_argument("--registry", required=True, help="registry factory, module:callable")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--stop-after-idle", type=float, default=None, help="exit after this many idle seconds"
    )
    parser.add_argument("--lease-seconds", type=float, default=None)
    parser.add_argument("--heartbeat-seconds", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--poll-seconds", type=float, default=None)
    return parser.parse_args(argv)


def _settings(args: argparse.Namespace) -> EngineSettings:
    overrides = {
        key: value
        for key in ("lease_seconds", "heartbeat_seconds", "batch_size", "poll_seconds")
        if (value := getattr(args, key)) is not None
    }
    return EngineSettings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(name)s %(message)s")
    args = _parse(argv)
    failed = run_worker_processes(
        args.url, args.registry, args.processes, args.threads, args.stop_after_idle, settings=_settings(args)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
