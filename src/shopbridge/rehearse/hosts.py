"""Other hosts on one machine: Linux network namespaces joined to this one by veth pairs.

A rehearsal with ``--hosts N`` puts its workers on N "hosts": each a network namespace of its own
whose only link is a veth pair to this (the root) namespace, a /30 with the root's end as gateway.
A worker there has its own loopback and reaches PostgreSQL and the sandboxes only at its gateway's
address, as a worker on another machine reaches them over the network. Each also gets a hostname of
its own (a UTS namespace), so the name it claims jobs under says which host it is on.

Making namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and ``ip``: without them
:meth:`HostNetwork.create` raises :class:`HostsUnavailable` saying what failed, and every command
has a timeout, so a missing capability fails the rehearsal at once rather than hanging it.
Everything made is removed by :meth:`HostNetwork.remove` (called from ``finally``, and at exit), and
leftovers of a rehearsal that was SIGKILLed (its pid is in the names) are removed by the next one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from ipaddress import IPv4Network
from types import TracebackType

__all__ = ["Host", "HostNetwork", "HostsUnavailable"]

PREFIX = "sbr"  # shopbridge rehearsal: the namespaces and veths it names "sbr<pid>h<n>"
SUPERNET = IPv4Network("10.231.0.0/16")  # private; one /24 per rehearsal, one /30 per host in it
COMMAND_TIMEOUT = 15.0
_OURS = re.compile(rf"^{PREFIX}(\d+)h\d+$")


class HostsUnavailable(RuntimeError):
    """The machine cannot make the hosts (not root, no ``ip``, namespaces not allowed)."""


@dataclass(frozen=True)
class Host:
    name: str  # "h1": its hostname, and the start of the name its workers claim jobs under
    namespace: str
    gateway: str  # the root namespace's end of the veth: where this host reaches PostgreSQL and the sandboxes
    address: str  # the host's own end

    def prefix(self) -> list[str]:
        """The command prefix that runs a program on this host, under its hostname (it execs: same pid)."""
        return [
            "ip", "netns", "exec", self.namespace,
            "unshare", "--uts", "--",
            "sh", "-c", 'hostname "$0" && exec "$@"', self.name,
        ]  # fmt: skip


class HostNetwork:
    """``create()`` makes ``count`` hosts; ``remove()`` undoes it (idempotent)."""

    def __init__(self, count: int) -> None:
        if not 1 <= count <= 16:
            raise ValueError("a rehearsal runs on 1 to 16 hosts")
        self.count = count
        self.hosts: list[Host] = []
        self._veths: list[str] = []

    def __enter__(self) -> HostNetwork:
        self.create()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()

    @property
    def gateways(self) -> tuple[str, ...]:
        return tuple(host.gateway for host in self.hosts)

    def create(self) -> list[Host]:
        _require_tools()
        remove_leftovers()
        atexit.register(self.remove)
        try:
            subnets = list(_free_subnet().subnets(new_prefix=30))
            for n in range(1, self.count + 1):
                self._add_host(n, subnets[n - 1])
        except BaseException:
            self.remove()
            raise
        return self.hosts

    def remove(self) -> None:
        """Delete the namespaces (their veth ends go with them, and so the pairs) and any veth left."""
        for host in self.hosts:
            _quiet("ip", "netns", "delete", host.namespace)
        for veth in self._veths:
            if _exists("link", veth):
                _quiet("ip", "link", "delete", veth)
        self.hosts, self._veths = [], []
        atexit.unregister(self.remove)

    def _add_host(self, n: int, subnet: IPv4Network) -> None:
        name = f"{PREFIX}{os.getpid()}h{n}"
        gateway, address = (str(ip) for ip in subnet.hosts())
        outside, inside = f"{name}r", f"{name}n"
        _run("ip", "netns", "add", name)
        self.hosts.append(Host(f"h{n}", name, gateway, address))  # so remove() undoes a step that fails
        self._veths.append(outside)
        _run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", name)
        _run("ip", "address", "add", f"{gateway}/30", "dev", outside)
        _run("ip", "link", "set", outside, "up")
        _run("ip", "-n", name, "address", "add", f"{address}/30", "dev", inside)
        _run("ip", "-n", name, "link", "set", inside, "up")
        _run("ip", "-n", name, "link", "set", "lo", "up")


def remove_leftovers() -> list[str]:
    """Namespaces (and their veths) of rehearsals no longer running, by the pid in their names."""
    listed = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    removed = []
    for line in listed.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        found = _OURS.match(name)
        if found and not _alive(int(found.group(1))):
            _quiet("ip", "netns", "delete", name)
            if _exists("link", f"{name}r"):
                _quiet("ip", "link", "delete", f"{name}r")
            removed.append(name)
    return removed


def _free_subnet() -> IPv4Network:
    """A /24 of :data:`SUPERNET` no address of this machine is in (another rehearsal may hold one)."""
    shown = subprocess.run(
        ["ip", "-o", "-4", "address", "show"], capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    used = {IPv4Network(m, strict=False) for m in re.findall(r"inet (\S+)", shown.stdout)}
    candidates = list(SUPERNET.subnets(new_prefix=24))
    start = os.getpid() % len(candidates)
    for candidate in candidates[start:] + candidates[:start]:
        if not any(candidate.overlaps(net) for net in used):
            return candidate
    raise HostsUnavailable(f"every /24 of {SUPERNET} is in use on this machine")


def _require_tools() -> None:
    for tool in ("ip", "unshare"):
        if shutil.which(tool) is None:
            raise HostsUnavailable(f"`{tool}` is not installed: the hosts need it (iproute2, util-linux)")
    if os.geteuid() != 0:
        raise HostsUnavailable("making network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)")


def _run(*command: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise HostsUnavailable(f"`{' '.join(command)}` did not finish in {COMMAND_TIMEOUT:g} s") from exc
    if done.returncode != 0:
        raise HostsUnavailable(
            f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            " (network namespaces need root with CAP_SYS_ADMIN and CAP_NET_ADMIN, and a kernel that"
            " allows them)"
        )


def _quiet(*command: str) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        subprocess.run(command, capture_output=True, timeout=COMMAND_TIMEOUT, check=False)


def _exists(kind: str, name: str) -> bool:
    shown = subprocess.run(
        ["ip", kind, "show", name], capture_output=True, timeout=COMMAND_TIMEOUT, check=False
    )
    return shown.returncode == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
