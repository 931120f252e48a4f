// Drives the stock Backstage 1.45.3 app (../shared/backstage-app, built by
// setup.sh with app-config.yaml from this folder) in headless Debian Chromium
// against a running Stackyard, and checks that the catalog pages render
// Stackyard's example catalog:
//
//   - guest sign-in through the reference peer's auth backend;
//   - /catalog lists exactly the components Stackyard serves;
//   - a component page (reached by clicking its row) shows owner, system,
//     type and lifecycle in its About card;
//   - an API page and a Group page render;
//   - no Stackyard request fails (HTTP >= 400, CORS, network: the running
//     step fails at once), no catalog request goes anywhere but Stackyard, and
//     the app throws no uncaught exception.
//
// Environment (the Go test e2e/ui_test.go sets all of it):
//   STACKYARD_UI_APP_DIR   the built app (setup.sh prints it); required
//   STACKYARD_URL          Stackyard, as baked into the app (default http://127.0.0.1:7107)
//   PEER_URL               the auth backend, as baked into the app (default http://127.0.0.1:7117)
//   ARTIFACTS_DIR          screenshots, page text, request log (default <repo>/e2e/artifacts/ui)
//   UPDATE_SCREENSHOTS=1   also refresh the README copies in e2e/ui/screenshots/
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const STACKYARD = (process.env.STACKYARD_URL || 'http://127.0.0.1:7107').replace(/\/$/, '');
const PEER = (process.env.PEER_URL || 'http://127.0.0.1:7117').replace(/\/$/, '');
const APP_DIR = process.env.STACKYARD_UI_APP_DIR || '';
const ARTIFACTS = process.env.ARTIFACTS_DIR || path.join(here, '..', 'artifacts', 'ui');
const SCREENSHOTS = path.join(here, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 60_000;

const appConfig = fs.readFileSync(path.join(here, 'app-config.yaml'), 'utf8');
let APP; // the app's origin, from the config embedded in the build

let server; // the static server for the app (serve.js)
let browser;
let page;
const log = []; // every request the page made, with its outcome
const stackyardFailures = []; // failed requests to Stackyard
const consoleErrors = [];
const offsite = [];

/** GET a Stackyard catalog path and return the parsed body. */
async function catalog(p) {
  const res = await fetch(`${STACKYARD}/api/catalog${p}`);
  assert.equal(res.status, 200, `GET /api/catalog${p}`);
  return res.json();
}

/** Saves a viewport screenshot and the page text under ARTIFACTS. */
async function snap(name, { readme = false } = {}) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  fs.writeFileSync(path.join(ARTIFACTS, `${name}.txt`), await page.innerText('body').catch(e => String(e)));
  if (readme && process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(SCREENSHOTS, `${name}.png`));
  }
  return file;
}

/** Fails with the Stackyard requests that went wrong so far, if any. */
function assertNoStackyardFailures() {
  assert.deepEqual(stackyardFailures, [], 'requests to Stackyard failed');
  const fromStackyard = consoleErrors.filter(e => e.includes(STACKYARD) || e.includes('CORS'));
  assert.deepEqual(fromStackyard, [], 'console errors about Stackyard requests');
  const uncaught = consoleErrors.filter(e => e.startsWith('pageerror:'));
  assert.deepEqual(uncaught, [], 'uncaught exceptions in the app');
}

/** Reads the About card as {label: {text, hrefs}}. */
async function aboutCard() {
  // Production builds suffix MUI class names (MuiCard-root-891).
  const card = page.locator('[class*="MuiCard-root"]').filter({
    has: page.locator('[class*="MuiCardHeader-root"]', { hasText: /^About/ }),
  }).first();
  await card.waitFor({ timeout: TIMEOUT });
  return card.evaluate(el => {
    const fields = {};
    for (const h of el.querySelectorAll('h2')) {
      // An AboutField is <h2>label</h2> followed by the value's elements.
      const values = [];
      for (let v = h.nextElementSibling; v; v = v.nextElementSibling) values.push(v);
      fields[h.textContent.trim()] = {
        text: values.map(v => v.textContent.trim()).join(' '),
        hrefs: values.flatMap(v => [...(v.matches('a[href]') ? [v] : []), ...v.querySelectorAll('a[href]')])
          .map(a => a.getAttribute('href')),
      };
    }
    return fields;
  });
}

/** Rejecters of the running step, called when a Stackyard request fails. */
const failWaiters = new Set();

function stackyardFailed(entry) {
  stackyardFailures.push(entry);
  // Let the console error that explains it (CORS, status) arrive first.
  setTimeout(() => {
    const shown = consoleErrors.slice(0, 4).map(e => e.slice(0, 400));
    if (consoleErrors.length > shown.length) shown.push(`(${consoleErrors.length - shown.length} more in requests.json)`);
    const why = shown.length ? `\nconsole errors:\n  ${shown.join('\n  ')}` : '';
    for (const reject of failWaiters) reject(new Error(`request to Stackyard failed: ${JSON.stringify(entry)}${why}`));
  }, 250);
}

/**
 * Declares a test that fails as soon as a Stackyard request fails, rather
 * than when a wait for the content times out, and saves a screenshot and the
 * page text when it fails.
 */
function step(name, fn) {
  it(name, async () => {
    let reject;
    const failed = new Promise((_, r) => { reject = r; });
    failWaiters.add(reject);
    const run = fn();
    run.catch(() => {}); // raced below; don't report it twice
    try {
      await Promise.race([run, failed]);
    } catch (err) {
      if (page) await snap(`FAILED-${name.replace(/\W+/g, '-')}`).catch(() => {});
      throw err;
    } finally {
      failWaiters.delete(reject);
    }
  });
}

/** Waits until fn() passes or the timeout runs out, then rethrows. */
async function eventually(fn, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await page.waitForTimeout(250);
    }
  }
}

describe('stock Backstage app against Stackyard', { timeout: 5 * 60_000 }, () => {
  before(async () => {
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
    assert.equal(target('catalog'), `${STACKYARD}/api/{{pluginId}}`, 'the app sends catalog requests elsewhere');
    assert.equal(target('auth'), `${PEER}/api/{{pluginId}}`, 'the app sends auth requests elsewhere');
    APP = embedded.find(c => c.data.app?.baseUrl)?.data.app.baseUrl.replace(/\/$/, '');
    assert.ok(APP, 'app.baseUrl is missing from the embedded config');
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
    for (const url of [`${STACKYARD}/readyz`, `${PEER}/.backstage/health/v1/readiness`]) {
      let status;
      for (const deadline = Date.now() + TIMEOUT; Date.now() < deadline; await new Promise(r => setTimeout(r, 500))) {
        status = (await fetch(url).catch(e => ({ status: String(e.cause ?? e) }))).status;
        if (status === 200) break;
      }
      assert.equal(status, 200, `${url} is not ready`);
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) {
      if (/\.(png|txt)$|^requests\.json$/.test(f)) fs.rmSync(path.join(ARTIFACTS, f));
    }

    const port = new URL(APP).port || '80';
    server = spawn(process.execPath, [path.join(APP_DIR, '..', 'serve.js'), dist, port], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      server.once('exit', code => reject(new Error(`serve.js exited with ${code} (is ${APP} taken?)`)));
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
      offsite.push(r.request().url());
      return r.abort();
    });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('console', m => {
      // "Failed to load resource" names its URL only in the location.
      if (m.type() === 'error') consoleErrors.push(`${m.text()} [${m.location()?.url ?? ''}]`);
    });
    page.on('pageerror', e => consoleErrors.push(`pageerror: ${e}`));
    page.on('response', res => {
      const req = res.request();
      const entry = { method: req.method(), url: req.url(), status: res.status() };
      if (req.resourceType() === 'fetch' || req.resourceType() === 'xhr') log.push(entry);
      if (req.url().startsWith(STACKYARD) && res.status() >= 400) stackyardFailed(entry);
    });
    page.on('requestfailed', req => {
      const entry = { method: req.method(), url: req.url(), error: req.failure()?.errorText };
      log.push(entry);
      if (req.url().startsWith(STACKYARD)) stackyardFailed(entry);
    });
  });

  after(async () => {
    if (ARTIFACTS && fs.existsSync(ARTIFACTS)) {
      fs.writeFileSync(path.join(ARTIFACTS, 'requests.json'), JSON.stringify({ log, consoleErrors, offsite }, null, 2));
    }
    const other = consoleErrors.filter(e => !e.includes(STACKYARD));
    if (other.length) console.log(`# console errors not about Stackyard (${other.length}):\n${other.map(e => `#   ${e.slice(0, 300)}`).join('\n')}`);
    if (offsite.length) console.log(`# aborted off-machine requests: ${[...new Set(offsite.map(u => new URL(u).origin))].join(' ')}`);
    await browser?.close();
    server?.kill();
  });

  step('signs in as guest through the peer auth backend', async () => {
    await page.goto(`${APP}/catalog`, { waitUntil: 'domcontentloaded' });
    const enter = page.getByRole('button', { name: /^enter$/i });
    await enter.waitFor();
    await snap('01-sign-in');
    const refresh = page.waitForResponse(r => r.url().startsWith(`${PEER}/api/auth/guest/refresh`));
    await enter.click();
    const res = await refresh;
    assert.equal(res.status(), 200, 'guest refresh at the peer');
    const body = await res.json();
    assert.ok(body.backstageIdentity?.token, 'the peer issued a Backstage token');
  });

  step('lists the components Stackyard serves on /catalog', async () => {
    const want = (await catalog('/entities?filter=kind=component&fields=metadata.name'))
      .map(e => e.metadata.name).sort();
    assert.ok(want.length > 0, 'Stackyard has no components');
    // The peer's fixture has components Stackyard lacks; none may show.
    const peerOnly = ['checkout-service', 'notifications-worker', 'registered-service'];
    assert.deepEqual(want.filter(n => peerOnly.includes(n)), [], 'Stackyard and peer fixtures overlap');

    const heading = page.getByText(new RegExp(`^All components \\(${want.length}\\)$`, 'i'));
    await heading.waitFor();
    const names = await eventually(async () => {
      const hrefs = await page.locator('table a[href^="/catalog/default/component/"]').evaluateAll(
        as => as.map(a => a.getAttribute('href')));
      const got = [...new Set(hrefs.map(h => h.split('/').pop()))].sort();
      assert.deepEqual(got, want, 'component rows');
      return got;
    });
    await snap('catalog-index', { readme: true });
    assert.deepEqual(names, want);

    const catalogCalls = log.filter(e => new URL(e.url).pathname.startsWith('/api/catalog/'));
    assert.ok(catalogCalls.length > 0, 'the page made no catalog requests');
    assert.deepEqual(catalogCalls.filter(e => !e.url.startsWith(STACKYARD)), [], 'catalog requests that did not go to Stackyard');
    assertNoStackyardFailures();
  });

  step('opens a component page with owner, system and lifecycle in About', async () => {
    const name = 'payments-service';
    const entity = await catalog(`/entities/by-name/component/default/${name}`);
    const rel = type => entity.relations.filter(r => r.type === type).map(r => r.targetRef);
    const [owner] = rel('ownedBy');
    const [system] = rel('partOf');
    assert.ok(owner && system, `${name} lacks ownedBy/partOf relations in Stackyard`);
    const parse = ref => ref.match(/^(?<kind>[^:]+):(?<ns>[^/]+)\/(?<n>.+)$/).groups;
    const href = ref => {
      const { kind, ns, n } = parse(ref);
      return `/catalog/${ns}/${kind}/${n}`;
    };
    // The link shows the owner's display name, which the app looks up through by-refs.
    const ownerEntity = await catalog(`/entities/by-name/${parse(owner).kind}/${parse(owner).ns}/${parse(owner).n}`);

    await page.locator(`table a[href="/catalog/default/component/${name}"]`).first().click();
    await page.waitForURL(`**/catalog/default/component/${name}`);
    const about = await eventually(async () => {
      const f = await aboutCard();
      assert.deepEqual(f.Owner?.hrefs, [href(owner)], 'Owner link');
      const { metadata: m, spec: sp } = ownerEntity;
      assert.equal(f.Owner?.text, sp?.profile?.displayName || m.title || m.name, 'Owner display name');
      assert.deepEqual(f.System?.hrefs, [href(system)], 'System link');
      assert.equal(f.Type?.text, entity.spec.type, 'Type');
      assert.equal(f.Lifecycle?.text, entity.spec.lifecycle, 'Lifecycle');
      assert.equal(f.Description?.text, entity.metadata.description, 'Description');
      return f;
    });
    await page.getByRole('heading', { name: entity.metadata.title || name }).first().waitFor();
    await snap('entity-component', { readme: true });
    for (const tag of entity.metadata.tags ?? []) assert.ok(about.Tags?.text.includes(tag), `tag ${tag}`);
    assertNoStackyardFailures();
  });

  step('opens an API page', async () => {
    const entity = await catalog('/entities/by-name/api/default/payments-api');
    await page.goto(`${APP}/catalog/default/api/payments-api`, { waitUntil: 'domcontentloaded' });
    await eventually(async () => {
      const f = await aboutCard();
      assert.equal(f.Type?.text, entity.spec.type, 'Type');
      assert.equal(f.Lifecycle?.text, entity.spec.lifecycle, 'Lifecycle');
      assert.deepEqual(f.Owner?.hrefs, ['/catalog/default/group/team-payments'], 'Owner');
    });
    await page.getByRole('heading', { name: entity.metadata.title }).first().waitFor();
    await snap('entity-api');
    assertNoStackyardFailures();
  });

  step('opens a Group page', async () => {
    const entity = await catalog('/entities/by-name/group/default/team-payments');
    await page.goto(`${APP}/catalog/default/group/team-payments`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: entity.metadata.title || 'team-payments' }).first().waitFor();
    await eventually(async () => {
      const f = await aboutCard();
      assert.equal(f.Type?.text, entity.spec.type, 'Type');
      assert.equal(f.Description?.text, entity.metadata.description, 'Description');
    });
    await snap('entity-group');
    assertNoStackyardFailures();
  });

  it('sent no failing request to Stackyard', () => {
    assertNoStackyardFailures();
    const stackyardCalls = log.filter(e => e.url.startsWith(STACKYARD));
    console.log(`# ${stackyardCalls.length} requests to Stackyard: ${[...new Set(stackyardCalls.map(e => `${e.method} ${new URL(e.url).pathname}`))].join(', ')}`);
    assert.ok(stackyardCalls.length > 0);
  });
});
