#!/usr/bin/env bash
# Set up everything shopbridge needs on a fresh Debian machine: system packages, the project's
# virtualenv (pinned by constraints.txt) and Tryton's own virtualenv (a real ERP for the tests;
# GPL, so it runs as a separate process and is never imported by the package).
# Idempotent: a second run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
need_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (apt-get install ${need_apt[*]}), then run again" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'

if [ ! -x .venv-tryton/bin/trytond ]; then
  "$PYTHON" -m venv .venv-tryton
fi
.venv-tryton/bin/python -m pip install -q -c constraints-tryton.txt \
  trytond trytond-sale trytond-stock trytond-account-invoice trytond-product-kit \
  trytond-sale-price-list trytond-sale-amendment trytond-sale-credit-limit trytond-account-credit-limit proteus
echo "setup: ready (.venv for shopbridge, .venv-tryton for the Tryton test server)"
