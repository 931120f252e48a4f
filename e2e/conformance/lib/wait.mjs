// Polling helpers: catalogs process asynchronously (the Backstage peer takes
// seconds), so tests wait for a condition instead of sleeping a fixed time.

/** sleep resolves after ms milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * waitFor calls fn until it returns a truthy value and returns that value.
 * It throws, naming what it waited for and the last value or error, after
 * timeoutMs.
 */
export async function waitFor(what, fn, { timeoutMs = 90_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}
