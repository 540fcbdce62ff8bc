// init and migrate create the schema; serve needs it.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { DEFAULT_PACK_PATH, ENGINE, cleanup, freshDb, keyFileOf, run, startServer } from '../lib/server.mjs';

after(cleanup);

function schemaOf(stdout) {
  const m = /schema\D*(\d+)/.exec(stdout);
  assert.ok(m, `stdout names the schema: ${JSON.stringify(stdout)}`);
  return Number(m[1]);
}

async function health(server) {
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  return res.json();
}

describe(`init and migrate (${ENGINE})`, { timeout: 120_000 }, () => {
  test('init creates the schema and running it again is harmless', async () => {
    const db = freshDb();
    const first = await run(['init', '--db', db], { db });
    assert.equal(first.code, 0, `first init: ${first.stderr}`);
    const schema = schemaOf(first.stdout);
    assert.ok(schema >= 1, `schema ${schema} >= 1`);

    const second = await run(['init', '--db', db], { db });
    assert.equal(second.code, 0, `second init: ${second.stderr}`);
    assert.equal(schemaOf(second.stdout), schema, 'same schema after the second init');

    const server = await startServer({ db });
    try {
      const h = await health(server);
      assert.equal(h.schema, schema, 'healthz reports the schema init printed');
      assert.equal(h.db, ENGINE);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('init prints one line, and the first time also where it made the key file, mode 0600', async () => {
    const db = freshDb();
    const r = await run(['init', '--db', db], { db });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^database ready: /, `first line: ${JSON.stringify(r.stdout)}`);
    const key = keyFileOf(db);
    assert.match(lines.slice(1).join('\n'), /^key file created: .*\(mode 0600\)/, `then the key file: ${JSON.stringify(r.stdout)}`);
    assert.ok(r.stdout.includes(path.basename(key)), `names the key file ${key}: ${JSON.stringify(r.stdout)}`);
    assert.equal(fs.statSync(key).mode & 0o777, 0o600, `mode of ${key}`);

    const again = await run(['init', '--db', db], { db });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trimEnd().split('\n').length, 1, `one line the second time: ${JSON.stringify(again.stdout)}`);
    assert.equal(fs.statSync(key).mode & 0o777, 0o600, `mode of ${key} after the second init`);
  });

  test('migrate creates the schema like init and is harmless to repeat', async () => {
    const db = freshDb();
    const first = await run(['migrate', '--db', db], { db });
    assert.equal(first.code, 0, `first migrate: ${first.stderr}`);
    const second = await run(['migrate', '--db', db], { db });
    assert.equal(second.code, 0, `second migrate: ${second.stderr}`);
    const init = await run(['init', '--db', db], { db });
    assert.equal(init.code, 0, `init after migrate: ${init.stderr}`);
    const schema = schemaOf(init.stdout);

    const server = await startServer({ db });
    try {
      assert.equal((await health(server)).schema, schema);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('init accepts the shipped pack with --pack', async () => {
    const db = freshDb();
    const r = await run(['init', '--db', db, '--pack', DEFAULT_PACK_PATH], { db });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /schema/);
  });

  test('HARTLINE_DB works in place of --db for init and serve', async () => {
    const db = freshDb();
    const r = await run(['init'], { db, env: { HARTLINE_DB: db } });
    assert.equal(r.code, 0, `init with HARTLINE_DB: ${r.stderr}`);
    const schema = schemaOf(r.stdout);

    const server = await startServer({ db, dbFromEnv: true });
    try {
      assert.ok(!server.args.includes('--db'));
      const h = await health(server);
      assert.equal(h.status, 'ok');
      assert.equal(h.db, ENGINE);
      assert.equal(h.schema, schema);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('serve refuses a database that was never initialised and says to run hartline init', async () => {
    const db = freshDb();
    const r = await run(['serve', '--db', db, '--listen', '127.0.0.1:0'], { db, timeout: 15_000 });
    assert.ok(!r.timedOut, `serve kept running on an uninitialised database; stderr: ${r.stderr}`);
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stderr, /hartline init/, 'the message tells to run hartline init');
  });
});
