#!/usr/bin/env bash
# Catalog benchmark, Stackyard beside the real Backstage in the same run.
#   e2e/bench/catalog.sh N            e.g. e2e/bench/catalog.sh 10000
# For Stackyard: start `stackyard serve` on a fresh SQLite file, register the
# generated fixture (peer-backstage/gen-fixtures.js, N entities) with
# POST /api/catalog/locations, time until all N are visible through by-query
# totalItems, then load by-query, by-name and entity-facets with wrk
# (loopback only, bounded) and record req/s, p50/p99 and peak RSS. A full
# unpaged GET /entities is also timed, with the RSS it adds.
# With STACKYARD_PEER_DIR set to an installed copy of ../shared/peer-backstage
# (see .ci/peer.sh), the peer's own bench.sh runs next, with the same N,
# seed, wrk settings and fixture, and a comparison table is printed.
# Env: CONNECTIONS (10) DURATION (10 s) WARMUP (2 s) SEED (42) PORT (7111)
#      INGEST_TIMEOUT (900 s) STACKYARD_PEER_DIR (unset: Stackyard only)
#      MEMORY_LIMIT (unset: follows the live heap; e.g. 200MiB, Stackyard's server.memoryLimit)
#      CACHE_SIZE (unset: 4MiB; SQLite's page cache per connection, database.cacheSize)
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
ROOT=$(cd ../.. && pwd)
N=${1:?usage: catalog.sh N}
CONNECTIONS=${CONNECTIONS:-10}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
SEED=${SEED:-42}
PORT=${PORT:-7111}
INGEST_TIMEOUT=${INGEST_TIMEOUT:-900}
GEN=${GEN:-$ROOT/../shared/peer-backstage/gen-fixtures.js}
B=http://127.0.0.1:$PORT
RUN=$HERE/run
mkdir -p "$RUN" results
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }

FIX=$RUN/gen-$N.yaml
[[ -s $FIX ]] || node "$GEN" "$N" "$SEED" >"$FIX"

go build -o "$RUN/stackyard" "$ROOT/cmd/stackyard"
rm -rf "$RUN/db"
cat >"$RUN/config.yaml" <<YAML
server: {listen: "127.0.0.1:$PORT"${MEMORY_LIMIT:+, memoryLimit: "$MEMORY_LIMIT"}}
database: {url: "sqlite:$RUN/db/stackyard.db"${CACHE_SIZE:+, cacheSize: "$CACHE_SIZE"}}
catalog:
  processingInterval: 1800s
  allowedLocationTypes: [url, file]
YAML
"$RUN/stackyard" serve --config "$RUN/config.yaml" >"$RUN/stackyard.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$B/readyz" >/dev/null && break; sleep 0.1; done

now() { date +%s.%N; }
COUNT_URL="$B/api/catalog/entities/by-query?limit=0&filter=kind=group&filter=kind=user&filter=kind=system&filter=kind=component&filter=kind=api&filter=kind=resource"
t0=$(now)
curl -sf -X POST -H 'content-type: application/json' \
  -d "{\"type\":\"file\",\"target\":\"$FIX\"}" "$B/api/catalog/locations" >/dev/null
while :; do
  # sed, not node: starting node ten times a second took about half of
  # one of the two cores from the server being measured.
  count=$(curl -s "$COUNT_URL" | sed -n 's/.*"totalItems":\([0-9]*\).*/\1/p')
  [[ ${count:-0} -ge $N ]] && break
  (($(echo "$(now) - $t0 > $INGEST_TIMEOUT" | bc -l))) && { echo "ingestion timeout: $count/$N" >&2; exit 1; }
  sleep 0.1
done
ingest_s=$(printf "%.3f" "$(echo "$(now) - $t0" | bc -l)")
# CPU seconds the server spent until then (user + system): unlike the wall
# time, it hardly moves when other work shares the machine.
ingest_cpu_s=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$pid/stat")
ingest_peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
# Entities that others' relations name are stitched again once the flow
# ends (restitchHold); wait for that and the WAL checkpoint, until the
# server uses less than a tenth of a core for a second (SETTLE_TIMEOUT s
# at most), so the load tests measure a settled catalog.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
while :; do
  before=$(cpu_ticks); sleep 1
  (($(cpu_ticks) - before < hz / 10)) && break
  (($(echo "$(now) - $t0 > $ingest_s + ${SETTLE_TIMEOUT:-120}" | bc -l))) && break
done
settled_s=$(printf "%.3f" "$(echo "$(now) - $t0 - 1" | bc -l)")

name=$(curl -s "$B/api/catalog/entities/by-query?limit=1&filter=kind=component&orderField=metadata.name,asc&fields=metadata.name" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).items[0].metadata.name))')
declare -A URLS=(
  [by_query]="$B/api/catalog/entities/by-query?limit=100&filter=kind=component"
  [by_name]="$B/api/catalog/entities/by-name/component/default/$name"
  [facets]="$B/api/catalog/entity-facets?facet=spec.lifecycle"
)
results="{\"n\":$N,\"memory_limit\":\"${MEMORY_LIMIT:-}\",\"cache_size\":\"${CACHE_SIZE:-}\",\"ingest_s\":$ingest_s,\"ingest_cpu_s\":$ingest_cpu_s,\"ingest_peak_rss_kb\":$ingest_peak_kb,\"settled_s\":$settled_s"
for ep in by_query by_name facets; do
  wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "${URLS[$ep]}" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency "${URLS[$ep]}" >"$RUN/wrk-$ep.txt"
  results+=",\"$ep\":$(node "$HERE/parse-wrk.js" "$RUN/wrk-$ep.txt")"
done
rss_before=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
t1=$(now)
bytes=$(curl -s -o /dev/null -w '%{size_download}' "$B/api/catalog/entities")
full_s=$(printf "%.3f" "$(echo "$(now) - $t1" | bc -l)")
peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
rss_after=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
results+=",\"full_list\":{\"bytes\":$bytes,\"seconds\":$full_s,\"rss_before_kb\":$rss_before,\"rss_after_kb\":$rss_after},\"peak_rss_kb\":$peak_kb}"
echo "$results" >"results/stackyard-$N.json"
kill $pid; wait $pid 2>/dev/null || true

if [[ -n ${STACKYARD_PEER_DIR:-} ]]; then
  cp "$FIX" "$STACKYARD_PEER_DIR/fixtures/gen-$N.yaml"
  (cd "$STACKYARD_PEER_DIR" && CONNECTIONS=$CONNECTIONS DURATION=$DURATION WARMUP=$WARMUP SEED=$SEED LATENCY_PASS=0 ./bench.sh "$N" 1)
  cp "$STACKYARD_PEER_DIR/bench-results/bench-$N.json" "results/peer-$N.json"
fi
node "$HERE/report.js" "$N"
