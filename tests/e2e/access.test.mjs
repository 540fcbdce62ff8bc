// The route walk: every route the server has, asked by every role and by
// nobody, against a table of who may use it. A route added to the server
// without a row here fails, and so does a row for a route that is gone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES, createUser, demoUsers, login, request } from '../lib/auth.mjs';
import { ENGINE, cleanup, freshDb, initDb, run, startServer } from '../lib/server.mjs';
import { MDT_ROLES, concern, nth, region, source, town } from '../lib/pack.mjs';

const MEMBER_ROLE = nth(MDT_ROLES, 2);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const REGION_A = region(0);
const REGION_B = region(1);
const TOWN_A = town(0, 0, 0);

/**
 * Who may use each route: 'public' (anyone, no session needed) or the
 * roles allowed. Every other role must get 403; nobody without a session
 * gets past 401 on a route that is not public.
 */
const EXPECTED = {
  'GET /healthz': 'public',
  // No session; its own gate: the allowed addresses (the walk's 127.0.0.1) or the metrics token.
  'GET /metrics': 'public',
  'GET /api/v1/config': 'public',
  'POST /api/v1/config/validate': ['admin'],
  'POST /api/v1/session': 'public',
  'DELETE /api/v1/session': ROLES,
  'GET /api/v1/me': ROLES,
  'GET /api/v1/session': 'public',
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
  'POST /api/v1/users/{id}/setup-link': ['admin'],
  'POST /api/v1/setup/check': 'public',
  'POST /api/v1/setup': 'public',
  'POST /api/v1/access-notices/{id}/acknowledge': ['hart'],
  'DELETE /api/v1/users/{id}/sessions': ['admin'],
  'DELETE /api/v1/users/{id}/second-factor': ['admin'],
  'GET /api/v1/audit': ['admin'],
  'GET /api/v1/audit/export': ['admin'],
  'GET /api/v1/audit/actions': ['admin'],
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
  'POST /api/v1/notifications/read': ROLES,
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
  'POST /api/v1/cases/{id}/missing-episodes/{eid}/corrections': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/events/{eid}/corrections': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/rapid-responses': ['hart', 'liaison'],
  'PATCH /api/v1/cases/{id}/rapid-responses/{rid}': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/assignments': ['hart', 'liaison'],
  'DELETE /api/v1/cases/{id}/assignments/{aid}': ['hart', 'liaison'],
  'GET /api/v1/cases/{id}/assignable': ['hart', 'liaison'],
  'POST /api/v1/cases/{id}/reopen': ['hart'],
  'GET /api/v1/cases/{id}/print': ['hart', 'liaison', 'mdt'],
  'GET /api/v1/me/cases': ['hart', 'liaison', 'mdt'],
  'GET /api/v1/me/duties': ['hart', 'liaison', 'mdt'],
  'GET /api/v1/caseload': ['hart', 'liaison'],
  'GET /api/v1/deadlines': ['hart', 'liaison'],
  'GET /api/v1/dashboard': ['hart', 'liaison'],
  'GET /api/v1/teams': ['hart', 'liaison', 'mdt'],
  'POST /api/v1/teams': ['hart'],
  'GET /api/v1/teams/{id}': ['hart', 'liaison', 'mdt'],
  'POST /api/v1/teams/{id}/members': ['hart'],
  'DELETE /api/v1/teams/{id}/members/{mid}': ['hart'],
  'POST /api/v1/teams/{id}/reviews': ['hart', 'liaison'],
  'PATCH /api/v1/teams/{id}/reviews/{rid}': ['hart', 'liaison'],
  // An mdt member marks done an item it owns (the service refuses any other).
  'PATCH /api/v1/teams/{id}/reviews/{rid}/action-items/{aid}': ['hart', 'liaison', 'mdt'],
  'POST /api/v1/teams/{id}/reviews/{rid}/action-items/{aid}/corrections': ['hart', 'liaison'],
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
  'GET /api/v1/providers': ROLES,
  'POST /api/v1/providers': ['hart', 'admin'],
  'GET /api/v1/providers/export.csv': ROLES,
  'GET /api/v1/providers/{id}': ROLES,
  'PATCH /api/v1/providers/{id}': ['hart', 'admin'],
  'GET /api/v1/cases/{id}/rapid-offers': ['hart', 'liaison', 'mdt'],
  'GET /api/v1/stats/services': ['hart', 'liaison', 'analyst'],
  'GET /api/v1/stats/relief': ['hart', 'liaison', 'analyst'],
  'GET /api/v1/stats/training': ['trainer', 'hart', 'analyst'],
  'GET /api/v1/cases/{id}/plans': ['hart', 'liaison', 'mdt'],
  'GET /api/v1/cases/{id}/plans/{kind}': ['hart', 'liaison', 'mdt'],
  'PUT /api/v1/cases/{id}/plans/{kind}': ['hart', 'liaison'],
  'GET /api/v1/cases/{id}/plans/{kind}/versions/{n}': ['hart', 'liaison', 'mdt'],
  'GET /plans.js': 'public',
  'POST /api/v1/cases/{id}/attachments': ['hart', 'liaison'],
  'GET /api/v1/cases/{id}/attachments': ['hart', 'liaison'],
  'POST /api/v1/persons/{id}/attachments': ['hart', 'liaison'],
  'GET /api/v1/persons/{id}/attachments': ['hart', 'liaison'],
  'GET /api/v1/attachments/{id}': ['hart', 'liaison'],
  'GET /attachments.js': 'public',
  'GET /api/v1/persons/{id}': ['hart', 'liaison', 'mdt'],
  'POST /api/v1/persons/{id}/merge': ['hart'],
  'POST /api/v1/persons/merges/{mid}/undo': ['hart'],
  'GET /api/v1/persons/{id}/relief': ['hart', 'liaison'],
  'POST /api/v1/persons/{id}/relief': ['hart', 'liaison'],
  'PATCH /api/v1/relief/{rid}': ['hart', 'liaison'],
  'POST /api/v1/break-glass': ['hart', 'liaison', 'mdt'],
  // Service referrals: PATCH is every reader's; the service asks each move's permission.
  'POST /api/v1/cases/{id}/referrals': ['hart', 'liaison'],
  'GET /api/v1/referrals': ['hart', 'liaison', 'mdt', 'provider'],
  'GET /api/v1/referrals/{id}': ['hart', 'liaison', 'mdt', 'provider'],
  'PATCH /api/v1/referrals/{id}': ['hart', 'liaison', 'mdt', 'provider'],
  'POST /api/v1/referrals/{id}/rereferral': ['hart', 'liaison'],
  // Training certificates and the trainers' cascade; anyone checks a code.
  'GET /api/v1/training/certificates': ['trainer', 'provider'],
  'GET /api/v1/training/certificates/{id}': ['trainer', 'provider'],
  'GET /api/v1/training/certificates/{id}/print': ['trainer', 'provider'],
  'POST /api/v1/training/certificates/{id}/revoke': ['trainer'],
  'GET /api/v1/training/trainers': ['trainer', 'provider'],
  'GET /api/v1/training/trainers/{id}': ['trainer', 'provider'],
  'GET /api/v1/verify/{code}': 'public',
  'GET /verify': 'public',
  'GET /verify.js': 'public',
  'GET /certificates.js': 'public',
  'GET /': 'public',
  'GET /setup': 'public',
  'GET /setup.js': 'public',
  'GET /app.js': 'public',
  'GET /common.js': 'public',
  'GET /admin.js': 'public',
  'GET /settingscheck.js': 'public',
  'GET /find.js': 'public',
  'GET /intake.js': 'public',
  'GET /report.js': 'public',
  'GET /queue.js': 'public',
  'GET /listpage.js': 'public',
  'GET /notify.js': 'public',
  'GET /dashboard.js': 'public',
  'GET /cases.js': 'public',
  'GET /assign.js': 'public',
  'GET /caseload.js': 'public',
  'GET /closing.js': 'public',
  'GET /mywork.js': 'public',
  'GET /print.js': 'public',
  'GET /timeline.js': 'public',
  'GET /confirm.js': 'public',
  'GET /teams.js': 'public',
  'GET /contacts.js': 'public',
  'GET /providers.js': 'public',
  'GET /figures.js': 'public',
  'GET /import.js': 'public',
  'GET /account.js': 'public',
  'GET /person.js': 'public',
  'GET /referrals.js': 'public',
  'GET /training.js': 'public',
  'GET /training_import.js': 'public',
  // Training (docs/training.md): the trainer manages it; a provider reads its own staff's.
  'GET /api/v1/training/trainees': ['trainer', 'provider'],
  'POST /api/v1/training/trainees': ['trainer'],
  'GET /api/v1/training/trainees/{id}': ['trainer', 'provider'],
  'PATCH /api/v1/training/trainees/{id}': ['trainer'],
  'GET /api/v1/training/sessions': ['trainer', 'provider'],
  'POST /api/v1/training/sessions': ['trainer'],
  'GET /api/v1/training/sessions/{id}': ['trainer', 'provider'],
  'PATCH /api/v1/training/sessions/{id}': ['trainer'],
  'POST /api/v1/training/sessions/{id}/registrations': ['trainer'],
  'DELETE /api/v1/training/sessions/{id}/registrations/{rid}': ['trainer'],
  'PUT /api/v1/training/sessions/{id}/attendance': ['trainer'],
  'POST /api/v1/training/sessions/{id}/imports': ['trainer'],
  'GET /app.css': 'public',
  'GET /favicon.svg': 'public',
};

/** Request bodies where `{}` is not what the walk should send. */
const BODIES = {
  'POST /api/v1/session/second-factor': { code: '000000' },
  'POST /api/v1/session/second-factor/enrolment/confirm': { code: '000000' },
};

/**
 * Parses `hartline routes`, "METHOD PATTERN public|session PERMISSION ROLES
 * BODY": [{ method, pattern, access, perm, roles, body, key }]. roles are
 * the roles that hold the route's permission in the server's role table;
 * a public route prints "-" for both.
 */
function parseRoutes(stdout) {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const m = /^([A-Z]+)\s+(\/\S*)\s+(public|session)\s+(\S+)\s+(\S+)\s+(.*?)\s*$/.exec(line);
      assert.ok(m, `a line of hartline routes is "METHOD PATTERN public|session PERMISSION ROLES BODY": ${JSON.stringify(line)}`);
      const roles = m[5] === '-' ? [] : m[5].split(',');
      return { method: m[1], pattern: m[2], access: m[3], perm: m[4], roles, body: m[6], key: `${m[1]} ${m[2]}` };
    });
}

/** Whether role may use route, by the permission the server printed for it. */
function mayByPermission(route, role) {
  return route.access === 'public' || route.roles.includes(role);
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
  // A set-up link for a walked user would end its sessions: none of those.
  const byPermissionOnly = /^\/api\/v1\/(cases|teams|contacts|access-notices|persons|referrals|attachments)\/|\/setup-link$/.test(route.pattern);
  return route.pattern.replace(/\{([^}]+)\}/g, (_, name) => {
    if (name === 'id' && /\/(sessions|second-factor)$/.test(route.pattern)) return String(targetUserId);
    if (name === 'id') return byPermissionOnly ? NO_OBJECT : String(someUserId);
    if (name === 'child') return '0';
    if (name === 'kind') return 'intake';
    if (name === 'n') return '1'; // a plan's version
    if (name === 'code') return 'NOSUCHCODE1'; // a certificate's verification code
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
  test('hartline routes prints one line per route: METHOD PATTERN public|session PERMISSION ROLES BODY', () => {
    assert.ok(routes.length > 0, 'some routes');
    const keys = routes.map((r) => r.key);
    assert.equal(new Set(keys).size, keys.length, `no route twice: ${keys.join(', ')}`);
    for (const r of routes) {
      assert.ok(r.pattern.startsWith('/'), r.key);
      if (r.access === 'public') {
        assert.deepEqual([r.perm, r.roles], ['-', []], `${r.key}: a public route needs no permission`);
      } else {
        assert.match(r.perm, /^[a-z]+(\.[a-z]+)?$/, `${r.key}: a permission name`);
        assert.ok(r.roles.length > 0, `${r.key}: some role holds ${r.perm}`);
        for (const role of r.roles) assert.ok(ROLES.includes(role), `${r.key}: ${role} is a role`);
      }
      assert.ok(r.body !== '', `${r.key}: the body column says "-", "handler" or the schema`);
    }
  });

  test('the roles holding each route\'s permission are exactly the roles the table allows', () => {
    const wrong = [];
    for (const r of routes) {
      const allowed = EXPECTED[r.key];
      if (allowed === undefined || allowed === 'public') continue; // the tests above and below name it
      const printed = [...r.roles].sort();
      const expected = [...allowed].sort();
      if (printed.join(',') !== expected.join(',')) wrong.push(`${r.key} (${r.perm}): held by ${printed.join(',')}, the table allows ${expected.join(',')}`);
    }
    assert.deepEqual(wrong, []);
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

  test('every role gets past 401/403 where its permission and the table allow it and 403 everywhere else', async () => {
    const wrong = [];
    let unauthorisedSuccesses = 0;
    for (const route of walkOrder()) {
      const allowed = EXPECTED[route.key];
      if (allowed === undefined) continue; // the table test names it
      for (const role of ROLES) {
        const { status, text, type } = await send(route, sessions[role].token);
        const may = allowed === 'public' || allowed.includes(role);
        if (may !== mayByPermission(route, role)) {
          wrong.push(`${role} ${route.key}: the table says ${may ? 'allowed' : 'refused'}, ${route.perm} says otherwise`);
        }
        if (!may && status >= 200 && status < 300) unauthorisedSuccesses++;
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
    assert.equal(unauthorisedSuccesses, 0, 'no role succeeds where its permission does not reach');
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
      const { items: records } = await admin.get(`/api/v1/audit?action=permission.denied&user=${u.username}&limit=500`);
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

// The hard cases of the walk: a NUL in every place a request can carry one,
// a reused Idempotency-Key with other words, a member removed from an MDT,
// and an action item's owner outside the team. Each is asked of every role
// (and of nobody) and must never succeed.
describe(`route walk: hard cases (${ENGINE})`, { timeout: 240_000 }, () => {
  const TEAMS = '/api/v1/teams';
  const CASES = '/api/v1/cases';
  const INTAKES = '/api/v1/intakes';
  let hard;
  let hardDemo;
  const as = {};
  let team;
  let kase;
  let review;
  let memberId;

  const report = (family) => ({
    received_at: new Date(Date.now() - 60_000).toISOString(),
    channel: 'phone',
    reporter: { source: SOURCE_A, name: 'A school counselor' },
    children: [{ given_name: 'Robin', family_name: family, town: TOWN_A, estimated_age: 15 }],
    narrative: 'A synthetic report for the route walk.',
    concerns: [CONCERN_A],
  });
  async function intakeCount() {
    return (await as.hart.get('/api/v1/intakes?limit=500')).items.length;
  }

  before(async () => {
    const db = freshDb();
    await initDb(db);
    hardDemo = await demoUsers(db);
    const member = await createUser(db, { username: 'walk-mdt-member', role: 'mdt', scope: 'walk-t1' });
    const liaisonR2 = await createUser(db, { username: 'walk-liaison-r2', role: 'liaison', scope: REGION_B });
    const otherMdt = await createUser(db, { username: 'walk-mdt-other', role: 'mdt', scope: 'walk-t2' });
    hard = await startServer({ db });
    for (const u of hardDemo.users) as[u.role] = await login(hard.url, u.username, u.password);
    as.member = await login(hard.url, member.username, member.password);
    as.liaisonR2 = await login(hard.url, liaisonR2.username, liaisonR2.password);
    as.otherMdt = await login(hard.url, otherMdt.username, otherMdt.password);

    team = (await readJsonOf(as.hart.fetch(TEAMS, { method: 'POST', body: { code: 'walk-t1', name: 'Walk team', region: REGION_A } }), 201)).id;
    await readJsonOf(as.hart.fetch(TEAMS, { method: 'POST', body: { code: 'walk-t2', name: 'Other walk team', region: REGION_A } }), 201);
    memberId = (await readJsonOf(as.hart.fetch(`${TEAMS}/${team}/members`, {
      method: 'POST', body: { name: 'Walk Member', agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, user_id: as.member.user.id },
    }), 201)).id;
    const { id } = await readJsonOf(as.careline.fetch(INTAKES, { method: 'POST', body: report('Walkcase') }), 201);
    await readJsonOf(as.careline.fetch(`${INTAKES}/${id}/disposition`, {
      method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 },
    }), 200);
    kase = await readJsonOf(as.hart.fetch(CASES, { method: 'POST', body: { intake_id: id } }), 201);
    review = (await readJsonOf(as.hart.fetch(`${TEAMS}/${team}/reviews`, {
      method: 'POST', body: { case_id: kase.id, scheduled_at: new Date(Date.now() + 86_400_000).toISOString() },
    }), 201)).id;
  });
  after(async () => {
    if (hard) assert.equal(await hard.stop(), 0);
  });

  async function readJsonOf(promise, status) {
    const res = await promise;
    const text = await res.text();
    assert.equal(res.status, status, text);
    return JSON.parse(text);
  }
  const tokens = () => [['nobody', undefined], ...ROLES.map((r) => [r, as[r].token])];
  const nulPath = (route) => {
    if (/\{[^}]+\}/.test(route.pattern)) return route.pattern.replace(/\{[^}]+\}/g, '1%00x');
    return route.pattern === '/' ? '/%00' : `${route.pattern}%00`;
  };
  async function ask(route, path, token, body, headers) {
    const res = await request(hard.url, path, { method: route.method, body, token, headers });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: the status says enough
    }
    return { status: res.status, json, text: text.slice(0, 160) };
  }

  test('a NUL in the path answers 400 on every route, for every role and for nobody', async () => {
    const wrong = [];
    for (const route of walkOrder()) {
      for (const [who, token] of tokens()) {
        const { status, text } = await ask(route, nulPath(route), token, route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
        if (status !== 400) wrong.push(`${who} ${route.key} at ${nulPath(route)}: ${status} ${text}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('a NUL in a query parameter answers 422 naming it on every GET route, for every role and for nobody', async () => {
    const wrong = [];
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const path = `${pathOf(route)}?note=a%00b`;
      for (const [who, token] of tokens()) {
        const { status, json, text } = await ask(route, path, token);
        if (status !== 422 || !json?.errors?.some((e) => e.field === 'note')) wrong.push(`${who} ${route.key}: ${status} ${text}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('a NUL in a JSON body answers 422 naming the field for every role, 401 for nobody, and stores nothing', async () => {
    const before = await intakeCount();
    const wrong = [];
    // Routes that read no JSON body (an action on the object in the path)
    // ignore one; the referral import reads its body as a file, with a NUL
    // byte refused as a bad line; an attachment is the file itself, whose
    // kind its content decides (a NUL is no text: e2e/attachments.test.mjs).
    const NO_JSON_BODY = new Set([
      'POST /api/v1/users/{id}/setup-link',
      'POST /api/v1/access-notices/{id}/acknowledge',
      'POST /api/v1/notifications/{id}/read',
      'POST /api/v1/notifications/read',
      'POST /api/v1/imports/referrals',
      'POST /api/v1/training/sessions/{id}/imports',
      'POST /api/v1/session/second-factor/enrolment',
      'POST /api/v1/cases/{id}/attachments',
      'POST /api/v1/persons/{id}/attachments',
    ]);
    for (const route of routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !NO_JSON_BODY.has(r.key))) {
      for (const [who, token] of tokens()) {
        const { status, json, text } = await ask(route, pathOf(route), token, '{"note":"a\\u0000b"}');
        const expectNobody = EXPECTED[route.key] === 'public' ? 422 : 401;
        if (who === 'nobody' && status !== expectNobody) wrong.push(`nobody ${route.key}: expected ${expectNobody}, got ${status} ${text}`);
        else if (who !== 'nobody' && (status !== 422 || !json?.errors?.some((e) => e.field === 'note')))
          wrong.push(`${who} ${route.key}: expected 422 naming note, got ${status} ${text}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.equal(await intakeCount(), before, 'no report stored');
    for (const role of ['hart', 'admin']) {
      const csv = `year,source,region\n2015,law_enf\u0000orcement,R1\n`;
      const res = await request(hard.url, '/api/v1/imports/referrals', { method: 'POST', body: csv, token: as[role].token, headers: { 'content-type': 'text/csv' } });
      const text = await res.text();
      assert.equal(res.status, 422, `${role} imports a file holding a NUL byte: ${text.slice(0, 300)}`);
    }
  });

  test('a reused Idempotency-Key with other words: 422 for those who record reports, 403 for the rest, 401 for nobody; nothing stored', async () => {
    const key = `walk-${Date.now()}`;
    const words = report('Walkidem');
    const first = await readJsonOf(as.careline.fetch(INTAKES, { method: 'POST', body: words, headers: { 'idempotency-key': key } }), 201);
    const count = await intakeCount();
    const wrong = [];
    for (const [who, token] of tokens()) {
      const res = await request(hard.url, INTAKES, { method: 'POST', body: report('Walkother'), token, headers: { 'idempotency-key': key } });
      const text = await res.text();
      const expected = who === 'nobody' ? 401 : who === 'careline' ? 422 : who === 'hart' ? 201 : 403;
      if (res.status !== expected) wrong.push(`${who}: expected ${expected}, got ${res.status} ${text.slice(0, 160)}`);
      if (who === 'careline' && !/idempotency-mismatch/.test(text)) wrong.push(`careline: not an idempotency-mismatch problem: ${text.slice(0, 160)}`);
    }
    assert.deepEqual(wrong, []);
    // Keys are the sender's own: HART's report under the same key is its first.
    assert.equal(await intakeCount(), count + 1, 'only HART\'s own first report was stored');
    const again = await readJsonOf(as.careline.fetch(INTAKES, { method: 'POST', body: words, headers: { 'idempotency-key': key } }), 200);
    assert.equal(again.replayed, true);
    assert.equal(again.id, first.id, 'the same words replay the first report');
  });

  test('an action item owner outside the team or HART is refused for every such user; a member or HART is taken', async () => {
    const outsiders = ['careline', 'liaison', 'liaisonR2', 'mdt', 'otherMdt', 'provider', 'trainer', 'analyst', 'admin'];
    const wrong = [];
    const hold = (owner) => as.hart.fetch(`${TEAMS}/${team}/reviews/${review}`, {
      method: 'PATCH',
      body: { held_at: new Date(Date.now() - 60_000).toISOString(), action_items: [{ text: 'Walk item.', owner: 'Someone', owner_user_id: owner, due_at: new Date(Date.now() + 3 * 86_400_000).toISOString() }] },
    });
    for (const o of outsiders) {
      const res = await hold(as[o].user.id);
      const text = await res.text();
      if (res.status !== 422 || !/action_items\[0\]\.owner_user_id/.test(text)) wrong.push(`owner ${o}: ${res.status} ${text.slice(0, 200)}`);
    }
    assert.deepEqual(wrong, []);
    const ok = await hold(as.member.user.id);
    assert.equal(ok.status, 200, await ok.text());
  });

  test('a member removed from the team reads nothing of it with the same session; added back, reads it again', async () => {
    const reads = () => [`${CASES}/${kase.id}`, `${TEAMS}/${team}`];
    for (const p of reads()) assert.equal((await as.member.fetch(p)).status, 200, `member reads ${p}`);
    const del = await as.hart.fetch(`${TEAMS}/${team}/members/${memberId}`, { method: 'DELETE' });
    assert.equal(del.status, 204, await del.text());
    for (const p of reads()) {
      const res = await as.member.fetch(p);
      await res.arrayBuffer();
      assert.equal(res.status, 403, `removed member reads ${p}`);
    }
    const patch = await as.member.fetch(`${TEAMS}/${team}/reviews/${review}`, { method: 'PATCH', body: { decisions: 'x' } });
    assert.equal(patch.status, 403, await patch.text());
    const list = await as.member.get(CASES);
    assert.ok(!JSON.stringify(list).includes(`"id":${kase.id},`), 'the case is not listed');
    await readJsonOf(as.hart.fetch(`${TEAMS}/${team}/members`, {
      method: 'POST', body: { name: 'Walk Member', agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, user_id: as.member.user.id },
    }), 201);
    assert.equal((await as.member.fetch(`${CASES}/${kase.id}`)).status, 200, 'added back');
  });
});
