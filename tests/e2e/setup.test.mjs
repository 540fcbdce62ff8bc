// Set-up links: an administrator never chooses a person's password. A new
// account gets a one-time link that expires; the person chooses their own
// password with it. Giving an account case access is told to HART and
// listed on their dashboard until acknowledged.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addProvider, addUserWithLink, createUser, login, newPassword, postSession, readJson, request } from '../lib/auth.mjs';
import { assertProblem, assertProblemStatus } from '../lib/http.mjs';
import { ENGINE, freshDb, initDb, run, startServer, stopAndClean, testClock } from '../lib/server.mjs';
import { region } from '../lib/pack.mjs';

const REGION_B = region(1);

const HOUR_MS = 3_600_000;

let db, server, clock, admin, hart, hartUser;

before(async () => {
  db = freshDb();
  await initDb(db);
  clock = testClock('2026-11-28T03:00:00Z');
  const adminUser = await createUser(db, { username: 'setup-admin', role: 'admin', env: clock.env });
  hartUser = await createUser(db, { username: 'setup-hart', role: 'hart', env: clock.env });
  adminPw = adminUser.password;
  server = await startServer({ db, env: clock.env });
  admin = await login(server.url, adminUser.username, adminUser.password);
  hart = await login(server.url, hartUser.username, hartUser.password);
  await addProvider(admin, 'agency_9');
});

after(() => stopAndClean(server));

const setup = (token, password) => request(server.url, '/api/v1/setup', { method: 'POST', body: { token, password } });
const check = (token) => request(server.url, '/api/v1/setup/check', { method: 'POST', body: { token } });

/** Sessions end after 30 minutes unused: log in again after moving the clock on. */
async function relogin() {
  admin = await login(server.url, 'setup-admin', adminPw);
  hart = await login(server.url, hartUser.username, hartUser.password);
}

async function loginStatus(username, password) {
  const res = await postSession(server.url, { username, password });
  await res.arrayBuffer();
  return res.status;
}

async function audit(action) {
  return (await admin.get(`/api/v1/audit?action=${encodeURIComponent(action)}&limit=500`)).items;
}

async function refusedAs(res, status, reason, what) {
  const p = await assertProblem(res, status, what);
  assert.equal(p.type, 'urn:hartline:problem:setup-link', what);
  assert.equal(p.reason, reason, what);
  return p;
}

describe(`set-up links (${ENGINE})`, { timeout: 120_000 }, () => {
  test('POST /api/v1/users answers a set-up link and no password; the account has no password until the person chooses one', async () => {
    const u = await admin.send('POST', '/api/v1/users', { username: 'link-care', role: 'careline', display_name: 'Link Care' }, 201);
    assert.ok(!('password' in u) && !('password_hash' in u), JSON.stringify(u));
    assert.match(u.setup_link.token, /^[0-9a-f]{64}$/);
    assert.equal(u.setup_link.path, `/setup#token=${u.setup_link.token}`);
    assert.equal(u.setup_link.expires_at, clock.iso(72 * HOUR_MS), '72 hours by default');
    assert.deepEqual(u.setup, { expires_at: u.setup_link.expires_at, expired: false });
    const got = await admin.get(`/api/v1/users/${u.id}`);
    assert.ok(!('setup_link' in got), 'the link is answered once, when issued');
    assert.deepEqual(got.setup, u.setup);

    // Nobody can log in yet: not with an empty password, not with anything.
    for (const guess of ['', 'Correct-Horse-Battery-41', u.setup_link.token]) {
      assert.equal(await loginStatus('link-care', guess), guess ? 401 : 422, `login with ${JSON.stringify(guess)}`);
    }

    const c = await readJson(await check(u.setup_link.token), 200, 'check');
    assert.deepEqual(c, { username: 'link-care', display_name: 'Link Care', expires_at: u.setup_link.expires_at });
    const password = newPassword();
    assert.deepEqual(await readJson(await setup(u.setup_link.token, password), 200, 'set up'), { username: 'link-care' });
    const s = await login(server.url, 'link-care', password);
    assert.equal(s.user.id, u.id);
    assert.equal((await admin.get(`/api/v1/users/${u.id}`)).setup, null, 'no link pending once used');

    // Used once: refused the second time, by check and by setup, and audited.
    await refusedAs(await setup(u.setup_link.token, newPassword()), 410, 'used', 'a used link');
    await refusedAs(await check(u.setup_link.token), 410, 'used', 'a used link, checked');
    assert.equal(await loginStatus('link-care', password), 200, 'the password chosen still works (a careline worker then gives a second factor)');

    const issued = (await audit('user.setup.issue')).filter((r) => r.object_id === String(u.id));
    assert.equal(issued.length, 1);
    assert.equal(issued[0].actor, 'setup-admin');
    const used = (await audit('user.setup.use')).filter((r) => r.object_id === String(u.id));
    assert.equal(used.length, 1);
    assert.equal(used[0].actor, 'link-care');
    const refused = (await audit('user.setup.refused')).filter((r) => r.object_id === String(u.id));
    assert.deepEqual(refused.map((r) => r.detail), ['reason=used', 'reason=used']);
    const everything = JSON.stringify(await admin.get('/api/v1/audit?limit=500'));
    assert.ok(!everything.includes(u.setup_link.token), 'the token is in no audit record');
    assert.ok(!everything.includes(password), 'nor the password');
    assert.ok(!server.logs().join('\n').includes(u.setup_link.token), 'nor in the log');
  });

  test('an administrator cannot give a password: on create or on change, 422 naming password, and nothing changes', async () => {
    const p = await assertProblem(await admin.fetch('/api/v1/users', {
      method: 'POST',
      body: { username: 'link-pw', role: 'hart', display_name: 'Chosen By Admin', password: 'Correct-Horse-Battery-41' },
    }), 422, 'create with a password');
    const e = p.errors.find((x) => x.field === 'password');
    assert.match(e.reason, /set-up link/);
    assert.ok(!(await admin.get('/api/v1/users?limit=500')).items.some((x) => x.username === 'link-pw'), 'not created');

    const u = await admin.send('POST', '/api/v1/users', { username: 'link-patch', role: 'trainer', display_name: 'Link Patch' }, 201);
    const q = await assertProblem(await admin.fetch(`/api/v1/users/${u.id}`, {
      method: 'PATCH', body: { version: u.version, password: 'Correct-Horse-Battery-41' },
    }), 422, 'PATCH a password');
    assert.ok(q.errors.some((x) => x.field === 'password'), JSON.stringify(q.errors));
    assert.equal(await loginStatus('link-patch', 'Correct-Horse-Battery-41'), 401, 'the admin cannot log in as the user');
  });

  test('the password policy applies, with its reasons, and a refused password leaves the link usable', async () => {
    const u = await admin.send('POST', '/api/v1/users', { username: 'link-policy', role: 'analyst', display_name: 'Link Policy' }, 201);
    for (const [password, what] of [['Short-1', 'too short'], ['password1234', 'common'], ['my-LINK-POLICY-long', 'holds the username']]) {
      const p = await assertProblem(await setup(u.setup_link.token, password), 422, what);
      const e = p.errors.find((x) => x.field === 'password');
      assert.ok(e && e.reason.length > 10, `${what}: ${JSON.stringify(p.errors)}`);
    }
    const password = newPassword();
    await readJson(await setup(u.setup_link.token, password), 200, 'a good password after refused ones');
    assert.equal(await loginStatus('link-policy', password), 201);
  });

  test('an expired link is refused and audited; the server option sets how long links last', async () => {
    const u = await admin.send('POST', '/api/v1/users', { username: 'link-late', role: 'trainer', display_name: 'Link Late' }, 201);
    clock.advance(72 * HOUR_MS - 1000);
    await readJson(await check(u.setup_link.token), 200, 'a second before it expires');
    clock.advance(1000);
    await relogin();
    await refusedAs(await check(u.setup_link.token), 410, 'expired', 'at its expiry');
    await refusedAs(await setup(u.setup_link.token, newPassword()), 410, 'expired', 'set up with an expired link');
    assert.deepEqual((await admin.get(`/api/v1/users/${u.id}`)).setup, { expires_at: u.setup_link.expires_at, expired: true });
    const refused = (await audit('user.setup.refused')).filter((r) => r.object_id === String(u.id));
    assert.deepEqual(refused.map((r) => r.detail), ['reason=expired', 'reason=expired']);

    const short = await startServer({ db, env: clock.env, args: ['--setup-link-for', '30m'] });
    try {
      const a = await login(short.url, 'setup-admin', adminPw);
      const v = await a.send('POST', '/api/v1/users', { username: 'link-short', role: 'trainer', display_name: 'Link Short' }, 201);
      assert.equal(v.setup_link.expires_at, clock.iso(30 * 60_000));
    } finally {
      assert.equal(await short.stop(), 0);
    }
  });

  test('a new link voids the old one and the password, ends the sessions, and works once', async () => {
    const { user, password, link } = await addWithLink({ username: 'link-again', role: 'trainer', display_name: 'Link Again' });
    const s = await login(server.url, 'link-again', password);
    const again = await admin.send('POST', `/api/v1/users/${user.id}/setup-link`, undefined, 201);
    assert.notEqual(again.setup_link.token, link.token);
    assert.equal(again.username, 'link-again');
    assert.ok(again.setup);
    const me = await s.fetch('/api/v1/me');
    await me.arrayBuffer();
    assert.equal(me.status, 401, 'the sessions ended');
    assert.equal(await loginStatus('link-again', password), 401, 'the old password no longer works');
    await refusedAs(await setup(link.token, newPassword()), 410, 'used', 'the first link, used');

    const third = await admin.send('POST', `/api/v1/users/${user.id}/setup-link`, undefined, 201);
    await refusedAs(await check(again.setup_link.token), 410, 'replaced', 'a link a newer one replaced');
    const fresh = newPassword();
    await readJson(await setup(third.setup_link.token, fresh), 200, 'the newest link');
    assert.equal(await loginStatus('link-again', fresh), 201);
    await assertProblemStatus(await admin.fetch('/api/v1/users/999999/setup-link', { method: 'POST' }), 404, { type: 'not-found', what: 'no such user' });
  });

  test('a link for no account, or malformed, answers 404 and is audited without a user', async () => {
    const before = (await audit('user.setup.refused')).length;
    for (const token of ['0'.repeat(64), 'not-a-token', 'A'.repeat(64)]) {
      await refusedAs(await check(token), 404, 'unknown', `check ${token}`);
    }
    await refusedAs(await setup('f'.repeat(64), newPassword()), 404, 'unknown', 'set up with an unknown link');
    const after = await audit('user.setup.refused');
    assert.equal(after.length, before + 4);
    assert.ok(after.slice(0, 4).every((r) => r.detail === 'reason=unknown' && !r.object_id));
    const p = await assertProblem(await request(server.url, '/api/v1/setup', { method: 'POST', body: { token: 'x' } }), 422, 'no password');
    assert.ok(p.errors.some((e) => e.field === 'password'));
  });

  test('a disabled account cannot use its link', async () => {
    const u = await admin.send('POST', '/api/v1/users', { username: 'link-off', role: 'trainer', display_name: 'Link Off' }, 201);
    await admin.send('PATCH', `/api/v1/users/${u.id}`, { version: u.version, disabled: true });
    await refusedAs(await setup(u.setup_link.token, newPassword()), 410, 'disabled', 'a disabled account');
  });

  test('only an administrator issues links; the set-up routes need no session', async () => {
    const u = await admin.send('POST', '/api/v1/users', { username: 'link-who', role: 'trainer', display_name: 'Link Who' }, 201);
    await assertProblem(await hart.fetch(`/api/v1/users/${u.id}/setup-link`, { method: 'POST' }), 403, 'HART issues a link');
    await assertProblem(await request(server.url, `/api/v1/users/${u.id}/setup-link`, { method: 'POST' }), 401, 'no session');
    await readJson(await check(u.setup_link.token), 200, 'check without a session');
  });
});

describe(`case access told to HART (${ENGINE})`, { timeout: 120_000 }, () => {
  const notices = async (s = hart) => (await s.get('/api/v1/dashboard')).access_notices;
  const notes = async () => (await hart.get('/api/v1/notifications')).items.filter((n) => n.kind === 'user.case_access');

  test('a new account with a case role is on the HART dashboard, notified, and the administrator still reads no case content', async () => {
    const { user, password } = await addWithLink({ username: 'access-new', role: 'liaison', scope: REGION_B, display_name: 'Access New' });
    const list = await notices();
    const n = list.find((x) => x.user.id === user.id);
    assert.ok(n, JSON.stringify(list));
    assert.equal(n.reason, 'created');
    assert.equal(n.role, 'liaison');
    assert.equal(n.role_label, 'Regional liaison');
    assert.equal(n.scope, REGION_B);
    assert.equal(n.granted_by, 'setup-admin');
    assert.equal(n.user.username, 'access-new');
    assert.equal(n.user.display_name, 'Access New');
    assert.match(n.granted_at, /^\d{4}-\d\d-\d\dT/);
    const note = (await notes()).find((x) => x.object_id === String(user.id));
    assert.ok(note, 'a notification');
    assert.match(note.text, /access-new/);
    assert.match(note.text, /setup-admin/);

    // The administrator: no dashboard, no cases, no notices.
    for (const path of ['/api/v1/dashboard', '/api/v1/cases', '/api/v1/intakes']) {
      const res = await admin.fetch(path);
      await res.arrayBuffer();
      assert.equal(res.status, 403, `admin GET ${path}`);
    }
    await assertProblem(await admin.fetch(`/api/v1/access-notices/${n.id}/acknowledge`, { method: 'POST' }), 403, 'admin acknowledges');
    // The new liaison sees its dashboard without HART's notices.
    const liaison = await login(server.url, 'access-new', password);
    assert.deepEqual(await notices(liaison), []);
    await assertProblem(await liaison.fetch(`/api/v1/access-notices/${n.id}/acknowledge`, { method: 'POST' }), 403, 'liaison acknowledges');
  });

  test('roles without case content are not listed; a change to a case role, or a new area, is', async () => {
    const u = await admin.send('POST', '/api/v1/users', { username: 'access-trainer', role: 'trainer', display_name: 'Access Trainer' }, 201);
    assert.ok(!(await notices()).some((x) => x.user.id === u.id), 'a trainer is not listed');
    const m = await admin.send('PATCH', `/api/v1/users/${u.id}`, { version: u.version, role: 'mdt', scope: 'mdt-r3' });
    let mine = (await notices()).filter((x) => x.user.id === u.id);
    assert.deepEqual(mine.map((x) => [x.reason, x.role, x.scope]), [['role', 'mdt', 'mdt-r3']]);
    await admin.send('PATCH', `/api/v1/users/${u.id}`, { version: m.version, scope: 'mdt-r4' });
    mine = (await notices()).filter((x) => x.user.id === u.id);
    assert.deepEqual(mine.map((x) => [x.reason, x.scope]), [['scope', 'mdt-r4'], ['role', 'mdt-r3']]);
    const renamed = await admin.get(`/api/v1/users/${u.id}`);
    await admin.send('PATCH', `/api/v1/users/${u.id}`, { version: renamed.version, display_name: 'Renamed' });
    assert.equal((await notices()).filter((x) => x.user.id === u.id).length, 2, 'a new name is not new access');
    // A new set-up link for a case role replaces its password: told too.
    await admin.send('POST', `/api/v1/users/${u.id}/setup-link`, undefined, 201);
    assert.equal((await notices()).filter((x) => x.user.id === u.id)[0].reason, 'setup_link');
  });

  test('the command line counts too', async () => {
    await createUser(db, { username: 'access-cli', role: 'provider', scope: 'agency_9', env: clock.env });
    const n = (await notices()).find((x) => x.user.username === 'access-cli');
    assert.ok(n);
    assert.equal(n.granted_by, 'cli');
    assert.equal(n.role, 'provider');
  });

  test('a HART coordinator acknowledges a notice once; not its own account; notices older than 30 days drop off', async () => {
    const { user, password } = await addWithLink({ username: 'access-hart2', role: 'hart', display_name: 'Access Hart Two' });
    const n = (await notices()).find((x) => x.user.id === user.id);
    assert.ok(n);
    const self = await login(server.url, 'access-hart2', password);
    await assertProblem(await self.fetch(`/api/v1/access-notices/${n.id}/acknowledge`, { method: 'POST' }), 403, 'its own notice');
    assert.ok((await notices()).some((x) => x.id === n.id), 'still listed');
    const res = await hart.fetch(`/api/v1/access-notices/${n.id}/acknowledge`, { method: 'POST' });
    assert.equal(res.status, 204);
    assert.ok(!(await notices()).some((x) => x.id === n.id), 'gone once acknowledged');
    const acks = await audit('access_notice.acknowledge');
    assert.ok(acks.some((r) => r.object_id === String(n.id) && r.actor === 'setup-hart'));
    await assertProblemStatus(await hart.fetch('/api/v1/access-notices/999999/acknowledge', { method: 'POST' }), 404, { type: 'not-found', what: 'no such notice' });

    assert.ok((await notices()).length > 0);
    clock.advance(30 * 24 * HOUR_MS + 1000);
    await relogin();
    assert.deepEqual(await notices(), [], 'none older than 30 days');
  });
});

describe(`hartline user setup-link (${ENGINE})`, { timeout: 60_000 }, () => {
  test('prints a link that works once, and user add --setup-link makes an account without a password', async () => {
    const add = await run(['user', 'add', 'cli-link', '--role', 'careline', '--setup-link', '--url', 'https://hartline.example.org/', '--db', db], { db, env: clock.env });
    assert.equal(add.code, 0, add.stderr);
    const m = /https:\/\/hartline\.example\.org\/setup#token=([0-9a-f]{64})/.exec(add.stdout);
    assert.ok(m, add.stdout);
    const listed = async () => (await run(['user', 'list', '--db', db], { db, env: clock.env })).stdout.split('\n').find((l) => l.startsWith('cli-link '));
    assert.match(await listed(), /^cli-link\s+careline\s+-\s+setup\s/, 'user list says the account waits for set-up');
    const again = await run(['user', 'setup-link', 'cli-link', '--expires', '2h', '--db', db], { db, env: clock.env });
    assert.equal(again.code, 0, again.stderr);
    const m2 = /^\/setup#token=([0-9a-f]{64})$/m.exec(again.stdout);
    assert.ok(m2, again.stdout);
    assert.match(again.stdout, new RegExp(clock.iso(2 * HOUR_MS)));
    await refusedAs(await check(m[1]), 410, 'replaced', 'the link user add printed, replaced');
    const password = newPassword();
    await readJson(await setup(m2[1], password), 200);
    assert.equal(await loginStatus('cli-link', password), 200, 'the password is accepted; a code is asked next');
    assert.match(await listed(), /^cli-link\s+careline\s+-\s+active\s/);
    const none = await run(['user', 'setup-link', 'no-such-user', '--db', db], { db, env: clock.env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no such user/);
  });
});

// The admin's password, kept from before().
let adminPw;

const addWithLink = (body) => addUserWithLink(admin, body);
