// Shared by the UI suites (ui.test.mjs, scaffolder.test.mjs, stacks.test.mjs):
// serves the built stock Backstage app with serve.js, drives it in headless
// Debian Chromium, and watches every request the page makes:
//
//   - a Stackyard request that fails (HTTP >= 400, CORS, network) fails the
//     running step at once, with the browser's console errors;
//   - requests off the machine are aborted and listed;
//   - a failing step saves FAILED-<step>.png and its page text.
//
// Environment (the Go tests in e2e/ set all of it):
//   STACKYARD_UI_APP_DIR   the built app (setup.sh prints it); required
//   STACKYARD_URL          Stackyard, as baked into the app (default http://127.0.0.1:7107)
//   PEER_URL               the auth backend, as baked into the app (default http://127.0.0.1:7117)
//   UPDATE_SCREENSHOTS=1   also refresh the README copies in e2e/ui/screenshots/
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const STACKYARD = (process.env.STACKYARD_URL || 'http://127.0.0.1:7107').replace(/\/$/, '');
export const PEER = (process.env.PEER_URL || 'http://127.0.0.1:7117').replace(/\/$/, '');
export const APP_DIR = process.env.STACKYARD_UI_APP_DIR || '';
export const SCREENSHOTS = path.join(here, 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT = 60_000;

const appConfig = fs.readFileSync(path.join(here, 'app-config.yaml'), 'utf8');

/** GETs a Stackyard path (e.g. /api/catalog/entities) and returns the parsed body. */
export async function stackyard(p) {
  const res = await fetch(`${STACKYARD}${p}`);
  assert.equal(res.status, 200, `GET ${p}`);
  return res.json();
}

/**
 * Returns the harness of one suite, whose screenshots, page texts and
 * request log go to artifacts. Call start() in before() and stop() in
 * after(); page and app are set once start() returns.
 */
export function uiHarness({ artifacts, plugins = ['catalog'] }) {
  const h = {
    page: undefined,
    app: undefined, // the app's origin, from the config embedded in the build
    log: [], // every fetch/xhr the page made, with its outcome
    stackyardFailures: [],
    consoleErrors: [],
    offsite: [],
  };
  let server; // the static server for the app (serve.js)
  let browser;
  const failWaiters = new Set(); // rejecters of the running step

  h.start = async () => {
    assert.ok(APP_DIR, 'STACKYARD_UI_APP_DIR is not set: run e2e/ui/setup.sh and export what it prints');
    const dist = path.join(APP_DIR, 'dist');
    assert.ok(fs.existsSync(path.join(dist, 'index.html')), `${dist}/index.html is missing: run e2e/ui/setup.sh`);
    const baked = fs.readFileSync(path.join(dist, '.stackyard-app-config.yaml'), 'utf8');
    assert.equal(baked, appConfig, `${dist} was built with another app-config.yaml: run e2e/ui/setup.sh again`);
    // The build embeds its config in index.html; check where it sends each plugin.
    const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
    const embedded = JSON.parse(html.match(/<script type="backstage.io\/config">([\s\S]*?)<\/script>/)[1]);
    const endpoints = embedded.flatMap(c => c.data.discovery?.endpoints ?? []);
    const target = id => endpoints.find(e => e.plugins.includes(id))?.target;
    for (const id of plugins) {
      assert.equal(target(id), `${STACKYARD}/api/{{pluginId}}`, `the app sends ${id} requests elsewhere`);
    }
    assert.equal(target('auth'), `${PEER}/api/{{pluginId}}`, 'the app sends auth requests elsewhere');
    h.app = embedded.find(c => c.data.app?.baseUrl)?.data.app.baseUrl.replace(/\/$/, '');
    assert.ok(h.app, 'app.baseUrl is missing from the embedded config');
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
    for (const url of [`${STACKYARD}/readyz`, `${PEER}/.backstage/health/v1/readiness`]) {
      let status;
      for (const deadline = Date.now() + TIMEOUT; Date.now() < deadline; await new Promise(r => setTimeout(r, 500))) {
        status = (await fetch(url).catch(e => ({ status: String(e.cause ?? e) }))).status;
        if (status === 200) break;
      }
      assert.equal(status, 200, `${url} is not ready`);
    }
    fs.mkdirSync(artifacts, { recursive: true });
    for (const f of fs.readdirSync(artifacts)) {
      if (/\.(png|txt)$|^requests\.json$/.test(f)) fs.rmSync(path.join(artifacts, f));
    }

    const port = new URL(h.app).port || '80';
    server = spawn(process.execPath, [path.join(APP_DIR, '..', 'serve.js'), dist, port], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      server.once('exit', code => reject(new Error(`serve.js exited with ${code} (is ${h.app} taken?)`)));
      server.stdout.once('data', resolve);
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // Nothing may leave the machine; count what tried.
    await context.route(u => !['127.0.0.1', 'localhost'].includes(u.hostname), r => {
      h.offsite.push(r.request().url());
      return r.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('console', m => {
      // "Failed to load resource" names its URL only in the location.
      if (m.type() === 'error') h.consoleErrors.push(`${m.text()} [${m.location()?.url ?? ''}]`);
    });
    page.on('pageerror', e => h.consoleErrors.push(`pageerror: ${e}`));
    page.on('response', res => {
      const req = res.request();
      const entry = { method: req.method(), url: req.url(), status: res.status() };
      if (req.resourceType() === 'fetch' || req.resourceType() === 'xhr') h.log.push(entry);
      if (req.url().startsWith(STACKYARD) && res.status() >= 400) stackyardFailed(entry);
    });
    page.on('requestfailed', req => {
      const entry = { method: req.method(), url: req.url(), error: req.failure()?.errorText };
      // The app aborts a task's event stream once it has read the completion,
      // or when it leaves the page; that is no failure.
      if (entry.error === 'net::ERR_ABORTED' && new URL(entry.url).pathname.endsWith('/eventstream')) {
        h.log.push({ ...entry, note: 'closed by the app' });
        return;
      }
      h.log.push(entry);
      if (req.url().startsWith(STACKYARD)) stackyardFailed(entry);
    });
    h.page = page;
  };

  h.stop = async () => {
    if (fs.existsSync(artifacts)) {
      fs.writeFileSync(path.join(artifacts, 'requests.json'),
        JSON.stringify({ log: h.log, consoleErrors: h.consoleErrors, offsite: h.offsite }, null, 2));
    }
    const other = h.consoleErrors.filter(e => !e.includes(STACKYARD));
    if (other.length) console.log(`# console errors not about Stackyard (${other.length}):\n${other.map(e => `#   ${e.slice(0, 300)}`).join('\n')}`);
    if (h.offsite.length) console.log(`# aborted off-machine requests: ${[...new Set(h.offsite.map(u => new URL(u).origin))].join(' ')}`);
    await browser?.close();
    server?.kill();
  };

  function stackyardFailed(entry) {
    h.stackyardFailures.push(entry);
    // Let the console error that explains it (CORS, status) arrive first.
    setTimeout(() => {
      const shown = h.consoleErrors.slice(0, 4).map(e => e.slice(0, 400));
      if (h.consoleErrors.length > shown.length) shown.push(`(${h.consoleErrors.length - shown.length} more in requests.json)`);
      const why = shown.length ? `\nconsole errors:\n  ${shown.join('\n  ')}` : '';
      for (const reject of failWaiters) reject(new Error(`request to Stackyard failed: ${JSON.stringify(entry)}${why}`));
    }, 250);
  }

  /**
   * Saves a screenshot and the page text under artifacts. readme: also
   * refresh the copy in e2e/ui/screenshots/ when UPDATE_SCREENSHOTS=1; clip
   * or element: only that part of the page.
   */
  h.snap = async (name, { readme = false, clip, element } = {}) => {
    const file = path.join(artifacts, `${name}.png`);
    if (element) await element.screenshot({ path: file });
    else await h.page.screenshot({ path: file, clip });
    fs.writeFileSync(path.join(artifacts, `${name}.txt`), await h.page.innerText('body').catch(e => String(e)));
    if (readme && process.env.UPDATE_SCREENSHOTS === '1') {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      fs.copyFileSync(file, path.join(SCREENSHOTS, `${name}.png`));
    }
    return file;
  };

  /** Fails with the Stackyard requests that went wrong so far, if any. */
  h.assertNoStackyardFailures = () => {
    assert.deepEqual(h.stackyardFailures, [], 'requests to Stackyard failed');
    const fromStackyard = h.consoleErrors.filter(e => e.includes(STACKYARD) || e.includes('CORS'));
    assert.deepEqual(fromStackyard, [], 'console errors about Stackyard requests');
    const uncaught = h.consoleErrors.filter(e => e.startsWith('pageerror:'));
    assert.deepEqual(uncaught, [], 'uncaught exceptions in the app');
  };

  /**
   * Declares a test that fails as soon as a Stackyard request fails, rather
   * than when a wait for the content times out, and saves a screenshot and
   * the page text when it fails. options go to node:test's it() (todo, skip).
   */
  h.step = (name, fn, options = {}) => {
    it(name, options, async () => {
      let reject;
      const failed = new Promise((_, r) => { reject = r; });
      failWaiters.add(reject);
      const run = fn();
      run.catch(() => {}); // raced below; don't report it twice
      try {
        await Promise.race([run, failed]);
      } catch (err) {
        if (h.page) await h.snap(`FAILED-${name.replace(/\W+/g, '-')}`).catch(() => {});
        throw err;
      } finally {
        failWaiters.delete(reject);
      }
    });
  };

  /**
   * Waits until fn() passes or the timeout runs out, then rethrows. An
   * error from fn() marked fatal (err.fatal = true) ends the wait at once.
   */
  h.eventually = async (fn, timeout = TIMEOUT) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (err?.fatal || Date.now() > deadline) throw err;
        await h.page.waitForTimeout(250);
      }
    }
  };

  /** Clicks the guest sign-in's Enter on the current page and checks the peer's token. */
  h.signIn = async () => {
    const enter = h.page.getByRole('button', { name: /^enter$/i });
    await enter.waitFor();
    const refresh = h.page.waitForResponse(r => r.url().startsWith(`${PEER}/api/auth/guest/refresh`));
    await enter.click();
    const res = await refresh;
    assert.equal(res.status(), 200, 'guest refresh at the peer');
    const body = await res.json();
    assert.ok(body.backstageIdentity?.token, 'the peer issued a Backstage token');
    return body.backstageIdentity;
  };

  /** Logs which Stackyard endpoints the page called and checks that none failed. */
  h.summarize = () => {
    h.assertNoStackyardFailures();
    const calls = h.log.filter(e => e.url.startsWith(STACKYARD));
    const distinct = [...new Set(calls.map(e => `${e.method} ${new URL(e.url).pathname}`))];
    console.log(`# ${calls.length} requests to Stackyard: ${distinct.join(', ')}`);
    assert.ok(calls.length > 0);
    return calls;
  };

  return h;
}

// The task page draws each step's state from its log events, as an icon:
// CheckCircleOutline in the theme's green when completed, ErrorOutline in red
// when failed, a spinner while processing, grey circles otherwise. (MUI's own
// MuiStepLabel-completed class follows the stepper's active index instead.)
const CHECK_CIRCLE_OUTLINE = 'M16.59 7.58L10 14.17l-3.59-3.58L5 12l5 5 8-8zM12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm0 18c-4.42 0-8-3.58-8-8s3.58-8 8-8 8 3.58 8 8-3.58 8-8 8z';

/**
 * The step labels of a task page: name, whether it shows a spinner, its
 * icon's colour and path, and whether that icon is the green check
 * (completed) or red (failed).
 */
export async function taskSteps(page) {
  const steps = await page.locator('[data-testid="step-label"]').evaluateAll(labels => labels.map(l => {
    // Production builds suffix MUI class names (MuiStepLabel-label-4094).
    const byClass = name => [...l.querySelectorAll('*')]
      .find(e => [...e.classList].some(c => c === name || c.startsWith(`${name}-`)));
    const icon = byClass('MuiStepLabel-iconContainer')?.firstElementChild;
    const text = byClass('MuiStepLabel-label');
    return {
      name: text?.querySelector('div')?.textContent.trim(),
      running: !!icon?.querySelector('[role="progressbar"]'),
      color: icon ? getComputedStyle(icon).color : '',
      iconPath: icon?.querySelector('svg path')?.getAttribute('d') ?? '',
    };
  }));
  return steps.map(s => ({
    ...s,
    completed: !s.running && s.iconPath === CHECK_CIRCLE_OUTLINE && isGreen(s.color),
    failed: !s.running && s.iconPath !== CHECK_CIRCLE_OUTLINE && isRed(s.color),
  }));
}

const rgb = css => (css.match(/\d+(\.\d+)?/g) ?? []).map(Number);

/** Whether a CSS colour is a green (the theme's status.ok and success.main). */
export function isGreen(css) {
  const [r, g, b] = rgb(css);
  return g > r + 40 && g > b + 20;
}

/** Whether a CSS colour is a red (the theme's status.error and error.main). */
export function isRed(css) {
  const [r, g, b] = rgb(css);
  return r > g + 60 && r > b + 40;
}
