// Launches the web-service stack template from the stock Backstage 1.45.3
// app's /create page in headless Debian Chromium against a running Stackyard:
//
//   - /create shows template:default/web-service, the Template entity that
//     Stackyard publishes from the CUE stack template
//     schemas/stacks/web-service at its newest version, 2.0.0;
//   - the form is the JSON Schema exported from the CUE parameters (the
//     parameter-schema Stackyard serves equals the golden export in
//     scaffolder/stacks/testdata/schema): pages, field titles, required
//     marks, descriptions, the order the CUE file declares, and defaults;
//   - values that break the cross-field guardrail pdb-allows-eviction
//     (minAvailable < replicas) are refused under "Minimum available" with
//     the guardrail's own message, before anything is sent: Stackyard
//     exports the guardrail into the page's JSON Schema; an API client
//     that sends them anyway gets 400 on instance.minAvailable;
//   - replicas 3 and minAvailable 2 then launch to the end on the task page;
//     then Stackyard has the stack (version 2.0.0, the values given, a bare
//     repository holding the rendered files) and registers its Component
//     with backstage.io/template-version 2.0.0.
//
// Environment (the Go test e2e/ui_stacks_test.go sets all of it): see
// harness.mjs, and
//   ARTIFACTS_DIR       screenshots, page text, request log (default <repo>/e2e/artifacts/ui/stacks)
//   STACK_NAME          the stack to launch (default ui-web-<time>, new on every run)
//   STACK_REPOSITORIES  Stackyard's stacks.repositories; when set, the stack's
//                       repository must be under it
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { here, stackyard, taskSteps, isGreen, uiHarness, STACKYARD } from './harness.mjs';

const REPO = path.join(here, '..', '..');
const ARTIFACTS = process.env.ARTIFACTS_DIR || path.join(here, '..', 'artifacts', 'ui', 'stacks');
const REPOSITORIES = process.env.STACK_REPOSITORIES || '';
const NAME = process.env.STACK_NAME || `ui-web-${Date.now().toString(36)}`;
const TEMPLATE = 'web-service';
const VERSION = '2.0.0';
const TEMPLATE_REF = `template:default/${TEMPLATE}`;
const GUARDRAIL = 'pdb-allows-eviction';

// What the test types. The first page gets name, owner and description;
// lifecycle, image and containerPort keep their defaults.
const GIVEN = {
  name: NAME,
  owner: 'group:default/team-payments',
  description: 'Launched in the browser by e2e/ui/stacks.test.mjs',
};
const BREACH = { replicas: 2, minAvailable: 2 }; // each within its JSON Schema bounds; minAvailable < replicas fails
const FIXED = { replicas: 3, minAvailable: 2 }; // both off their defaults (2 and 1)

const ui = uiHarness({ artifacts: ARTIFACTS, plugins: ['catalog', 'scaffolder', 'stacks'] });
const { snap, step, eventually, assertNoStackyardFailures, log } = ui;
let page;
let APP;

const scaffolder = p => stackyard(`/api/scaffolder/v2${p}`);
const escape = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isCreate = r => r.method() === 'POST' && r.url() === `${STACKYARD}/api/scaffolder/v2/tasks`;

let schema; // GET …/parameter-schema, from Stackyard
let golden; // the CUE export, scaffolder/stacks/testdata/schema/web-service-2.0.0.json
let guardrail; // {fields, message(values)} from the template's CUE source
let defaults; // every property's default, from the served schema
const state = {
  fieldError: undefined, // the text under Minimum available, if the form refused the breach
  taskId: undefined, // the launch
  sent: undefined, // the values POST /v2/tasks carried for the launch
  shownOrder: {}, // page title → the field keys in the order the form shows them
};

/** The guardrail's fields and message, read from the template's CUE file. */
function readGuardrail(id) {
  const file = path.join(REPO, 'schemas', 'stacks', TEMPLATE, VERSION, 'template.cue');
  const cue = fs.readFileSync(file, 'utf8');
  const start = cue.indexOf(`"${id}": {`);
  assert.ok(start >= 0, `${file} has no guardrail ${id}`);
  const block = cue.slice(start, cue.indexOf('\n\t}', start));
  const template = block.match(/message:\s*"((?:[^"\\]|\\.)*)"/)?.[1];
  const fields = block.match(/fields:\s*(\[[^\]]*\])/)?.[1];
  assert.ok(template && fields, `guardrail ${id} in ${file}: no message or fields`);
  return {
    fields: JSON.parse(fields),
    // CUE interpolations \(parameters.x) are the only ones this message uses.
    message: values => template.replace(/\\\(parameters\.(\w+)\)/g, (_, k) => String(values[k])),
  };
}

/** The properties of a page in the order the form must show them. */
function fieldsOf(p) {
  const s = p.schema ?? p;
  return Object.keys(s.properties).map(key => ({ key, prop: s.properties[key], required: (s.required ?? []).includes(key) }));
}

/** The values on the form pages, with every default filled in. */
function expectedValues(...given) {
  return Object.assign({}, defaults, ...given);
}

describe('stock Backstage /create launches a CUE stack template from Stackyard', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    await ui.start();
    ({ page, app: APP } = ui);
    schema = await scaffolder(`/templates/default/template/${TEMPLATE}/parameter-schema`);
    golden = JSON.parse(fs.readFileSync(
      path.join(REPO, 'scaffolder', 'stacks', 'testdata', 'schema', `${TEMPLATE}-${VERSION}.json`), 'utf8'));
    guardrail = readGuardrail(GUARDRAIL);
    assert.deepEqual(guardrail.fields, ['minAvailable', 'replicas'], `the fields of guardrail ${GUARDRAIL}`);
    defaults = Object.fromEntries(schema.steps.flatMap(s => Object.entries(s.schema.properties))
      .filter(([, prop]) => prop.default !== undefined).map(([k, prop]) => [k, prop.default]));
  });

  after(() => ui.stop());

  step('signs in as guest through the peer auth backend', async () => {
    await page.goto(`${APP}/create`, { waitUntil: 'domcontentloaded' });
    await ui.signIn();
  });

  step(`shows ${TEMPLATE_REF}, published from the CUE template at ${VERSION}`, async () => {
    const { items } = await stackyard('/api/stacks/v1/templates');
    const info = items.find(t => t.name === TEMPLATE);
    assert.ok(info, `GET /api/stacks/v1/templates lacks ${TEMPLATE}: ${JSON.stringify(items)}`);
    assert.equal(info.latestVersion, VERSION, `newest version of ${TEMPLATE}`);
    assert.equal(info.ref, TEMPLATE_REF);
    const entity = await stackyard(`/api/catalog/entities/by-name/template/default/${TEMPLATE}`);
    assert.equal(entity.metadata.annotations['stackyard.dev/template-version'], VERSION, 'the Template entity publishes');
    assert.equal(entity.spec.steps.length, 1);
    assert.equal(entity.spec.steps[0].action, 'stackyard:stack:launch');

    const card = page.locator('[class*="MuiCard-root"]').filter({ has: page.locator(`[id="viewDetail-${TEMPLATE_REF}"]`) });
    await card.getByRole('heading', { name: entity.metadata.title, exact: true }).waitFor();
    await card.getByText(entity.metadata.description).waitFor();
    await snap('stacks-create');
    assertNoStackyardFailures();
  });

  step('draws the form from the JSON Schema exported from the CUE parameters', async () => {
    // What Stackyard serves is the CUE export: same pages, same properties.
    assert.deepEqual(schema.steps.map(s => s.title), golden.pages.map(p => p.title), 'page titles');
    for (const [i, p] of golden.pages.entries()) {
      assert.deepEqual(schema.steps[i].schema.properties, p.properties, `properties of "${p.title}"`);
      assert.deepEqual(schema.steps[i].schema.required ?? [], p.required ?? [], `required of "${p.title}"`);
    }

    const card = page.locator('[class*="MuiCard-root"]').filter({ has: page.locator(`[id="viewDetail-${TEMPLATE_REF}"]`) });
    const loaded = page.waitForResponse(r => r.url().startsWith(`${STACKYARD}/api/scaffolder/v2/templates/`) && r.url().endsWith('/parameter-schema'));
    await card.getByRole('button', { name: /^choose$/i }).click();
    await page.waitForURL(`**/create/templates/default/${TEMPLATE}`);
    assert.equal((await loaded).status(), 200);
    await eventually(async () => {
      const labels = await page.locator('[class*="MuiStepLabel-label"]').evaluateAll(els => els
        .filter(e => [...e.classList].some(c => /^MuiStepLabel-label(-\d+)?$/.test(c)))
        .map(e => e.textContent.trim()));
      assert.deepEqual(labels, [...golden.pages.map(p => p.title), 'Review'], 'form pages');
    });
    await snap('stacks-form-page-1');
    await checkFields(golden.pages[0]);
  });

  step('fills the first page and shows the second: titles, descriptions, defaults', async () => {
    await page.locator('#root_name').fill(GIVEN.name);
    await pickOwner(GIVEN.owner);
    await page.locator('#root_description').fill(GIVEN.description);
    await page.getByRole('button', { name: /^next$/i }).click();
    await page.locator('#root_minAvailable').waitFor();
    await snap('stacks-form-page-2');
    await checkFields(golden.pages[1]);
  });

  // The form lists a page's properties in the order of their JSON keys,
  // unless the page has ui:order. Stackyard's Template entity holds its
  // spec as Go maps, which keep no key order, so the order has to travel in
  // the exported schema itself, as ui:order.
  step('shows the fields of each page in the order template.cue declares them', async () => {
    const want = Object.fromEntries(golden.pages.map(p => [p.title, Object.keys(p.properties)]));
    assert.deepEqual(state.shownOrder, want, 'fields per page, as the form shows them');
  });

  step(`refuses minAvailable ${BREACH.minAvailable} with replicas ${BREACH.replicas}: no stack, and the UI names minAvailable`, async () => {
    const props = golden.pages[1].properties;
    for (const [k, v] of Object.entries(BREACH)) {
      assert.ok(v >= (props[k].minimum ?? -Infinity) && v <= (props[k].maximum ?? Infinity), `${k} ${v} breaks its own schema`);
    }
    const message = guardrail.message(expectedValues(GIVEN, BREACH));
    await setNumbers(BREACH);
    await page.getByRole('button', { name: /^review$/i }).click();

    // Stackyard exports the guardrail into the page's JSON Schema (if/then
    // cases computed by CUE, with ajv-errors' errorMessage), so the form
    // refuses the values on their field and sends nothing.
    const fieldError = page.locator('#root_minAvailable__error');
    await fieldError.waitFor();
    state.fieldError = (await fieldError.innerText()).trim();
    assert.ok(state.fieldError.includes(message), `under Minimum available: "${state.fieldError}", want "${message}"`);
    assert.ok(await page.locator('#root_minAvailable').isVisible(), 'the form stays on the Deployment page');
    await snap('stacks-guardrail', { readme: true, clip: await below(page.locator('form.rjsf')) });
    assert.deepEqual(log.filter(e => e.method === 'POST' && e.url.endsWith('/api/scaffolder/v2/tasks')), [], 'POST /v2/tasks');

    // An API client that skips the form gets the same refusal from
    // Stackyard, on the same field.
    const direct = await fetch(`${STACKYARD}/api/scaffolder/v2/tasks`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ templateRef: TEMPLATE_REF, values: expectedValues(GIVEN, BREACH) }),
    });
    assert.equal(direct.status, 400, 'POST /v2/tasks with the breach');
    const body = await direct.json();
    assert.ok(body.errors?.some(e => e.property === 'instance.minAvailable'), `400 errors: ${JSON.stringify(body.errors)}`);

    const res = await fetch(`${STACKYARD}/api/stacks/v1/stacks/default/${NAME}`);
    assert.equal(res.status, 404, `GET /api/stacks/v1/stacks/default/${NAME} after the breach`);
    const entity = await fetch(`${STACKYARD}/api/catalog/entities/by-name/component/default/${NAME}`);
    assert.equal(entity.status, 404, `the breach registered component:default/${NAME}`);
    if (REPOSITORIES) {
      assert.ok(!fs.existsSync(path.join(REPOSITORIES, 'default', `${NAME}.git`)), 'the breach left a repository behind');
    }
    assertNoStackyardFailures();
  });

  step(`launches the stack with replicas ${FIXED.replicas} and minAvailable ${FIXED.minAvailable}`, async () => {
    await setNumbers(FIXED);
    await snap('stacks-form-page-2-fixed');
    await page.getByRole('button', { name: /^review$/i }).click();
    await reviewShows(expectedValues(GIVEN, FIXED));
    await snap('stacks-review');

    const [req, res] = await Promise.all([
      page.waitForRequest(isCreate),
      page.waitForResponse(r => isCreate(r.request())),
      page.getByRole('button', { name: /^create$/i }).click(),
    ]);
    state.sent = req.postDataJSON().values;
    assert.equal(req.postDataJSON().templateRef, TEMPLATE_REF);
    assert.deepEqual(state.sent, expectedValues(GIVEN, FIXED), 'the values the form sent');
    assert.equal(res.status(), 201, 'POST /v2/tasks');
    state.taskId = (await res.json()).id;
    await page.waitForURL(`**/create/tasks/${state.taskId}`);

    let endedOtherwise;
    await eventually(async () => {
      const steps = await taskSteps(page);
      try {
        assert.deepEqual(steps.map(s => [s.name, s.completed]), [['Launch the stack', true]], 'steps on the page (name, green)');
      } catch (err) {
        const { status } = await scaffolder(`/tasks/${state.taskId}`);
        if (['failed', 'cancelled'].includes(status)) {
          endedOtherwise ??= Date.now();
          if (Date.now() - endedOtherwise > 3000) {
            const events = await scaffolder(`/tasks/${state.taskId}/events`);
            const why = events.find(e => e.type === 'completion')?.body.error?.message;
            throw Object.assign(new Error(`the launch ended ${status} in Stackyard: ${why}`), { fatal: true });
          }
        }
        throw err;
      }
    });
    const bar = page.locator('[role="progressbar"][aria-valuenow="100"]').first();
    await bar.waitFor();
    const barColor = await bar.locator('[class*="MuiLinearProgress-bar"]').first().evaluate(b => getComputedStyle(b).backgroundColor);
    assert.ok(isGreen(barColor), `the task's bar is ${barColor}, not green`);
    assert.equal((await scaffolder(`/tasks/${state.taskId}`)).status, 'completed', 'task status in Stackyard');

    // The launch's own log lines and the template's output link.
    const launched = page.getByText(`Launched stack default/${NAME} from ${TEMPLATE}@${VERSION}`).first();
    await launched.waitFor();
    const events = await scaffolder(`/tasks/${state.taskId}/events`);
    const links = events.find(e => e.type === 'completion')?.body.output?.links ?? [];
    assert.deepEqual(links.map(l => l.title), ['Repository'], 'output links');
    await page.getByText('Repository', { exact: true }).first().waitFor();
    await snap('stacks-task', { readme: true, clip: await below(launched) });
    assertNoStackyardFailures();
  });

  step(`Stackyard records the stack and registers its Component at ${VERSION}`, async () => {
    assert.ok(state.taskId, 'no launch to check');
    const st = await stackyard(`/api/stacks/v1/stacks/default/${NAME}`);
    assert.equal(st.template, TEMPLATE_REF);
    assert.equal(st.version, VERSION);
    assert.equal(st.owner, GIVEN.owner);
    assert.equal(st.lifecycle, defaults.lifecycle);
    // The form sends every default along with what was typed; like copier's
    // answers file, the stack keeps all the owner submitted.
    assert.deepEqual(st.values, state.sent, 'the stored values: what the form submitted');
    assert.deepEqual(st.entityRefs, [`component:default/${NAME}`]);
    assert.equal(st.history.at(-1).action, 'launched');

    // The repository: bare, under stacks.repositories, holding the render.
    if (REPOSITORIES) assert.equal(st.repository, path.join(REPOSITORIES, 'default', `${NAME}.git`), 'repository');
    const git = (...args) => execFileSync('git', ['-C', st.repository, ...args], { encoding: 'utf8' });
    assert.equal(git('rev-parse', '--is-bare-repository').trim(), 'true', `${st.repository} is a bare repository`);
    assert.match(git('log', '-1', '--format=%s', 'main'), new RegExp(`^Launch ${TEMPLATE}@${escape(VERSION)}`));
    assert.match(git('show', 'main:deploy/pdb.yaml'), new RegExp(`^\\s*minAvailable: ${FIXED.minAvailable}$`, 'm'));
    assert.match(git('show', 'main:deploy/deployment.yaml'), new RegExp(`^\\s*replicas: ${FIXED.replicas}$`, 'm'));

    const entity = await eventually(() => stackyard(`/api/catalog/entities/by-name/component/default/${NAME}`), 15_000);
    const a = entity.metadata.annotations;
    assert.equal(a['backstage.io/template-version'], VERSION);
    assert.equal(a['backstage.io/source-template'], TEMPLATE_REF);
    assert.equal(a['stackyard.dev/stack'], `default/${NAME}`);
    assert.equal(entity.metadata.description, GIVEN.description);
    assert.equal(entity.spec.owner, GIVEN.owner);
    assert.equal(entity.spec.lifecycle, defaults.lifecycle);
  });

  it('sent no failing request to Stackyard', () => {
    const calls = ui.summarize();
    for (const p of ['/parameter-schema', '/v2/tasks', `/v2/tasks/${state.taskId}/eventstream`]) {
      assert.ok(calls.some(e => new URL(e.url).pathname.endsWith(p)), `the app never called …${p}`);
    }
  });
});

/**
 * Checks a form page against the CUE export: each field's label (title and
 * required mark), description and default. Records the order the fields
 * are shown in state.shownOrder.
 */
async function checkFields(p) {
  const fields = fieldsOf(p);
  await page.locator(`#root_${fields[0].key}`).waitFor();
  const problems = [];
  for (const { key, prop, required } of fields) {
    const text = (await page.locator(`label[for="root_${key}"]`).innerText()).trim();
    if (!new RegExp(`^${escape(prop.title)}\\s*${required ? '\\*' : ''}$`).test(text)) problems.push(`label of ${key}: "${text}"`);
    if (prop.description) await page.getByText(prop.description, { exact: true }).first().waitFor();
    if (prop.default !== undefined) {
      const field = page.locator(`#root_${key}`);
      const shown = prop.enum ? (await field.innerText()).trim() : await field.inputValue();
      if (shown !== String(prop.default)) problems.push(`${key} shows "${shown}", its default is "${prop.default}"`);
    }
  }
  state.shownOrder[p.title] = await page.locator('form.rjsf [id^="root_"]').evaluateAll(
    (els, keys) => [...new Set(els.map(e => e.id.slice('root_'.length)).filter(k => keys.includes(k)))], fields.map(f => f.key));
  assert.deepEqual(problems, [], `fields of "${p.title}"`);
  assert.deepEqual([...state.shownOrder[p.title]].sort(), fields.map(f => f.key).sort(), `fields of "${p.title}"`);
}

/** Picks an owner in OwnerPicker, an autocomplete over Stackyard's catalog that shows display names. */
async function pickOwner(ref) {
  const [, kind, ns, n] = ref.match(/^([^:]+):([^/]+)\/(.+)$/);
  const e = await stackyard(`/api/catalog/entities/by-name/${kind}/${ns}/${n}`);
  const shown = e.spec?.profile?.displayName || e.metadata.title || e.metadata.name;
  const field = page.locator('#root_owner');
  await field.click();
  await field.fill(shown);
  await page.getByRole('option', { name: shown, exact: true }).click();
  assert.equal(await field.inputValue(), ref, 'owner picker');
}

/** Types integers into their fields. */
async function setNumbers(values) {
  for (const [k, v] of Object.entries(values)) {
    await page.locator(`#root_${k}`).fill(String(v));
    assert.equal(await page.locator(`#root_${k}`).inputValue(), String(v), k);
  }
}

/**
 * Checks that the review lists each value under its field's title, which
 * the review writes in lodash's startCase ("Container port" → "Container Port").
 */
async function reviewShows(values) {
  const startCase = t => t.split(/[^A-Za-z0-9]+/).filter(Boolean).map(w => w[0].toUpperCase() + w.slice(1)).join(' ');
  const titles = Object.fromEntries(golden.pages.flatMap(p => Object.entries(p.properties)).map(([k, prop]) => [k, startCase(prop.title)]));
  const rows = await eventually(async () => {
    const r = await page.locator('table tr').evaluateAll(trs => trs.map(tr => [...tr.cells].map(c => c.textContent.trim())));
    assert.ok(r.length >= Object.values(values).filter(v => v !== '').length, `review rows: ${JSON.stringify(r)}`);
    return r;
  });
  for (const [k, v] of Object.entries(values)) {
    if (v === '') continue; // the review leaves empty values out
    assert.ok(rows.some(([t, shown]) => t === titles[k] && shown === String(v)), `review row ${titles[k]}=${v} in ${JSON.stringify(rows)}`);
  }
}

/**
 * The part of main from below its header (the banner) to the end of last:
 * what the README copies show.
 */
async function below(last) {
  const main = await page.locator('main').boundingBox();
  const top = await page.locator('main > header').first().boundingBox();
  const end = await last.boundingBox();
  const y = top.y + top.height;
  return { x: main.x, y, width: main.width, height: Math.min(900, end.y + end.height + 24) - y };
}
