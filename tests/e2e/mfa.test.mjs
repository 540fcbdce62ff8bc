// The second factor: enrolment with a QR code and recovery codes, a code at
// every login for the roles that read case content, no code twice, a
// partial session that can do nothing else, and an administrator's reset.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addProvider, completeSecondFactor, createUser, login, mfaSecretOf, postSession, readJson, rememberSecret, request, totp } from '../lib/auth.mjs';
import { ENGINE, dbBytes, freshDb, initDb, nextCodeTime, run, serverOf, sql, startServer, stopAndClean } from '../lib/server.mjs';
import { findAll, parseXml } from '../lib/xml.mjs';
import { region } from '../lib/pack.mjs';

const REGION_A = region(0);

const ENROL = '/api/v1/session/second-factor/enrolment';
const CONFIRM = '/api/v1/session/second-factor/enrolment/confirm';
const CODE = '/api/v1/session/second-factor';

describe(`second factor (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let server;
  let admin;
  const users = {};

  before(async () => {
    db = freshDb();
    await initDb(db);
    const a = await createUser(db, { username: 'mfa-admin', role: 'admin' });
    for (const [name, role, scope] of [['mfa-care', 'careline'], ['mfa-hart', 'hart'], ['mfa-liaison', 'liaison', REGION_A],
      ['mfa-mdt', 'mdt', 'mdt-r1'], ['mfa-trainer', 'trainer'],
      ['mfa-analyst', 'analyst'], ['mfa-replay', 'hart'], ['mfa-reset', 'careline']]) {
      users[name] = await createUser(db, { username: name, role, scope });
    }
    server = await startServer({ db });
    admin = await login(server.url, a.username, a.password);
    // A provider user's scope is the code of a provider in the directory.
    await addProvider(admin, 'mfa_agency');
    users['mfa-provider'] = await createUser(db, { username: 'mfa-provider', role: 'provider', scope: 'mfa_agency' });
  });

  after(() => stopAndClean(server));

  /** Sets the server's code clock to the next step and answers its time. */
  function nextStep() {
    const t = nextCodeTime();
    serverOf(server.url).clock.set(t);
    return t;
  }

  async function partialLogin(u) {
    return readJson(await postSession(server.url, { username: u.username, password: u.password }), 200, `login of ${u.username}`);
  }

  test('every role that reads case content needs a second factor; trainer, analyst and admin do not', async () => {
    for (const name of ['mfa-care', 'mfa-hart', 'mfa-liaison', 'mfa-mdt', 'mfa-provider']) {
      const body = await partialLogin(users[name]);
      assert.equal(body.mfa_required, true, name);
      assert.equal(body.next, 'enrol', `${name} has not enrolled yet`);
      assert.match(body.token, /^[0-9a-f]{64}$/);
    }
    for (const name of ['mfa-trainer', 'mfa-analyst']) {
      const res = await postSession(server.url, { username: users[name].username, password: users[name].password });
      const body = await readJson(res, 201, name);
      assert.equal(body.mfa_required, undefined);
    }
  });

  test('a partial session can only see itself, enrol and log out: everything else is 401 mfa-required', async () => {
    const partial = await partialLogin(users['mfa-hart']);
    const res = await request(server.url, '/api/v1/cases', { token: partial.token });
    const problem = await res.json();
    assert.equal(res.status, 401);
    assert.equal(problem.type, 'urn:hartline:problem:mfa-required');
    assert.equal(problem.next, 'enrol');
    assert.ok(!/urn|mfa/i.test(problem.detail), `a plain message: ${problem.detail}`);
    const me = await readJson(await request(server.url, '/api/v1/me', { token: partial.token }), 200, 'me');
    assert.deepEqual(me.permissions, ['session']);
    assert.deepEqual(me.second_factor, { required: true, next: 'enrol' });
    // A code is not what this session is waiting for.
    const wrongStep = await request(server.url, CODE, { method: 'POST', token: partial.token, body: { code: '123456' } });
    assert.equal(wrongStep.status, 409, await wrongStep.text());
    const out = await request(server.url, '/api/v1/session', { method: 'DELETE', token: partial.token });
    assert.equal(out.status, 204);
  });

  test('enrolment answers the secret, an otpauth address and a QR code that parses as XML; a wrong code is refused', async () => {
    const u = users['mfa-care'];
    const partial = await partialLogin(u);
    const e = await readJson(await request(server.url, ENROL, { method: 'POST', token: partial.token }), 201, 'enrolment');
    assert.match(e.secret, /^[A-Z2-7]{32}$/);
    assert.equal(e.otpauth_uri, `otpauth://totp/hartline:${u.username}?secret=${e.secret}&issuer=hartline&algorithm=SHA1&digits=6&period=30`);
    const svg = parseXml(e.qr_svg);
    assert.equal(svg.name, 'svg');
    assert.equal(svg.attrs.role, 'img');
    assert.equal(findAll(svg, (el) => el.name === 'title').length, 1, 'an accessible name');
    assert.ok(findAll(svg, (el) => el.name === 'path').length === 1, 'the modules');
    assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(e.qr_svg), 'no address of another site');

    const t = nextStep();
    const wrong = await request(server.url, CONFIRM, { method: 'POST', token: partial.token, body: { code: totp(e.secret, t - 5 * 30_000) } });
    const wrongBody = await wrong.json();
    assert.equal(wrong.status, 401, JSON.stringify(wrongBody));
    assert.equal(wrongBody.type, 'urn:hartline:problem:code-failed');

    const ok = await request(server.url, CONFIRM, { method: 'POST', token: partial.token, body: { code: totp(e.secret, t) } });
    const body = await readJson(ok, 201, 'confirm');
    assert.equal(body.recovery_codes.length, 10);
    for (const c of body.recovery_codes) assert.match(c, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    assert.equal(new Set(body.recovery_codes).size, 10);
    assert.notEqual(body.token, partial.token, 'a new token once the second factor is given');
    assert.match(ok.headers.get('set-cookie'), new RegExp(`hartline_session=${body.token}`));
    const old = await request(server.url, '/api/v1/me', { token: partial.token });
    assert.equal(old.status, 401, 'the partial token no longer works');
    const me = await readJson(await request(server.url, '/api/v1/me', { token: body.token }), 200, 'me');
    assert.ok(me.permissions.includes('intakes.write'));
    assert.deepEqual(me.second_factor, { required: true, next: null });

    // The secret and the recovery codes are nowhere in the database in clear.
    const bytes = dbBytes(db);
    assert.ok(!bytes.includes(Buffer.from(e.secret)), 'the secret is sealed');
    for (const c of body.recovery_codes) {
      assert.ok(!bytes.includes(Buffer.from(c.replace(/-/g, ''))) && !bytes.includes(Buffer.from(c)), 'recovery codes are hashed');
    }
    users['mfa-care'].secret = e.secret;
    users['mfa-care'].recovery = body.recovery_codes;
  });

  test('the next login asks for a code; each code is accepted once, and only near its time', async () => {
    const u = users['mfa-care'];
    const t = nextStep();
    const code = totp(u.secret, t);
    const first = await partialLogin(u);
    assert.equal(first.next, 'code');
    const res = await request(server.url, CODE, { method: 'POST', token: first.token, body: { code } });
    await readJson(res, 201, 'code');

    const again = await partialLogin(u);
    const replay = await request(server.url, CODE, { method: 'POST', token: again.token, body: { code } });
    assert.equal(replay.status, 401, 'the same code a second time, within its window');
    const old = await request(server.url, CODE, { method: 'POST', token: again.token, body: { code: totp(u.secret, t - 30_000) } });
    assert.equal(old.status, 401, 'the code of an earlier step, once a later one was used');
    const t2 = nextStep();
    const far = await request(server.url, CODE, { method: 'POST', token: again.token, body: { code: totp(u.secret, t2 + 3 * 30_000) } });
    assert.equal(far.status, 401, 'a code of three steps ahead');
    const near = await request(server.url, CODE, { method: 'POST', token: again.token, body: { code: totp(u.secret, t2 + 30_000) } });
    await readJson(near, 201, 'a code one step ahead (a phone a little fast)');
  });

  test('a recovery code logs in once', async () => {
    const u = users['mfa-care'];
    const code = u.recovery[3].toLowerCase();
    const a = await partialLogin(u);
    await readJson(await request(server.url, CODE, { method: 'POST', token: a.token, body: { recovery_code: code } }), 201, 'recovery');
    const b = await partialLogin(u);
    const res = await request(server.url, CODE, { method: 'POST', token: b.token, body: { recovery_code: code } });
    assert.equal(res.status, 401, 'a recovery code used once does not work again');
    const both = await request(server.url, CODE, { method: 'POST', token: b.token, body: { code: '123456', recovery_code: code } });
    assert.equal(both.status, 422, 'a code or a recovery code, not both');
  });

  test('wrong codes count towards the lockout: five lock the account for this address', async () => {
    const u = users['mfa-replay'];
    await login(server.url, u.username, u.password); // enrols
    const secret = mfaSecretOf(server.url, u.username);
    for (let i = 0; i < 5; i++) {
      const p = await partialLogin(u);
      const res = await request(server.url, CODE, { method: 'POST', token: p.token, body: { code: '000000' } });
      assert.equal(res.status, 401);
    }
    const p = await partialLogin(u).catch(() => null);
    assert.equal(p, null, 'the password alone is refused now: the account is locked for this address');
    const res = await postSession(server.url, { username: u.username, password: u.password });
    assert.equal(res.status, 401);
    const id = (await admin.get('/api/v1/users?limit=500')).items.find((x) => x.username === u.username).id;
    const audit = await admin.get('/api/v1/audit?action=user.locked');
    assert.ok(audit.items.some((r) => r.object_id === String(id)), 'the lock is audited');
    assert.ok(secret);
  });

  test('an administrator resets a second factor (audited): the sessions end and the user enrols again', async () => {
    const u = users['mfa-reset'];
    const s = await login(server.url, u.username, u.password);
    const hart = await login(server.url, users['mfa-hart'].username, users['mfa-hart'].password);
    const denied = await hart.fetch(`/api/v1/users/${s.user.id}/second-factor`, { method: 'DELETE' });
    assert.equal(denied.status, 403, 'only an administrator');
    const res = await admin.fetch(`/api/v1/users/${s.user.id}/second-factor`, { method: 'DELETE' });
    assert.equal(res.status, 204, await res.text());
    assert.equal((await s.fetch('/api/v1/me')).status, 401, 'the user\'s sessions ended');
    const again = await partialLogin(u);
    assert.equal(again.next, 'enrol');
    const done = await completeSecondFactor(server.url, u.username, again);
    assert.equal(done.body.recovery_codes.length, 10);
    const audit = await admin.get('/api/v1/audit?action=mfa.reset');
    assert.equal(audit.items[0].object_id, String(s.user.id));
    assert.equal(audit.items[0].actor, 'mfa-admin');
    const missing = await admin.fetch('/api/v1/users/99999/second-factor', { method: 'DELETE' });
    assert.equal(missing.status, 404);
  });

  test('hartline key rotate re-seals the secrets: the same authenticator still logs in', async () => {
    assert.equal(await server.stop(), 0);
    const sealed = () => sql(db, ENGINE === 'sqlite' ? 'SELECT hex(secret) FROM user_totp ORDER BY id'
      : "SELECT encode(secret, 'hex') FROM user_totp ORDER BY id").trim();
    const before = sealed();
    const r = await run(['key', 'rotate', '--db', db], { db });
    assert.equal(r.code, 0, r.stderr);
    const afterRotate = sealed();
    assert.equal(afterRotate.split('\n').length, before.split('\n').length);
    for (const [i, line] of afterRotate.split('\n').entries()) assert.notEqual(line, before.split('\n')[i], 'sealed again under the new key');
    server = await startServer({ db });
    rememberSecret(server.url, 'mfa-care', users['mfa-care'].secret); // set up through the API above
    const s = await login(server.url, users['mfa-care'].username, users['mfa-care'].password);
    assert.equal((await s.fetch('/api/v1/me')).status, 200);
  });
});
