// The audit trail: what is recorded, reading it back with filters and
// pages, `hartline audit verify` on an untouched chain and on one tampered
// with by someone who can write the database but not the key file or the
// head file beside it, and personal data sealed at rest.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { DEMO_USERS, demoDb, demoOnClock, login, newPassword, postSession, readJson, request } from '../lib/auth.mjs';
import { assertFieldError, assertPagesWhole, assertProblem } from '../lib/http.mjs';
import {
  ENGINE,
  auditHeadFileOf,
  cleanup,
  cloneDb,
  dbBytes,
  keyFileOf,
  run,
  sql,
  startServer,
  stopServer,
} from '../lib/server.mjs';
import { region } from '../lib/pack.mjs';

const REGION_B = region(1);

after(cleanup);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

async function drop(res, status, what) {
  const text = await res.text();
  assert.equal(res.status, status, `${what}: ${text}`);
}

describe(`audit records (${ENGINE})`, { timeout: 60_000 }, () => {
  let db, clock, server, demo;
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
    const { items, next } = await admin.get('/api/v1/audit?limit=500');
    assert.equal(next, null, 'fewer than 500 records');
    return items;
  }

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T03:00:00Z'));
    for (const u of demo.users) typed.push(u.password);
    server = await startServer({ db, env: clock.env });
    await adminLogin();
    for (const u of (await admin.get('/api/v1/users?limit=500')).items) ids[u.username] = String(u.id);
    clock.check((await admin.get('/api/v1/audit?action=user.create&limit=1')).items[0].at, 'the time of a demo user.create record');
  });
  after(() => stopServer(server));

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
      scope: REGION_B,
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
      assert.deepEqual(Object.keys(r).sort().filter((k) => !['object_type', 'object_id', 'detail', 'actor_id', 'actor_name'].includes(k)),
        ['action', 'actor', 'at', 'client', 'count', 'label', 'seq']);
      assert.match(r.at, RFC3339);
      assert.equal(r.count, 1, 'unfolded: a record an item');
      assert.ok(r.label && !/[._]/.test(r.label), `the action in words: ${r.label}`);
      if (r.actor_id) assert.equal(typeof r.actor_name, 'string');
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
      detail: `username=audit-made role=liaison scope=${REGION_B}`,
      ...web,
    });
    expect('user.list', (r) => r.action === 'user.list', { actor: 'demo-admin', object_type: 'user', ...web });
    expect('permission.denied for CSRF', (r) => r.action === 'permission.denied' && r.actor === 'demo-admin', {
      detail: /csrf/i,
      ...web,
    });

    // The view names each person from their account (actor_name); the
    // records themselves hold no names.
    const text = JSON.stringify(all.map(({ actor_name: _, ...r }) => r));
    for (const p of typed) assert.ok(!text.includes(p), `a password typed is not in the audit trail: ${p}`);
    for (const u of DEMO_USERS) assert.ok(!text.includes(u.display_name), `${u.display_name} is not in the audit trail`);
  });

  test('filters by actor, action, object and time give exactly the matching records', async () => {
    assert.ok(all, 'the first test ran');
    const cases = [
      ['user=demo-careline', (r) => r.actor === 'demo-careline'],
      ['action=login.failure', (r) => r.action === 'login.failure'],
      ['object_type=user', (r) => r.object_type === 'user'],
      [`object_type=user&object_id=${ids['demo-analyst']}`, (r) => r.object_type === 'user' && r.object_id === ids['demo-analyst']],
      ['user=demo-analyst&action=login.failure', (r) => r.actor === 'demo-analyst' && r.action === 'login.failure'],
      ['from=2026-11-28T04:10:00Z', (r) => r.at >= '2026-11-28T04:10:00Z'],
      ['to=2026-11-28T04:10:00Z', (r) => r.at < '2026-11-28T04:10:00Z'],
      ['from=2026-11-28T04:00:00Z&to=2026-11-28T04:20:00Z', (r) => r.at >= '2026-11-28T04:00:00Z' && r.at < '2026-11-28T04:20:00Z'],
      ['from=2026-11-27T23:10:00-05:00', (r) => r.at >= '2026-11-28T04:10:00Z'],
      ['user=nobody-like-this', () => false],
      ['action=login.failure&from=2026-11-28T04:10:00Z&user=demo-trainer', (r) => r.action === 'login.failure' && r.actor === 'demo-trainer'],
    ];
    for (const [query, pred] of cases) {
      const { items: records } = await admin.get(`/api/v1/audit?${query}&limit=500`);
      const want = all.filter(pred);
      assert.ok(query.startsWith('user=nobody') || want.length > 0, `${query}: the case matches something`);
      assert.deepEqual(records.map((r) => r.seq), want.map((r) => r.seq), query);
    }
  });

  test('limit and after page through the records newest first', async () => {
    const pages = [];
    let query = '/api/v1/audit?limit=4&user=demo-admin';
    for (let i = 0; i < 100; i++) {
      const body = await admin.get(query);
      pages.push(body.items);
      assert.ok(body.items.length <= 4);
      if (body.next === null) break;
      assert.equal(typeof body.next, 'string', 'the cursor is opaque text');
      query = `/api/v1/audit?limit=4&user=demo-admin&after=${encodeURIComponent(body.next)}`;
    }
    const { items: records } = await admin.get('/api/v1/audit?limit=500&user=demo-admin');
    assert.ok(records.length > 4, 'more than one page');
    assert.deepEqual(pages.flat().map((r) => r.seq), records.map((r) => r.seq));

    const { items: first } = await admin.get('/api/v1/audit');
    assert.ok(first.length <= 50, 'at most 50 without limit');
    const three = await admin.get('/api/v1/audit?limit=3');
    const { items: older } = await admin.get(`/api/v1/audit?after=${encodeURIComponent(three.next)}&limit=500`);
    const whole = (await admin.get('/api/v1/audit?limit=500')).items;
    assert.deepEqual(older.map((r) => r.seq), whole.filter((r) => r.seq < three.items[2].seq).map((r) => r.seq), 'after the third record');
    // Two by two, by the shared helper's cursor; a garbled one names after.
    await assertPagesWhole(admin, '/api/v1/audit?user=demo-admin', { key: 'seq', what: 'the audit trail' });
    await assertFieldError(await admin.fetch(`/api/v1/audit?sort=seq`), 'sort', 'oldest first is not an order of the trail');
    const users = await admin.get('/api/v1/users?limit=1');
    await assertFieldError(await admin.fetch(`/api/v1/audit?after=${encodeURIComponent(users.next)}`), 'after', 'another list\'s cursor');
  });

  test('bad filter values answer 422 naming the parameter', async () => {
    const cases = [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['after=0', 'after'],
      ['after=x', 'after'],
      ['from=yesterday', 'from'],
      ['to=2026-13-01T00:00:00Z', 'to'],
      ['from=2026-11-28', 'from'],
    ];
    for (const [query, field] of cases) {
      const p = await assertProblem(await admin.fetch(`/api/v1/audit?${query}`), 422, query);
      assert.ok(p.errors.some((e) => e.field === field), `${query}: ${JSON.stringify(p.errors)}`);
    }
  });

  test('figure reads fold in the view: one line a person, figure and hour, with a count; every read is still a record', async () => {
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    const before = (await admin.get('/api/v1/audit?action=stats.read&limit=500')).items.length;
    for (let i = 0; i < 12; i++) await hart.get('/api/v1/stats/duties');
    await hart.get('/api/v1/stats/missing');
    const raw = (await admin.get('/api/v1/audit?action=stats.read&limit=500')).items;
    assert.equal(raw.length, before + 13, 'each read recorded');
    const folded = (await admin.get(`/api/v1/audit?action=stats.read&user=${demo.byRole.hart.username}&fold=true`)).items;
    assert.deepEqual(folded.slice(0, 2).map((x) => [x.object_id, x.count, x.label]), [['missing', 1, 'Read a figure'], ['duties', 12, 'Read a figure']]);
    assert.ok(folded[1].first_at <= folded[1].at && folded[1].first_seq < folded[1].seq);
    assert.equal(folded[1].actor_name, demo.byRole.hart.display_name, 'the reader by name');
    await assertProblem(await admin.fetch('/api/v1/audit?fold=maybe'), 422, 'fold is true or false');
  });

  test('the export is the selection as CSV, formulas kept as text, itself audited; only an administrator', async () => {
    const res = await admin.fetch(`/api/v1/audit/export?action=stats.read&user=${demo.byRole.hart.username}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(res.headers.get('content-disposition'), /^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await res.text()).trim().split('\r\n');
    assert.equal(lines[0], 'Record,When,Username,Name,What happened,Action,On,Record id,From,Detail');
    const listed = (await admin.get(`/api/v1/audit?action=stats.read&user=${demo.byRole.hart.username}&limit=500`)).items;
    assert.equal(lines.length - 1, listed.length, 'a line a record, unfolded');
    assert.ok(lines[1].startsWith(`${listed[0].seq},${listed[0].at},${demo.byRole.hart.username},`), lines[1]);
    assert.ok(lines.slice(1).every((l) => l.includes(',Read a figure,stats.read,figure,')));
    const exported = (await admin.get('/api/v1/audit?action=audit.export')).items;
    assert.equal(exported[0].label, 'Exported the audit trail');
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    await assertProblem(await hart.fetch('/api/v1/audit/export'), 403, 'HART');
    await assertProblem(await admin.fetch('/api/v1/audit/export?from=soon'), 422, 'a bad date');
  });

  test('key rotate is recorded, and audit verify counts every record', async () => {
    clock.set('2026-11-28T05:00:00Z');
    await adminLogin();
    const last = (await admin.get('/api/v1/audit?limit=1')).items[0].seq;
    assert.equal(await server.stop(), 0);
    server = null;

    const rot = await run(['key', 'rotate', '--db', db], { db, env: clock.env });
    assert.equal(rot.code, 0, rot.stderr);
    const v = await run(['audit', 'verify', '--db', db], { db });
    assert.equal(v.code, 0, `audit verify: ${v.stdout} ${v.stderr}`);
    assert.match(v.stdout, new RegExp(`^ok: ${last + 1} records\nhead: ${last + 1}:[0-9a-f]{64}\n`));
    // Records made before the rotation keep key 1 and still verify with it.
    const keys = sql(db, 'SELECT key_id, count(*) FROM audit GROUP BY key_id ORDER BY key_id').trim().split('\n');
    assert.deepEqual(keys, [`1|${last}`, '2|1'], 'records under key 1, then the rotation under key 2');

    server = await startServer({ db, env: clock.env });
    await adminLogin();
    const { items: records } = await admin.get('/api/v1/audit?action=key.rotate');
    assert.equal(records.length, 1);
    assert.equal(records[0].seq, last + 1);
    assert.equal(records[0].actor, 'cli');
    assert.equal(records[0].client, 'cli');
    assert.equal(records[0].at, '2026-11-28T05:00:00Z');
  });
});

/** Every record in order, as stored, for recomputing the chain by hand. */
function storedRecords(db) {
  const cols = "'seq', seq, 'at', at, 'actor_id', actor_id, 'actor', actor, 'action', action, 'object_type', object_type," +
    " 'object_id', object_id, 'client', client, 'detail', detail";
  const q = ENGINE === 'sqlite'
    ? `SELECT json_group_array(json_object(${cols})) FROM (SELECT * FROM audit ORDER BY seq)`
    : `SELECT json_agg(json_build_object(${cols}) ORDER BY seq) FROM audit`;
  return JSON.parse(sql(db, q).trim() || '[]') ?? [];
}

/** The chain's plain BLAKE2b-256 hash of a record (what anyone can compute
 * without the key): the previous hash, then every field length-prefixed. */
function plainHash(prev, r) {
  const field = (v) => (v === null || v === undefined ? '-\n' : `${Buffer.byteLength(String(v))}:${v}\n`);
  const text = `${prev}\n${field(r.seq)}${field(r.at)}${field(r.actor_id ? r.actor_id : null)}${field(r.actor)}` +
    `${field(r.action)}${field(r.object_type)}${field(r.object_id)}${field(r.client)}${field(r.detail)}`;
  return execFileSync('b2sum', ['-l', '256'], { input: text, encoding: 'utf8' }).split(' ')[0];
}

/**
 * The SQL that recomputes the whole chain without the key, as someone who
 * can write the database could: plain hashes, the head rewritten to match.
 * keepKeyIds leaves each record's key id (claiming a MAC); otherwise every
 * record is made to look as if written before the chain was keyed.
 */
function recomputeWithoutKey(db, { keepKeyIds = false } = {}) {
  let prev = '0'.repeat(64);
  const out = [];
  for (const r of storedRecords(db)) {
    const hash = plainHash(prev, r);
    out.push(`UPDATE audit SET prev_hash = '${prev}', hash = '${hash}'${keepKeyIds ? '' : ', key_id = NULL'} WHERE seq = ${r.seq}`);
    prev = hash;
  }
  out.push(`UPDATE setting SET value = (SELECT seq || ' ' || hash FROM audit ORDER BY seq DESC LIMIT 1) WHERE key = 'audit_head'`);
  return out.join('; ');
}

const HEAD_LINE = /^head: (\d+):([0-9a-f]{64})$/m;

describe(`audit verify (${ENGINE})`, { timeout: 120_000 }, () => {
  let db; // init and demo: eight user.create records, a provider.create per demo provider and one person.import
  let count, headFile, savedHeadFile, savedHead;

  before(async () => {
    ({ db } = await demoDb());
    count = Number(sql(db, 'SELECT count(*) FROM audit').trim());
    const providers = Number(sql(db, 'SELECT count(*) FROM provider').trim());
    assert.equal(count, DEMO_USERS.length + 1 + providers, 'one record per demo user and demo provider, and the synthetic children');
    // Each test edits the trail and puts it back from this copy afterwards
    // (cheaper than a new database each time on PostgreSQL).
    sql(db, 'CREATE TABLE audit_saved AS SELECT * FROM audit');
    savedHead = sql(db, "SELECT value FROM setting WHERE key = 'audit_head'").trim();
    headFile = auditHeadFileOf(db);
    savedHeadFile = fs.readFileSync(headFile);
  });

  async function verify(...args) {
    const r = await run(['audit', 'verify', '--db', db, ...args], { db });
    assert.ok(!r.timedOut);
    return r;
  }

  function restore() {
    sql(db, 'DELETE FROM audit');
    sql(db, 'INSERT INTO audit SELECT * FROM audit_saved');
    sql(db, `UPDATE setting SET value = '${savedHead}' WHERE key = 'audit_head'`);
    fs.writeFileSync(headFile, savedHeadFile, { mode: 0o600 });
  }

  /** Runs the SQL statements, then `audit verify`; puts the trail back. */
  async function verifyEdited(...statements) {
    try {
      // A function is called then, to see the edits before it.
      for (const st of statements) sql(db, typeof st === 'function' ? st() : st);
      return await verify();
    } finally {
      restore();
    }
  }

  function assertBroken(r, pattern, what) {
    assert.equal(r.code, 1, `${what}: ${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /^broken: /, what);
    assert.match(r.stdout, pattern, what);
    assert.match(r.stdout, HEAD_LINE, `${what}: the head is printed`);
  }

  const setHeadTo = (seq) => `UPDATE setting SET value = (SELECT seq || ' ' || hash FROM audit WHERE seq = ${seq}) WHERE key = 'audit_head'`;

  test('an untouched trail: "ok: N records" and its head, exit 0', async () => {
    const r = await verify();
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
    const last = sql(db, `SELECT hash FROM audit WHERE seq = ${count}`).trim();
    assert.equal(r.stdout, `ok: ${count} records\nhead: ${count}:${last}\nhead file: ${headFile}, at record ${count}\n`);
    assert.equal(fs.statSync(headFile).mode & 0o777, 0o600, 'the head file is mode 0600');
    assert.equal(fs.readFileSync(headFile, 'utf8').trim().split('\n').at(-1), `${count} ${last}`);
  });

  test('audit verify needs the key file, and says so', async () => {
    const key = keyFileOf(db);
    fs.renameSync(key, `${key}.away`);
    try {
      const r = await verify();
      assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, /audit verify needs the key file/);
      assert.equal(r.stdout, '');
    } finally {
      fs.renameSync(`${key}.away`, key);
    }
  });

  test('a changed record: "broken:" naming record 2, exit 1', async () => {
    const r = await verifyEdited("UPDATE audit SET detail = 'x' WHERE seq = 2");
    assertBroken(r, /^broken: record 2 \(.*\) does not match its MAC \(changed/, 'changed detail');
  });

  test('a changed time, actor or action is seen too', async () => {
    for (const change of ["at = '2020-01-01T00:00:00Z'", "actor = 'someone-else'", "action = 'user.list'", 'key_id = 2']) {
      const r = await verifyEdited(`UPDATE audit SET ${change} WHERE seq = 5`);
      assertBroken(r, /^broken: record 5\b/, change);
    }
  });

  test('a removed record in the middle: "broken:" naming record 3, exit 1', async () => {
    const r = await verifyEdited('DELETE FROM audit WHERE seq = 3');
    assertBroken(r, /^broken: record 3 is missing \(deleted\)/, 'deleted record 3');
  });

  test('the last record removed: "broken:", exit 1', async () => {
    const r = await verifyEdited(`DELETE FROM audit WHERE seq = ${count}`);
    assertBroken(r, new RegExp(`record ${count}: records deleted from the end`), 'last deleted');
  });

  test('the last records removed and the head in the database rewritten to match: seen by the head file', async () => {
    const r = await verifyEdited(`DELETE FROM audit WHERE seq > ${count - 3}`, setHeadTo(count - 3));
    assertBroken(r, new RegExp(`^broken: the chain ends at record ${count - 3}, but the head file .*hartline\\.audit-head names record ${count}: records deleted from the end`), 'truncated');
  });

  test('every record deleted and the head reset: seen by the head file', async () => {
    const r = await verifyEdited('DELETE FROM audit', `UPDATE setting SET value = '0 ${'0'.repeat(64)}' WHERE key = 'audit_head'`);
    assertBroken(r, new RegExp(`^broken: the audit trail is empty, but the head file .* names record ${count}: every record was deleted`), 'all deleted');
    assert.match(r.stdout, /^head: 0:0{64}$/m);
  });

  test('a row appended after the head is reported as appended, not as records removed', async () => {
    const copy = `INSERT INTO audit (seq, at, actor_id, actor, action, object_type, object_id, client, detail, prev_hash, hash, key_id)
      SELECT seq + 1, at, actor_id, actor, 'user.delete', object_type, object_id, client, detail, hash, hash, key_id FROM audit WHERE seq = ${count}`;
    let r = await verifyEdited(copy);
    assertBroken(r, new RegExp(`^broken: record ${count + 1} \\(.* user\\.delete\\) was appended after the chain's last record, ${count} \\(inserted\\)`), 'appended');
    assert.doesNotMatch(r.stdout, /removed|deleted/);
    // With the head in the database moved onto it, its MAC gives it away.
    r = await verifyEdited(copy, setHeadTo(count + 1));
    assertBroken(r, new RegExp(`^broken: record ${count + 1} \\(.*\\) does not match its MAC`), 'appended, head moved');
  });

  test('a record inserted in the middle (the rest renumbered) is seen', async () => {
    const r = await verifyEdited(
      'UPDATE audit SET seq = -seq - 1 WHERE seq >= 4',
      'UPDATE audit SET seq = -seq WHERE seq < 0',
      `INSERT INTO audit (seq, at, actor_id, actor, action, object_type, object_id, client, detail, prev_hash, hash, key_id)
        SELECT 4, at, actor_id, actor, action, object_type, object_id, client, 'inserted', hash, hash, key_id FROM audit WHERE seq = 3`,
      setHeadTo(count + 1));
    assertBroken(r, /^broken: record 4\b/, 'inserted');
  });

  test('two records swapped (reordered) are seen', async () => {
    const r = await verifyEdited(
      'UPDATE audit SET seq = -1 WHERE seq = 3',
      'UPDATE audit SET seq = 3 WHERE seq = 4',
      'UPDATE audit SET seq = 4 WHERE seq = -1');
    assertBroken(r, /^broken: record 3 \(.*\) does not follow the record before it \(inserted, deleted or reordered\)/, 'swapped');
  });

  test('records renumbered after a removal are seen', async () => {
    // Renumbered in two steps, so that no two rows share a seq on the way.
    const r = await verifyEdited(
      'DELETE FROM audit WHERE seq = 4',
      'UPDATE audit SET seq = -seq WHERE seq > 4',
      'UPDATE audit SET seq = -seq - 1 WHERE seq < 0',
      setHeadTo(count - 1));
    assertBroken(r, /^broken: record 4\b/, 'renumbered');
  });

  test('the whole chain computed anew without the key (plain hashes, head rewritten) does not pass', async () => {
    let r = await verifyEdited("UPDATE audit SET detail = 'rewritten' WHERE seq = 2", () => recomputeWithoutKey(db));
    assertBroken(r, new RegExp(`^broken: record ${count} does not carry the MAC the head file .* holds for it: the chain was rewritten`), 'recomputed as unkeyed');
    r = await verifyEdited("UPDATE audit SET detail = 'rewritten' WHERE seq = 2", () => recomputeWithoutKey(db, { keepKeyIds: true }));
    assertBroken(r, /^broken: record 1 \(.*\) does not match its MAC \(changed, or written without the key\)/, 'recomputed, key ids kept');
  });

  test('a chain computed anew as if from before keying, then written on by hartline, does not pass', async () => {
    for (const extra of [false, true]) {
      try {
        sql(db, recomputeWithoutKey(db));
        if (extra) {
          // One more unkeyed record after the filed head, for hartline to chain onto.
          const last = storedRecords(db).at(-1);
          const forged = { ...last, seq: count + 1, action: 'user.list', detail: null };
          sql(db, `INSERT INTO audit (seq, at, actor_id, actor, action, object_type, object_id, client, detail, prev_hash, hash)
            SELECT ${count + 1}, at, actor_id, actor, 'user.list', object_type, object_id, client, NULL, hash, '${plainHash(sql(db, `SELECT hash FROM audit WHERE seq = ${count}`).trim(), forged)}' FROM audit WHERE seq = ${count}`);
          sql(db, setHeadTo(count + 1));
        }
        const users = await run(['user', 'list', '--db', db], { db });
        assert.equal(users.code, 0, users.stderr);
        const gap = sql(db, "SELECT seq, detail FROM audit WHERE action = 'audit.chain.gap'").trim();
        const at = count + (extra ? 2 : 1);
        assert.equal(gap, `${at}|the head file had filed record ${count} with a MAC the chain no longer holds for it`);
        const r = await verify();
        assertBroken(r, new RegExp(`^broken: record ${at} \\(.* audit\\.chain\\.gap\\) is the first with a MAC, but not the one that keyed the chain`), `recomputed, extra ${extra}`);
      } finally {
        restore();
      }
    }
  });

  test('--head checks against a head filed elsewhere', async () => {
    const ok = await verify();
    const [, seq, mac] = HEAD_LINE.exec(ok.stdout);
    let r = await verify('--head', `${seq}:${mac}`);
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
    const mac5 = sql(db, 'SELECT hash FROM audit WHERE seq = 5').trim();
    r = await verify('--head', `5:${mac5}`);
    assert.equal(r.code, 0, `an earlier head: ${r.stdout} ${r.stderr}`);
    r = await verify('--head', `5:${mac}`);
    assertBroken(r, /^broken: record 5 does not carry the MAC the head you gave holds for it/, 'a wrong MAC');
    r = await verify('--head', `${count + 4}:${mac}`);
    assertBroken(r, new RegExp(`but the head you gave names record ${count + 4}: records deleted from the end`), 'a later head');
    r = await verify('--head', 'abc');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--head wants SEQ:MAC/);
  });

  test('without the head file verify says what it cannot see; the next start begins a new one and records that', async () => {
    try {
      fs.rmSync(headFile);
      let r = await verify();
      assertBroken(r, /^broken: there is no head file .*hartline\.audit-head, so records deleted from the end could not be seen/, 'no head file');
      const users = await run(['user', 'list', '--db', db], { db });
      assert.equal(users.code, 0, users.stderr);
      assert.equal(fs.statSync(headFile).mode & 0o777, 0o600);
      const started = sql(db, "SELECT seq, detail FROM audit WHERE action = 'audit.head_file.started'").trim();
      assert.match(started, new RegExp(`^${count + 1}\\|the head file .* was missing; it starts again after record ${count}$`));
      r = await verify();
      assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^note: the head file started again at record ${count + 1}`, 'm'));
    } finally {
      restore();
    }
  });

  test('after the edits are undone the trail verifies again', async () => {
    const r = await verify();
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^ok: ${count} records\\n`));
  });
});

describe(`records deleted from the end while the server runs on (${ENGINE})`, { timeout: 60_000 }, () => {
  let db;
  let server;
  before(async () => {
    ({ db } = await demoDb());
  });
  after(() => stopServer(server));

  test('the next record says records were lost, and verify keeps saying so after the chain grows again', async () => {
    const count = Number(sql(db, 'SELECT count(*) FROM audit').trim());
    sql(db, `DELETE FROM audit WHERE seq > ${count - 2}`);
    sql(db, `UPDATE setting SET value = (SELECT seq || ' ' || hash FROM audit WHERE seq = ${count - 2}) WHERE key = 'audit_head'`);
    server = await startServer({ db });
    const r0 = await postSession(server.url, { username: 'nobody-here', password: 'not-a-password-at-all' });
    await r0.text();
    const gap = sql(db, "SELECT seq, actor, detail FROM audit WHERE action = 'audit.chain.gap'").trim();
    assert.equal(gap, `${count - 1}|-|the head file had filed record ${count}, but the chain ended at record ${count - 2}`);
    const after = Number(sql(db, 'SELECT max(seq) FROM audit').trim());
    assert.ok(after > count - 1, 'the request was recorded after the gap');
    const v = await run(['audit', 'verify', '--db', db], { db });
    assert.equal(v.code, 1, `${v.stdout} ${v.stderr}`);
    assert.match(v.stdout, new RegExp(`^broken: the chain was cut or rewritten before record ${count - 1} \\(.*\\): the head file had filed record ${count}, but the chain ended at record ${count - 2}`));
    const lines = fs.readFileSync(auditHeadFileOf(db), 'utf8').trim().split('\n');
    assert.equal(lines.at(-1).split(' ')[0], String(after), 'the head file follows the chain again');
  });
});

describe(`a chain from before it was keyed (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let count;
  before(async () => {
    ({ db } = await demoDb());
    // As an older hartline left it: plain hashes, no key ids, no head file.
    sql(db, recomputeWithoutKey(db));
    fs.rmSync(auditHeadFileOf(db));
    count = Number(sql(db, 'SELECT count(*) FROM audit').trim());
  });

  test('verify says it is not keyed yet; the first start keys it and the old records still verify', async () => {
    let r = await run(['audit', 'verify', '--db', db], { db });
    assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^broken: none of the ${count} records is keyed yet: start hartline serve once with its key file`));
    const users = await run(['user', 'list', '--db', db], { db });
    assert.equal(users.code, 0, users.stderr);
    const keyed = sql(db, "SELECT seq, key_id, detail FROM audit WHERE action = 'audit.chain.keyed'").trim();
    assert.equal(keyed, `${count + 1}|1|records 1 to ${count} were written before the chain was keyed`);
    assert.equal(sql(db, "SELECT count(*) FROM audit WHERE action = 'audit.head_file.started'").trim(), '0');
    r = await run(['audit', 'verify', '--db', db], { db });
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^ok: ${count + 2} records \\(1 to ${count} written before the chain was keyed at record ${count + 1}; checked as they stood then\\)\\n`));
  });

  test('an old record changed and the old chain computed anew no longer passes', async () => {
    sql(db, 'CREATE TABLE audit_saved AS SELECT * FROM audit');
    try {
      let prev = '0'.repeat(64);
      const fix = [];
      for (const rec of storedRecords(db).filter((x) => x.seq <= count)) {
        if (rec.seq === 2) rec.detail = 'rewritten';
        const hash = plainHash(prev, rec);
        fix.push(`UPDATE audit SET prev_hash = '${prev}', hash = '${hash}'${rec.seq === 2 ? ", detail = 'rewritten'" : ''} WHERE seq = ${rec.seq}`);
        prev = hash;
      }
      sql(db, fix.join('; '));
      const r = await run(['audit', 'verify', '--db', db], { db });
      assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^broken: record ${count + 1} \\(.*\\) does not follow the record before it`));
      // An unkeyed record slipped in after the keyed ones is seen as such.
      sql(db, 'DELETE FROM audit');
      sql(db, 'INSERT INTO audit SELECT * FROM audit_saved');
      sql(db, `UPDATE audit SET key_id = NULL WHERE seq = ${count + 2}`);
      const r2 = await run(['audit', 'verify', '--db', db], { db });
      assert.match(r2.stdout, new RegExp(`^broken: record ${count + 2} \\(.*\\) has no MAC, though the chain is keyed from record ${count + 1} on`));
    } finally {
      sql(db, 'DELETE FROM audit');
      sql(db, 'INSERT INTO audit SELECT * FROM audit_saved');
    }
  });
});

describe(`sealed at rest (${ENGINE})`, { timeout: 60_000 }, () => {
  let db;
  before(async () => {
    ({ db } = await demoDb());
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
