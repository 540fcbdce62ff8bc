// The audit trail: what is recorded, reading it back with filters and
// pages, `hartline audit verify` on an untouched and on an edited chain, and
// personal data sealed at rest.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { DEMO_USERS, demoUsers, login, newPassword, postSession, readJson, request } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import {
  ENGINE,
  cleanup,
  cloneDb,
  dbBytes,
  freshDb,
  initDb,
  keyFileOf,
  run,
  sql,
  startServer,
  testClock,
} from '../lib/server.mjs';

after(cleanup);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

async function drop(res, status, what) {
  const text = await res.text();
  assert.equal(res.status, status, `${what}: ${text}`);
}

describe(`audit records (${ENGINE})`, { timeout: 60_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  let admin; // demo-admin's session, renewed whenever the clock jumps
  let all; // every record, newest first, after the first test
  const typed = []; // every password sent, right or wrong
  const ids = {};

  async function adminLogin() {
    admin = await login(server.url, demo.byRole.admin.username, demo.byRole.admin.password);
    return admin;
  }

  async function failLogin(username, password) {
    typed.push(password);
    await drop(await postSession(server.url, { username, password }), 401, `login ${username}`);
  }

  async function everything() {
    const { records, next_before: next } = await admin.get('/api/v1/audit?limit=500');
    assert.equal(next, undefined, 'fewer than 500 records');
    return records;
  }

  before(async () => {
    clock = testClock('2026-11-28T03:00:00Z');
    db = freshDb();
    await initDb(db, { env: clock.env });
    demo = await demoUsers(db, { env: clock.env });
    for (const u of demo.users) typed.push(u.password);
    server = await startServer({ db, env: clock.env });
    await adminLogin();
    for (const u of (await admin.get('/api/v1/users')).users) ids[u.username] = String(u.id);
    clock.check((await admin.get('/api/v1/audit?action=user.create&limit=1')).records[0].at, 'the time of a demo user.create record');
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0);
  });

  test('logins, logouts, user changes, lockouts and denials are each recorded with actor, object and detail', async () => {
    clock.set('2026-11-28T04:00:00Z');
    await adminLogin();
    const care = demo.byRole.careline;
    await failLogin(care.username, 'not-the-careline-password');
    await failLogin('ghost-user', 'not-anyones-password');

    clock.set('2026-11-28T04:10:00Z');
    await adminLogin();
    const trainer = await admin.get(`/api/v1/users/${ids['demo-trainer']}`);
    await admin.send('PATCH', `/api/v1/users/${trainer.id}`, { version: trainer.version, disabled: true });
    await failLogin('demo-trainer', demo.byRole.trainer.password);
    for (let i = 0; i < 5; i++) await failLogin('demo-analyst', `wrong-analyst-password-${i}`);
    await failLogin('demo-analyst', demo.byRole.analyst.password);

    clock.set('2026-11-28T04:20:00Z');
    await adminLogin();
    const cs = await login(server.url, care.username, care.password);
    await drop(await cs.fetch('/api/v1/users'), 403, 'careline lists users');
    await cs.logout();
    const made = newPassword();
    typed.push(made);
    const created = await admin.send('POST', '/api/v1/users', {
      username: 'audit-made',
      role: 'liaison',
      scope: 'R2',
      display_name: 'Audit Made',
    }, 201);
    ids['audit-made'] = String(created.id);
    // The person chooses the password with the set-up link.
    await readJson(await request(server.url, '/api/v1/setup', { method: 'POST', body: { token: created.setup_link.token, password: made } }), 200, 'set-up');
    await admin.get('/api/v1/users');
    await drop(await admin.cookieFetch('/api/v1/users', { method: 'POST', body: {}, csrf: false }), 403, 'no X-CSRF-Token');

    all = await everything();
    const seqs = all.map((r) => r.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
    assert.equal(seqs.at(-1), 1, 'the first record is 1');
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] - i), 'no gaps');
    for (const r of all) {
      assert.deepEqual(Object.keys(r).sort().filter((k) => !['object_type', 'object_id', 'detail'].includes(k)), ['action', 'actor', 'at', 'client', 'seq']);
      assert.match(r.at, RFC3339);
    }

    const find = (what, pred) => {
      const r = all.find(pred);
      assert.ok(r, `a record of ${what} in ${JSON.stringify(all, null, 1)}`);
      return r;
    };
    const web = { client: '127.0.0.1' };
    const expect = (what, pred, fields) => {
      const r = find(what, pred);
      for (const [k, v] of Object.entries(fields)) {
        if (v instanceof RegExp) assert.match(String(r[k]), v, `${what}: ${k} of ${JSON.stringify(r)}`);
        else assert.equal(r[k], v, `${what}: ${k} of ${JSON.stringify(r)}`);
      }
      return r;
    };

    for (const u of DEMO_USERS) {
      expect(`user.create of ${u.username}`, (r) => r.action === 'user.create' && r.object_id === ids[u.username], {
        actor: 'cli',
        client: 'cli',
        object_type: 'user',
        at: '2026-11-28T03:00:00Z',
        detail: new RegExp(`username=${u.username} role=${u.role}`),
      });
    }
    expect('login.success', (r) => r.action === 'login.success' && r.at === '2026-11-28T04:00:00Z', {
      actor: 'demo-admin',
      object_type: 'user',
      object_id: ids['demo-admin'],
      detail: /^session=\d+$/,
      ...web,
    });
    expect('login.failure: wrong password', (r) => r.action === 'login.failure' && r.actor === care.username, {
      object_type: 'user',
      object_id: ids[care.username],
      detail: 'reason=wrong password',
      at: '2026-11-28T04:00:00Z',
      ...web,
    });
    const ghost = expect('login.failure: unknown user', (r) => r.action === 'login.failure' && r.actor === 'ghost-user', {
      detail: 'reason=unknown user',
      ...web,
    });
    assert.equal(ghost.object_id ?? null, null, 'no object for an unknown user');
    expect('user.update: disabled', (r) => r.action === 'user.update' && r.object_id === ids['demo-trainer'], {
      actor: 'demo-admin',
      object_type: 'user',
      detail: 'changed=disabled',
      at: '2026-11-28T04:10:00Z',
      ...web,
    });
    expect('login.failure: account disabled', (r) => r.action === 'login.failure' && r.actor === 'demo-trainer', {
      object_id: ids['demo-trainer'],
      detail: 'reason=account disabled',
    });
    const locked = expect('user.locked', (r) => r.action === 'user.locked', {
      actor: 'demo-analyst',
      object_type: 'user',
      object_id: ids['demo-analyst'],
      detail: /failures=5\b.*until=2026-11-28T04:25:00Z/,
    });
    const analystFailures = all.filter((r) => r.action === 'login.failure' && r.actor === 'demo-analyst');
    assert.deepEqual(
      analystFailures.map((r) => r.detail).reverse(),
      [...Array(5).fill('reason=wrong password'), 'reason=account locked'],
      'five wrong passwords, then the locked account');
    assert.ok(locked.seq < analystFailures[0].seq, 'locked before the last attempt');
    expect('permission.denied', (r) => r.action === 'permission.denied' && r.actor === care.username, {
      detail: /users\.manage/,
      at: '2026-11-28T04:20:00Z',
      ...web,
    });
    expect('logout', (r) => r.action === 'logout', {
      actor: care.username,
      object_type: 'user',
      object_id: ids[care.username],
      detail: /^session=\d+$/,
      ...web,
    });
    expect('user.create over the API', (r) => r.action === 'user.create' && r.object_id === ids['audit-made'], {
      actor: 'demo-admin',
      object_type: 'user',
      detail: 'username=audit-made role=liaison scope=R2',
      ...web,
    });
    expect('user.list', (r) => r.action === 'user.list', { actor: 'demo-admin', object_type: 'user', ...web });
    expect('permission.denied for CSRF', (r) => r.action === 'permission.denied' && r.actor === 'demo-admin', {
      detail: /csrf/i,
      ...web,
    });

    const text = JSON.stringify(all);
    for (const p of typed) assert.ok(!text.includes(p), `a password typed is not in the audit trail: ${p}`);
    for (const u of DEMO_USERS) assert.ok(!text.includes(u.display_name), `${u.display_name} is not in the audit trail`);
  });

  test('filters by actor, action, object and time give exactly the matching records', async () => {
    assert.ok(all, 'the first test ran');
    const cases = [
      ['actor=demo-careline', (r) => r.actor === 'demo-careline'],
      ['action=login.failure', (r) => r.action === 'login.failure'],
      ['object_type=user', (r) => r.object_type === 'user'],
      [`object_type=user&object_id=${ids['demo-analyst']}`, (r) => r.object_type === 'user' && r.object_id === ids['demo-analyst']],
      ['actor=demo-analyst&action=login.failure', (r) => r.actor === 'demo-analyst' && r.action === 'login.failure'],
      ['from=2026-11-28T04:10:00Z', (r) => r.at >= '2026-11-28T04:10:00Z'],
      ['to=2026-11-28T04:10:00Z', (r) => r.at < '2026-11-28T04:10:00Z'],
      ['from=2026-11-28T04:00:00Z&to=2026-11-28T04:20:00Z', (r) => r.at >= '2026-11-28T04:00:00Z' && r.at < '2026-11-28T04:20:00Z'],
      ['from=2026-11-27T23:10:00-05:00', (r) => r.at >= '2026-11-28T04:10:00Z'],
      ['actor=nobody-like-this', () => false],
      ['action=login.failure&from=2026-11-28T04:10:00Z&actor=demo-trainer', (r) => r.action === 'login.failure' && r.actor === 'demo-trainer'],
    ];
    for (const [query, pred] of cases) {
      const { records } = await admin.get(`/api/v1/audit?${query}&limit=500`);
      const want = all.filter(pred);
      assert.ok(query.startsWith('actor=nobody') || want.length > 0, `${query}: the case matches something`);
      assert.deepEqual(records.map((r) => r.seq), want.map((r) => r.seq), query);
    }
  });

  test('limit and before page through the records newest first', async () => {
    const pages = [];
    let query = '/api/v1/audit?limit=4&actor=demo-admin';
    for (let i = 0; i < 100; i++) {
      const body = await admin.get(query);
      pages.push(body.records);
      assert.ok(body.records.length <= 4);
      if (body.next_before === undefined) break;
      assert.equal(body.next_before, body.records.at(-1).seq, 'next_before is the oldest seq of the page');
      query = `/api/v1/audit?limit=4&actor=demo-admin&before=${body.next_before}`;
    }
    const { records } = await admin.get('/api/v1/audit?limit=500&actor=demo-admin');
    assert.ok(records.length > 4, 'more than one page');
    assert.deepEqual(pages.flat().map((r) => r.seq), records.map((r) => r.seq));

    const { records: first } = await admin.get('/api/v1/audit');
    assert.ok(first.length <= 100, 'at most 100 without limit');
    const { records: older } = await admin.get(`/api/v1/audit?before=${all[2].seq}&limit=500`);
    assert.deepEqual(older.map((r) => r.seq), all.slice(3).map((r) => r.seq));
  });

  test('bad filter values answer 422 naming the parameter', async () => {
    const cases = [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['before=0', 'before'],
      ['before=x', 'before'],
      ['from=yesterday', 'from'],
      ['to=2026-13-01T00:00:00Z', 'to'],
      ['from=2026-11-28', 'from'],
    ];
    for (const [query, field] of cases) {
      const p = await assertProblem(await admin.fetch(`/api/v1/audit?${query}`), 422, query);
      assert.ok(p.errors.some((e) => e.field === field), `${query}: ${JSON.stringify(p.errors)}`);
    }
  });

  test('key rotate is recorded, and audit verify counts every record', async () => {
    clock.set('2026-11-28T05:00:00Z');
    await adminLogin();
    const last = (await admin.get('/api/v1/audit?limit=1')).records[0].seq;
    assert.equal(await server.stop(), 0);
    server = null;

    const rot = await run(['key', 'rotate', '--db', db], { db, env: clock.env });
    assert.equal(rot.code, 0, rot.stderr);
    const v = await run(['audit', 'verify', '--db', db], { db });
    assert.equal(v.code, 0, `audit verify: ${v.stdout} ${v.stderr}`);
    assert.equal(v.stdout.trim(), `ok: ${last + 1} records`);

    server = await startServer({ db, env: clock.env });
    await adminLogin();
    const { records } = await admin.get('/api/v1/audit?action=key.rotate');
    assert.equal(records.length, 1);
    assert.equal(records[0].seq, last + 1);
    assert.equal(records[0].actor, 'cli');
    assert.equal(records[0].client, 'cli');
    assert.equal(records[0].at, '2026-11-28T05:00:00Z');
  });
});

describe(`audit verify (${ENGINE})`, { timeout: 60_000 }, () => {
  let db; // init and demo: eight user.create records and one person.import
  let count;

  before(async () => {
    db = freshDb();
    await initDb(db);
    await demoUsers(db);
    count = Number(sql(db, 'SELECT count(*) FROM audit').trim());
    assert.equal(count, DEMO_USERS.length + 1, 'one record per demo user, and the synthetic children');
    // Each test edits the trail and puts it back from this copy afterwards
    // (cheaper than a new database each time on PostgreSQL).
    sql(db, 'CREATE TABLE audit_saved AS SELECT * FROM audit');
  });

  async function verify() {
    const r = await run(['audit', 'verify', '--db', db], { db });
    assert.ok(!r.timedOut);
    return r;
  }

  /** Runs the SQL statements, then `audit verify`; puts the trail back. */
  async function verifyEdited(...statements) {
    try {
      for (const st of statements) sql(db, st);
      return await verify();
    } finally {
      sql(db, 'DELETE FROM audit');
      sql(db, 'INSERT INTO audit SELECT * FROM audit_saved');
    }
  }

  test('an untouched trail: "ok: N records", exit 0', async () => {
    const r = await verify();
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
    assert.equal(r.stdout, `ok: ${count} records\n`);
  });

  test('a changed record: "broken:" naming record 2, exit 1', async () => {
    const r = await verifyEdited("UPDATE audit SET detail = 'x' WHERE seq = 2");
    assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /^broken: .*\brecord 2\b/);
  });

  test('a changed time, actor or action is seen too', async () => {
    for (const change of ["at = '2020-01-01T00:00:00Z'", "actor = 'someone-else'", "action = 'user.list'"]) {
      const r = await verifyEdited(`UPDATE audit SET ${change} WHERE seq = 5`);
      assert.equal(r.code, 1, `${change}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stdout, /^broken: .*\brecord 5\b/, change);
    }
  });

  test('a removed record in the middle: "broken:" naming record 3, exit 1', async () => {
    const r = await verifyEdited('DELETE FROM audit WHERE seq = 3');
    assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /^broken: .*\brecord 3\b/);
  });

  test('the last record removed: "broken:", exit 1', async () => {
    const r = await verifyEdited(`DELETE FROM audit WHERE seq = ${count}`);
    assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /^broken: /);
    assert.match(r.stdout, new RegExp(`\\b${count}\\b`), `names record ${count}`);
  });

  test('records renumbered after a removal are seen', async () => {
    // Renumbered in two steps, so that no two rows share a seq on the way.
    const r = await verifyEdited(
      'DELETE FROM audit WHERE seq = 4',
      'UPDATE audit SET seq = -seq WHERE seq > 4',
      'UPDATE audit SET seq = -seq - 1 WHERE seq < 0');
    assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /^broken: .*\brecord 4\b/);
  });

  test('after the edits are undone the trail verifies again', async () => {
    const r = await verify();
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
    assert.equal(r.stdout, `ok: ${count} records\n`);
  });
});

describe(`sealed at rest (${ENGINE})`, { timeout: 60_000 }, () => {
  let db;
  before(async () => {
    db = freshDb();
    await initDb(db);
    await demoUsers(db);
  });

  function assertSealed(target, what) {
    const bytes = dbBytes(target);
    assert.ok(bytes.length > 0, `${what}: read the stored bytes`);
    assert.ok(bytes.includes('demo-careline'), `${what}: the usernames are there in clear, so the right bytes were read`);
    for (const u of DEMO_USERS) {
      assert.ok(!bytes.includes(u.display_name), `${what}: "${u.display_name}" is not stored in clear`);
      assert.ok(!bytes.includes(u.email), `${what}: "${u.email}" is not stored in clear`);
    }
    assert.ok(!bytes.includes('@example.org'), `${what}: no e-mail domain in clear`);
  }

  test(`after hartline demo the ${ENGINE === 'sqlite' ? 'database file' : 'pg_dump'} holds no display name or e-mail address in clear`, () => {
    assertSealed(db, 'after demo');
  });

  test('after key rotate they are still sealed', async () => {
    const copy = cloneDb(db);
    const r = await run(['key', 'rotate', '--db', copy], { db: copy });
    assert.equal(r.code, 0, r.stderr);
    assertSealed(copy, 'after key rotate');
  });

  test('the key file is mode 0600', () => {
    assert.equal(fs.statSync(keyFileOf(db)).mode & 0o777, 0o600);
  });
});
