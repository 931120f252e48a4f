// Conformance suite for the scaffolder: drives a running Stackyard with the
// real ScaffolderClient from @backstage/plugin-scaffolder-common, as the
// Backstage frontend does: parameter schema, scaffold, streaming events to
// completion (SSE and long poll), get, list, cancel, retry and dry-run.
//
//   STACKYARD_URL=http://127.0.0.1:7007 node --test scaffolder-client.test.mjs
//
// The server must load the templates of e2e/scaffolder_harness_test.go
// (quick, slow-recover, slow-fail, fails); the Go test
// TestConformance_ScaffolderClient starts one that does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScaffolderClient } from '@backstage/plugin-scaffolder-common';

// fetch-event-source is written for browsers: it reaches for window's timers
// and document's visibility events.
globalThis.window ??= globalThis;
globalThis.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} };

const BASE = (process.env.STACKYARD_URL ?? '').replace(/\/$/, '');
if (!BASE) throw new Error('STACKYARD_URL is required, e.g. http://127.0.0.1:7007');
const USER = process.env.STACKYARD_USER ?? 'user:default/guest';

const options = {
  discoveryApi: { getBaseUrl: async (plugin) => `${BASE}/api/${plugin}` },
  fetchApi: { fetch: (...args) => fetch(...args) },
  identityApi: { getBackstageIdentity: async () => ({ type: 'user', userEntityRef: USER, ownershipEntityRefs: [USER] }) },
};
const client = new ScaffolderClient(options);
const polling = new ScaffolderClient({ ...options, useLongPollingLogs: true });

/** collect subscribes to a task's log stream and resolves with every event once it completes. */
function collect(c, taskId, after) {
  return new Promise((resolve, reject) => {
    const events = [];
    const timer = setTimeout(() => reject(new Error(`no completion for ${taskId} after 60s: ${JSON.stringify(events)}`)), 60_000);
    c.streamLogs({ taskId, after }).subscribe({
      next: (e) => events.push(e),
      error: (err) => { clearTimeout(timer); reject(err); },
      complete: () => { clearTimeout(timer); resolve(events); },
    });
  });
}

/** waitForEvent resolves once the stream shows an event matching pred. */
function waitForEvent(taskId, pred) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`event not seen on ${taskId}`)), 30_000);
    const sub = client.streamLogs({ taskId }).subscribe({
      next: (e) => { if (pred(e)) { clearTimeout(timer); sub.unsubscribe(); resolve(e); } },
      error: (err) => { clearTimeout(timer); reject(err); },
    });
  });
}

/** steps reduces events to "stepId:status" transitions, as the UI draws them. */
const transitions = (events) => events.filter((e) => e.body.stepId && e.body.status).map((e) => `${e.body.stepId}:${e.body.status}`);

const isResponseError = (status) => (err) => {
  assert.equal(err.name, 'ResponseError', err.message);
  assert.equal(err.response.status, status, err.message);
  return true;
};

describe('ScaffolderClient against Stackyard', () => {
  test('getTemplateParameterSchema', async () => {
    const schema = await client.getTemplateParameterSchema('template:default/quick');
    assert.equal(schema.title, 'Quick');
    assert.equal(schema.steps.length, 1);
    assert.equal(schema.steps[0].title, 'Basics');
    assert.deepEqual(schema.steps[0].schema.required, ['name']);
    await assert.rejects(client.getTemplateParameterSchema('template:default/nope'), isResponseError(404));
  });

  test('listActions and listTemplatingExtensions', async () => {
    const actions = await client.listActions();
    const ids = actions.map((a) => a.id);
    assert.deepEqual(ids, [...ids].sort());
    for (const id of ['fetch:template', 'fetch:plain', 'catalog:register', 'catalog:write', 'debug:log', 'fs:delete', 'fs:rename']) {
      assert.ok(ids.includes(id), `${id} missing`);
    }
    assert.equal(actions.find((a) => a.id === 'debug:log').schema.input.type, 'object');
    const ext = await client.listTemplatingExtensions();
    for (const f of ['parseRepoUrl', 'parseEntityRef', 'pick', 'projectSlug']) assert.ok(ext.filters[f], f);
  });

  let completedTaskId;
  test('scaffold, stream events to completion, get the task', async () => {
    const { taskId } = await client.scaffold({ templateRef: 'template:default/quick', values: { name: 'e2e' } });
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    const events = await collect(client, taskId);
    const last = events.at(-1);
    assert.equal(last.type, 'completion');
    assert.equal(last.body.message, 'Run completed with status: completed');
    assert.deepEqual(last.body.output, { text: [{ title: 'Greeting', content: 'Hello e2e' }] });
    assert.equal(events[0].type, 'log');
    assert.equal(events[0].body.stepId, undefined);
    assert.deepEqual(transitions(events), [
      'fetch:processing', 'fetch:completed', 'wait:processing', 'wait:completed', 'log:processing', 'log:completed',
    ]);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].id > events[i - 1].id, 'event ids increase');
    for (const e of events) {
      assert.equal(e.taskId, taskId);
      assert.equal(e.isTaskRecoverable, false);
      assert.ok(!Number.isNaN(Date.parse(e.createdAt)));
    }
    const task = await client.getTask(taskId);
    assert.equal(task.id, taskId);
    assert.equal(task.status, 'completed');
    assert.equal(task.createdBy, USER);
    assert.equal(task.spec.apiVersion, 'scaffolder.backstage.io/v1beta3');
    assert.equal(task.spec.templateInfo.entityRef, 'template:default/quick');
    assert.equal(task.spec.templateInfo.entity.metadata.title, 'Quick');
    assert.equal(task.spec.user.ref, USER);
    assert.deepEqual(task.spec.steps.map((s) => s.id), ['fetch', 'wait', 'log']);
    completedTaskId = taskId;
  });

  test('long polling reaches the same completion', async () => {
    const sse = await collect(client, completedTaskId);
    const polled = await collect(polling, completedTaskId);
    assert.deepEqual(polled.map((e) => e.id), sse.map((e) => e.id));
    const late = await collect(client, completedTaskId, sse.at(-1).id);
    assert.deepEqual(late.map((e) => e.type), ['completion']);
  });

  test('listTasks owned, with limit and offset', async () => {
    const { taskId } = await client.scaffold({ templateRef: 'template:default/quick', values: { name: 'second' } });
    await collect(client, taskId);
    const page = await client.listTasks({ filterByOwnership: 'owned', limit: 1, offset: 0 });
    assert.equal(page.tasks.length, 1);
    assert.ok(page.totalTasks >= 2, `totalTasks ${page.totalTasks}`);
    assert.equal(page.tasks[0].id, taskId, 'newest first');
    assert.equal(page.tasks[0].spec.user.ref, USER);
    const next = await client.listTasks({ filterByOwnership: 'owned', limit: 1, offset: 1 });
    assert.notEqual(next.tasks[0].id, taskId);
    const all = await client.listTasks({ filterByOwnership: 'all' });
    assert.ok(all.tasks.length >= 2);
  });

  test('cancelTask stops the running step', async () => {
    const { taskId } = await client.scaffold({ templateRef: 'template:default/quick', values: { name: 'slow', ms: 60000 } });
    await waitForEvent(taskId, (e) => e.body.stepId === 'wait' && e.body.status === 'processing');
    const started = Date.now();
    const answer = await client.cancelTask(taskId);
    assert.deepEqual(answer, { status: 'cancelled' });
    const events = await collect(client, taskId);
    assert.ok(Date.now() - started < 10_000, 'cancel took too long');
    const types = events.map((e) => e.type);
    assert.ok(types.includes('cancelled'), JSON.stringify(types));
    assert.equal(types.at(-1), 'completion');
    assert.ok(!transitions(events).includes('log:processing'), 'no step after the cancelled one started');
    const task = await client.getTask(taskId);
    assert.equal(task.status, 'cancelled');
  });

  test('retry reruns a failed task', async () => {
    const { taskId } = await client.scaffold({ templateRef: 'template:default/fails', values: {} });
    const first = await collect(client, taskId);
    assert.match(first.at(-1).body.error.message, /Invalid input passed to action debug:log/);
    assert.equal((await client.getTask(taskId)).status, 'failed');
    const answer = await client.retry(taskId);
    assert.equal(answer.id, taskId);
    const events = await collect(client, taskId);
    const types = events.map((e) => e.type);
    assert.ok(types.includes('recovered'), JSON.stringify(types));
    assert.equal(types.filter((t) => t === 'completion').length, 1);
    const recovered = events.find((e) => e.type === 'recovered');
    assert.equal(recovered.body.recoverStrategy, 'none');
  });

  test('dryRun renders the uploaded skeleton and stores no task', async () => {
    const before = (await client.listTasks({ filterByOwnership: 'all' })).totalTasks;
    const b64 = (s) => Buffer.from(s).toString('base64');
    const result = await client.dryRun({
      template: {
        apiVersion: 'scaffolder.backstage.io/v1beta3', kind: 'Template', metadata: { name: 'inline' },
        spec: {
          type: 'service',
          steps: [
            { id: 'fetch', name: 'Fetch', action: 'fetch:template', input: { url: './skeleton', values: { name: '${{ parameters.name }}' } } },
            { id: 'log', name: 'Log', action: 'debug:log', input: { message: 'dry ${{ parameters.name }}' } },
          ],
          output: { text: [{ title: 'Name', content: '${{ parameters.name }}' }] },
        },
      },
      values: { name: 'dry' },
      directoryContents: [{ path: 'skeleton/README.md', base64Content: b64('# ${{ values.name }}\n') }],
    });
    assert.deepEqual(result.directoryContents, [{ path: 'README.md', base64Content: b64('# dry\n'), executable: false }]);
    assert.deepEqual(result.output, { text: [{ title: 'Name', content: 'dry' }] });
    assert.equal(result.steps.length, 2);
    assert.ok(result.log.some((l) => l.body.stepId === 'log' && l.body.status === 'completed'));
    assert.equal((await client.listTasks({ filterByOwnership: 'all' })).totalTasks, before);
  });

  test('scaffold rejects invalid values and unknown templates', async () => {
    await assert.rejects(client.scaffold({ templateRef: 'template:default/quick', values: {} }), /Backend request failed, 400/);
    await assert.rejects(client.scaffold({ templateRef: 'template:default/nope', values: {} }), /Backend request failed, 404/);
    await assert.rejects(client.getTask('00000000-0000-0000-0000-000000000000'), isResponseError(404));
  });

  test('autocomplete without providers', async () => {
    await assert.rejects(client.autocomplete({ token: 't', provider: 'nope', resource: 'x', context: {} }), isResponseError(400));
  });
});
