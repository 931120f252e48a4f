#!/usr/bin/env bash
# Starts the newest installed PostgreSQL cluster "main" on 127.0.0.1:5432 and
# makes sure role and database stackyard (password stackyard) exist.
# Idempotent: a running cluster and an existing role are fine.
set -euo pipefail

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
[[ -n $version ]] || { echo "no PostgreSQL under /usr/lib/postgresql" >&2; exit 1; }

if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
  pg_createcluster "$version" main --port 5432
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
if [[ $port != 5432 ]]; then
  echo "cluster $version/main uses port $port, want 5432" >&2
  exit 1
fi
if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p 5432

runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stackyard') THEN
    CREATE ROLE stackyard LOGIN PASSWORD 'stackyard';
  ELSE
    ALTER ROLE stackyard LOGIN PASSWORD 'stackyard';
  END IF;
END
$$;
SQL
if [[ -z $(runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'stackyard'") ]]; then
  runuser -u postgres -- createdb -O stackyard stackyard
fi
PGPASSWORD=stackyard psql -h 127.0.0.1 -p 5432 -U stackyard -d stackyard -tAc 'SELECT version()'
