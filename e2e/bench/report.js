// Prints Stackyard's numbers beside the peer's (when results/peer-N.json exists).
const fs = require('fs');
const n = process.argv[2];
const sy = JSON.parse(fs.readFileSync(`${__dirname}/results/stackyard-${n}.json`, 'utf8'));
const peerFile = `${__dirname}/results/peer-${n}.json`;
const peer = fs.existsSync(peerFile) ? JSON.parse(fs.readFileSync(peerFile, 'utf8')).median : null;
const f = (x, d = 1) => (x == null ? '-' : Number(x).toFixed(d));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(1)}x` : '-');
const rows = [['', 'Stackyard', 'peer', 'ratio']];
rows.push(['ingestion (entities/s)', f(n / sy.ingest_s, 0), f(peer && peer.ingest_entities_per_s, 0),
  ratio(n / sy.ingest_s, peer && peer.ingest_entities_per_s)]);
rows.push(['ingestion (s)', f(sy.ingest_s), f(peer && peer.ingest_s), '']);
if (sy.settled_s) rows.push(['settled: restitches done (s)', f(sy.settled_s), '-', '']);
rows.push(['ingestion CPU (s), peak RSS (MiB)', `${f(sy.ingest_cpu_s)}, ${f(sy.ingest_peak_rss_kb / 1024, 0)}`, '-', '']);
for (const ep of ['by_query', 'by_name', 'facets']) {
  rows.push([`${ep} req/s`, f(sy[ep].rps, 0), f(peer && peer[`${ep}_rps`], 0), ratio(sy[ep].rps, peer && peer[`${ep}_rps`])]);
  rows.push([`${ep} p50/p99 ms`, `${f(sy[ep].p50_ms, 2)}/${f(sy[ep].p99_ms, 2)}`,
    peer ? `${f(peer[`${ep}_p50_ms`], 2)}/${f(peer[`${ep}_p99_ms`], 2)}` : '-', '']);
}
const knobs = [sy.memory_limit && `memoryLimit ${sy.memory_limit}`, sy.cache_size && `cacheSize ${sy.cache_size}`].filter(Boolean);
rows.push([knobs.length ? `peak RSS (MiB), ${knobs.join(', ')}` : 'peak RSS (MiB)',
  f(sy.peak_rss_kb / 1024, 0), f(peer && peer.peak_rss_mib, 0), '']);
rows.push(['GET /entities unpaged', `${f(sy.full_list.bytes / 2 ** 20)} MiB in ${f(sy.full_list.seconds, 2)} s, RSS +${f((sy.full_list.rss_after_kb - sy.full_list.rss_before_kb) / 1024)} MiB`, '', '']);
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(w[i])).join('  '));
