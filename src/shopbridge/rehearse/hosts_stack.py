"""The rehearsal's stack with its workers on other hosts (see :mod:`shopbridge.rehearse.hosts`).

The same stack as :class:`~shopbridge.rehearse.stack.RehearsalStack`, but the Shopify sandbox and
the ERP gate also listen on each host's gateway address (named addresses, never the wildcard), each
host gets its own copy of the config with those addresses in it (and the database's, which must
listen there too), and the worker processes are spread over the hosts, started inside them.

Which host did the work is recorded by PostgreSQL itself: a trigger on the jobs table writes every
claim (the job and the claiming worker's name, which starts with its hostname) to
``rehearsal_claims``, a table of the rehearsal's own database only; the result counts them per host.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shopbridge.demo.stack import (
    ENV_SHOPIFY_TOKEN,
    ENV_WEBHOOK_SECRET,
    PLUS_BUCKET,
    PLUS_RESTORE_RATE,
    SHOP_DOMAIN,
)
from shopbridge.errors import ConfigurationError
from shopbridge.rehearse.hosts import Host
from shopbridge.rehearse.scenario import Scenario
from shopbridge.rehearse.stack import RehearsalStack, StackSpec
from shopbridge.rehearse.workers import WorkerPool
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

__all__ = ["HostsStack", "HostsWorkerPool", "host_config"]

LOOPBACK = "127.0.0.1"
_CLAIMS = (
    "CREATE TABLE rehearsal_claims (job_id BIGINT NOT NULL, worker VARCHAR(255) NOT NULL)",
    """CREATE FUNCTION rehearsal_record_claim() RETURNS trigger AS $$
    BEGIN
        INSERT INTO rehearsal_claims (job_id, worker) VALUES (NEW.id, NEW.locked_by);
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER rehearsal_claims AFTER UPDATE OF locked_by ON jobs FOR EACH ROW
    WHEN (NEW.locked_by IS NOT NULL AND NEW.locked_by IS DISTINCT FROM OLD.locked_by)
    EXECUTE FUNCTION rehearsal_record_claim()""",
)


class HostsWorkerPool(WorkerPool):
    """Worker processes spread over hosts: each new one goes to the host with the fewest running (a
    killed worker's replacement to the killed one's host), with that host's config."""

    def __init__(self, configs: dict[Host, Path], logs: Path, *, processes: int, threads: int) -> None:
        first = next(iter(configs))
        super().__init__(configs[first], logs, processes=processes, threads=threads)
        self.configs = configs
        self.host_of: dict[int, str] = {}  # pid -> host name

    def _spawn(self) -> None:
        live = Counter(self.host_of[p.pid] for p in self.running if p.poll() is None)
        host = min(self.configs, key=lambda h: (live[h.name], h.name))
        self.config, self.prefix, self.label = self.configs[host], tuple(host.prefix()), f"{host.name}-worker"
        super()._spawn()
        self.host_of[self.running[-1].pid] = host.name


class HostsStack(RehearsalStack):
    def __init__(self, scenario: Scenario, spec: StackSpec, hosts: list[Host]) -> None:
        if not spec.database_url.startswith("postgresql"):
            raise ConfigurationError(
                "workers on other hosts share one PostgreSQL, not a SQLite file",
                key="--database",
                fix="give --database an empty PostgreSQL database that listens on the hosts' addresses",
            )
        super().__init__(scenario, spec)
        self.hosts = hosts
        self.gate.also_on = tuple(h.gateway for h in hosts)
        self.host_configs: dict[Host, Path] = {}

    def configure(self, config: Path) -> None:
        for host in self.hosts:  # first: a database the hosts cannot reach fails the run at once
            _check_database_reachable(host, self.spec.database_url)
        super().configure(config)
        text = config.read_text(encoding="utf-8")
        for host in self.hosts:
            path = config.with_name(f"shopbridge-{host.name}.toml")
            path.write_text(host_config(text, host), encoding="utf-8")
            self.host_configs[host] = path

    def start_workers(self) -> None:
        if self.pool is None:
            self._record_claims()
            self.pool = HostsWorkerPool(
                self.host_configs,
                self.spec.workdir / "logs",
                processes=self.spec.workers,
                threads=self.spec.threads,
            )
            self.pool.start()

    def extra_result(self) -> dict[str, Any]:
        """Per host: its addresses, the workers started on it, and the jobs they claimed."""
        assert self.services is not None
        with self.services.store.begin() as conn:
            rows = conn.execute(sa.text("SELECT worker, count(*) FROM rehearsal_claims GROUP BY worker"))
            by_worker = {str(worker): int(n) for worker, n in rows}
        started = Counter(self.pool.host_of.values()) if isinstance(self.pool, HostsWorkerPool) else Counter()
        return {
            "hosts": [
                {
                    "name": host.name,
                    "namespace": host.namespace,
                    "address": host.address,
                    "gateway": host.gateway,
                    "workers_started": started[host.name],
                    "jobs_claimed": sum(n for w, n in by_worker.items() if w.split(":", 1)[0] == host.name),
                }
                for host in self.hosts
            ],
            "jobs_claimed_elsewhere": sum(
                n for w, n in by_worker.items() if w.split(":", 1)[0] not in {h.name for h in self.hosts}
            ),
        }

    def _record_claims(self) -> None:
        assert self.services is not None
        with self.services.store.begin() as conn:
            for statement in _CLAIMS:
                conn.execute(sa.text(statement))

    def _start_shopify(self) -> SandboxServer:
        """As the demo's, also serving on the hosts' gateways."""
        settings = SandboxSettings(
            access_token=os.environ[ENV_SHOPIFY_TOKEN],
            shop_domain=SHOP_DOMAIN,
            seed=self.options.seed,
            seed_catalogue=True,
            webhook_secret=os.environ[ENV_WEBHOOK_SECRET],
            bucket_size=PLUS_BUCKET,
            restore_rate=PLUS_RESTORE_RATE,
        )
        server = SandboxServer(settings)
        server.start(also_on=tuple(h.gateway for h in self.hosts))
        return server


def host_config(text: str, host: Host) -> str:
    """The config as a worker on ``host`` needs it: every loopback address (the sandboxes', the ERP
    gate's, the database's) replaced by the host's gateway, where those listen for it."""
    url = make_url(_database_url(text))
    if url.host != LOOPBACK:
        raise ConfigurationError(
            f"the database is at {url.host}; the rehearsal's hosts reach this machine's own services only",
            key="--database",
            fix=f"give a PostgreSQL on {LOOPBACK} that also listens on the hosts' gateway addresses",
        )
    return text.replace(LOOPBACK, host.gateway)


def _database_url(text: str) -> str:
    found = re.search(r'^url = "([^"]+)"', text, flags=re.MULTILINE)
    if found is None:
        raise RuntimeError("the rehearsal's config names no database")
    return found.group(1)


_PROBE = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5).close()"


def _check_database_reachable(host: Host, database_url: str) -> None:
    """Refuse at once, saying why, when PostgreSQL does not listen where ``host`` reaches it."""
    port = make_url(database_url).port or 5432
    probe = [*host.prefix(), sys.executable, "-c", _PROBE, host.gateway, str(port)]
    done = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise ConfigurationError(
            f"PostgreSQL is not reachable from host {host.name} at {host.gateway}:{port}",
            key="--database",
            fix=(
                f"make PostgreSQL listen on the hosts' gateway addresses (listen_addresses) and let"
                f" {host.address} in (pg_hba.conf)"
            ),
        )
