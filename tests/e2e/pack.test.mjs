// A bad jurisdiction pack stops init and serve with a message that names the
// file, the path inside it and the reason.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { ENGINE, cleanup, freshDb, initDb, loadDefaultPack, run, tempDir, tempFile } from '../lib/server.mjs';

after(cleanup);

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
