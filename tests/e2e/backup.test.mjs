// Backup and restore (docs/operations.md, "Backup and restore"): a backup
// made while the server answers writes, restored into a new place, verified
// (every sealed value opens with the key file, the audit chain is whole)
// and served, every report acknowledged before the backup began read back.
// The backup never holds the key file nor a sealed value in clear; a
// backup is not written over, a restore replaces nothing it has not checked,
// nor a database a server has open. On PostgreSQL: pg_dump and pg_restore,
// then hartline verify, then a server on the restored database.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { demoDb, login, mfaSecretOf, readJson, rememberSecret, syntheticReport } from '../lib/auth.mjs';
import { ENGINE, cleanup, freshDb, keyFileOf, run, sql, startServer, tempDir } from '../lib/server.mjs';

const clock = { iso: (offset = 0) => new Date(Date.now() + offset).toISOString().replace(/\.\d{3}Z$/, 'Z') };
const MARK = 'Zebracrossing-backup-narrative';

/** Reports posted by `loops` writers, one after another each, until stop() is called. */
function writers(session, loops, tag) {
  let stopping = false;
  const acked = []; // { id, narrative, at }
  const failures = [];
  const run1 = async (w) => {
    for (let i = 0; !stopping; i++) {
      const narrative = `${MARK} ${tag} writer ${w} report ${i}`;
      const res = await session.fetch('/api/v1/intakes', { method: 'POST', body: syntheticReport(clock, { narrative }) });
      const text = await res.text();
      if (res.status !== 201) failures.push(`${res.status} ${text}`);
      else acked.push({ id: JSON.parse(text).id, narrative, at: Date.now() });
    }
  };
  const done = Promise.all(Array.from({ length: loops }, (_, w) => run1(w)));
  return {
    acked,
    failures,
    async stop() {
      stopping = true;
      await done;
    },
  };
}

async function untilAcked(w, n) {
  const end = Date.now() + 30_000;
  while (w.acked.length < n) {
    assert.ok(Date.now() < end, `${n} reports acknowledged in time; failures: ${w.failures.join('; ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`backup and restore (${ENGINE})`, { timeout: 300_000 }, () => {
  let db;
  let demo;
  let server;
  let careline;
  let keyFile;
  let backupDir;

  before(async () => {
    ({ db, demo } = await demoDb());
    keyFile = keyFileOf(db);
    server = await startServer({ db });
    careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
    backupDir = tempDir('hartline-backup-');
  });

  /** The careline user on a server over the restored database: the second factor it enrolled came along. */
  async function loginRestored(s2) {
    const { username, password } = demo.byRole.careline;
    rememberSecret(s2.url, username, mfaSecretOf(server.url, username));
    return login(s2.url, username, password);
  }

  after(async () => {
    try {
      if (server) assert.equal(await server.stop(), 0);
    } finally {
      await cleanup();
    }
  });

  if (ENGINE === 'sqlite') sqliteRoundTrip();
  else postgresqlRoundTrip();

  function sqliteRoundTrip() {
    let backup;
    let before; // reports acknowledged before the backup began
    let restored;

    test('a backup made while reports are being written holds every report acknowledged before it began', async () => {
      backup = path.join(backupDir, 'hartline-backup.db');
      const w = writers(careline, 4, 'during');
      try {
        await untilAcked(w, 8);
        before = w.acked.slice();
        const r = await run(['backup', backup, '--db', db], { db });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^backed up .* to .*hartline-backup\.db \(\d+ bytes\)/);
        assert.match(r.stdout, /opens with the key file alone, which is not in it/);
        // The writers went on while it copied: the copy held no lock they waited on for long.
        await untilAcked(w, w.acked.length + 8);
      } finally {
        await w.stop();
      }
      assert.deepEqual(w.failures, [], 'no write failed during the backup');
      assert.equal(fs.statSync(backup).mode & 0o777, 0o600, 'the backup is readable by its owner alone');
      assert.ok(!fs.existsSync(`${backup}-wal`), 'the backup is one file');
      const ids = new Set(sql(backup, 'SELECT id FROM intake').trim().split('\n').map(Number));
      for (const a of before) assert.ok(ids.has(a.id), `report ${a.id}, acknowledged before the backup, is in it`);
      assert.deepEqual(fs.readdirSync(backupDir).sort(), ['hartline-backup.db'], 'nothing left beside it');
    });

    test('the backup holds no key and no sealed value in clear', () => {
      const bytes = fs.readFileSync(backup);
      const key = fs.readFileSync(keyFile, 'utf8');
      for (const line of key.split('\n').filter((l) => l.length >= 16)) {
        assert.ok(!bytes.includes(Buffer.from(line)), 'no line of the key file is in the backup');
        const words = line.split(/\s+/).filter((x) => x.length >= 32);
        for (const word of words) assert.ok(!bytes.includes(Buffer.from(word)), 'no key is in the backup');
      }
      assert.ok(!bytes.includes(Buffer.from(MARK)), 'the narratives are sealed');
    });

    test('a backup is never written over without --force, nor over the key file', async () => {
      const size = fs.statSync(backup).size;
      const again = await run(['backup', backup, '--db', db], { db });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /exists; choose another name, or give --force to replace it/);
      assert.equal(fs.statSync(backup).size, size);
      const onKey = await run(['backup', keyFile, '--db', db, '--force'], { db });
      assert.equal(onKey.code, 1);
      assert.match(onKey.stderr, /is the key file or the audit head file beside it/);
      const onHead = await run(['backup', path.join(path.dirname(keyFile), 'hartline.audit-head'), '--db', db, '--force'], { db });
      assert.equal(onHead.code, 1);
      assert.match(onHead.stderr, /is the key file or the audit head file beside it/);
      const forced = path.join(backupDir, 'second.db');
      fs.writeFileSync(forced, 'not a database');
      const ok = await run(['backup', forced, '--db', db, '--force'], { db });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal((await run(['backup', '--check', forced, '--db', db], { db })).code, 0);
      fs.rmSync(forced);
    });

    test('backup --check verifies it with the key file, and says what is wrong with a changed one', async () => {
      const ok = await run(['backup', '--check', backup, '--db', db], { db });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /^sealed values: ok: \d+ values in \d+ columns open with /m);
      assert.match(ok.stdout, /^audit chain: ok: \d+ records$/m);
      assert.match(ok.stdout, /verifies$/m);

      const sealed = path.join(backupDir, 'sealed-changed.db');
      fs.copyFileSync(backup, sealed);
      const id = before[0].id;
      sql(sealed, `UPDATE intake SET narrative = (SELECT narrative FROM intake WHERE id = ${before[1].id}) WHERE id = ${id}`);
      const bad = await run(['backup', '--check', sealed, '--db', db], { db });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, new RegExp(`sealed values: broken: 1 of \\d+ values do not open; the first: intake\\.narrative of row ${id}`));

      const chain = path.join(backupDir, 'chain-changed.db');
      fs.copyFileSync(backup, chain);
      sql(chain, "UPDATE audit SET client = '10.9.9.9' WHERE seq = 3");
      const broken = await run(['backup', '--check', chain, '--db', db], { db });
      assert.equal(broken.code, 1);
      assert.match(broken.stdout, /^audit chain: broken: /m);

      const other = await run(['backup', '--check', chain, '--db', db, '--key-file', path.join(backupDir, 'none.key')], { db });
      assert.equal(other.code, 1);
      for (const f of [sealed, chain]) fs.rmSync(f);
    });

    test('restore checks everything before it replaces anything', async () => {
      const dir = tempDir('hartline-restored-');
      restored = path.join(dir, 'hartline.db');
      // The key file is kept apart: without it there, nothing is restored.
      const nokey = await run(['restore', backup, '--db', restored], { db: restored });
      assert.equal(nokey.code, 1);
      assert.match(nokey.stderr, /the key file .* is missing: put the copy you keep apart there first/);
      assert.deepEqual(fs.readdirSync(dir), []);

      fs.copyFileSync(keyFile, path.join(dir, 'hartline.key'));
      fs.chmodSync(path.join(dir, 'hartline.key'), 0o600);
      const changed = path.join(backupDir, 'changed.db');
      fs.copyFileSync(backup, changed);
      sql(changed, `UPDATE intake SET narrative = X'00' WHERE id = ${before[0].id}`);
      const refused = await run(['restore', changed, '--db', restored], { db: restored });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /nothing was replaced/);
      assert.deepEqual(fs.readdirSync(dir), ['hartline.key'], 'no database, no file left beside it');
      fs.rmSync(changed);

      const r = await run(['restore', backup, '--db', restored], { db: restored });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^sealed values: ok: /m);
      assert.match(r.stdout, /^audit chain: ok: /m);
      assert.match(r.stdout, /restored .* into /);
      assert.equal(fs.statSync(restored).mode & 0o777, 0o600);

      const twice = await run(['restore', backup, '--db', restored], { db: restored });
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /holds a database; stop its server and give --force to replace it/);

      const v = await run(['verify', '--db', restored], { db: restored });
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /^sealed values: ok: \d+ values in \d+ columns/m);
      assert.match(v.stdout, /^audit chain: ok: \d+ records$/m);
      assert.match(v.stdout, /^dashboard counts: ok$/m);
    });

    test('a server on the restored database serves what was acknowledged before the backup', async () => {
      const s2 = await startServer({ db: restored });
      try {
        const c2 = await loginRestored(s2);
        for (const a of before) {
          const got = await readJson(await c2.fetch(`/api/v1/intakes/${a.id}`), 200, `report ${a.id}`);
          assert.equal(got.narrative, a.narrative);
        }
        // A restore never replaces a database in use.
        const busy = await run(['restore', backup, '--db', restored, '--force'], { db: restored });
        assert.equal(busy.code, 1);
        assert.match(busy.stderr, /is in use .* stop it first/);
        assert.equal((await c2.fetch('/api/v1/me')).status, 200, 'the server goes on');
      } finally {
        assert.equal(await s2.stop(), 0);
      }
      const forced = await run(['restore', backup, '--db', restored, '--force'], { db: restored });
      assert.equal(forced.code, 0, forced.stderr);
    });
  }

  function postgresqlRoundTrip() {
    test('hartline backup points at pg_dump for PostgreSQL', async () => {
      const r = await run(['backup', path.join(backupDir, 'x.db'), '--db', db], { db });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /pg_dump --format=custom/);
    });

    test('pg_dump while serving, pg_restore into a new database, hartline verify, and a server on it', async () => {
      const dump = path.join(backupDir, 'hartline.dump');
      const w = writers(careline, 4, 'during');
      let before;
      try {
        await untilAcked(w, 8);
        before = w.acked.slice();
        execFileSync('pg_dump', ['--format=custom', '--file', dump, db], { stdio: ['ignore', 'ignore', 'pipe'] });
        await untilAcked(w, w.acked.length + 8);
      } finally {
        await w.stop();
      }
      assert.deepEqual(w.failures, []);
      assert.ok(!fs.readFileSync(dump).includes(Buffer.from(MARK)), 'the narratives are sealed in the dump');

      const restored = freshDb();
      execFileSync('pg_restore', ['--no-owner', '--dbname', restored, dump], { stdio: ['ignore', 'ignore', 'pipe'] });
      const nokey = await run(['verify', '--db', restored, '--key-file', path.join(backupDir, 'none.key')], { db: restored });
      assert.equal(nokey.code, 1);
      fs.copyFileSync(keyFile, keyFileOf(restored));
      fs.chmodSync(keyFileOf(restored), 0o600);
      const v = await run(['verify', '--db', restored], { db: restored });
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /^sealed values: ok: \d+ values/m);
      assert.match(v.stdout, /^audit chain: ok: \d+ records$/m);

      sql(restored, `UPDATE intake SET narrative = (SELECT narrative FROM intake WHERE id = ${before[1].id}) WHERE id = ${before[0].id}`);
      const bad = await run(['verify', '--db', restored], { db: restored });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /sealed values: broken: 1 of/);

      const restoredAgain = freshDb();
      execFileSync('pg_restore', ['--no-owner', '--dbname', restoredAgain, dump], { stdio: ['ignore', 'ignore', 'pipe'] });
      fs.copyFileSync(keyFile, keyFileOf(restoredAgain));
      fs.chmodSync(keyFileOf(restoredAgain), 0o600);
      const s2 = await startServer({ db: restoredAgain });
      try {
        const c2 = await loginRestored(s2);
        for (const a of before) {
          const got = await readJson(await c2.fetch(`/api/v1/intakes/${a.id}`), 200, `report ${a.id}`);
          assert.equal(got.narrative, a.narrative);
        }
      } finally {
        assert.equal(await s2.stop(), 0);
      }
    });
  }
});
