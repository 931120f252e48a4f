#!/usr/bin/env bash
# Installs and starts what the tests need, idempotently; meant to be sourced
# (`source .ci/setup.sh`) so the variables it exports reach the tests:
#   - PostgreSQL from Debian, role/database stackyard/stackyard on 127.0.0.1:5432,
#     exported as STACKYARD_TEST_POSTGRES_URL;
#   - the npm dependencies of e2e/conformance (real @backstage/catalog-client);
#   - an installed copy of ../shared/peer-backstage (the real Backstage backend),
#     exported as STACKYARD_PEER_DIR for the peer diff;
#   - Chromium and the built stock Backstage app, exported as STACKYARD_UI_APP_DIR;
#   - wrk, for the benchmark scripts.
# Needs root on Debian (apt-get). `make test` sources it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> [%4ds] %s\n' "$SECONDS" "$*"; }

step "Debian packages"
# gcc/g++/make/python3 build the peer's native modules (better-sqlite3, isolated-vm);
# chromium and fonts-liberation run the stock Backstage app in e2e/ui.
packages=(postgresql postgresql-client wrk make gcc g++ python3 curl ca-certificates chromium fonts-liberation)
if dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  echo "already installed"
else
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

step "Node.js"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "Node.js >= 20 is required, found: $(node --version 2>&1 || echo none)" >&2
  exit 1
fi
echo "node $(node --version), npm $(npm --version)"

step "PostgreSQL"
bash .ci/postgres.sh
export STACKYARD_TEST_POSTGRES_URL='postgres://stackyard:stackyard@127.0.0.1:5432/stackyard?sslmode=disable'

step "npm ci in e2e/conformance"
(cd e2e/conformance && npm ci --no-audit --no-fund --loglevel=error)

step "reference peer (real Backstage 1.45.3)"
STACKYARD_PEER_DIR=$(bash .ci/peer.sh "${PEER_SRC:-$ROOT/../shared/peer-backstage}")
export STACKYARD_PEER_DIR
echo "peer installed in $STACKYARD_PEER_DIR"

# --- UI e2e (e2e/ui, TestUI_BackstageApp): the stock Backstage app in headless
# Debian Chromium against Stackyard. setup.sh caches the app's npm ci (~2-4.5 min
# cold) in /var/tmp keyed by its lockfile and rebuilds only when its config changes.
step "UI e2e: Chromium and the stock Backstage app"
STACKYARD_UI_APP_DIR=$(bash e2e/ui/setup.sh "${BACKSTAGE_APP_SRC:-$ROOT/../shared/backstage-app}")
export STACKYARD_UI_APP_DIR
echo "app built in $STACKYARD_UI_APP_DIR"
# --- end UI e2e

