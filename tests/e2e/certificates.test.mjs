// Training certificates (docs/training.md, "Certificates and verification"
// and "Train the trainer"): anyone checks a code at the public address and
// learns only the course, the date and whether it is valid; a forged code
// answers like any unknown one; an expired one by the service clock and a
// revoked one answer "not valid". The trainer revokes, prints and reads
// the cascade; a provider user reads its own staff's only.
//
// The people trained, their sessions and certificates are written here
// with SQL as attendance writes them (the sessions API is another file's).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, demoOnClock, loginEach, readJson, request } from '../lib/auth.mjs';
import { assertPagesWhole, assertProblem } from '../lib/http.mjs';
import { ENGINE, cleanup, dbBytes, sql, startServer, stopServer } from '../lib/server.mjs';
import { parseXml } from '../lib/xml.mjs';
import { AUDIENCES, COURSE_IDS, nameOf, nth, region } from '../lib/pack.mjs';

const AUDIENCE_A = nth(AUDIENCES, 7);
const AUDIENCE_B = nth(AUDIENCES, 8);
const COURSE_A = nth(COURSE_IDS, 0);
const COURSE_B = nth(COURSE_IDS, 3);

const REGION_A = region(0);

after(cleanup);

const CERTS = '/api/v1/training/certificates';
const VERIFY = '/api/v1/verify';
const T0 = "'2026-01-05T09:00:00Z'";

/** A 404 (the house's answer has no detail: it says nothing of what is there). */
async function notFound(res, what) {
  const text = await res.text();
  assert.equal(res.status, 404, `${what}: ${text}`);
}

describe(`training certificates and their public check (${ENGINE})`, { timeout: 120_000 }, () => {
  let clock;
  let db;
  let server;
  const as = {};
  const verify = async (code) => readJson(await request(server.url, `${VERIFY}/${encodeURIComponent(code)}`), 200, `verify ${code}`);

  before(async () => {
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const provider = demo.users.find((u) => u.role === 'provider').scope;
    // The demo made the provider user's agency; another agency beside it.
    const harbor = Number(sql(db, `SELECT id FROM provider WHERE code = '${provider}'`).trim());
    assert.ok(harbor > 0, `the demo provider ${provider}`);
    sql(db, `INSERT INTO provider (id, code, name, active, created_at, updated_at) VALUES
      (9002, 'other_agency', 'Other Agency', 1, ${T0}, ${T0})`);
    // Ann (the provider's staff) and Bo (another agency's), Cy, Di, Ed.
    sql(db, `INSERT INTO trainee (id, organisation, audience, provider_id, created_at, updated_at) VALUES
      (9001, 'Harbor Light', '${AUDIENCE_A}', ${harbor}, ${T0}, ${T0}),
      (9002, 'Other Agency', '${AUDIENCE_A}', 9002, ${T0}, ${T0}),
      (9003, 'Police', 'law_enforcement', NULL, ${T0}, ${T0}),
      (9004, 'Police', 'law_enforcement', NULL, ${T0}, ${T0}),
      (9005, 'School', '${AUDIENCE_B}', NULL, ${T0}, ${T0})`);
    sql(db, `INSERT INTO certificate (id, code, trainee_id, course, completed_on, issued_at, expires_at) VALUES
      (9001, 'K7M2Q9XW4R', 9001, '${COURSE_A}', '2026-03-03', '2026-03-03T17:00:00Z', '2028-03-03'),
      (9002, 'B4N8T2ZD6H', 9002, '${COURSE_A}', '2026-03-03', '2026-03-03T17:00:00Z', '2026-11-28T15:01:00Z'),
      (9003, 'T3R9V5PC8J', 9001, '${COURSE_B}', '2026-04-01', '2026-04-01T17:00:00Z', NULL),
      (9004, 'W6Y2F8LM3N', 9003, '${COURSE_B}', '2026-05-01', '2026-05-01T17:00:00Z', NULL)`);
    // Ann led a Day 1 Cy and Di attended; Cy led one Di and Ed attended.
    sql(db, `INSERT INTO training_session (id, number, course, starts_at, ends_at, capacity, status, created_at, updated_at) VALUES
      (9001, 'TS-9001', '${COURSE_A}', '2026-06-10T13:00:00Z', '2026-06-10T20:00:00Z', 30, 'held', ${T0}, ${T0}),
      (9002, 'TS-9002', '${COURSE_A}', '2026-09-10T13:00:00Z', '2026-09-10T20:00:00Z', 30, 'held', ${T0}, ${T0})`);
    sql(db, 'INSERT INTO session_trainer (session_id, trainee_id) VALUES (9001, 9001), (9002, 9003)');
    sql(db, `INSERT INTO registration (session_id, trainee_id, status, attended, completed, registered_at) VALUES
      (9001, 9003, 'registered', 1, 1, ${T0}), (9001, 9004, 'registered', 1, 1, ${T0}),
      (9002, 9004, 'registered', 1, 1, ${T0}), (9002, 9005, 'registered', 1, 1, ${T0})`);
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
  });
  after(() => stopServer(server));

  test('a valid code answers the course, the date and valid, and nothing else, without a session', async () => {
    const v = await verify('K7M2Q9XW4R');
    assert.deepEqual(Object.keys(v).sort(), ['completed_on', 'course_name', 'status', 'valid']);
    assert.equal(v.valid, true);
    assert.equal(v.status, 'valid');
    assert.equal(v.completed_on, '2026-03-03');
    assert.equal(v.course_name, nameOf('courses', COURSE_A));
    assert.ok(!/Harbor|9001|trainee/i.test(JSON.stringify(v)), 'no name, organisation or id');
    // As typed from paper: small letters and hyphens.
    assert.equal((await verify('k7m2-q9xw-4r')).valid, true);
  });

  test('a forged or malformed code answers 200 like any unknown one', async () => {
    for (const code of ['K7M2Q9XW4S', 'AAAAAAAAAA', '<svg onload=x>', "' OR '1'='1"]) {
      assert.deepEqual(await verify(code), { valid: false, status: 'unknown' }, code);
    }
  });

  test('a certificate past its expiry by the service clock answers expired', async () => {
    assert.equal((await verify('B4N8T2ZD6H')).status, 'valid');
    clock.set('2026-11-28T15:02:00Z');
    try {
      const v = await verify('B4N8T2ZD6H');
      assert.deepEqual([v.valid, v.status], [false, 'expired']);
      assert.equal((await as.trainer.get(`${CERTS}/9002`)).status, 'expired');
    } finally {
      clock.set('2026-11-28T15:00:00Z');
    }
  });

  test('the trainer revokes with a reason, once; the code then answers revoked', async () => {
    const r422 = await as.trainer.fetch(`${CERTS}/9001/revoke`, { method: 'POST', body: { reason: ' ' } });
    const p = await assertProblem(r422, 422, 'a blank reason');
    assert.ok(p.errors.some((e) => e.field === 'reason'), JSON.stringify(p));
    await assertProblem(await as.provider.fetch(`${CERTS}/9001/revoke`, { method: 'POST', body: { reason: 'x' } }), 403, 'a provider revokes');
    const c = await as.trainer.send('POST', `${CERTS}/9001/revoke`, { reason: 'Issued to the wrong person' });
    assert.deepEqual([c.status, c.revoke_reason, c.revoked_at], ['revoked', 'Issued to the wrong person', clock.iso()]);
    const again = await assertProblem(await as.trainer.fetch(`${CERTS}/9001/revoke`, { method: 'POST', body: { reason: 'Again' } }), 409, 'revoked twice');
    assert.match(again.type, /illegal-transition/);
    assert.deepEqual(again.allowed, []);
    const v = await verify('K7M2Q9XW4R');
    assert.deepEqual([v.valid, v.status, v.completed_on], [false, 'revoked', '2026-03-03']);
    assert.equal((await auditRecords(as.admin, 'certificate.revoke')).length, 1);
    // The reason is sealed: stored, but not as text anyone reading the database sees.
    assert.equal(sql(db, 'SELECT count(*) FROM certificate WHERE revoke_reason IS NOT NULL').trim(), '1');
    assert.ok(!dbBytes(db).includes('Issued to the wrong person'), 'the reason in the clear');
  });

  test('a provider user reads its own staff\'s certificates only; others are 404', async () => {
    const mine = await as.provider.get(CERTS);
    assert.deepEqual(mine.items.map((c) => c.id).sort(), [9001, 9003]);
    assert.equal(mine.next, null);
    assert.equal(mine.items[0].revoke_reason, undefined, 'the reason is for those who keep certificates');
    await notFound(await as.provider.fetch(`${CERTS}/9002`), 'another agency\'s certificate');
    const all = await as.trainer.get(`${CERTS}?limit=2`);
    assert.equal(all.items.length, 2);
    const rest = await as.trainer.get(`${CERTS}?limit=2&after=${encodeURIComponent(all.next)}`);
    assert.deepEqual([...all.items, ...rest.items].map((c) => c.id), [9001, 9002, 9003, 9004]);
    assert.equal(rest.next, null);
    assert.deepEqual((await as.trainer.get(`${CERTS}?course=${nth(COURSE_IDS, 3)}`)).items.map((c) => c.id), [9003, 9004]);
    const bad = await assertProblem(await as.trainer.fetch(`${CERTS}?course=knitting&limit=501`), 422, 'bad filters');
    assert.deepEqual(bad.errors.map((e) => e.field).sort(), ['course', 'limit']);
    for (const role of ['careline', 'hart', 'liaison', 'mdt', 'analyst', 'admin']) {
      await assertProblem(await as[role].fetch(CERTS), 403, `${role} lists certificates`);
    }
  });

  test('the printed certificate carries the public address and its QR code, and is audited as a print', async () => {
    const c = await as.trainer.get(`${CERTS}/9003/print`);
    assert.ok(c.verify_url.endsWith('/verify?code=T3R9V5PC8J'), c.verify_url);
    assert.ok(c.verify_url.startsWith('http'), 'an address to type or scan');
    const svg = parseXml(c.qr_svg);
    assert.equal(svg.name, 'svg');
    assert.equal(c.hours > 0, true);
    const prints = await auditRecords(as.admin, 'certificate.print');
    assert.equal(prints.length, 1);
    const page = await request(server.url, '/verify');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Check a training certificate/);
  });

  test('the cascade: trainers, the people they reached, and those who became trainers, two levels deep', async () => {
    const { items: trainers } = await as.trainer.get('/api/v1/training/trainers');
    const ann = trainers.find((t) => t.trainee_id === 9001);
    const cy = trainers.find((t) => t.trainee_id === 9003);
    assert.deepEqual([ann.sessions, ann.reached, ann.reached_second_level], [1, 2, 1]);
    assert.deepEqual(ann.trainers_reached.map((t) => [t.trainee_id, t.sessions, t.reached]), [[9003, 1, 2]]);
    assert.deepEqual([cy.sessions, cy.reached], [1, 2]);
    const one = await as.trainer.get('/api/v1/training/trainers/9001');
    assert.deepEqual(one.sessions.map((s) => [s.number, s.attended]), [['TS-9001', 2]]);
    await notFound(await as.trainer.fetch('/api/v1/training/trainers/9004'), 'no trainer');
    const theirs = await as.provider.get('/api/v1/training/trainers');
    assert.deepEqual(theirs.items.map((t) => t.trainee_id), [9001]);
    // A page at a time, in trainee order, with after; each scope its own.
    assert.deepEqual(await assertPagesWhole(as.trainer, '/api/v1/training/trainers', { key: 'trainee_id', what: 'the trainers' }), [9001, 9003]);
    assert.deepEqual(await assertPagesWhole(as.trainer, '/api/v1/training/trainers', { limit: 1, key: 'trainee_id', what: 'the trainers one by one' }), [9001, 9003]);
    assert.deepEqual(await assertPagesWhole(as.provider, '/api/v1/training/trainers', { limit: 1, key: 'trainee_id', what: 'a provider\'s trainers' }), [9001]);
    await assertProblem(await as.trainer.fetch('/api/v1/training/trainers?sort=name'), 422, 'a sort the list has not');
    await notFound(await as.provider.fetch('/api/v1/training/trainers/9003'), 'another agency\'s trainer');
    await assertProblem(await as.analyst.fetch('/api/v1/training/trainers'), 403, 'the analyst');
  });

  test('through the training API: attendance issues a certificate the public page checks; revoked, it answers not valid', async () => {
    const T = '/api/v1/training';
    const who = await as.trainer.send('POST', `${T}/trainees`, { name: 'Robin Certified', email: 'robin.certified@example.org', audience: AUDIENCE_A }, 201);
    const s = await as.trainer.send('POST', `${T}/sessions`, {
      course: COURSE_A, capacity: 10, starts_at: '2026-11-02T13:00:00Z', ends_at: '2026-11-02T20:00:00Z', region: REGION_A, place: 'Academy',
    }, 201);
    const reg = await as.trainer.send('POST', `${T}/sessions/${s.id}/registrations`, { trainee_id: who.id }, 201);
    const done = await as.trainer.send('PUT', `${T}/sessions/${s.id}/attendance`, { lines: [{ registration_id: reg.id, attended: true, completed: true }] });
    assert.equal(done.certificates_issued, 1);
    const { items } = await as.trainer.get(`${CERTS}?trainee=${who.id}`);
    assert.equal(items.length, 1);
    const cert = items[0];
    assert.deepEqual([cert.name, cert.course, cert.completed_on, cert.status], ['Robin Certified', COURSE_A, '2026-11-02', 'valid']);
    assert.ok(cert.code.length >= 10, 'a code long enough not to be guessed');

    const v = await verify(cert.code);
    assert.deepEqual([v.valid, v.status, v.completed_on], [true, 'valid', '2026-11-02']);
    assert.ok(!JSON.stringify(v).includes('Robin'), 'the public answer has no name');
    const printed = await as.trainer.get(`${CERTS}/${cert.id}/print`);
    assert.equal(printed.name, 'Robin Certified');
    assert.ok(printed.verify_url.endsWith(`/verify?code=${cert.code}`));

    await as.trainer.send('POST', `${CERTS}/${cert.id}/revoke`, { reason: 'Signed in for someone else' });
    assert.deepEqual(await verify(cert.code), { course_name: v.course_name, completed_on: '2026-11-02', valid: false, status: 'revoked' });
    // One character changed: a forged code answers like any unknown one.
    const forged = cert.code.slice(0, -1) + (cert.code.endsWith('Z') ? 'Y' : 'Z');
    assert.deepEqual(await verify(forged), { valid: false, status: 'unknown' });
  });

  test('codes cannot be guessed in bulk: unknown codes from one client meet 429 with a wait', async () => {
    let limited = null;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await request(server.url, `${VERIFY}/GUESS${String(i).padStart(6, '0')}`);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    assert.ok(limited, 'a 429 within 40 unknown codes');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    await assertProblem(limited, 429, 'guessing');
  });
});
