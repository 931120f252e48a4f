// Peer diff: sends the same requests to Stackyard and to the real Backstage
// 1.45.3 backend (../shared/peer-backstage), both loaded with the same
// fixture, and asserts identical status, content type and body after
// normalising uids, etags, ids, timestamps, cursors and absolute paths.
//
//   PEER_URL=http://127.0.0.1:7007 PEER_FIXTURES_DIR=$PEER/fixtures \
//   STACKYARD_URL=http://127.0.0.1:7100 STACKYARD_FIXTURES_DIR=$PWD/../testdata \
//   FIXTURE_PORT=7123 node --test peer-diff.test.mjs
//
// PEER_DIFF_DUMP=DIR writes each step's normalised answers to DIR/NN-name.json.
//
// Both backends must allow reading from 127.0.0.1:FIXTURE_PORT: locations are
// registered as `url` targets served by this process, because Stackyard (like
// stock Backstage) accepts only `url` through the API. The peer also accepts
// `file` (a module in its index.js); that difference is not compared.
//
// Steps with `deliberate` are where Stackyard differs on purpose, for the
// reason given: the routes and parameters the 1.45.3 peer predates (POST
// /entities/by-query, POST /entity-facets, POST /locations/by-query, PUT
// /locations/{id}, onConflict, totalItems; catalog-client.test.mjs covers
// them), url-only locations and the error for hosts off the reading
// allow-list. Each side must still give the answer described for it.
// validate-entity schema errors are compared by error name only:
// Stackyard's messages come from CUE by design.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Side, comparable } from './lib/exchange.mjs';
import { startFixtureServer } from './lib/fixture-server.mjs';
import { waitFor, sleep } from './lib/wait.mjs';
import { steps } from './lib/peer-steps.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const required = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const peer = new Side('peer', process.env.PEER_URL ?? 'http://127.0.0.1:7007',
  process.env.PEER_FIXTURES_DIR ?? path.join(required('STACKYARD_PEER_DIR'), 'fixtures'));
const stackyard = new Side('stackyard', required('STACKYARD_URL'),
  process.env.STACKYARD_FIXTURES_DIR ?? path.join(here, '../testdata'));
const sides = [peer, stackyard];
const FIXTURE_COUNT = 16; // entities in testdata/all.yaml + extra.yaml, Location entities included

let server;

before(async () => {
  for (const f of ['all.yaml', 'extra.yaml', 'registered.yaml']) {
    assert.equal(fs.readFileSync(path.join(stackyard.fixturesDir, f), 'utf8'),
      fs.readFileSync(path.join(peer.fixturesDir, f), 'utf8'), `testdata/${f} must be a copy of the peer's fixture`);
  }
  server = await startFixtureServer(Number(process.env.FIXTURE_PORT ?? 0));
  for (const f of ['registered.yaml', 'extra.yaml']) {
    server.files.set(`/${f}`, fs.readFileSync(path.join(stackyard.fixturesDir, f), 'utf8'));
  }
  for (const side of sides) side.ctx.fixture = server.base;
  // The peer processes and stitches slowly: wait until both sides list the
  // whole fixture with the same relations.
  await waitFor('both backends to ingest the fixture', async () => {
    const answers = await Promise.all(sides.map(async (side) => {
      const a = await side.send({ path: '/api/catalog/entities?fields=kind,metadata.name,relations' });
      return Array.isArray(a.body) && a.body.length >= FIXTURE_COUNT &&
        comparable(side.normalize(a), { unordered: 'body' });
    }));
    return answers.every(Boolean) && isDeepStrictEqual(answers[0], answers[1]);
  }, { timeoutMs: 180_000, intervalMs: 1000 }).catch((err) => {
    // Go on: the per-request diffs below say what differs.
    console.error(err.message);
  });
});

after(async () => {
  await server?.close();
});

const dumpDir = process.env.PEER_DIFF_DUMP;
if (dumpDir) fs.mkdirSync(dumpDir, { recursive: true });
const dump = (i, step, p, s) => {
  if (!dumpDir) return;
  const file = `${String(i).padStart(3, '0')}-${step.name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '')}.json`;
  fs.writeFileSync(path.join(dumpDir, file), `${JSON.stringify({ step: step.name, peer: p, stackyard: s }, null, 2)}\n`);
};

for (const [i, step] of steps.entries()) {
  test(step.name, async () => {
    const exchange = async (side) => {
      const req = {
        method: step.method ?? 'GET',
        path: typeof step.path === 'function' ? step.path(side.ctx) : step.path,
        body: typeof step.body === 'function' ? step.body(side.ctx) : step.body,
        rawBody: step.rawBody,
        contentType: step.contentType,
      };
      let answer = await side.send(req);
      // Processing is asynchronous: poll each side until it reaches the state
      // the step is about, then compare.
      const deadline = Date.now() + 60_000;
      while (step.until && !step.until(answer) && Date.now() < deadline) {
        await sleep(500);
        answer = await side.send(req);
      }
      if (step.save) step.save(side.ctx, answer);
      return comparable(side.normalize(answer), step.compare);
    };
    const [p, s] = await Promise.all([exchange(peer), exchange(stackyard)]);
    dump(i, step, p, s);
    if (step.deliberate) {
      // A deliberate difference: each side must give the answer described
      // for it, so that neither drifts unnoticed.
      assertAnswer(p, step.deliberate.peer, `${step.name}: the peer no longer answers as described (${step.deliberate.why})`);
      assertAnswer(s, step.deliberate.stackyard, `${step.name}: Stackyard no longer answers as described (${step.deliberate.why})`);
      return;
    }
    assert.deepEqual(s, p, `${step.name}: Stackyard (actual) differs from the Backstage peer (expected)`);
  });
}

/** assertAnswer checks a comparable answer against {status, error?, message?}. */
function assertAnswer(answer, want, message) {
  const got = { status: answer.status };
  if (want.error !== undefined) got.error = answer.body?.error?.name;
  if (want.message !== undefined) got.message = answer.body?.error?.message;
  assert.deepEqual(got, want, message);
}
