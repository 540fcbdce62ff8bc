// A case's safety and service plans (docs/recovery.md, "Safety and service
// plans"): versions, the stale version, each goal's problems named, the
// review date as a duty, who may read and who may write, and every read
// and write audited.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertProblem, assertProblemStatus, errorsOf } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, sql, startServer, stopServer } from '../lib/server.mjs';
import { CLOSURE_REASONS, MDT_ROLES, RELIEF_OFFENCES, concern, nth, region, service, source, town, utcOf } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const SERVICE_A = service(2);
const SERVICE_B = service(0);
const SERVICE_C = service(3);
const SERVICE_D = service(4);
const MDT_ROLE_A = nth(MDT_ROLES, 7);
const CLOSURE_A = nth(CLOSURE_REASONS, 0);
const OFFENCE_A = nth(RELIEF_OFFENCES, 0);

const REGION_A = region(0);
const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const CASES = '/api/v1/cases';
const DAY_MS = 24 * 60 * MINUTE_MS;

describe(`safety and service plans (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  const as = {};
  let caseId;
  let plans;

  before(async () => {
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = {
      mdtP: await createUser(db, { username: 'mdt-of-plans', role: 'mdt', scope: 'mdt-plans', env: clock.env }),
      mdtOther: await createUser(db, { username: 'mdt-of-other', role: 'mdt', scope: 'mdt-other', env: clock.env }),
      liaisonR4: await createUser(db, { username: 'plans-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }),
    };
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, extra);
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Robin', family_name: 'Plantest', estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record');
    await readJson(await as.careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    caseId = (await readJson(await as.hart.fetch(CASES, { method: 'POST', body: { intake_id: id } }), 201, 'open a case')).id;
    plans = `${CASES}/${caseId}/plans`;
    // A team that reviews the case, with mdtP as its member.
    const team = (await as.hart.send('POST', '/api/v1/teams', { code: 'mdt-plans', name: 'Plans MDT', region: REGION_A }, 201)).id;
    await as.hart.send('POST', `/api/v1/teams/${team}/members`, { name: 'A. Advocate', agency: 'Advocacy Org', mdt_role: MDT_ROLE_A, user_id: as.mdtP.user.id }, 201);
    await as.hart.send('POST', `/api/v1/teams/${team}/reviews`, { case_id: caseId, scheduled_at: clock.iso(DAY_MS) }, 201);
  });
  after(() => stopServer(server));

  const safety = (version, reviewAt) => ({
    version,
    review_at: reviewAt,
    goals: [
      { goal: 'Sleeps at the foster home every night', services: [SERVICE_A], responsible: 'Foster parent', target_date: '2027-01-15' },
      { goal: 'Meets a mentor weekly', services: [SERVICE_B], responsible: 'Mentoring agency' },
    ],
  });

  test('before any plan both kinds are null, and a kind has no versions', async () => {
    assert.deepEqual(await as.hart.get(plans), { safety: null, service: null });
    const s = await as.hart.get(`${plans}/safety`);
    assert.deepEqual(s, { kind: 'safety', current: null, versions: [] });
    await assertProblem(await as.hart.fetch(`${plans}/care`), 404, 'a kind that is not a plan');
    await assertProblem(await as.hart.fetch(`${plans}/safety/versions/1`), 404, 'no version yet');
  });

  test('HART writes version 1, which opens a review duty in the deadlines', async () => {
    const v1 = await as.hart.send('PUT', `${plans}/safety`, safety(0, '2027-02-01'), 201);
    assert.equal(v1.version, 1);
    assert.equal(v1.current, true);
    assert.equal(v1.kind, 'safety');
    assert.equal(v1.case.id, caseId);
    assert.equal(v1.goals.length, 2);
    assert.deepEqual(v1.goals[1], { goal: 'Meets a mentor weekly', services: [SERVICE_B], responsible: 'Mentoring agency', target_date: null });
    assert.equal(v1.review_at, '2027-02-01');
    assert.equal(v1.written_by.username, as.hart.user.username);
    assert.equal(v1.review_duty.kind, 'plan_review');
    assert.equal(v1.review_duty.status, 'open');
    // The end of the review date in the pack's zone.
    assert.equal(v1.review_duty.due_at, utcOf('2027-02-01T23:59:59'));
    const { items: deadlines } = await as.hart.get(`/api/v1/deadlines?case=${caseId}&limit=500`);
    const review = deadlines.find((d) => d.kind === 'plan_review');
    assert.ok(review, `a plan review among ${JSON.stringify(deadlines.map((d) => d.kind))}`);
    assert.equal(review.name, 'Review the safety plan');
    assert.equal(review.id, v1.review_duty.id);
    // Sealed: the goals are not in the database in the clear.
    assert.doesNotMatch(sql(db, 'SELECT body FROM case_plan'), /foster/);
  });

  test('a second version meets the review and opens the next; the first stays readable', async () => {
    const body = safety(1, '2027-03-10');
    body.goals.push({ goal: 'Starts counselling', services: [SERVICE_C, SERVICE_D], responsible: 'Clinic', target_date: '2027-02-01' });
    const v2 = await as.hart.send('PUT', `${plans}/safety`, body, 201);
    assert.equal(v2.version, 2);
    assert.equal(v2.goals.length, 3);
    assert.equal(v2.review_duty.due_at, utcOf('2027-03-10T23:59:59'));
    const s = await as.hart.get(`${plans}/safety`);
    assert.equal(s.current.version, 2);
    assert.deepEqual(s.versions.map((v) => v.version), [2, 1]);
    assert.equal(s.versions[1].written_by.username, as.hart.user.username);
    const v1 = await as.hart.get(`${plans}/safety/versions/1`);
    assert.equal(v1.current, false);
    assert.equal(v1.goals.length, 2);
    assert.equal(v1.review_duty.status, 'met_on_time');
    const { items: deadlines } = await as.hart.get(`/api/v1/deadlines?case=${caseId}&status=unmet&limit=500`);
    assert.deepEqual(deadlines.filter((d) => d.kind === 'plan_review').map((d) => d.due_at), [utcOf('2027-03-10T23:59:59')]);
    const both = await as.hart.get(plans);
    assert.equal(both.safety.version, 2);
    assert.equal(both.service, null);
  });

  test('a stale version is 409 stale-version, and nothing is written', async () => {
    const before = sql(db, 'SELECT count(*) FROM case_plan').trim();
    const p = await assertProblem(await as.hart.fetch(`${plans}/safety`, { method: 'PUT', body: safety(1, '2027-03-10') }), 409, 'version 1 after version 2');
    assert.equal(p.type, 'urn:hartline:problem:stale-version');
    const p0 = await assertProblem(await as.liaison.fetch(`${plans}/safety`, { method: 'PUT', body: safety(0, '2027-03-10') }), 409, 'a new plan over one');
    assert.equal(p0.type, 'urn:hartline:problem:stale-version');
    assert.equal(sql(db, 'SELECT count(*) FROM case_plan').trim(), before);
  });

  test('each bad field is named in the form\'s words: 422', async () => {
    const res = await as.hart.fetch(`${plans}/service`, {
      method: 'PUT',
      body: {
        version: 0,
        review_at: '2026-11-01',
        goals: [
          { goal: 'Weekly mentoring', services: [SERVICE_B], responsible: 'Mentor' },
          { goal: 'Therapy', services: ['tarot'], responsible: 'Clinic', target_date: 'next week' },
          { goal: '', services: [], responsible: '' },
        ],
      },
    });
    const errs = errorsOf(await assertProblem(res, 422, 'bad goals'));
    assert.deepEqual(errs['goals[1].services'], ['Goal 2: choose services from the list']);
    assert.deepEqual(errs['goals[1].target_date'], ['Goal 2: the target date as YYYY-MM-DD']);
    assert.deepEqual(errs['goals[2].goal'], ['Goal 3: say what the goal is']);
    assert.match(errs['goals[2].responsible'][0], /^Goal 3: say who is responsible/);
    assert.match(errs['goals[2].services'][0], /^Goal 3: choose at least one service/);
    assert.deepEqual(errs.review_at, ['Review date: today or later']);
    assert.equal(errs['goals[0].goal'], undefined);
    const missing = errorsOf(await assertProblem(await as.hart.fetch(`${plans}/service`, { method: 'PUT', body: { goals: 'be safe' } }), 422, 'no version, goals not a list'));
    assert.ok(missing.version && missing.goals, JSON.stringify(missing));
    const none = errorsOf(await assertProblem(await as.hart.fetch(`${plans}/service`, { method: 'PUT', body: { version: 0, goals: [] } }), 422, 'no goals'));
    assert.deepEqual(none.goals, ['add at least one goal']);
    assert.equal(sql(db, "SELECT count(*) FROM case_plan WHERE kind = 'service'").trim(), '0');
  });

  test('the liaison of the region writes the service plan; the review date defaults to the pack\'s interval', async () => {
    const v = await as.liaison.send('PUT', `${plans}/service`, { version: 0, goals: [{ goal: 'Weekly mentoring', services: [SERVICE_B], responsible: 'Mentor' }] }, 201);
    // 2026-11-28 + 90 days.
    assert.equal(v.review_at, '2027-02-26');
    assert.equal(v.written_by.username, as.liaison.user.username);
  });

  test('the reviewing MDT reads the plans without the duty; another team, another region and other roles may not', async () => {
    const both = await as.mdtP.get(plans);
    assert.equal(both.safety.version, 2);
    assert.equal(both.safety.review_duty, undefined);
    const v1 = await as.mdtP.get(`${plans}/safety/versions/1`);
    assert.equal(v1.goals.length, 2);
    await assertProblem(await as.mdtP.fetch(`${plans}/safety`, { method: 'PUT', body: safety(2, '2027-03-10') }), 403, 'the MDT writes');
    for (const who of ['mdtOther', 'liaisonR4']) {
      await assertProblem(await as[who].fetch(plans), 403, `${who} reads`);
      await assertProblem(await as[who].fetch(`${plans}/safety`), 403, `${who} reads the safety plan`);
    }
    await assertProblem(await as.liaisonR4.fetch(`${plans}/safety`, { method: 'PUT', body: safety(2, '2027-03-10') }), 403, 'a liaison of another region writes');
    for (const role of ['provider', 'careline', 'analyst', 'trainer', 'admin']) {
      await assertProblem(await as[role].fetch(plans), 403, `${role} reads`);
      await assertProblem(await as[role].fetch(`${plans}/safety/versions/1`), 403, `${role} reads a version`);
      await assertProblem(await as[role].fetch(`${plans}/safety`, { method: 'PUT', body: safety(2, '2027-03-10') }), 403, `${role} writes`);
    }
    assert.equal(sql(db, 'SELECT count(*) FROM case_plan').trim(), '3');
  });

  test('reads, prints and writes are audited', async () => {
    await as.hart.get(`${plans}/safety/versions/2?print=true`);
    const reads = await auditRecords(as.admin, 'plan.read');
    assert.ok(reads.some((r) => r.detail === 'kind=safety version=2 print' && r.object_id === String(caseId)), JSON.stringify(reads.map((r) => r.detail)));
    assert.ok(reads.some((r) => r.detail === 'kind=all'));
    const writes = await auditRecords(as.admin, 'plan.write');
    assert.deepEqual(writes.map((w) => w.detail.replace(/ review_at=.*/, '')).sort(),
      ['kind=safety version=1 goals=2', 'kind=safety version=2 goals=3', 'kind=service version=1 goals=1']);
  });

  test('a closed case takes no new plan: 409', async () => {
    const c = await as.hart.get(`${CASES}/${caseId}`);
    await as.hart.send('PATCH', `${CASES}/${caseId}`, { version: c.version, status: 'closed', closure_reason: CLOSURE_A, close_anyway: 'The plan review is kept with the next case.' });
    const p = await assertProblem(await as.hart.fetch(`${plans}/safety`, { method: 'PUT', body: safety(2, '2027-03-10') }), 409, 'closed');
    assert.equal(p.type, 'urn:hartline:problem:conflict');
    assert.match(p.detail, /closed/);
    // Still readable.
    assert.equal((await as.hart.get(plans)).safety.version, 2);
  });

  test('relief granted on the case restricts its plans until the glass is broken', async () => {
    const person = (await as.hart.get(`${CASES}/${caseId}`)).child.person_id;
    const rec = await as.hart.send('POST', `/api/v1/persons/${person}/relief`, { court: 'Superior Court', offence: OFFENCE_A, links: [{ kind: 'case', id: caseId }] }, 201);
    const filed = await as.hart.send('PATCH', `/api/v1/relief/${rec.id}`, { version: 1, status: 'petition_filed', petition_filed_on: '2026-11-20' });
    await as.hart.send('PATCH', `/api/v1/relief/${rec.id}`, { version: filed.version, status: 'granted', outcome: 'Vacated.' });
    for (const path of [plans, `${plans}/safety`, `${plans}/safety/versions/1?print=true`]) {
      await assertProblemStatus(await as.hart.fetch(path), 403, { type: 'restricted' });
      await assertProblemStatus(await as.mdtP.fetch(path), 403, { type: 'restricted' });
    }
    await as.hart.send('POST', '/api/v1/break-glass', { kind: 'case', id: caseId, reason: 'The child is missing again; the plan names a place.' }, 201);
    assert.equal((await as.hart.get(plans)).safety.version, 2);
    await assertProblemStatus(await as.mdtP.fetch(plans), 403, { type: 'restricted' });
  });
});
