// Login limits: a lockout by account and client address (so nobody can
// lock the owner out from elsewhere), 429 with Retry-After past the rate
// limits, /healthz answered while the login is flooded; HSTS behind TLS;
// and the sessions a user sees and ends.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUser, login, postSession, readJson, request } from '../lib/auth.mjs';
import { assertPagesWhole, assertProblem } from '../lib/http.mjs';
import { ENGINE, cleanup, freshDb, initDb, startServer, stopAndClean } from '../lib/server.mjs';
import { region } from '../lib/pack.mjs';

const REGION_A = region(0);

/** POST /api/v1/session from the address given in X-Forwarded-For. */
function loginFrom(url, address, username, password) {
  return fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ username, password }),
  });
}

async function status(resPromise) {
  const res = await resPromise;
  await res.arrayBuffer();
  return res.status;
}

describe(`login limits (${ENGINE})`, { timeout: 180_000 }, () => {
  let db;
  let proxied; // --trust-proxy
  let direct; // no --trust-proxy
  let adminUser;
  let careUser;

  before(async () => {
    db = freshDb();
    await initDb(db);
    adminUser = await createUser(db, { username: 'lim-admin', role: 'admin' });
    careUser = await createUser(db, { username: 'lim-care', role: 'careline' });
    proxied = await startServer({ db, args: ['--trust-proxy'] });
    direct = await startServer({ db });
  });

  after(() => stopAndClean(proxied, direct));

  test('five wrong passwords from one address lock the administrator there only: the owner logs in from another', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal(await status(loginFrom(proxied.url, '198.51.100.7', adminUser.username, 'wrong-password-123')), 401);
    }
    assert.equal(await status(loginFrom(proxied.url, '198.51.100.7', adminUser.username, adminUser.password)), 401,
      'locked for the address that failed');
    const res = await loginFrom(proxied.url, '203.0.113.20', adminUser.username, adminUser.password);
    const body = await readJson(res, 201, 'the owner from another address');
    const admin = await login(proxied.url, adminUser.username, adminUser.password).catch((e) => e);
    assert.ok(!(admin instanceof Error), 'and from the server\'s own peer address');
    const audit = await request(proxied.url, '/api/v1/audit?action=user.locked', { token: body.token }).then((r) => r.json());
    assert.match(audit.items[0].detail, /client=198\.51\.100\.7/);
    assert.equal(audit.items[0].client, '198.51.100.7', 'the audit names the proxied address');
  });

  test('without --trust-proxy X-Forwarded-For is ignored: the peer address counts', async () => {
    const u = await createUser(db, { username: 'lim-noproxy', role: 'trainer' });
    for (let i = 0; i < 5; i++) {
      assert.equal(await status(loginFrom(direct.url, `192.0.2.${i + 1}`, u.username, 'wrong-password-123')), 401);
    }
    assert.equal(await status(postSession(direct.url, { username: u.username, password: u.password })), 401,
      'five failures from 127.0.0.1, whatever the header said');
  });

  test('wrong codes lock the pair too; the owner with the code from another address still gets in', async () => {
    const s = await login(proxied.url, careUser.username, careUser.password); // enrols from 127.0.0.1
    assert.ok(s.token);
    for (let i = 0; i < 5; i++) {
      const p = await readJson(await loginFrom(proxied.url, '198.51.100.8', careUser.username, careUser.password), 200, 'password');
      const res = await request(proxied.url, '/api/v1/session/second-factor', {
        method: 'POST', token: p.token, body: { code: '000000' }, headers: { 'x-forwarded-for': '198.51.100.8' },
      });
      assert.equal(res.status, 401);
    }
    assert.equal(await status(loginFrom(proxied.url, '198.51.100.8', careUser.username, careUser.password)), 401);
    await login(proxied.url, careUser.username, careUser.password); // from 127.0.0.1, with a code
  });

  test('past 20 failures an address gets 429 with Retry-After and a plain message; other addresses do not', async () => {
    let res;
    let n = 0;
    for (; n < 40; n++) {
      res = await loginFrom(proxied.url, '198.51.100.99', `nobody-${n}`, 'wrong-password-123');
      if (res.status === 429) break;
      await res.arrayBuffer();
    }
    assert.equal(res.status, 429, 'limited');
    assert.equal(n, 20, 'twenty failures are allowed first');
    assert.match(res.headers.get('retry-after'), /^[1-9][0-9]*$/);
    assert.match(res.headers.get('content-type'), /^application\/problem\+json/);
    const problem = await res.json();
    assert.equal(problem.type, 'urn:hartline:problem:too-many-attempts');
    assert.match(problem.detail, /^Too many attempts to log in\. Wait \d+ seconds?, then try again\.$/);
    assert.equal(problem.retry_after, Number(res.headers.get('retry-after')));
    // The right password is not even checked while the address must wait.
    assert.equal(await status(loginFrom(proxied.url, '198.51.100.99', adminUser.username, adminUser.password)), 429);
    assert.equal(await status(loginFrom(proxied.url, '198.51.100.100', 'nobody', 'wrong-password-123')), 401);
  });

  // The password hashes run on threads of their own: a worker never stops
  // answering its other connections (this fetch keeps its connection) to hash.
  test('16 clients flooding the login do not stop /healthz from answering', async () => {
    const until = Date.now() + 4000;
    const counts = { 401: 0, 429: 0, other: 0 };
    const flood = Array.from({ length: 16 }, (_, i) => (async () => {
      while (Date.now() < until) {
        const s = await status(loginFrom(proxied.url, `10.9.${i}.${Math.floor(Math.random() * 250)}`, `flood-${i}`, 'wrong-password-123'));
        counts[s in counts ? s : 'other']++;
      }
    })());
    const times = [];
    const health = (async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        const res = await fetch(`${proxied.url}/healthz`);
        await res.arrayBuffer();
        assert.equal(res.status, 200);
        times.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await Promise.all([...flood, health]);
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    assert.equal(counts.other, 0, JSON.stringify(counts));
    assert.ok(counts[401] > 0, `the logins were answered too: ${JSON.stringify(counts)}`);
    assert.ok(times.length >= 20, `healthz answered ${times.length} times`);
    assert.ok(median < 100, `healthz median ${median.toFixed(1)} ms under the flood (${JSON.stringify(counts)})`);
  });
});

describe(`HSTS (${ENGINE})`, { timeout: 60_000 }, () => {
  after(cleanup);

  test('with --cookie-secure every answer carries Strict-Transport-Security; without, none does', async () => {
    const db = freshDb();
    await initDb(db);
    const secure = await startServer({ db, args: ['--cookie-secure'] });
    const plain = await startServer({ db });
    try {
      for (const p of ['/healthz', '/', '/api/v1/me', '/no-such-page']) {
        const a = await fetch(`${secure.url}${p}`);
        await a.arrayBuffer();
        assert.equal(a.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains', p);
        const b = await fetch(`${plain.url}${p}`);
        await b.arrayBuffer();
        assert.equal(b.headers.get('strict-transport-security'), null, p);
      }
    } finally {
      await secure.stop();
      await plain.stop();
    }
  });
});

describe(`sessions list (${ENGINE})`, { timeout: 60_000 }, () => {
  let db, server, admin, alice, bob;

  before(async () => {
    db = freshDb();
    await initDb(db);
    const a = await createUser(db, { username: 'ses-admin', role: 'admin' });
    alice = await createUser(db, { username: 'ses-alice', role: 'hart' });
    bob = await createUser(db, { username: 'ses-bob', role: 'liaison', scope: REGION_A });
    server = await startServer({ db, args: ['--trust-proxy'] });
    admin = await login(server.url, a.username, a.password);
  });

  after(() => stopAndClean(server));

  test('a user sees their active sessions: created, last used, address and a short browser name', async () => {
    const one = await login(server.url, alice.username, alice.password);
    const two = await login(server.url, alice.username, alice.password);
    const { items: sessions } = await one.get('/api/v1/me/sessions');
    assert.equal(sessions.length, 2, JSON.stringify(sessions));
    const mine = sessions.find((s) => s.current);
    assert.ok(mine, 'the session asking is marked');
    assert.deepEqual(Object.keys(mine).sort(), ['client', 'created_at', 'current', 'id', 'last_used_at', 'user_agent']);
    assert.equal(mine.client, '127.0.0.1');
    assert.equal(mine.user_agent, 'Node.js');
    assert.match(mine.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(sessions.filter((s) => s.current).length, 1);
    const res = await request(server.url, '/api/v1/me/sessions', {
      token: two.token, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36' },
    });
    assert.equal((await res.json()).items.length, 2);
    // A partial session (password given, code not yet) is not listed.
    await readJson(await postSession(server.url, { username: alice.username, password: alice.password }), 200, 'partial');
    assert.equal((await one.get('/api/v1/me/sessions')).items.length, 2);
  });

  test('the sessions are a page at a time: two by two with after, no session twice and none left out', async () => {
    const me = await login(server.url, bob.username, bob.password);
    for (let i = 0; i < 4; i++) await login(server.url, bob.username, bob.password);
    const ids = await assertPagesWhole(me, '/api/v1/me/sessions', { what: 'my sessions' });
    assert.ok(ids.length >= 5, JSON.stringify(ids));
    await assertPagesWhole(me, '/api/v1/me/sessions?sort=id', { what: 'my sessions by id' });
    await assertPagesWhole(me, '/api/v1/me/sessions?sort=-last_used_at', { what: 'my sessions by last use' });
    await assertProblem(await me.fetch('/api/v1/me/sessions?sort=client'), 422, 'a sort the list has not');
  });

  test('a user ends one of their sessions; ending another user\'s is not found and audited', async () => {
    const keep = await login(server.url, alice.username, alice.password);
    const end = await login(server.url, alice.username, alice.password);
    const other = await login(server.url, bob.username, bob.password);
    const endId = (await end.get('/api/v1/me/sessions')).items.find((s) => s.current).id;
    const otherId = (await other.get('/api/v1/me/sessions')).items.find((s) => s.current).id;

    const denied = await keep.fetch(`/api/v1/me/sessions/${otherId}`, { method: 'DELETE' });
    assert.equal(denied.status, 404, 'not one of hers');
    assert.equal((await other.fetch('/api/v1/me')).status, 200, 'Bob\'s session goes on');
    const audit = await admin.get('/api/v1/audit?action=permission.denied&user=ses-alice');
    assert.ok(audit.items.some((r) => r.object_type === 'session' && r.object_id === String(otherId)), JSON.stringify(audit.items));

    const ok = await keep.fetch(`/api/v1/me/sessions/${endId}`, { method: 'DELETE' });
    assert.equal(ok.status, 204);
    assert.equal((await end.fetch('/api/v1/me')).status, 401, 'the ended session is over');
    assert.equal((await keep.fetch('/api/v1/me')).status, 200);
    assert.ok(!(await keep.get('/api/v1/me/sessions')).items.some((s) => s.id === endId));
    const again = await keep.fetch(`/api/v1/me/sessions/${endId}`, { method: 'DELETE' });
    assert.equal(again.status, 404, 'an ended session cannot be ended twice');
  });

  test('an administrator ends all of a user\'s sessions (audited); nobody else may', async () => {
    const s1 = await login(server.url, bob.username, bob.password);
    const s2 = await login(server.url, bob.username, bob.password);
    const hart = await login(server.url, alice.username, alice.password);
    const denied = await hart.fetch(`/api/v1/users/${s1.user.id}/sessions`, { method: 'DELETE' });
    assert.equal(denied.status, 403);
    const self = await s1.fetch(`/api/v1/users/${s1.user.id}/sessions`, { method: 'DELETE' });
    assert.equal(self.status, 403, 'not even one\'s own through the administrator\'s route');
    assert.equal((await s2.fetch('/api/v1/me')).status, 200);

    const res = await admin.fetch(`/api/v1/users/${s1.user.id}/sessions`, { method: 'DELETE' });
    const body = await readJson(res, 200, 'end all');
    assert.ok(body.ended >= 2, JSON.stringify(body));
    for (const s of [s1, s2]) assert.equal((await s.fetch('/api/v1/me')).status, 401);
    assert.equal((await hart.fetch('/api/v1/me')).status, 200, 'another user\'s sessions go on');
    const audit = await admin.get('/api/v1/audit?action=sessions.end_all');
    assert.equal(audit.items[0].object_id, String(s1.user.id));
    assert.equal(audit.items[0].actor, 'ses-admin');
    const missing = await admin.fetch('/api/v1/users/99999/sessions', { method: 'DELETE' });
    assert.equal(missing.status, 404);
  });
});
