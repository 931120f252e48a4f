// Turns wrk --latency output into {rps, p50_ms, p99_ms, requests, non2xx, errors}.
const t = require('fs').readFileSync(process.argv[2], 'utf8');
const ms = (s) => {
  const m = /([\d.]+)(us|ms|s|m)\b/.exec(s);
  return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]] : null;
};
const pct = (p) => {
  const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(t);
  return m ? ms(m[1]) : null;
};
const num = (re) => {
  const m = re.exec(t);
  return m ? Number(m[1]) : 0;
};
const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(t);
console.log(JSON.stringify({
  rps: num(/Requests\/sec:\s+([\d.]+)/),
  p50_ms: pct(50),
  p99_ms: pct(99),
  requests: num(/(\d+) requests in/),
  non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
  errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
}));
