"""Issue 15's scale-out across hosts: the bad day rehearsed with its workers on two "hosts", Linux
network namespaces joined to this one by veth pairs the test makes itself.

PostgreSQL (a cluster of the test's own, started once the hosts exist), the Shopify sandbox and the
ERP gate listen on 127.0.0.1 and on each host's gateway address only; the workers, started inside
the namespaces, reach them there and nowhere else. PostgreSQL records every job claim with the
claiming worker's name, which starts with its host's hostname: both hosts must have claimed jobs,
and the ground truth must hold (nothing lost, nothing doubled).

The CI machine runs as root, so a failure to make the namespaces fails the test, naming what
failed (every command has a timeout: no hang), rather than skipping it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pgcluster import PgCluster, postgres_available
from shopbridge.rehearse.database import prepare_database
from shopbridge.rehearse.hosts import HostNetwork, HostsUnavailable, remove_leftovers
from shopbridge.rehearse.hosts_stack import HostsStack
from shopbridge.rehearse.runner import Rehearsal
from shopbridge.rehearse.scenario import load_scenario
from shopbridge.rehearse.stack import StackSpec
from shopbridge.sandbox.serving import ServerThread

ORDERS = 30
TIMEOUT = 600
_PROBE = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
    print("reached")
except OSError:
    print("unreachable")
"""


@pytest.fixture
def network() -> Iterator[HostNetwork]:
    hosts = HostNetwork(2)
    try:
        hosts.create()
    except HostsUnavailable as exc:
        pytest.fail(f"this machine cannot make the rehearsal's hosts (CI runs as root and must): {exc}")
    try:
        yield hosts
    finally:
        hosts.remove()
    assert not _our_namespaces(), "the hosts' namespaces outlived the network"


def _our_namespaces() -> list[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in listed.splitlines() if line.startswith(f"sbr{os.getpid()}h")]


def _probe(network: HostNetwork, host: int, address: str, port: int) -> str:
    command = [*network.hosts[host].prefix(), sys.executable, "-c", _PROBE, address, str(port)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout.strip()


def test_a_host_reaches_a_sandbox_at_its_gateway_only(network: HostNetwork) -> None:
    app = Starlette(routes=[Route("/", lambda _request: PlainTextResponse("ok"))])
    server = ServerThread(app, name="probe", also_on=network.gateways)
    port = int(server.start().rsplit(":", 1)[1])
    try:
        first, second = network.hosts
        assert first.gateway != second.gateway and first.namespace != second.namespace
        assert _probe(network, 0, first.gateway, port) == "reached"
        assert _probe(network, 1, second.gateway, port) == "reached"
        assert _probe(network, 0, "127.0.0.1", port) == "unreachable"  # its own loopback, not ours
        hostname = subprocess.run(
            [*second.prefix(), "hostname"], capture_output=True, text=True, timeout=30, check=True
        )
        assert hostname.stdout.strip() == "h2"
    finally:
        server.stop()


def test_the_network_is_removed_and_leftovers_of_a_dead_rehearsal_too() -> None:
    network = HostNetwork(1)
    network.create()
    network.remove()
    network.remove()  # idempotent
    assert not _our_namespaces()
    dead = "sbr999999999h1"  # no such pid
    subprocess.run(["ip", "netns", "add", dead], check=True, timeout=30)
    try:
        assert dead in remove_leftovers()
    finally:
        subprocess.run(["ip", "netns", "delete", dead], capture_output=True, timeout=30, check=False)
    assert dead not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(TIMEOUT)
def test_bad_day_with_workers_on_two_hosts_loses_nothing(tmp_path: Path, network: HostNetwork) -> None:
    if not postgres_available():
        pytest.fail("PostgreSQL binaries not found: the two-host rehearsal needs PostgreSQL 15")
    subnet = f"{network.hosts[0].gateway.rsplit('.', 1)[0]}.0/24"
    cluster = PgCluster(also_listen=network.gateways, allow=[subnet]).start()
    try:
        workdir = tmp_path / "rehearsal"
        workdir.mkdir()
        url = prepare_database(cluster.url(cluster.create_database()), workdir)
        spec = StackSpec(workdir, "sage200", url, workers=4, threads=2)
        scenario = load_scenario("bad-day").scaled(ORDERS)
        result = Rehearsal(scenario, spec, lambda sc, sp: HostsStack(sc, sp, network.hosts)).run()
    finally:
        cluster.stop()

    assert result["ok"] is True, result["findings"]
    orders = result["ground_truth"]["orders"]
    assert orders["in_erp_exactly_once"] == orders["qualifying"] >= ORDERS
    assert result["peak"]["orders_placed"] == ORDERS
    assert result["workers_killed"] == 1  # the bad day's SIGKILL hit a worker on one of the hosts
    hosts = {host["name"]: host for host in result["hosts"]}
    assert set(hosts) == {"h1", "h2"}
    for host in hosts.values():
        assert host["workers_started"] >= 2
        assert host["jobs_claimed"] > 0, result["hosts"]
    assert result["jobs_claimed_elsewhere"] == 0  # every claim came from a worker on a host


@pytest.mark.postgres
@pytest.mark.timeout(TIMEOUT)
def test_rehearse_on_hosts_refuses_a_database_they_cannot_reach(tmp_path: Path, pg_url: Any) -> None:
    """The session's PostgreSQL listens on 127.0.0.1 only: the hosts cannot reach it, and the command
    says so and exits, leaving no namespace behind."""
    command = [
        sys.executable, "-m", "shopbridge.cli", "rehearse", "--hosts", "2", "--orders", "1",
        "--database", pg_url.empty(), "--workdir", str(tmp_path / "rehearsal"), "--no-live",
    ]  # fmt: skip
    before = _all_namespaces()
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "PostgreSQL is not reachable from host h1" in done.stdout + done.stderr
    assert _all_namespaces() == before


def _all_namespaces() -> set[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}
