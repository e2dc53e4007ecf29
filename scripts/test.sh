#!/usr/bin/env bash
# The whole check: lint, types, and every test on SQLite and PostgreSQL (a throwaway cluster the
# test session starts), against the sandboxes and a real Tryton server, the dashboard in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1
echo "== ruff"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
echo "== mypy --strict (package)"
.venv/bin/mypy
echo "== pytest"
# On every core: most tests wait on sandboxes, servers and processes, so one worker more than the
# cores keeps them busy. Each ERP's demo day is one --dist loadgroup group (it runs once).
.venv/bin/pytest -p no:cacheprovider -n "${SHOPBRIDGE_TEST_WORKERS:-3}" --dist loadgroup "$@"
