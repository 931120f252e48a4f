// Sends one HTTP exchange to a backend and normalises the answer so that two
// backends loaded with the same fixture can be compared byte for byte: uids,
// etags, ids, timestamps, cursors and absolute fixture paths differ by nature.
import crypto from 'node:crypto';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})/g;
const PLACEHOLDER_KEYS = { uid: '<uid>', etag: '<etag>', nextCursor: '<cursor>', prevCursor: '<cursor>' };

/**
 * Side is one backend under comparison: its base URL and the absolute
 * directory its catalog.locations fixture was loaded from.
 */
export class Side {
  constructor(name, baseUrl, fixturesDir) {
    this.name = name;
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.fixturesDir = fixturesDir.replace(/\/$/, '');
    const hash = crypto.createHash('sha1').update(`file:${this.fixturesDir}/all.yaml`).digest('hex');
    this.configLocationName = `generated-${hash}`;
    /** ctx holds values that later steps derive from earlier answers. */
    this.ctx = {};
  }

  /** send performs the request and returns {status, contentType, link, body}. */
  async send({ method = 'GET', path, body, rawBody, contentType }) {
    const headers = {};
    let payload;
    if (rawBody !== undefined) {
      payload = rawBody;
      headers['content-type'] = contentType ?? 'text/plain';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, redirect: 'manual' });
    const text = await res.text();
    const ct = res.headers.get('content-type');
    let parsed = text.length ? text : null;
    if (text.length && ct?.startsWith('application/json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the raw text; the comparison shows it
      }
    }
    return { status: res.status, contentType: ct, link: res.headers.get('link'), body: parsed };
  }

  /** normalize replaces run-specific values with stable placeholders. */
  normalize(value) {
    if (typeof value === 'string') return this.normalizeString(value);
    if (Array.isArray(value)) return value.map((v) => this.normalize(v));
    if (value && typeof value === 'object') {
      const out = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = k in PLACEHOLDER_KEYS && typeof v === 'string' ? PLACEHOLDER_KEYS[k] : this.normalize(v);
      }
      return out;
    }
    return value;
  }

  normalizeString(s) {
    return s
      .split(this.fixturesDir).join('<FIXTURES>')
      .split(this.configLocationName).join('generated-<config-location>')
      .replace(/([?&]after=)[^&>]+/g, '$1<cursor>')
      .replace(UUID, '<uuid>')
      .replace(ISO_TIME, '<timestamp>');
  }
}

/** refKey orders entities (or {entity} items) by their ref for unordered comparisons. */
export function refKey(item) {
  const e = item?.entity ?? item;
  if (e?.kind && e?.metadata?.name) {
    return `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`.toLowerCase();
  }
  return JSON.stringify(item);
}

/**
 * comparable turns a normalised answer into the value the two sides must
 * agree on. unordered names the array to sort ("body" or "body.items"),
 * because Backstage returns unpaged lists in uid order, which is random.
 * orderKey keeps the order of that projection but sorts ties, which
 * Backstage breaks by uid.
 */
export function comparable(answer, { unordered, orderKey, only } = {}) {
  const out = { status: answer.status, contentType: answer.contentType, body: answer.body };
  if (answer.link) out.link = answer.link;
  const sortAt = (obj, key) => {
    const arr = obj?.[key];
    if (!Array.isArray(arr)) return;
    const tie = (a, b) => (refKey(a) < refKey(b) ? -1 : refKey(a) > refKey(b) ? 1 : 0);
    if (orderKey) {
      out.order = arr.map(orderKey);
      obj[key] = stableGroupSort(arr, orderKey, tie);
    } else {
      obj[key] = [...arr].sort(tie);
    }
  };
  if (unordered === 'body') sortAt(out, 'body');
  if (unordered === 'body.items') sortAt(out.body ?? {}, 'items');
  if (only) out.body = only(out.body);
  return out;
}

/** stableGroupSort keeps runs of equal orderKey in place and sorts inside each run. */
function stableGroupSort(arr, orderKey, tie) {
  const result = [];
  let run = [];
  const flush = () => {
    result.push(...run.sort(tie));
    run = [];
  };
  for (const item of arr) {
    if (run.length && String(orderKey(run[0])) !== String(orderKey(item))) flush();
    run.push(item);
  }
  flush();
  return result;
}
