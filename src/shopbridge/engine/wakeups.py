"""Idle workers of a process are woken when a transaction of that process commits new work.

A worker that finds nothing to claim waits ``engine.poll_seconds`` before it asks the queue again:
every ask is a write transaction (claiming is an UPDATE), so asking often costs the store's one
SQLite writer and CPU; asking seldom leaves a new job waiting. So a transaction that adds a job, or
finishes one (the next job of its entity may now run), notes it here, and when it commits the store
wakes that many idle workers of its process at once. Work added by another process is still found
by polling.

The note is thread-local: a thread has at most one transaction open (``Store.begin`` refuses a nested
one), so what the thread noted since its transaction began belongs to that transaction. A transaction
that rolls back wakes nobody.

Polling for the rest (other processes' work, retries coming due) needs only one idle worker per
process: the first to go idle polls every ``poll_seconds``, the others wait longer for a wake-up
(``Wakeups.wait``'s ``others``). A worker that claims something wakes one more (``Worker.run_once``),
so work found by polling draws in as many workers as it needs, one claim each.
"""

from __future__ import annotations

import threading

__all__ = ["Wakeups", "note_new_work", "take_noted"]

_noted = threading.local()
_MAX_TOKENS = 10_000  # wake-ups nobody waited for yet; bounded so a process without workers keeps none


def note_new_work(count: int = 1) -> None:
    """Called inside a transaction that makes ``count`` jobs claimable."""
    _noted.count = getattr(_noted, "count", 0) + count


def take_noted() -> int:
    """What this thread noted since the last call (the transaction just ended), and forget it."""
    count = int(getattr(_noted, "count", 0))
    _noted.count = 0
    return count


class Wakeups:
    """Tokens of new work, each waking one idle worker of this process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tokens = 0
        self._polling = False  # an idle waiter waits the short timeout; the others the long one

    def signal(self, count: int) -> None:
        if count <= 0:
            return
        with self._cond:
            self._tokens = min(_MAX_TOKENS, self._tokens + count)
            self._cond.notify(count)

    def wake_all(self) -> None:
        """Wake every waiter (stopping): each returns as if its wait had run out."""
        with self._cond:
            self._cond.notify_all()

    def wait(self, timeout: float, *, others: float | None = None) -> bool:
        """Wait for a token; True if one was taken (there is new work to claim). The one waiter that
        polls waits up to ``timeout``; while it does, the others wait up to ``others`` (default
        ``timeout``)."""
        with self._cond:
            if self._tokens == 0:
                polls = not self._polling
                self._polling = self._polling or polls
                try:
                    self._cond.wait(timeout if polls or others is None else others)
                finally:
                    if polls:
                        self._polling = False
            if self._tokens == 0:
                return False
            self._tokens -= 1
            return True
