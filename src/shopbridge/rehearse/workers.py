"""``shopbridge worker`` processes for a rehearsal: start N, SIGKILL one, stop them all.

Each is a real ``shopbridge --config <file> worker`` subprocess in a session of its own (a Ctrl-C at
the terminal reaches the rehearsal, which stops them in order, not the workers half-way through a
job). A worker killed on purpose is replaced, as a supervisor (systemd, Kubernetes) would; the job
it held waits for its lease to run out and another worker takes it over.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["WorkerPool"]

STOP_GRACE_SECONDS = 20.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before it runs: SIGTERM it if the rehearsal dies (even by SIGKILL), on Linux.

    A worker outliving its rehearsal would go on claiming jobs from a store the next run empties.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class WorkerPool:
    def __init__(
        self,
        config: Path,
        logs: Path,
        *,
        processes: int,
        threads: int,
        prefix: Sequence[str] = (),
        label: str = "worker",
    ) -> None:
        self.config, self.logs, self.processes, self.threads = config, logs, processes, threads
        # What each worker's command runs under (``ip netns exec ...`` on a rehearsal's other host; it
        # execs, so the pid is the worker's own), and the name of its log files.
        self.prefix, self.label = tuple(prefix), label
        self.running: list[subprocess.Popen[bytes]] = []
        self.killed: list[int] = []  # pids killed with SIGKILL on purpose
        self.started = 0

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for _ in range(self.processes):
            self._spawn()

    def kill_one(self) -> int | None:
        """SIGKILL the oldest live worker mid-job (no cleanup, no release), start a replacement."""
        live = [p for p in self.running if p.poll() is None]
        if not live:
            return None
        victim = live[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.killed.append(victim.pid)
        self._spawn()
        return victim.pid

    def died(self) -> list[int]:
        """Workers that exited by themselves (not stopped or killed by the rehearsal): their pids."""
        return [p.pid for p in self.running if p.poll() is not None and p.pid not in self.killed]

    def stop(self) -> None:
        """SIGTERM every worker (each finishes the job in hand), then SIGKILL any still there."""
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self) -> None:
        command = [
            *self.prefix,
            sys.executable,
            "-m",
            "shopbridge.cli",
            "--config",
            str(self.config),
            "worker",
            "--threads",
            str(self.threads),
        ]
        self.started += 1
        log = self.logs / f"{self.label}-{self.started}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(os.environ),
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.running.append(process)
