// The route walk: every route the server has, asked by every role and by
// nobody, against a table of who may use it. A route added to the server
// without a row here fails, and so does a row for a route that is gone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES, createUser, demoUsers, login, request } from '../lib/auth.mjs';
import { ENGINE, cleanup, freshDb, initDb, run, startServer } from '../lib/server.mjs';

/**
 * Who may use each route: 'public' (anyone, no session needed) or the
 * roles allowed. Every other role must get 403; nobody without a session
 * gets past 401 on a route that is not public.
 */
const EXPECTED = {
  'GET /healthz': 'public',
  'GET /api/v1/config': 'public',
  'POST /api/v1/config/validate': ['admin'],
  'POST /api/v1/session': 'public',
  'DELETE /api/v1/session': ROLES,
  'GET /api/v1/me': ROLES,
  // A full session is not at a second-factor step: 409, past the checks.
  'POST /api/v1/session/second-factor': ROLES,
  'POST /api/v1/session/second-factor/enrolment': ROLES,
  'POST /api/v1/session/second-factor/enrolment/confirm': ROLES,
  'GET /api/v1/me/sessions': ROLES,
  'DELETE /api/v1/me/sessions/{sid}': ROLES,
  'GET /api/v1/users': ['admin'],
  'POST /api/v1/users': ['admin'],
  'GET /api/v1/users/{id}': ['admin'],
  'PATCH /api/v1/users/{id}': ['admin'],
  'DELETE /api/v1/users/{id}/sessions': ['admin'],
  'DELETE /api/v1/users/{id}/second-factor': ['admin'],
  'GET /api/v1/audit': ['admin'],
  'POST /api/v1/persons/match': ['careline', 'hart', 'liaison'],
  'POST /api/v1/intakes': ['careline', 'hart'],
  'GET /api/v1/intakes': ['careline', 'hart', 'liaison'],
  'GET /api/v1/intakes/{id}': ['careline', 'hart', 'liaison'],
  'GET /api/v1/intakes/{id}/children/{child}/candidates': ['careline', 'hart'],
  'POST /api/v1/intakes/{id}/children/{child}/link': ['careline', 'hart'],
  'POST /api/v1/intakes/{id}/screenings': ['careline', 'hart'],
  'POST /api/v1/intakes/{id}/disposition': ['careline', 'hart'],
  'GET /api/v1/notifications': ROLES,
  'POST /api/v1/notifications/{id}/read': ROLES,
  'GET /api/v1/outbox': ['admin'],
  'GET /api/v1/drafts/{kind}': ['careline', 'hart'],
  'PUT /api/v1/drafts/{kind}': ['careline', 'hart'],
  'DELETE /api/v1/drafts/{kind}': ['careline', 'hart'],
  'POST /api/v1/cases': ['hart', 'liaison'],
  'GET /api/v1/cases': ['hart', 'liaison', 'mdt'],
  'GET /api/v1/cases/{id}': ['hart', 'liaison', 'mdt'],
  'PATCH /api/v1/cases/{id}': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/events': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/reports': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/missing-episodes': ['hart', 'liaison'],
  'PATCH /api/v1/cases/{id}/missing-episodes/{eid}': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/rapid-responses': ['hart', 'liaison'],
  'PATCH /api/v1/cases/{id}/rapid-responses/{rid}': ['hart', 'liaison'],
  'GET /api/v1/deadlines': ['hart', 'liaison'],
  'GET /api/v1/dashboard': ['hart', 'liaison'],
  'GET /api/v1/teams': ['hart', 'liaison', 'mdt'],
  'POST /api/v1/teams': ['hart'],
  'GET /api/v1/teams/{id}': ['hart', 'liaison', 'mdt'],
  'POST /api/v1/teams/{id}/members': ['hart'],
  'DELETE /api/v1/teams/{id}/members/{mid}': ['hart'],
  'POST /api/v1/teams/{id}/reviews': ['hart', 'liaison'],
  'PATCH /api/v1/teams/{id}/reviews/{rid}': ['hart', 'liaison'],
  'PATCH /api/v1/teams/{id}/reviews/{rid}/action-items/{aid}': ['hart', 'liaison'],
  'GET /api/v1/contacts': ROLES,
  'POST /api/v1/contacts': ['hart', 'admin'],
  'PATCH /api/v1/contacts/{id}': ['hart', 'admin'],
  'GET /api/v1/stats/referrals': ['hart', 'liaison', 'analyst'],
  'GET /api/v1/stats/repeat': ['hart', 'liaison', 'analyst'],
  'GET /api/v1/stats/duties': ['hart', 'liaison', 'analyst'],
  'GET /api/v1/stats/missing': ['hart', 'liaison', 'analyst'],
  'GET /api/v1/stats/rapid-response': ['hart', 'liaison', 'analyst'],
  'GET /api/v1/stats/federal': ['hart', 'liaison', 'analyst'],
  'POST /api/v1/imports/referrals': ['hart', 'admin'],
  'GET /': 'public',
  'GET /app.js': 'public',
  'GET /common.js': 'public',
  'GET /admin.js': 'public',
  'GET /find.js': 'public',
  'GET /intake.js': 'public',
  'GET /report.js': 'public',
  'GET /queue.js': 'public',
  'GET /notify.js': 'public',
  'GET /dashboard.js': 'public',
  'GET /cases.js': 'public',
  'GET /teams.js': 'public',
  'GET /contacts.js': 'public',
  'GET /figures.js': 'public',
  'GET /import.js': 'public',
  'GET /account.js': 'public',
  'GET /app.css': 'public',
  'GET /favicon.svg': 'public',
};

/** Request bodies where `{}` is not what the walk should send. */
const BODIES = {
  'POST /api/v1/session/second-factor': { code: '000000' },
  'POST /api/v1/session/second-factor/enrolment/confirm': { code: '000000' },
};

/** Parses `hartline routes`: [{ method, pattern, access, key }]. */
function parseRoutes(stdout) {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const m = /^([A-Z]+)\s+(\/\S*)\s+(public|session)\s*$/.exec(line);
      assert.ok(m, `a line of hartline routes is "METHOD PATTERN public|session": ${JSON.stringify(line)}`);
      return { method: m[1], pattern: m[2], access: m[3], key: `${m[1]} ${m[2]}` };
    });
}

let routes;
let server;
let demo;
const sessions = {}; // role -> Session
let someUserId;
let targetUserId; // whose sessions and second factor the walk ends and resets: no walker's

before(async () => {
  const r = await run(['routes']);
  assert.equal(r.code, 0, `hartline routes: ${r.stderr}`);
  routes = parseRoutes(r.stdout);

  const db = freshDb();
  await initDb(db);
  demo = await demoUsers(db);
  const target = await createUser(db, { username: 'walk-target', role: 'hart' });
  server = await startServer({ db });
  await Promise.all(
    demo.users.map(async (u) => {
      sessions[u.role] = await login(server.url, u.username, u.password);
    }));
  someUserId = sessions.careline.user.id;
  targetUserId = (await login(server.url, target.username, target.password)).user.id;
});

after(async () => {
  try {
    if (server) assert.equal(await server.stop(), 0);
  } finally {
    await cleanup();
  }
});

// Cases, teams and contacts are walked with ids of none: a role allowed on
// the route must get past the permission check (then 404), and must not
// meet a scope check on an object some other test data happens to be.
const NO_OBJECT = '99999999';

function pathOf(route) {
  const byPermissionOnly = /^\/api\/v1\/(cases|teams|contacts)\//.test(route.pattern);
  return route.pattern.replace(/\{([^}]+)\}/g, (_, name) => {
    if (name === 'id' && /\/(sessions|second-factor)$/.test(route.pattern)) return String(targetUserId);
    if (name === 'id') return byPermissionOnly ? NO_OBJECT : String(someUserId);
    if (name === 'child') return '0';
    if (name === 'kind') return 'intake';
    if (['eid', 'rid', 'mid', 'aid', 'sid'].includes(name)) return NO_OBJECT;
    throw new Error(`the route walk has no value for {${name}} in ${route.key}: add one`);
  });
}

function bodyOf(route) {
  if (route.method === 'GET' || route.method === 'HEAD' || route.method === 'DELETE') return undefined;
  return BODIES[route.key] ?? {};
}

async function send(route, token) {
  const res = await request(server.url, pathOf(route), { method: route.method, body: bodyOf(route), token });
  const text = await res.text();
  return { status: res.status, text: text.length > 160 ? `${text.slice(0, 160)}...` : text, type: res.headers.get('content-type') };
}

// The walk logs each role out at the end, so DELETE /api/v1/session goes last.
function walkOrder() {
  const isLogout = (r) => r.key === 'DELETE /api/v1/session';
  return [...routes.filter((r) => !isLogout(r)), ...routes.filter(isLogout)];
}

describe(`route walk (${ENGINE})`, { timeout: 120_000 }, () => {
  test('hartline routes prints one line per route: METHOD PATTERN public|session', () => {
    assert.ok(routes.length > 0, 'some routes');
    const keys = routes.map((r) => r.key);
    assert.equal(new Set(keys).size, keys.length, `no route twice: ${keys.join(', ')}`);
    for (const r of routes) assert.ok(r.pattern.startsWith('/'), r.key);
  });

  test('every route has a row in the expected-access table and every row is a route', () => {
    const printed = new Set(routes.map((r) => r.key));
    const missing = [...printed].filter((k) => !(k in EXPECTED));
    const gone = Object.keys(EXPECTED).filter((k) => !printed.has(k));
    assert.deepEqual(
      { missing, gone },
      { missing: [], gone: [] },
      `missing: routes without a row in EXPECTED (say who may use them): ${missing.join(', ') || 'none'}; ` +
        `gone: rows in EXPECTED for routes hartline routes no longer prints: ${gone.join(', ') || 'none'}`);
  });

  test('a route is public in the server exactly when the table says public', () => {
    for (const r of routes) {
      if (!(r.key in EXPECTED)) continue;
      assert.equal(r.access, EXPECTED[r.key] === 'public' ? 'public' : 'session', `${r.key}: hartline routes says ${r.access}`);
      if (EXPECTED[r.key] !== 'public') {
        assert.ok(Array.isArray(EXPECTED[r.key]), `${r.key}: a list of roles`);
        for (const role of EXPECTED[r.key]) assert.ok(ROLES.includes(role), `${r.key}: ${role} is a role`);
      }
    }
  });

  test('without a session every route that is not public answers 401, and public routes answer', async () => {
    const wrong = [];
    for (const route of walkOrder()) {
      if (!(route.key in EXPECTED)) continue; // the table test names it
      for (const token of [undefined, 'a'.repeat(64)]) {
        const { status, text } = await send(route, token);
        const who = token ? 'an unknown bearer token' : 'no session';
        if (EXPECTED[route.key] === 'public') {
          if (status === 401 || status === 403) wrong.push(`${route.key} with ${who}: ${status} ${text}`);
        } else if (status !== 401) {
          wrong.push(`${route.key} with ${who}: expected 401, got ${status} ${text}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('every role gets past 401/403 where the table allows it and 403 everywhere else', async () => {
    const wrong = [];
    for (const route of walkOrder()) {
      const allowed = EXPECTED[route.key];
      if (allowed === undefined) continue; // the table test names it
      for (const role of ROLES) {
        const { status, text, type } = await send(route, sessions[role].token);
        const may = allowed === 'public' || allowed.includes(role);
        if (may && (status === 401 || status === 403)) {
          wrong.push(`${role} ${route.key}: allowed, but got ${status} ${text}`);
        } else if (!may && status !== 403) {
          wrong.push(`${role} ${route.key}: not allowed, expected 403, got ${status} ${text}`);
        } else if (!may && !/^application\/problem\+json/.test(type || '')) {
          wrong.push(`${role} ${route.key}: 403 is not a problem: ${type}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('after the walk every session is logged out: GET /api/v1/me answers 401 for each', async () => {
    for (const role of ROLES) {
      const res = await sessions[role].fetch('/api/v1/me');
      await res.arrayBuffer();
      assert.equal(res.status, 401, `${role} after DELETE /api/v1/session`);
    }
  });

  test('each 403 of the walk is in the audit trail as permission.denied of that user', async () => {
    const admin = await login(server.url, demo.byRole.admin.username, demo.byRole.admin.password);
    for (const u of demo.users) {
      const denied = routes.filter((r) => EXPECTED[r.key] !== 'public' && !EXPECTED[r.key]?.includes(u.role)).length;
      const { records } = await admin.get(`/api/v1/audit?action=permission.denied&actor=${u.username}&limit=500`);
      assert.equal(records.length, denied, `${u.username}: ${denied} denials recorded: ${JSON.stringify(records)}`);
      for (const rec of records) {
        assert.equal(rec.actor, u.username);
        assert.equal(rec.action, 'permission.denied');
        assert.equal(rec.client, '127.0.0.1');
        assert.match(rec.detail, /permission/, JSON.stringify(rec));
      }
    }
  });
});
