// The HTTP API: health, configuration, pack validation and problem answers.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { createUser, login, request } from '../lib/auth.mjs';
import { allowedMethods, assertProblem, assertProblemStatus } from '../lib/http.mjs';
import {
  DEFAULT_PACK_PATH,
  ENGINE,
  cleanup,
  freshDb,
  initDb,
  loadDefaultPack,
  mediaType,
  startServer,
  tempFile,
} from '../lib/server.mjs';
import { CONNECTICUT_ONLY, PACK, REGIONS, TIME_ZONE, deadline, office, region } from '../lib/pack.mjs';


const REGION_A = region(0);
const OFFICE_A = office(0, 0).id;

const JSON_HEADERS = { 'content-type': 'application/json' };

// Checking a pack needs an administrator; `admin` is one, `careline` is not.
let server;
let db;
let admin;
let careline;
let ADMIN_JSON; // JSON_HEADERS with the administrator's bearer token
before(async () => {
  db = freshDb();
  await initDb(db);
  const a = await createUser(db, { username: 'pack-admin', role: 'admin' });
  const c = await createUser(db, { username: 'pack-careline', role: 'careline' });
  server = await startServer({ db });
  admin = await login(server.url, a.username, a.password);
  careline = await login(server.url, c.username, c.password);
  ADMIN_JSON = { ...JSON_HEADERS, authorization: `Bearer ${admin.token}` };
});
after(async () => {
  try {
    if (server) assert.equal(await server.stop(), 0, 'server exits 0 on SIGTERM');
  } finally {
    await cleanup();
  }
});

// What config adds to the pack (src/service/system.c).
const VOCABULARIES = ['case_statuses', 'victim_statuses', 'petition_statuses', 'placements', 'report_kinds', 'event_kinds',
  'duty_statuses', 'review_statuses', 'screening_levels', 'intake_placements', 'relief_statuses',
  'relief_kinds'];
// Service referrals' statuses and moves (src/model/referral.c), and urgencies.
const REFERRAL_VOCABULARIES = ['referral_statuses', 'referral_urgencies'];

/** Config without the case vocabularies: the pack as loaded. */
function packOf(cfg) {
  const out = { ...cfg };
  for (const k of [...VOCABULARIES, ...REFERRAL_VOCABULARIES]) {
    assert.ok(Array.isArray(out[k]), `config has ${k}`);
    delete out[k];
  }
  // The attachment cap as resolved (the pack's, or 25 MB): docs/packs.md.
  assert.ok(Number.isInteger(out.attachments?.max_bytes), 'config has attachments.max_bytes');
  delete out.attachments;
  // The locale as resolved (the pack's, or en-US): docs/packs.md.
  assert.match(out.pack?.locale || '', /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'config has pack.locale');
  out.pack = { ...out.pack };
  delete out.pack.locale;
  return out;
}

function countOffices(pack) {
  return pack.regions.reduce((n, r) => n + r.offices.length, 0);
}

async function json(res) {
  const text = await res.text();
  assert.equal(mediaType(res.headers.get('content-type')), 'application/json', `content type of ${text}`);
  return JSON.parse(text);
}

describe(`GET /healthz (${ENGINE})`, { timeout: 60_000 }, () => {
  test('answers 200 with status ok, the engine and the schema', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    const body = await json(res);
    assert.equal(body.status, 'ok');
    assert.equal(body.db, ENGINE);
    assert.ok(Number.isInteger(body.schema), `schema is an integer: ${JSON.stringify(body.schema)}`);
    assert.ok(body.schema >= 1, `schema ${body.schema} >= 1`);
  });

  test('HEAD answers 200 without a body', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });
});

describe(`GET /api/v1/config (${ENGINE})`, { timeout: 60_000 }, () => {
  test('answers the pack it runs on', async () => {
    const res = await fetch(`${server.url}/api/v1/config`);
    assert.equal(res.status, 200);
    const cfg = await json(res);
    assert.equal(cfg.pack.id, PACK.pack.id);
    assert.equal(cfg.pack.name, PACK.pack.name);
    assert.equal(cfg.pack.time_zone, TIME_ZONE);
    assert.equal(cfg.pack.locale, PACK.pack.locale ?? 'en-US', 'the pack\'s, or the default when it names none');
    assert.deepEqual(cfg.regions.map((r) => r.id), REGIONS.map((r) => r.id));
    assert.equal(cfg.regions[0].name, REGIONS[0].name);
    for (const region of cfg.regions) {
      assert.ok(Array.isArray(region.offices) && region.offices.length > 0, `${region.id} has offices`);
      for (const office of region.offices) {
        assert.equal(office.region, region.id, `office ${office.id} belongs to ${region.id}`);
        assert.ok(Array.isArray(office.towns) && office.towns.length > 0, `office ${office.id} has towns`);
      }
    }
    assert.ok(cfg.regions[0].offices.some((o) => o.id === OFFICE_A), 'the first region holds its first office');
    for (const list of ['referral_sources', 'vulnerabilities', 'trafficking_types', 'services', 'deadlines']) {
      assert.ok(Array.isArray(cfg[list]) && cfg[list].length > 0, `${list} is a non-empty list`);
    }
    const le = cfg.deadlines.find((d) => d.id === 'law_enforcement_report');
    assert.ok(le, 'has the law_enforcement_report deadline');
    assert.equal(le.minutes, deadline('law_enforcement_report').minutes);
  });

  test('on the built-in pack: Connecticut, its six regions, Region 1 holding the Bridgeport office', CONNECTICUT_ONLY, async () => {
    const cfg = await json(await fetch(`${server.url}/api/v1/config`));
    assert.equal(cfg.pack.id, 'connecticut');
    assert.equal(cfg.pack.name, 'Connecticut Department of Children and Families');
    assert.equal(cfg.pack.time_zone, 'America/New_York');
    assert.deepEqual(cfg.regions.map((r) => r.id), ['R1', 'R2', 'R3', 'R4', 'R5', 'R6']);
    assert.match(cfg.regions[0].name, /^Region 1\b/);
    assert.ok(cfg.regions[0].offices.some((o) => o.id === 'bridgeport'), 'R1 holds the bridgeport office');
    assert.equal(new Set(cfg.regions.flatMap((r) => r.offices.flatMap((o) => o.towns))).size, 169, 'the 169 towns');
  });

  test('the pack is answered as is, beside the case vocabularies', async () => {
    const res = await fetch(`${server.url}/api/v1/config`);
    assert.deepEqual(packOf(await json(res)), loadDefaultPack());
  });

  test('answers the case vocabularies: ids and words only, the status changes from src/model/casestate.c', async () => {
    const cfg = await json(await fetch(`${server.url}/api/v1/config`));
    assert.deepEqual(cfg.case_statuses, [
      { id: 'open', label: 'Open', allowed: ['response', 'closed'] },
      { id: 'response', label: 'Response', allowed: ['services', 'monitoring', 'closed'] },
      { id: 'services', label: 'Services', allowed: ['monitoring', 'closed'] },
      { id: 'monitoring', label: 'Monitoring', allowed: ['services', 'closed'] },
      { id: 'closed', label: 'Closed', allowed: [] },
    ]);
    assert.deepEqual(cfg.victim_statuses.map((v) => [v.id, v.identifies]),
      [['none', false], ['at_risk', false], ['suspected', true], ['confirmed', true]]);
    assert.deepEqual(cfg.petition_statuses.map((t) => t.id), ['none', 'planned', 'filed', 'granted', 'denied']);
    assert.deepEqual(cfg.placements.map((t) => t.id), ['home', 'foster', 'congregate_care', 'homeless', 'unknown']);
    assert.deepEqual(cfg.report_kinds.map((t) => t.id), ['law_enforcement', 'ncmec']);
    assert.deepEqual(cfg.event_kinds.filter((k) => k.user).map((k) => k.id),
      ['note', 'contact', 'medical_exam', 'forensic_interview', 'placement_change', 'debrief', 'rescreen']);
    for (const list of VOCABULARIES) {
      for (const t of cfg[list]) {
        assert.deepEqual(Object.keys(t).filter((k) => !['id', 'label', 'allowed', 'identifies', 'user'].includes(k)), [], `${list}: only ids and words`);
        assert.ok(typeof t.label === 'string' && t.label.length > 0, `${list} ${t.id} has words`);
      }
    }
  });

  test('answers the referral statuses with their moves, who makes each and what it carries, from src/model/referral.c', async () => {
    const cfg = await json(await fetch(`${server.url}/api/v1/config`));
    assert.deepEqual(cfg.referral_statuses.map((t) => [t.id, t.allowed, t.by, t.needs, t.final]), [
      ['pending', ['accepted', 'declined', 'withdrawn'], 'provider', null, false],
      ['accepted', ['started', 'withdrawn'], 'provider', null, false],
      ['declined', [], 'provider', 'referral_decline_reasons', true],
      ['started', ['completed', 'ended'], 'provider', null, false],
      ['completed', [], 'provider', 'referral_outcomes', true],
      ['ended', [], 'provider', 'referral_end_reasons', true],
      ['withdrawn', [], 'referrer', null, true],
    ]);
    for (const t of cfg.referral_statuses) assert.ok(t.label, `${t.id} has words`);
    assert.deepEqual(cfg.referral_urgencies.map((u) => u.id), ['routine', 'urgent', 'emergency']);
  });

  test('answers the pack given with --pack as is', async () => {
    const pack = loadDefaultPack();
    pack.pack.name = 'Test Agency of Children and Families';
    const file = tempFile('renamed.json', JSON.stringify(pack));
    const other = await startServer({ pack: file });
    try {
      const res = await fetch(`${other.url}/api/v1/config`);
      assert.equal(res.status, 200);
      assert.deepEqual(packOf(await json(res)), pack);
    } finally {
      assert.equal(await other.stop(), 0);
    }
  });
});

describe(`POST /api/v1/config/validate (${ENGINE})`, { timeout: 60_000 }, () => {
  test('answers 200 valid for the pack the tests run on', async () => {
    const body = fs.readFileSync(DEFAULT_PACK_PATH, 'utf8');
    const res = await fetch(`${server.url}/api/v1/config/validate`, { method: 'POST', headers: ADMIN_JSON, body });
    assert.equal(res.status, 200);
    const r = await json(res);
    assert.equal(r.valid, true);
    assert.equal(r.id, PACK.pack.id);
    assert.equal(r.regions, REGIONS.length);
    assert.equal(r.offices, countOffices(JSON.parse(body)));
  });

  test('answers 422 with the field path and reason for an unknown region', async () => {
    const pack = loadDefaultPack();
    pack.regions[2].offices[0].region = 'NOT_A_REGION';
    const res = await fetch(`${server.url}/api/v1/config/validate`, {
      method: 'POST',
      headers: ADMIN_JSON,
      body: JSON.stringify(pack),
    });
    const problem = await assertProblem(res, 422, 'invalid pack');
    assert.ok(Array.isArray(problem.errors), `errors is a list: ${JSON.stringify(problem)}`);
    assert.ok(
      problem.errors.some((e) => e.field === 'regions[2].offices[0].region' && e.reason === 'unknown region "NOT_A_REGION"'),
      `errors holds {field: "regions[2].offices[0].region", reason: "unknown region \\"NOT_A_REGION\\""}: ${JSON.stringify(problem.errors)}`);
    for (const e of problem.errors) {
      assert.equal(typeof e.field, 'string');
      assert.equal(typeof e.reason, 'string');
    }
  });

  test('validating a pack changes nothing that is served', async () => {
    const pack = loadDefaultPack();
    pack.pack.name = 'Something Else';
    const res = await fetch(`${server.url}/api/v1/config/validate`, {
      method: 'POST',
      headers: ADMIN_JSON,
      body: JSON.stringify(pack),
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const cfg = await json(await fetch(`${server.url}/api/v1/config`));
    assert.equal(cfg.pack.name, PACK.pack.name);
  });
});

describe(`problem answers (${ENGINE})`, { timeout: 60_000 }, () => {
  test('a malformed JSON body answers 400', async () => {
    const res = await fetch(`${server.url}/api/v1/config/validate`, {
      method: 'POST',
      headers: ADMIN_JSON,
      body: '{"pack": {"id": "x",,}',
    });
    await assertProblem(res, 400, 'malformed JSON');
  });

  test('a POST with a Content-Type other than application/json answers 415', async () => {
    const res = await fetch(`${server.url}/api/v1/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${admin.token}` },
      body: fs.readFileSync(DEFAULT_PACK_PATH, 'utf8'),
    });
    await assertProblem(res, 415, 'text/plain body');
  });

  test('an unknown path answers 404', async () => {
    await assertProblem(await fetch(`${server.url}/api/v1/nothing`), 404, 'GET /api/v1/nothing');
  });

  test('DELETE /healthz answers 405 and Allow lists GET and HEAD', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'DELETE' });
    const allow = allowedMethods(res);
    await assertProblem(res, 405, 'DELETE /healthz');
    assert.ok(allow.has('GET') && allow.has('HEAD'), `Allow: ${[...allow].join(', ')}`);
    assert.ok(!allow.has('DELETE'), `Allow: ${[...allow].join(', ')}`);
  });

  test('GET /api/v1/config/validate answers 405 and Allow lists POST', async () => {
    const res = await fetch(`${server.url}/api/v1/config/validate`);
    const allow = allowedMethods(res);
    await assertProblem(res, 405, 'GET /api/v1/config/validate');
    assert.ok(allow.has('POST'), `Allow: ${[...allow].join(', ')}`);
    assert.ok(!allow.has('GET'), `Allow: ${[...allow].join(', ')}`);
  });

  test('a body over --max-body answers 413', async () => {
    const small = await startServer({ db, maxBody: 1024 });
    try {
      // A well-formed JSON document of about 4 KB: only its size is wrong.
      const body = JSON.stringify({ pack: { id: 'x', name: 'y'.repeat(4096) } });
      assert.ok(body.length > 4000);
      const res = await fetch(`${small.url}/api/v1/config/validate`, { method: 'POST', headers: ADMIN_JSON, body });
      await assertProblem(res, 413, '4 KB body with --max-body 1024');

      // The declared size is answered before anyone is asked to log in.
      const anon = await fetch(`${small.url}/api/v1/config/validate`, { method: 'POST', headers: JSON_HEADERS, body });
      await assertProblem(anon, 413, '4 KB body with --max-body 1024 and no session');

      // A body under the limit is still read.
      const ok = await fetch(`${small.url}/api/v1/config/validate`, {
        method: 'POST',
        headers: ADMIN_JSON,
        body: '{"pack": ',
      });
      await assertProblem(ok, 400, 'small malformed body with --max-body 1024');
    } finally {
      assert.equal(await small.stop(), 0);
    }
  });
});

describe(`who may check a pack (${ENGINE})`, { timeout: 60_000 }, () => {
  const VALIDATE = '/api/v1/config/validate';
  const packBody = () => fs.readFileSync(DEFAULT_PACK_PATH, 'utf8');

  test('without a session POST /api/v1/config/validate answers 401 with WWW-Authenticate', async () => {
    const res = await request(server.url, VALIDATE, { method: 'POST', body: packBody() });
    assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b/i);
    await assertProblem(res, 401, 'no session');
  });

  test('an unknown bearer token answers 401', async () => {
    const res = await request(server.url, VALIDATE, { method: 'POST', body: packBody(), token: 'f'.repeat(64) });
    await assertProblem(res, 401, 'unknown token');
  });

  test('a careline worker gets 403', async () => {
    const res = await careline.fetch(VALIDATE, { method: 'POST', body: packBody() });
    await assertProblemStatus(res, 403, { type: 'forbidden', what: 'careline validates a pack' });
  });

  test('the administrator gets 200 with the bearer token and with the cookie and X-CSRF-Token', async () => {
    for (const res of [
      await admin.fetch(VALIDATE, { method: 'POST', body: packBody() }),
      await admin.cookieFetch(VALIDATE, { method: 'POST', body: packBody() }),
    ]) {
      assert.equal(res.status, 200);
      assert.equal((await json(res)).valid, true);
    }
  });

  test('checks run in order: 415 before 401, 401 before 400, CSRF 403 before 400, 403 before 422', async () => {
    // Wrong content type without a session: 415.
    await assertProblem(
      await request(server.url, VALIDATE, { method: 'POST', body: packBody(), headers: { 'content-type': 'text/plain' } }),
      415,
      'text/plain without a session');
    // Malformed JSON without a session: 401.
    await assertProblem(await request(server.url, VALIDATE, { method: 'POST', body: '{' }), 401, 'malformed JSON without a session');
    // Malformed JSON with the cookie but no X-CSRF-Token: 403 csrf.
    await assertProblemStatus(await admin.cookieFetch(VALIDATE, { method: 'POST', body: '{', csrf: false }), 403, {
      type: 'csrf',
      what: 'malformed JSON with the cookie and no X-CSRF-Token',
    });
    // Malformed JSON with the cookie and X-CSRF-Token: 400.
    await assertProblem(await admin.cookieFetch(VALIDATE, { method: 'POST', body: '{' }), 400, 'malformed JSON with cookie and CSRF');
    // An invalid pack from someone who may not check packs: 403, not 422.
    await assertProblemStatus(await careline.fetch(VALIDATE, { method: 'POST', body: '{}' }), 403, {
      type: 'forbidden',
      what: 'careline sends an invalid pack',
    });
    await assertProblem(await admin.fetch(VALIDATE, { method: 'POST', body: '{}' }), 422, 'admin sends an invalid pack');
  });
});
