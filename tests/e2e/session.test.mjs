// Sessions: logging in and out, the cookie and the bearer token, CSRF,
// one answer for every failed login, expiry and lockout (on the test
// clock, never by sleeping), disabled accounts.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUser, login, postSession, readJson, request } from '../lib/auth.mjs';
import { assertProblem, assertProblemStatus } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, freshDb, initDb, run, startServer, stopServer, testClock } from '../lib/server.mjs';
import { region } from '../lib/pack.mjs';

const REGION_C = region(2);

const HOUR_MS = 60 * MINUTE_MS;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const LOGIN_FAILED = 'urn:hartline:problem:login-failed';

after(cleanup);

/** Status of GET /api/v1/me with the bearer token (the body is read and dropped). */
async function meStatus(url, token) {
  const res = await request(url, '/api/v1/me', { token });
  await res.arrayBuffer();
  return res.status;
}

/** A failed login's answer: status, body text, and the headers that are not about time. */
async function failedLogin(url, username, password) {
  const res = await postSession(url, { username, password });
  const text = await res.text();
  const headers = Object.fromEntries([...res.headers].filter(([k]) => k !== 'date'));
  return { status: res.status, text, headers };
}

async function wrongPasswords(url, username, n) {
  for (let i = 0; i < n; i++) {
    const r = await failedLogin(url, username, `not-the-password-${i}`);
    assert.equal(r.status, 401, `wrong password ${i + 1} for ${username}: ${r.text}`);
  }
}

describe(`logging in and out (${ENGINE})`, { timeout: 60_000 }, () => {
  let server, db, adminUser, admin, careUser, trainUser;

  before(async () => {
    db = freshDb();
    await initDb(db);
    adminUser = await createUser(db, { username: 'sess-admin', role: 'admin', displayName: 'Session Admin', email: 'sess-admin@example.org' });
    careUser = await createUser(db, { username: 'sess-care', role: 'careline', displayName: 'Session Careline' });
    trainUser = await createUser(db, { username: 'sess-trainer', role: 'trainer', displayName: 'Session Trainer' });
    server = await startServer({ db });
    admin = await login(server.url, adminUser.username, adminUser.password);
  });
  after(() => stopServer(server));

  test('POST /api/v1/session answers 201 with the token, the CSRF token and the user (a role without a second factor)', async () => {
    const res = await postSession(server.url, { username: trainUser.username, password: trainUser.password });
    const body = await readJson(res, 201, 'login');
    assert.deepEqual(Object.keys(body).sort(), ['csrf_token', 'token', 'user']);
    assert.match(body.token, /^[0-9a-f]{64}$/, 'token');
    assert.match(body.csrf_token, /^[0-9a-f]{64}$/, 'csrf_token');
    assert.notEqual(body.csrf_token, body.token);
    const u = body.user;
    assert.deepEqual(Object.keys(u).sort(), [
      'created_at', 'disabled', 'display_name', 'email', 'id', 'locked', 'role', 'role_label', 'scope', 'scope_kind',
      'updated_at', 'username', 'version',
    ]);
    assert.ok(Number.isInteger(u.id) && u.id > 0, `id ${u.id}`);
    assert.equal(u.username, 'sess-trainer');
    assert.equal(u.role, 'trainer');
    assert.equal(u.role_label, 'Trainer');
    assert.equal(u.scope_kind, null);
    assert.equal(u.scope, null);
    assert.equal(u.display_name, 'Session Trainer');
    assert.equal(u.email, null);
    assert.equal(u.disabled, false);
    assert.equal(u.locked, false);
    assert.equal(u.version, 1);
    assert.match(u.created_at, RFC3339);
    assert.match(u.updated_at, RFC3339);
    assert.ok(!/password|argon/i.test(JSON.stringify(body)), `no password hash in ${JSON.stringify(body)}`);
  });

  test('two logins make two different sessions', async () => {
    const a = await login(server.url, careUser.username, careUser.password);
    const b = await login(server.url, careUser.username, careUser.password);
    assert.notEqual(a.token, b.token);
    assert.notEqual(a.csrf, b.csrf);
  });

  test('the session cookie is hartline_session=TOKEN; Path=/; HttpOnly; SameSite=Strict', async () => {
    const s = await login(server.url, careUser.username, careUser.password);
    assert.equal(s.setCookie, `hartline_session=${s.token}; Path=/; HttpOnly; SameSite=Strict`);
  });

  test('with --cookie-secure the cookie is also Secure', async () => {
    const secure = await startServer({ db, args: ['--cookie-secure'] });
    try {
      const s = await login(secure.url, careUser.username, careUser.password);
      const attrs = s.setCookie.split(';').map((a) => a.trim());
      assert.equal(attrs[0], `hartline_session=${s.token}`);
      for (const a of ['Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']) assert.ok(attrs.includes(a), `${a} in ${s.setCookie}`);
    } finally {
      assert.equal(await secure.stop(), 0);
    }
  });

  test("GET /api/v1/me answers the user, the session's CSRF token and the role's permissions", async () => {
    const me = await admin.get('/api/v1/me');
    assert.deepEqual(me.user, admin.user, 'the same user as login answered');
    assert.equal(me.csrf_token, admin.csrf, 'the CSRF token login answered');
    assert.deepEqual([...me.permissions].sort(), ['audit.read', 'config.check', 'contacts.manage', 'contacts.read', 'keys.rotate', 'outbox.read', 'providers.manage', 'providers.read', 'referrals.import', 'session', 'users.manage']);
    assert.equal(me.user.display_name, 'Session Admin');
    assert.equal(me.user.email, 'sess-admin@example.org');

    const care = await login(server.url, careUser.username, careUser.password);
    const cme = await care.get('/api/v1/me');
    assert.equal(cme.user.username, 'sess-care');
    assert.deepEqual([...cme.permissions].sort(), ['contacts.read', 'intakes.dispose', 'intakes.read', 'intakes.write', 'persons.match', 'persons.write', 'providers.read', 'session']);
  });

  test('the cookie alone works for GET: no X-CSRF-Token needed', async () => {
    const res = await admin.cookieFetch('/api/v1/me', { csrf: false });
    const me = await readJson(res, 200, 'GET /api/v1/me with the cookie');
    assert.equal(me.user.username, adminUser.username);
  });

  test('Authorization: Bearer works for a change without X-CSRF-Token', async () => {
    const res = await admin.fetch('/api/v1/users', {
      method: 'POST',
      body: { username: 'bearer-made', role: 'trainer', display_name: 'Bearer Made' },
    });
    const u = await readJson(res, 201, 'POST /api/v1/users with the bearer token');
    assert.equal(u.username, 'bearer-made');
  });

  test('a change sent with the cookie and no or a wrong X-CSRF-Token answers 403 csrf and changes nothing', async () => {
    const other = await login(server.url, adminUser.username, adminUser.password);
    const body = { username: 'csrf-made', role: 'trainer', display_name: 'Never Made' };
    const cases = [
      { what: 'no X-CSRF-Token', csrf: false },
      { what: "another session's X-CSRF-Token", csrf: other.csrf },
      { what: 'the token itself as X-CSRF-Token', csrf: admin.token },
      { what: 'an empty X-CSRF-Token', csrf: ' ' },
    ];
    for (const c of cases) {
      const res = await admin.cookieFetch('/api/v1/users', { method: 'POST', body, csrf: c.csrf });
      const p = await assertProblemStatus(res, 403, { type: 'csrf', what: `POST /api/v1/users with the cookie and ${c.what}` });
      assert.match(p.detail, /X-CSRF-Token/);
    }
    const id = admin.user.id;
    const patch = await admin.cookieFetch(`/api/v1/users/${id}`, { method: 'PATCH', body: { version: 1, display_name: 'Changed' }, csrf: false });
    await assertProblemStatus(patch, 403, { type: 'csrf', what: 'PATCH with the cookie and no X-CSRF-Token' });
    const del = await admin.cookieFetch('/api/v1/session', { method: 'DELETE', csrf: false });
    await assertProblemStatus(del, 403, { type: 'csrf', what: 'DELETE /api/v1/session with the cookie and no X-CSRF-Token' });

    const { items: users } = await admin.get('/api/v1/users?limit=500');
    assert.ok(!users.some((u) => u.username === 'csrf-made'), 'the user was not created');
    assert.equal(users.find((u) => u.id === id).display_name, 'Session Admin', 'the user was not changed');
    assert.equal(await meStatus(server.url, admin.token), 200, 'the session was not ended');
  });

  test('with the cookie and the right X-CSRF-Token, POST, PATCH and DELETE work', async () => {
    const s = await login(server.url, adminUser.username, adminUser.password);
    const created = await readJson(
      await s.cookieFetch('/api/v1/users', {
        method: 'POST',
        body: { username: 'cookie-made', role: 'analyst', display_name: 'Cookie Made' },
      }),
      201,
      'POST with cookie and CSRF');
    const changed = await readJson(
      await s.cookieFetch(`/api/v1/users/${created.id}`, { method: 'PATCH', body: { version: created.version, display_name: 'Cookie Changed' } }),
      200,
      'PATCH with cookie and CSRF');
    assert.equal(changed.display_name, 'Cookie Changed');
    const del = await s.cookieFetch('/api/v1/session', { method: 'DELETE' });
    await del.arrayBuffer();
    assert.equal(del.status, 204);
    assert.equal(await meStatus(server.url, s.token), 401);
  });

  test('DELETE /api/v1/session answers 204, clears the cookie and ends only that session', async () => {
    const a = await login(server.url, careUser.username, careUser.password);
    const b = await login(server.url, careUser.username, careUser.password);
    const res = await a.fetch('/api/v1/session', { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    const cookie = res.headers.get('set-cookie') || '';
    const attrs = cookie.split(';').map((x) => x.trim());
    assert.equal(attrs[0], 'hartline_session=', `the cookie is emptied: ${cookie}`);
    assert.ok(attrs.includes('Max-Age=0'), `Max-Age=0 in ${cookie}`);
    assert.ok(attrs.includes('Path=/'), `Path=/ in ${cookie}`);

    assert.equal(await meStatus(server.url, a.token), 401, 'the ended token with Bearer');
    const viaCookie = await a.cookieFetch('/api/v1/me');
    await assertProblem(viaCookie, 401, 'the ended token as the cookie');
    const again = await a.fetch('/api/v1/session', { method: 'DELETE' });
    await assertProblem(again, 401, 'logging out twice');
    assert.equal(await meStatus(server.url, b.token), 200, 'the other session of the same user goes on');
  });

  test('a wrong password, an unknown user, a disabled and a locked account get the same 401', async () => {
    const disabled = await createUser(db, { username: 'sess-disabled', role: 'hart' });
    const d = await run(['user', 'disable', disabled.username, '--db', db], { db });
    assert.equal(d.code, 0, d.stderr);
    const locked = await createUser(db, { username: 'sess-locked', role: 'hart' });
    await wrongPasswords(server.url, locked.username, 5);

    const answers = {
      'wrong password': await failedLogin(server.url, careUser.username, `${careUser.password}x`),
      'unknown user': await failedLogin(server.url, 'nobody-at-all', careUser.password),
      'disabled account, right password': await failedLogin(server.url, disabled.username, disabled.password),
      'locked account, right password': await failedLogin(server.url, locked.username, locked.password),
    };
    const first = answers['wrong password'];
    assert.equal(first.status, 401);
    const problem = JSON.parse(first.text);
    assert.equal(problem.type, LOGIN_FAILED);
    assert.equal(problem.status, 401);
    assert.equal(first.headers['content-type'], 'application/problem+json');
    assert.equal(first.headers['set-cookie'], undefined, 'no cookie for a failed login');
    for (const [what, a] of Object.entries(answers)) {
      assert.equal(a.status, 401, `${what}: ${a.text}`);
      assert.equal(a.text, first.text, `${what}: the same body as a wrong password`);
      assert.deepEqual(a.headers, first.headers, `${what}: the same headers as a wrong password`);
    }
  });

  test('a login without a username or a password answers 422 naming the field', async () => {
    const cases = [
      [{}, ['password', 'username']],
      [{ username: careUser.username }, ['password']],
      [{ password: careUser.password }, ['username']],
      [{ username: '', password: '' }, ['password', 'username']],
    ];
    for (const [body, fields] of cases) {
      const p = await assertProblem(await postSession(server.url, body), 422, `login with ${JSON.stringify(body)}`);
      assert.equal(p.type, 'urn:hartline:problem:validation');
      assert.deepEqual(p.errors.map((e) => e.field).sort(), fields, JSON.stringify(p.errors));
    }
    await assertProblem(await postSession(server.url, '{"username": '), 400, 'malformed login');
    const text = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=${careUser.username}&password=${careUser.password}`,
    });
    await assertProblem(text, 415, 'a form-encoded login');
  });

  test('disabling a user ends its sessions and refuses its logins; enabling lets it log in again', async () => {
    const u = await createUser(db, { username: 'sess-to-disable', role: 'mdt', scope: 'mdt-r2' });
    const s1 = await login(server.url, u.username, u.password);
    const s2 = await login(server.url, u.username, u.password);
    const cur = await admin.get(`/api/v1/users/${s1.user.id}`);
    const off = await admin.send('PATCH', `/api/v1/users/${cur.id}`, { version: cur.version, disabled: true });
    assert.equal(off.disabled, true);
    assert.equal(off.version, cur.version + 1);
    assert.equal(await meStatus(server.url, s1.token), 401, 'first session ended');
    assert.equal(await meStatus(server.url, s2.token), 401, 'second session ended');
    const refused = await failedLogin(server.url, u.username, u.password);
    assert.equal(refused.status, 401);
    assert.equal(JSON.parse(refused.text).type, LOGIN_FAILED);

    const on = await admin.send('PATCH', `/api/v1/users/${cur.id}`, { version: off.version, disabled: false });
    assert.equal(on.disabled, false);
    const s3 = await login(server.url, u.username, u.password);
    assert.equal(await meStatus(server.url, s3.token), 200);
    assert.equal(await meStatus(server.url, s1.token), 401, 'an ended session stays ended');
  });
});

describe(`expiry and lockout on the test clock (${ENGINE})`, { timeout: 60_000 }, () => {
  let server, db, clock, adminUser, care;

  before(async () => {
    clock = testClock('2026-11-28T03:00:00Z');
    db = freshDb();
    await initDb(db, { env: clock.env });
    adminUser = await createUser(db, { username: 'clock-admin', role: 'admin', env: clock.env });
    care = await createUser(db, { username: 'clock-care', role: 'careline', env: clock.env });
    server = await startServer({ db, env: clock.env });
    clock.check((await login(server.url, care.username, care.password)).user.created_at, 'created_at of a user made on the test clock');
  });
  after(() => stopServer(server));

  /**
   * Two sessions from `at`: one used a minute before the idle limit (in
   * minutes), then both asked for two minutes later: the unused one has
   * ended, the used one goes on. Gives the used one; msgs names the checks.
   */
  async function idleLimit(url, at, idleMinutes, msgs) {
    clock.set(at);
    const used = await login(url, care.username, care.password);
    const idle = await login(url, care.username, care.password);
    clock.advance((idleMinutes - 1) * MINUTE_MS);
    assert.equal(await meStatus(url, used.token), 200, msgs.used);
    clock.advance(2 * MINUTE_MS);
    assert.equal(await meStatus(url, idle.token), 401, msgs.idle);
    assert.equal(await meStatus(url, used.token), 200, 'unused for 2 minutes');
    return used;
  }

  test('the server keeps the time of the test clock', async () => {
    const t = clock.set('2026-11-28T03:00:00Z');
    const s = await login(server.url, care.username, care.password);
    assert.equal(s.user.created_at, '2026-11-28T03:00:00Z', 'hartline user add ran on the test clock too');
    const admin = await login(server.url, adminUser.username, adminUser.password);
    const { items: records } = await admin.get('/api/v1/audit?action=login.success&limit=1');
    assert.equal(records[0].at, t, 'the login is recorded at the test clock time');
  });

  test('a session unused for 30 minutes ends; one used within 30 minutes goes on', async () => {
    const used = await idleLimit(server.url, '2026-11-28T04:00:00Z', 30, { used: 'used after 29 minutes', idle: 'unused for 31 minutes' });
    clock.advance(29 * MINUTE_MS);
    assert.equal(await meStatus(server.url, used.token), 200, 'unused for 29 minutes');
    clock.advance(31 * MINUTE_MS);
    assert.equal(await meStatus(server.url, used.token), 401, 'unused for 31 minutes');
  });

  test('a session ends 12 hours after login however much it is used', async () => {
    clock.set('2026-11-29T08:00:00Z');
    const s = await login(server.url, care.username, care.password);
    const start = clock.ms;
    for (let t = 25 * MINUTE_MS; t < 12 * HOUR_MS; t += 25 * MINUTE_MS) {
      clock.set(start + t);
      assert.equal(await meStatus(server.url, s.token), 200, `used at ${clock.iso()}, ${t / MINUTE_MS} minutes after login`);
    }
    clock.set(start + 12 * HOUR_MS - 1000);
    assert.equal(await meStatus(server.url, s.token), 200, 'one second before 12 hours');
    clock.set(start + 12 * HOUR_MS);
    assert.equal(await meStatus(server.url, s.token), 401, '12 hours after login');
    const fresh = await login(server.url, care.username, care.password);
    assert.equal(await meStatus(server.url, fresh.token), 200, 'a new login works');
  });

  test('--session-idle and --session-max set the limits', async () => {
    const short = await startServer({ db, env: clock.env, args: ['--session-idle', '5m', '--session-max', '1h'] });
    try {
      const busy = await idleLimit(short.url, '2026-11-30T10:00:00Z', 5, { used: '4 minutes', idle: 'unused for 6 minutes with --session-idle 5m' });
      for (let m = 10; m < 60; m += 4) {
        clock.set(Date.parse('2026-11-30T10:00:00Z') + m * MINUTE_MS);
        assert.equal(await meStatus(short.url, busy.token), 200, `${m} minutes after login`);
      }
      clock.set(Date.parse('2026-11-30T11:00:00Z'));
      assert.equal(await meStatus(short.url, busy.token), 401, 'an hour after login with --session-max 1h');
    } finally {
      assert.equal(await short.stop(), 0);
    }
  });

  // last_seen_at is written at most every minute, or every quarter of the
  // idle limit when that is shorter, so a session in steady use never ends
  // early.
  test('with --session-idle 30s a session used every 20 seconds goes on', async () => {
    const quick = await startServer({ db, env: clock.env, args: ['--session-idle', '30s'] });
    try {
      clock.set('2026-11-30T12:00:00Z');
      const s = await login(quick.url, care.username, care.password);
      for (let i = 1; i <= 6; i++) {
        clock.advance(20_000);
        assert.equal(await meStatus(quick.url, s.token), 200, `used at +${i * 20} s`);
      }
      clock.advance(31_000);
      assert.equal(await meStatus(quick.url, s.token), 401, 'then unused for 31 s');
    } finally {
      assert.equal(await quick.stop(), 0);
    }
  });

  test('five wrong passwords within 15 minutes lock the account for 15 minutes', async () => {
    const u = await createUser(db, { username: 'clock-lock', role: 'liaison', scope: REGION_C, env: clock.env });
    clock.set('2026-12-01T09:00:00Z');
    const right = await failedLogin(server.url, 'clock-nobody', 'whatever-it-is-1');
    for (let i = 0; i < 4; i++) {
      await wrongPasswords(server.url, u.username, 1);
      clock.advance(2 * MINUTE_MS);
    }
    const id = (await login(server.url, u.username, u.password)).user.id; // four failures do not lock; success clears them

    clock.set('2026-12-01T10:00:00Z');
    for (let i = 0; i < 5; i++) {
      await wrongPasswords(server.url, u.username, 1);
      clock.advance(3 * MINUTE_MS); // the fifth comes 12 minutes after the first
    }
    // 10:15 now; the lock runs from 10:12 to 10:27.
    const locked = await failedLogin(server.url, u.username, u.password);
    assert.equal(locked.status, 401, 'the right password while locked');
    assert.equal(locked.text, right.text, 'the same answer as any failed login');
    const admin = await login(server.url, adminUser.username, adminUser.password);
    assert.equal((await admin.get(`/api/v1/users/${id}`)).locked, true, 'locked shows in the user');

    clock.set('2026-12-01T10:26:59Z');
    assert.equal((await failedLogin(server.url, u.username, u.password)).status, 401, 'still locked after 14 minutes 59');
    clock.set('2026-12-01T10:27:00Z');
    const admin2 = await login(server.url, adminUser.username, adminUser.password);
    assert.equal((await admin2.get(`/api/v1/users/${id}`)).locked, false, 'not locked after 15 minutes');
    const s = await login(server.url, u.username, u.password);
    assert.equal(await meStatus(server.url, s.token), 200);
  });

  test('wrong passwords spread over more than 15 minutes do not lock', async () => {
    const u = await createUser(db, { username: 'clock-slow', role: 'trainer', env: clock.env });
    clock.set('2026-12-02T09:00:00Z');
    await wrongPasswords(server.url, u.username, 4);
    clock.advance(16 * MINUTE_MS);
    await wrongPasswords(server.url, u.username, 1);
    const s = await login(server.url, u.username, u.password);
    assert.equal(await meStatus(server.url, s.token), 200);
  });

  test('an administrator unlocks with PATCH {"unlock": true}, and hartline user unlock does the same', async () => {
    const u = await createUser(db, { username: 'clock-unlock', role: 'analyst', env: clock.env });
    clock.set('2026-12-03T09:00:00Z');
    const admin = await login(server.url, adminUser.username, adminUser.password);
    await wrongPasswords(server.url, u.username, 5);
    const { items: users } = await admin.get('/api/v1/users?limit=500');
    const cur = users.find((x) => x.username === u.username);
    assert.equal(cur.locked, true);
    assert.equal((await failedLogin(server.url, u.username, u.password)).status, 401);

    const unlocked = await admin.send('PATCH', `/api/v1/users/${cur.id}`, { version: cur.version, unlock: true });
    assert.equal(unlocked.locked, false);
    assert.equal(unlocked.version, cur.version + 1);
    await login(server.url, u.username, u.password);

    await wrongPasswords(server.url, u.username, 5);
    assert.equal((await admin.get(`/api/v1/users/${cur.id}`)).locked, true, 'locked again');
    const r = await run(['user', 'unlock', u.username, '--db', db], { db, env: clock.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /unlocked/);
    assert.equal((await admin.get(`/api/v1/users/${cur.id}`)).locked, false);
    await login(server.url, u.username, u.password);
  });

  test('--lockout-after, --lockout-window and --lockout-for set the lockout', async () => {
    const u = await createUser(db, { username: 'clock-strict', role: 'hart', env: clock.env });
    const strict = await startServer({ db, env: clock.env, args: ['--lockout-after', '2', '--lockout-window', '1m', '--lockout-for', '1h'] });
    try {
      clock.set('2026-12-04T09:00:00Z');
      await wrongPasswords(strict.url, u.username, 1);
      clock.advance(2 * MINUTE_MS);
      await wrongPasswords(strict.url, u.username, 1);
      await login(strict.url, u.username, u.password); // two failures two minutes apart: outside the 1m window
      await wrongPasswords(strict.url, u.username, 2);
      clock.advance(59 * MINUTE_MS);
      assert.equal((await failedLogin(strict.url, u.username, u.password)).status, 401, 'locked 59 minutes later');
      clock.advance(1 * MINUTE_MS);
      await login(strict.url, u.username, u.password);
    } finally {
      assert.equal(await strict.stop(), 0);
    }
  });
});
