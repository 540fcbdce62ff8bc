// Users: hartline user and demo on the command line, the users API, the
// key file's mode and key rotation.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  DEMO_USERS,
  addProvider,
  addUserWithLink,
  createUser,
  demoUsers,
  login,
  newPassword,
  parseDemoTable,
  postSession,
  readJson,
  request,
} from '../lib/auth.mjs';
import { assertPagesWhole, assertProblem, assertProblemStatus } from '../lib/http.mjs';
import { ENGINE, freshDb, initDb, keyFileOf, run, startServer, stopAndClean } from '../lib/server.mjs';
import { region } from '../lib/pack.mjs';

const REGION_A = region(0);
const REGION_B = region(1);
const REGION_D = region(3);
const REGION_E = region(4);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

let db, server, adminUser, admin;

before(async () => {
  db = freshDb();
  await initDb(db);
  adminUser = await createUser(db, { username: 'users-admin', role: 'admin', displayName: 'Users Admin', email: 'users-admin@example.org' });
  server = await startServer({ db });
  admin = await login(server.url, adminUser.username, adminUser.password);
  // A provider user's scope is the code of a provider in the directory.
  for (const code of ['agency_x', 'agency_9']) await addProvider(admin, code);
});

after(() => stopAndClean(server));

/** Runs `hartline user ARGS --db DB`, with input on stdin when given. */
function user(args, input) {
  return run(['user', ...args, '--db', db], { db, input });
}

/** Parses `hartline user list`: { username: { role, scope, status, name } }. */
function parseList(stdout) {
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0], /^USERNAME\s+ROLE\s+SCOPE\s+STATUS\s+NAME\s*$/, `header of user list: ${lines[0]}`);
  const out = {};
  for (const line of lines.slice(1)) {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    assert.ok(m, `a line of user list: ${JSON.stringify(line)}`);
    out[m[1]] = { role: m[2], scope: m[3] === '-' ? null : m[3], status: m[4], name: m[5].trimEnd() };
  }
  return out;
}

async function listed() {
  const r = await user(['list']);
  assert.equal(r.code, 0, r.stderr);
  return parseList(r.stdout);
}

async function meStatus(token) {
  const res = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

async function loginStatus(username, password) {
  const res = await postSession(server.url, { username, password });
  await res.arrayBuffer();
  return res.status;
}

async function userByName(username) {
  const { items: users } = await admin.get('/api/v1/users?limit=500');
  return users.find((u) => u.username === username);
}

describe(`hartline user (${ENGINE})`, { timeout: 60_000 }, () => {
  test('user add reads the password from stdin, takes the scope its role needs, and the user can log in', async () => {
    const cases = [
      { username: 'cli-care', role: 'careline', args: [] },
      { username: 'cli-liaison', role: 'liaison', args: ['--region', REGION_B], scope: REGION_B, kind: 'region' },
      { username: 'cli-mdt', role: 'mdt', args: ['--team', 'team-7'], scope: 'team-7', kind: 'team' },
      { username: 'cli-provider', role: 'provider', args: ['--provider', 'agency_x'], scope: 'agency_x', kind: 'provider' },
    ];
    for (const c of cases) {
      const password = newPassword();
      const r = await user(
        ['add', c.username, '--role', c.role, ...c.args, '--display-name', `Name of ${c.username}`, '--email', `${c.username}@example.org`, '--password-stdin'],
        `${password}\n`);
      assert.equal(r.code, 0, `user add ${c.username}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^user ${c.username} added \\(id \\d+, role ${c.role}`), r.stdout);
      const s = await login(server.url, c.username, password);
      assert.equal(s.user.role, c.role);
      assert.equal(s.user.scope, c.scope ?? null);
      assert.equal(s.user.scope_kind, c.kind ?? null);
      assert.equal(s.user.display_name, `Name of ${c.username}`);
      assert.equal(s.user.email, `${c.username}@example.org`);
    }
  });

  test('user add without --display-name uses the username as the display name', async () => {
    const u = await createUser(db, { username: 'cli-plain', role: 'trainer' });
    const s = await login(server.url, u.username, u.password);
    assert.equal(s.user.display_name, 'cli-plain');
    assert.equal(s.user.email, null);
  });

  test('user add refuses a bad password, role or scope and a taken name, exits 1 and adds nobody', async () => {
    const cases = [
      { what: 'a password under 12 characters', name: 'cli-bad1', args: ['--role', 'careline'], password: 'Short-pw-1', field: /password/ },
      { what: 'a common password', name: 'cli-bad2', args: ['--role', 'careline'], password: 'password1234', field: /password/ },
      { what: 'a password holding the username', name: 'cli-zelda', args: ['--role', 'careline'], password: 'my-CLI-ZELDA-is-long', field: /password/ },
      { what: 'an unknown role', name: 'cli-bad3', args: ['--role', 'chief'], field: /role/ },
      { what: 'a liaison without --region', name: 'cli-bad4', args: ['--role', 'liaison'], field: /scope|region/ },
      { what: 'a liaison in an unknown region', name: 'cli-bad5', args: ['--role', 'liaison', '--region', 'R9'], field: /R9/ },
      { what: 'a careline worker with a region', name: 'cli-bad6', args: ['--role', 'careline', '--region', REGION_A], field: /scope/ },
      { what: 'an invalid username', name: 'Cli Bad', args: ['--role', 'careline'], field: /username/ },
      { what: 'a taken username', name: adminUser.username, args: ['--role', 'careline'], field: /taken|exists/ },
      { what: 'an invalid e-mail address', name: 'cli-bad7', args: ['--role', 'careline', '--email', 'not-an-address'], field: /email/ },
    ];
    // Independent of each other, so run side by side.
    const results = await Promise.all(cases.map((c) => user(['add', c.name, ...c.args, '--password-stdin'], `${c.password ?? newPassword()}\n`)));
    for (const [i, c] of cases.entries()) {
      const r = results[i];
      assert.equal(r.code, 1, `${c.what}: exit code; stdout ${r.stdout} stderr ${r.stderr}`);
      assert.match(r.stderr, c.field, `${c.what}: the message names the problem`);
      assert.equal(r.stdout, '', `${c.what}: nothing on stdout`);
    }
    const users = await listed();
    for (const c of cases) if (c.name !== adminUser.username) assert.ok(!(c.name in users), `${c.name} was not added`);
  });

  test('user add without --role, or with two scopes, is a usage error (exit 2)', async () => {
    for (const args of [['add', 'cli-norole'], ['add', 'cli-two', '--role', 'liaison', '--region', REGION_A, '--team', 't1']]) {
      const r = await user([...args, '--password-stdin'], `${newPassword()}\n`);
      assert.equal(r.code, 2, `user ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /usage/i);
    }
  });

  test('user add with --password-stdin and no password on stdin exits 1', async () => {
    const r = await user(['add', 'cli-nopass', '--role', 'careline', '--password-stdin'], '');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /password/);
  });

  test('user list prints every user with role, scope, status and display name', async () => {
    const users = await listed();
    assert.deepEqual(users['users-admin'], { role: 'admin', scope: null, status: 'active', name: 'Users Admin' });
    assert.deepEqual(users['cli-liaison'], { role: 'liaison', scope: REGION_B, status: 'active', name: 'Name of cli-liaison' });
    assert.deepEqual(users['cli-provider'], { role: 'provider', scope: 'agency_x', status: 'active', name: 'Name of cli-provider' });
    const names = Object.keys(users);
    assert.deepEqual(names, [...names].sort(), 'ordered by username');
  });

  test('user disable refuses logins and ends sessions; user enable lets the user in again', async () => {
    const u = await createUser(db, { username: 'cli-off', role: 'hart' });
    const s = await login(server.url, u.username, u.password);
    const off = await user(['disable', u.username]);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /disabled/);
    assert.equal(await meStatus(s.token), 401, 'the session ended');
    assert.equal(await loginStatus(u.username, u.password), 401, 'login refused');
    assert.equal((await listed())['cli-off'].status, 'disabled');
    assert.equal((await userByName('cli-off')).disabled, true);

    const on = await user(['enable', u.username]);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /enabled/);
    assert.equal((await listed())['cli-off'].status, 'active');
    assert.equal(await loginStatus(u.username, u.password), 200, 'login after enable: the password is accepted and the second factor asked for');
  });

  test('user passwd sets a new password from stdin and ends the sessions', async () => {
    const u = await createUser(db, { username: 'cli-pw', role: 'analyst' });
    const s = await login(server.url, u.username, u.password);
    const bad = await user(['passwd', u.username, '--password-stdin'], 'password1234\n');
    assert.equal(bad.code, 1, 'a common password is refused');
    assert.match(bad.stderr, /password/);
    assert.equal(await meStatus(s.token), 200, 'a refused change ends nothing');

    const fresh = newPassword();
    const r = await user(['passwd', u.username, '--password-stdin'], `${fresh}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /password changed/);
    assert.equal(await meStatus(s.token), 401, 'the old session ended');
    assert.equal(await loginStatus(u.username, u.password), 401, 'the old password is refused');
    assert.equal(await loginStatus(u.username, fresh), 201, 'the new password works');
  });

  test('user unlock ends a lockout', async () => {
    const u = await createUser(db, { username: 'cli-locked', role: 'trainer' });
    for (let i = 0; i < 5; i++) assert.equal(await loginStatus(u.username, `wrong-password-${i}`), 401);
    assert.equal(await loginStatus(u.username, u.password), 401, 'locked');
    assert.equal((await listed())['cli-locked'].status, 'locked');
    const r = await user(['unlock', u.username]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /unlocked/);
    assert.equal((await listed())['cli-locked'].status, 'active');
    assert.equal(await loginStatus(u.username, u.password), 201);
  });

  test('a user command naming no such user exits 1 and says so', async () => {
    const subs = ['disable', 'enable', 'unlock'];
    const results = await Promise.all(subs.map((sub) => user([sub, 'no-such-user'])));
    for (const [i, sub] of subs.entries()) {
      const r = results[i];
      assert.equal(r.code, 1, `user ${sub}: ${r.stderr}`);
      assert.match(r.stderr, /no such user/);
    }
  });

  test('hartline demo makes one user per role, prints their passwords once, and says so the second time', async () => {
    const demoDb = freshDb();
    await initDb(demoDb);
    const demo = await demoUsers(demoDb);
    assert.deepEqual(
      parseDemoTable(demo.stdout).map(({ username, role, scope }) => ({ username, role, scope })),
      DEMO_USERS.map(({ username, role, scope }) => ({ username, role, scope })));
    for (const u of demo.users) {
      assert.ok(u.password.length >= 12, `${u.username}: a password of 12 characters or more`);
    }
    const again = await run(['demo', '--db', demoDb], { db: demoDb });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(parseDemoTable(again.stdout).length, 0, `no passwords the second time: ${again.stdout}`);
    assert.match(again.stdout, /exist/);

    const demoServer = await startServer({ db: demoDb });
    try {
      for (const u of demo.users) {
        const s = await login(demoServer.url, u.username, u.password);
        assert.equal(s.user.role, u.role, u.username);
        assert.equal(s.user.scope, u.scope, u.username);
        assert.equal(s.user.display_name, u.display_name, u.username);
        assert.equal(s.user.email, u.email, u.username);
      }
    } finally {
      assert.equal(await demoServer.stop(), 0);
    }
  });
});

describe(`users API (${ENGINE})`, { timeout: 60_000 }, () => {
  const valid = (over = {}) => ({
    username: 'api-made',
    role: 'liaison',
    scope: REGION_D,
    display_name: 'Api Made',
    email: 'api.made@example.org',
    ...over,
  });

  test('GET /api/v1/users is a page at a time: two by two with after, by username, id or creation, no user twice and none left out', async () => {
    for (let i = 0; i < 3; i++) await addUserWithLink(admin, { username: `users-page-${i}`, role: 'trainer', display_name: `Users Page ${i}` });
    const byName = await assertPagesWhole(admin, '/api/v1/users', { what: 'the users' });
    assert.ok(byName.length >= 4);
    const byId = await assertPagesWhole(admin, '/api/v1/users?sort=-id', { what: 'the users, newest first' });
    assert.deepEqual(byId, [...byName].sort((a, b) => b - a));
    await assertPagesWhole(admin, '/api/v1/users?sort=created_at', { what: 'the users by creation' });
    const one = await admin.get('/api/v1/users?limit=1');
    await assertProblem(await admin.fetch(`/api/v1/users?sort=id&after=${encodeURIComponent(one.next)}`), 422, 'another order\'s cursor');
    await assertProblem(await admin.fetch('/api/v1/users?sort=email'), 422, 'a sort the list has not');
    await assertProblem(await admin.fetch('/api/v1/users?limit=501'), 422, 'too many');
  });

  test('POST /api/v1/users answers 201, a Location, and the user as GET answers it', async () => {
    const res = await admin.fetch('/api/v1/users', { method: 'POST', body: valid() });
    const u = await readJson(res, 201, 'create');
    assert.equal(res.headers.get('location'), `/api/v1/users/${u.id}`);
    assert.ok(Number.isInteger(u.id) && u.id > 0);
    assert.equal(u.username, 'api-made');
    assert.equal(u.role, 'liaison');
    assert.equal(u.role_label, 'Regional liaison');
    assert.equal(u.scope_kind, 'region');
    assert.equal(u.scope, REGION_D);
    assert.equal(u.display_name, 'Api Made');
    assert.equal(u.email, 'api.made@example.org');
    assert.equal(u.disabled, false);
    assert.equal(u.locked, false);
    assert.equal(u.version, 1);
    assert.match(u.created_at, RFC3339);
    assert.equal(u.updated_at, u.created_at);
    assert.ok(!('password' in u) && !('password_hash' in u));
    const { setup_link: link, ...rest } = u;
    assert.deepEqual(await admin.get(res.headers.get('location')), rest);
    // The person chooses the password (tests/e2e/setup.test.mjs has the rest).
    const password = newPassword();
    await readJson(await request(server.url, '/api/v1/setup', { method: 'POST', body: { token: link.token, password } }), 200);
    const s = await login(server.url, 'api-made', password);
    assert.equal(s.user.id, u.id);
  });

  test('GET /api/v1/users lists every user by username with display names and e-mail', async () => {
    const { items: users } = await admin.get('/api/v1/users?limit=500');
    const names = users.map((u) => u.username);
    assert.deepEqual(names, [...names].sort());
    const cliUsers = await listed();
    assert.deepEqual(names, Object.keys(cliUsers), 'the same users as hartline user list');
    const me = users.find((u) => u.username === 'users-admin');
    assert.equal(me.display_name, 'Users Admin');
    assert.equal(me.email, 'users-admin@example.org');
  });

  test('GET /api/v1/users/{id} of no user answers 404', async () => {
    for (const id of ['999999', '0', 'abc', '-1']) {
      const res = await admin.fetch(`/api/v1/users/${id}`);
      await assertProblemStatus(res, 404, { type: 'not-found', what: `GET /api/v1/users/${id}` });
    }
  });

  test('POST /api/v1/users with bad fields answers 422 naming each field, and adds nobody', async () => {
    const cases = [
      [{ role: 'chief' }, 'role'],
      [{ scope: undefined }, 'scope'],
      [{ scope: null }, 'scope'],
      [{ scope: 'R9' }, 'scope'],
      [{ role: 'careline', scope: REGION_A }, 'scope'],
      [{ role: 'mdt', scope: 'has space' }, 'scope'],
      // An administrator never chooses the password: the person does.
      [{ password: 'Correct-Horse-Battery-41' }, 'password'],
      [{ nickname: 'Bad' }, 'nickname', 'Nickname: not a field of this form; reload the page and try again'],
      [{ username: 'Has Space' }, 'username'],
      [{ username: 'x' }, 'username'],
      [{ email: 'not-an-address' }, 'email'],
      [{ display_name: '' }, 'display_name'],
      [{ display_name: undefined }, 'display_name'],
      [{ display_name: 42 }, 'display_name'],
      [{ role: undefined }, 'role'],
      [{ username: undefined }, 'username'],
    ];
    for (const [over, field, reason] of cases) {
      const body = valid({ username: 'api-bad', ...over });
      const p = await assertProblem(await admin.fetch('/api/v1/users', { method: 'POST', body }), 422, `create with ${JSON.stringify(over)}`);
      assert.equal(p.type, 'urn:hartline:problem:validation');
      const e = p.errors.find((x) => x.field === field);
      assert.ok(e, `${JSON.stringify(over)}: errors name ${field}: ${JSON.stringify(p.errors)}`);
      if (reason) assert.equal(e.reason, reason);
    }
    const both = await assertProblem(
      await admin.fetch('/api/v1/users', { method: 'POST', body: valid({ username: 'api-bad', role: 'liaison', scope: 'R9', password: 'password1234' }) }),
      422);
    assert.deepEqual(both.errors.map((e) => e.field).sort(), ['password', 'scope'], 'every bad field is named at once');
    await assertProblem(await admin.fetch('/api/v1/users', { method: 'POST', body: '[]' }), 422, 'an array');
    const { items: users } = await admin.get('/api/v1/users?limit=500');
    assert.ok(!users.some((u) => u.username.startsWith('api-bad')), 'nobody was added');
  });

  test('POST /api/v1/users with a taken username answers 409', async () => {
    const body = valid({ username: 'api-twice' });
    await readJson(await admin.fetch('/api/v1/users', { method: 'POST', body }), 201);
    const p = await assertProblem(await admin.fetch('/api/v1/users', { method: 'POST', body: { ...body, display_name: 'Other' } }), 409, 'taken');
    assert.equal(p.type, 'urn:hartline:problem:conflict');
    assert.equal((await userByName('api-twice')).display_name, 'Api Made', 'the first user is unchanged');
  });

  test('PATCH changes the fields given and adds one to the version; a stale version answers 409', async () => {
    const u = await readJson(
      await admin.fetch('/api/v1/users', { method: 'POST', body: valid({ username: 'api-patch' }) }),
      201);
    const path = `/api/v1/users/${u.id}`;
    const a = await admin.send('PATCH', path, { version: 1, display_name: 'Patched Name', email: 'patched@example.org' });
    assert.equal(a.version, 2);
    assert.equal(a.display_name, 'Patched Name');
    assert.equal(a.email, 'patched@example.org');
    assert.equal(a.role, 'liaison');
    assert.equal(a.scope, REGION_D, 'fields not given stay');

    const stale = await admin.fetch(path, { method: 'PATCH', body: { version: 1, display_name: 'Stale' } });
    const p = await assertProblem(stale, 409, 'stale version');
    assert.equal(p.type, 'urn:hartline:problem:stale-version');
    assert.equal((await admin.get(path)).display_name, 'Patched Name', 'the stale change was not made');

    const b = await admin.send('PATCH', path, { version: 2, scope: REGION_E });
    assert.equal(b.scope, REGION_E);
    const c = await admin.send('PATCH', path, { version: 3, role: 'careline' });
    assert.equal(c.role, 'careline');
    assert.equal(c.scope, null, 'a role without scope drops the old one');
    assert.equal(c.scope_kind, null);
    const d = await admin.send('PATCH', path, { version: 4, role: 'provider', scope: 'agency_9' });
    assert.equal(d.scope_kind, 'provider');
    assert.equal(d.scope, 'agency_9');
    const e = await admin.send('PATCH', path, { version: 5, email: null });
    assert.equal(e.email, null);
    assert.equal(e.version, 6);
    assert.deepEqual(await admin.get(path), e);
  });

  test('PATCH with bad fields answers 422 naming them and changes nothing', async () => {
    const u = await userByName('api-made');
    const path = `/api/v1/users/${u.id}`;
    const cases = [
      [{ display_name: 'No version' }, 'version'],
      [{ version: '1' }, 'version'],
      [{ version: u.version, role: 'chief' }, 'role'],
      [{ version: u.version, scope: 'R9' }, 'scope'],
      [{ version: u.version, password: 'password1234' }, 'password'],
      [{ version: u.version, disabled: 'yes' }, 'disabled'],
      [{ version: u.version, nickname: 'x' }, 'nickname', 'Nickname: not a field of this form; reload the page and try again'],
    ];
    for (const [body, field, reason] of cases) {
      const p = await assertProblem(await admin.fetch(path, { method: 'PATCH', body }), 422, `PATCH ${JSON.stringify(body)}`);
      const e = p.errors.find((x) => x.field === field);
      assert.ok(e, `${JSON.stringify(body)}: errors name ${field}: ${JSON.stringify(p.errors)}`);
      if (reason) assert.equal(e.reason, reason);
    }
    assert.deepEqual(await admin.get(path), u, 'unchanged');
    await assertProblemStatus(await admin.fetch('/api/v1/users/999999', { method: 'PATCH', body: { version: 1 } }), 404, { type: 'not-found' });
  });

  // A new role whose scope is of another kind needs a scope of that kind,
  // as on create (liaison without scope -> 422 scope).
  test('PATCH to a role with another kind of scope, without a new scope, answers 422 scope', async () => {
    const { setup_link: _, ...u } = await readJson(
      await admin.fetch('/api/v1/users', { method: 'POST', body: valid({ username: 'api-rescope' }) }),
      201);
    const path = `/api/v1/users/${u.id}`;
    for (const role of ['mdt', 'provider']) {
      const res = await admin.fetch(path, { method: 'PATCH', body: { version: u.version, role } });
      const p = await assertProblem(res, 422, `liaison of R4 made ${role} without a scope`);
      assert.ok(p.errors.some((e) => e.field === 'scope'), JSON.stringify(p.errors));
    }
    assert.deepEqual(await admin.get(path), u, 'unchanged');
  });

  test('disabling a user with PATCH ends its sessions and refuses logins', async () => {
    const { user: u, password } = await addUserWithLink(admin, valid({ username: 'api-off' }));
    const s = await login(server.url, 'api-off', password);
    const off = await admin.send('PATCH', `/api/v1/users/${u.id}`, { version: u.version, disabled: true });
    assert.equal(off.disabled, true);
    assert.equal(await meStatus(s.token), 401);
    assert.equal(await loginStatus('api-off', password), 401);
  });

  test('PATCH password is refused; a new set-up link ends the sessions of that user and the password chosen with it works', async () => {
    const { user: u, password } = await addUserWithLink(admin, valid({ username: 'api-pw' }));
    const s = await login(server.url, 'api-pw', password);
    const fresh = newPassword();
    const cur = await admin.get(`/api/v1/users/${u.id}`);
    await assertProblem(await admin.fetch(`/api/v1/users/${u.id}`, { method: 'PATCH', body: { version: cur.version, password: fresh } }), 422, 'PATCH password');
    assert.equal(await meStatus(s.token), 200, 'a refused change ends nothing');
    const again = await admin.send('POST', `/api/v1/users/${u.id}/setup-link`, undefined, 201);
    assert.equal(await meStatus(s.token), 401);
    assert.equal(await loginStatus('api-pw', password), 401);
    await readJson(await request(server.url, '/api/v1/setup', { method: 'POST', body: { token: again.setup_link.token, password: fresh } }), 200);
    assert.equal(await loginStatus('api-pw', fresh), 200, 'the new password is accepted; a careline worker then gives a second factor');
  });

  test('an administrator cannot disable itself or take away its own administrator role', async () => {
    const me = await admin.get(`/api/v1/users/${admin.user.id}`);
    const path = `/api/v1/users/${me.id}`;
    const off = await assertProblem(await admin.fetch(path, { method: 'PATCH', body: { version: me.version, disabled: true } }), 422, 'disable self');
    assert.ok(off.errors.some((e) => e.field === 'disabled'), JSON.stringify(off.errors));
    const demote = await assertProblem(await admin.fetch(path, { method: 'PATCH', body: { version: me.version, role: 'careline' } }), 422, 'demote self');
    assert.ok(demote.errors.some((e) => e.field === 'role'), JSON.stringify(demote.errors));
    assert.deepEqual(await admin.get(path), me, 'unchanged');
    assert.equal(await meStatus(admin.token), 200, 'still logged in');
  });
});

describe(`key file (${ENGINE})`, { timeout: 60_000 }, () => {
  test('init makes the key file mode 0600', () => {
    const key = keyFileOf(db);
    assert.ok(fs.existsSync(key), `${key} exists`);
    assert.equal(fs.statSync(key).mode & 0o777, 0o600);
  });

  test('serve and user refuse a key file that group or others can read, and say chmod 600', async () => {
    const keyDb = freshDb();
    await initDb(keyDb);
    const key = keyFileOf(keyDb);
    try {
      for (const mode of [0o644, 0o640, 0o604]) {
        fs.chmodSync(key, mode);
        const serve = await run(['serve', '--db', keyDb, '--listen', '127.0.0.1:0'], { db: keyDb, timeout: 15_000 });
        assert.ok(!serve.timedOut, `serve ran with a key file of mode ${mode.toString(8)}`);
        assert.equal(serve.code, 1, `serve with mode ${mode.toString(8)}: ${serve.stderr}`);
        assert.match(serve.stderr, /chmod 600/);
        const list = await run(['user', 'list', '--db', keyDb], { db: keyDb });
        assert.equal(list.code, 1, `user list with mode ${mode.toString(8)}: ${list.stderr}`);
        assert.match(list.stderr, /chmod 600/);
        const add = await run(['user', 'add', 'key-user', '--role', 'careline', '--password-stdin', '--db', keyDb], {
          db: keyDb,
          input: `${newPassword()}\n`,
        });
        assert.equal(add.code, 1, `user add with mode ${mode.toString(8)}: ${add.stderr}`);
        assert.match(add.stderr, /chmod 600/);
      }
    } finally {
      fs.chmodSync(key, 0o600);
    }
    const list = await run(['user', 'list', '--db', keyDb], { db: keyDb });
    assert.equal(list.code, 0, `user list after chmod 600: ${list.stderr}`);
  });

  test('key rotate makes key 2 current; users still log in and their names and e-mail still read', async () => {
    const before = (await admin.get('/api/v1/users?limit=500')).items;
    const passwords = { [adminUser.username]: adminUser.password };
    assert.equal(await server.stop(), 0);

    const r = await run(['key', 'rotate', '--db', db], { db });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^key 2 is now current\b/);
    assert.equal(fs.statSync(keyFileOf(db)).mode & 0o777, 0o600, 'the key file is still mode 0600');

    server = await startServer({ db });
    admin = await login(server.url, adminUser.username, passwords[adminUser.username]);
    const afterRotate = (await admin.get('/api/v1/users?limit=500')).items;
    assert.deepEqual(
      afterRotate.map(({ id, username, display_name, email }) => ({ id, username, display_name, email })),
      before.map(({ id, username, display_name, email }) => ({ id, username, display_name, email })));

    const { password: made } = await addUserWithLink(admin,
      { username: 'after-rotate', role: 'careline', display_name: 'After Rotate', email: 'after@example.org' });
    const again = await run(['key', 'rotate', '--db', db], { db });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^key 3 is now current\b/);
    assert.equal(await server.stop(), 0);
    server = await startServer({ db });
    const s = await login(server.url, 'after-rotate', made);
    assert.equal(s.user.display_name, 'After Rotate');
    assert.equal(s.user.email, 'after@example.org');
    admin = await login(server.url, adminUser.username, adminUser.password);
    const list = await run(['user', 'list', '--db', db], { db });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(parseList(list.stdout)['users-admin'].name, 'Users Admin');
  });

  test('a database opened with another key file is refused', async () => {
    const otherDb = freshDb();
    await initDb(otherDb);
    const mine = fs.readFileSync(keyFileOf(db));
    const theirs = fs.readFileSync(keyFileOf(otherDb));
    try {
      fs.writeFileSync(keyFileOf(otherDb), mine, { mode: 0o600 });
      const r = await run(['user', 'list', '--db', otherDb], { db: otherDb });
      assert.equal(r.code, 1, `user list with the wrong key file: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, /key/);
    } finally {
      fs.writeFileSync(keyFileOf(otherDb), theirs, { mode: 0o600 });
    }
  });
});
