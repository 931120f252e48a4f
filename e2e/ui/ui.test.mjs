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
// Environment (the Go test e2e/ui_test.go sets all of it): see harness.mjs, and
//   ARTIFACTS_DIR          screenshots, page text, request log (default <repo>/e2e/artifacts/ui)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { here, stackyard, uiHarness, STACKYARD, TIMEOUT } from './harness.mjs';

const ARTIFACTS = process.env.ARTIFACTS_DIR || path.join(here, '..', 'artifacts', 'ui');
const ui = uiHarness({ artifacts: ARTIFACTS, plugins: ['catalog'] });
const { snap, step, eventually, assertNoStackyardFailures, log } = ui;
let page;
let APP;

/** GET a Stackyard catalog path and return the parsed body. */
const catalog = p => stackyard(`/api/catalog${p}`);

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

describe('stock Backstage app against Stackyard', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    await ui.start();
    ({ page, app: APP } = ui);
  });

  after(() => ui.stop());

  step('signs in as guest through the peer auth backend', async () => {
    await page.goto(`${APP}/catalog`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('button', { name: /^enter$/i }).waitFor();
    await snap('01-sign-in');
    await ui.signIn();
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
    ui.summarize();
  });
});
