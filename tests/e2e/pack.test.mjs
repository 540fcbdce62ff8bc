// A bad jurisdiction pack stops init and serve with a message that names the
// file, the path inside it and the reason.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createUser, login } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import { PACK_ID, PACK_PATH, region } from '../lib/pack.mjs';
import { ENGINE, SOURCE_ROOT, cleanup, freshDb, initDb, loadDefaultPack, run, startServer, tempDir, tempFile } from '../lib/server.mjs';

const EXPECTED = 'regions[2].offices[0].region: unknown region "R7"';

function badPackFile() {
  const pack = loadDefaultPack();
  pack.regions[2].offices[0].region = 'R7';
  return tempFile('bad-region.json', JSON.stringify(pack, null, 2));
}

// Line 3 holds the error: a second comma.
const MALFORMED = '{\n  "pack": {\n    "id": "x",,\n    "name": "y"\n  }\n}\n';

function assertNamesFileAndReason(r, file, what) {
  assert.ok(!r.timedOut, `${what}: kept running; stderr: ${r.stderr}`);
  assert.equal(r.code, 1, `${what}: exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n');
  assert.ok(
    lines.some((l) => l.includes(`${file}: ${EXPECTED}`)),
    `${what}: stderr has a line "${file}: ${EXPECTED}"; stderr was:\n${r.stderr}`);
}

describe(`bad packs (${ENGINE})`, { timeout: 120_000 }, () => {
  test('init with a pack naming an unknown region exits 1 naming the file, path and reason', async () => {
    const file = badPackFile();
    const db = freshDb();
    const r = await run(['init', '--db', db, '--pack', file], { db });
    assertNamesFileAndReason(r, file, 'init --pack');
  });

  test('serve with a pack naming an unknown region exits 1 naming the file, path and reason', async () => {
    const file = badPackFile();
    const db = freshDb();
    await initDb(db);
    const r = await run(['serve', '--db', db, '--listen', '127.0.0.1:0', '--pack', file], { db, timeout: 15_000 });
    assertNamesFileAndReason(r, file, 'serve --pack');
  });

  test('a malformed pack is reported with the file, line and column', async () => {
    const file = tempFile('malformed.json', MALFORMED);
    const db = freshDb();
    const r = await run(['init', '--db', db, '--pack', file], { db });
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    const line = r.stderr.split('\n').find((l) => l.includes(file));
    assert.ok(line, `stderr names ${file}: ${r.stderr}`);
    assert.match(line, /line 3, column \d+/, 'names the line and column of the error');
  });

  test('serve with a malformed pack exits 1 with the line and column', async () => {
    const file = tempFile('malformed.json', MALFORMED);
    const db = freshDb();
    await initDb(db);
    const r = await run(['serve', '--db', db, '--listen', '127.0.0.1:0', '--pack', file], { db, timeout: 15_000 });
    assert.ok(!r.timedOut, `serve kept running; stderr: ${r.stderr}`);
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stderr, /line 3, column \d+/);
  });

  test('a pack file that does not exist exits 1 naming the file', async () => {
    const file = path.join(tempDir(), 'no-such-pack.json');
    const db = freshDb();
    const r = await run(['init', '--db', db, '--pack', file], { db });
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    assert.ok(r.stderr.includes(file), `stderr names ${file}: ${r.stderr}`);
  });
});

// A pack with a missing, null or mistyped id (or any other value) is a list
// of problems with their paths, at the command line and over HTTP, never a
// crash: regions[0] without an id used to kill the server.
const BROKEN = [
  ['regions[0].id missing', (p) => delete p.regions[0].id, 'regions[0].id', 'required'],
  ['regions[0].id null', (p) => (p.regions[0].id = null), 'regions[0].id', 'must be text in quotes'],
  ['regions[0].id a number', (p) => (p.regions[0].id = 5), 'regions[0].id', 'must be text in quotes'],
  ['an office id null', (p) => (p.regions[1].offices[0].id = null), 'regions[1].offices[0].id', 'must be text in quotes'],
  ['a vulnerability id a list', (p) => (p.vulnerabilities[0].id = []), 'vulnerabilities[0].id', 'must be text in quotes'],
  ['a deadline id missing', (p) => delete p.deadlines[0].id, 'deadlines[0].id', 'required'],
  ['an MDT role id an object', (p) => (p.mdt_roles[0].id = {}), 'mdt_roles[0].id', 'must be text in quotes'],
  ['an emergency department region null', (p) => (p.emergency_departments[0].region = null),
    'emergency_departments[0].region', 'must be text in quotes'],
  ['an instrument id true', (p) => (p.screening_instruments[0].id = true), 'screening_instruments[0].id',
    'must be text in quotes'],
];

function brokenPack(change) {
  const pack = loadDefaultPack();
  change(pack);
  return pack;
}

describe(`hartline pack check on a broken pack (${ENGINE})`, { timeout: 120_000 }, () => {
  for (const [what, change, field, reason] of BROKEN) {
    test(`${what}: exits 1 naming ${field}`, async () => {
      const file = tempFile('broken.json', JSON.stringify(brokenPack(change), null, 2));
      const r = await run(['pack', 'check', file], { cwd: tempDir() });
      assert.ok(!r.timedOut, `kept running; stderr: ${r.stderr}`);
      assert.equal(r.signal, null, `killed by ${r.signal}; stderr: ${r.stderr}`);
      assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
      assert.ok(r.stderr.split('\n').includes(`${file}: ${field}: ${reason}`),
        `stderr has "${file}: ${field}: ${reason}"; stderr was:\n${r.stderr}`);
    });
  }

  test('lists every problem, each on its own line with its path', async () => {
    const pack = brokenPack((p) => {
      delete p.regions[0].id;
      p.deadlines[0].minutes = 'soon';
      p.services[1].name = null;
    });
    const file = tempFile('broken.json', JSON.stringify(pack, null, 2));
    const r = await run(['pack', 'check', file], { cwd: tempDir() });
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter(Boolean);
    for (const want of [
      'regions[0].id: required',
      'deadlines[0].minutes: must be a whole number from 1 to 525600',
      'services[1].name: must be text in quotes',
      // The offices of the region without an id name a region that is gone.
      `regions[0].offices[0].region: unknown region "${region(0)}"`,
    ])
      assert.ok(lines.includes(`${file}: ${want}`), `stderr has "${file}: ${want}"; stderr was:\n${r.stderr}`);
    const count = lines.filter((l) => l.startsWith(`${file}: `)).length;
    assert.match(lines[0], new RegExp(`^hartline: .*: ${count} problems$`), `first line counts them: ${lines[0]}`);
  });

  test('the shipped pack checks ok', async () => {
    const r = await run(['pack', 'check', path.join(SOURCE_ROOT, 'packs', 'connecticut.json')],
      { cwd: tempDir() });
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /: ok: connecticut /);
  });

  test('the pack the tests run on checks ok', async () => {
    const r = await run(['pack', 'check', PACK_PATH], { cwd: tempDir() });
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.ok(r.stdout.includes(`: ok: ${PACK_ID} `), r.stdout);
  });
});

describe(`POST /api/v1/config/validate with a broken pack (${ENGINE})`, { timeout: 120_000 }, () => {
  let server;
  let headers;
  before(async () => {
    const db = freshDb();
    await initDb(db);
    const a = await createUser(db, { username: 'broken-pack-admin', role: 'admin' });
    server = await startServer({ db });
    const admin = await login(server.url, a.username, a.password);
    headers = { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` };
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0, 'server exits 0 on SIGTERM');
  });

  for (const [what, change, field, reason] of BROKEN) {
    test(`${what}: 422 naming ${field}, and the server lives on`, async () => {
      const res = await fetch(`${server.url}/api/v1/config/validate`, {
        method: 'POST',
        headers,
        body: JSON.stringify(brokenPack(change)),
      });
      const problem = await assertProblem(res, 422, what);
      assert.ok(problem.errors.some((e) => e.field === field && e.reason === reason),
        `errors holds {field: "${field}", reason: "${reason}"}: ${JSON.stringify(problem.errors)}`);
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200, 'the server still answers');
      await health.arrayBuffer();
    });
  }
});

after(cleanup);
