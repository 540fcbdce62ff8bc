// The command line: version, help, usage errors.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { SOURCE_ROOT, cleanup, run } from '../lib/server.mjs';

after(cleanup);

describe('command line', { timeout: 60_000 }, () => {
  test('--version prints "hartline X.Y.Z" on stdout and exits 0', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /^hartline \d+\.\d+\.\d+\n?$/);
  });

  test('--version agrees with the version in meson.build', async (t) => {
    const meson = path.join(SOURCE_ROOT, 'meson.build');
    if (!fs.existsSync(meson)) return t.skip('no meson.build in HARTLINE_SOURCE_ROOT');
    const m = /^\s*version\s*:\s*'([^']+)'/m.exec(fs.readFileSync(meson, 'utf8'));
    if (!m) return t.skip('no project version in meson.build');
    const r = await run(['--version']);
    assert.equal(r.stdout.trim(), `hartline ${m[1]}`);
  });

  test('help prints usage on stdout and exits 0', async () => {
    const r = await run(['help']);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /usage/i);
    assert.match(r.stdout, /\binit\b/);
    assert.match(r.stdout, /\bserve\b/);
  });

  test('an unknown command prints usage on stderr and exits 2', async () => {
    const r = await run(['no-such-command']);
    assert.equal(r.code, 2, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.match(r.stderr, /usage/i);
    assert.equal(r.stdout, '', 'nothing on stdout');
  });

  test('an unknown flag before the command prints usage on stderr and exits 2', async () => {
    const r = await run(['--no-such-flag']);
    assert.equal(r.code, 2, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.match(r.stderr, /usage/i);
    assert.equal(r.stdout, '', 'nothing on stdout');
  });

  test('an unknown flag of a command prints usage on stderr and exits 2', async () => {
    for (const cmd of ['init', 'migrate', 'serve']) {
      const r = await run([cmd, '--no-such-flag']);
      assert.equal(r.code, 2, `hartline ${cmd} --no-such-flag: exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
      assert.match(r.stderr, /usage/i, `hartline ${cmd} --no-such-flag`);
      assert.equal(r.stdout, '', `hartline ${cmd} --no-such-flag: nothing on stdout`);
    }
  });
});
