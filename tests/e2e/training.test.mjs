// Training: the people trained, sessions of the pack's courses,
// registration with prerequisites and a waiting list, attendance in one
// request and the certificates it issues (docs/training.md, "Courses and
// sessions", "Registration and attendance").

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DEMO_PROVIDER, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertProblemStatus } from '../lib/http.mjs';
import { ENGINE, cleanup, startServer, stopServer } from '../lib/server.mjs';
import { AUDIENCES, COURSE_IDS, nameOf, nth, region } from '../lib/pack.mjs';

const AUDIENCE_A = nth(AUDIENCES, 7);
const COURSE_A = nth(COURSE_IDS, 0);
const COURSE_B = nth(COURSE_IDS, 1);
const COURSE_C = nth(COURSE_IDS, 2);

const REGION_A = region(0);

after(cleanup);

const T = '/api/v1/training';

describe(`training (${ENGINE})`, { timeout: 240_000 }, () => {
  let server;
  const as = {};
  let harborId;

  const person = async (name, extra = {}) =>
    (await as.trainer.send('POST', `${T}/trainees`, {
      name, email: `${name.toLowerCase().replace(/ /g, '.')}@example.org`, audience: AUDIENCE_A, ...extra,
    }, 201)).id;
  const schedule = async (course, capacity, day, extra = {}) =>
    as.trainer.send('POST', `${T}/sessions`, {
      course, capacity, starts_at: `${day}T13:00:00Z`, ends_at: `${day}T20:00:00Z`, region: REGION_A, place: 'Academy', ...extra,
    }, 201);
  const register = (sid, trainee_id) =>
    as.trainer.fetch(`${T}/sessions/${sid}/registrations`, { method: 'POST', body: { trainee_id } });
  const attendance = (sid, lines) => as.trainer.fetch(`${T}/sessions/${sid}/attendance`, { method: 'PUT', body: { lines } });

  before(async () => {
    const { clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z');
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
    const found = await as.hart.get(`/api/v1/providers?q=${DEMO_PROVIDER}`);
    harborId = found.items.find((p) => p.code === DEMO_PROVIDER).id;
  });
  after(() => stopServer(server));

  test('a Day 1 session: waiting list, a place given back, attendance, certificates once', async () => {
    const [a, b, c] = [await person('Avery Trainee'), await person('Blake Trainee'), await person('Casey Trainee')];
    const s = await schedule(COURSE_A, 2, '2026-11-02');
    assert.match(s.number, /^T-2026-\d{4}$/);
    assert.equal((await readJson(await register(s.id, a), 201)).status, 'registered');
    await readJson(await register(s.id, b), 201);
    const waiting = await readJson(await register(s.id, c), 201);
    assert.equal(waiting.status, 'waitlisted');
    assert.equal(waiting.waitlist_position, 1);
    await assertProblemStatus(await register(s.id, c), 409, { type: 'conflict' });

    let page = await as.trainer.get(`${T}/sessions/${s.id}`);
    const regB = page.registrations.find((r) => r.trainee_id === b);
    const moved = await as.trainer.send('DELETE', `${T}/sessions/${s.id}/registrations/${regB.id}`, undefined, 200);
    page = await as.trainer.get(`${T}/sessions/${s.id}`);
    const regC = page.registrations.find((r) => r.trainee_id === c);
    assert.equal(moved.promoted, regC.id);
    assert.equal(regC.status, 'registered');
    assert.equal(page.registered, 2);
    assert.equal(page.registrations.find((r) => r.trainee_id === a).name, 'Avery Trainee');
    const regA = page.registrations.find((r) => r.trainee_id === a);

    // Bad lines: the whole refused, each named.
    const bad = await attendance(s.id, [
      { registration_id: regA.id, attended: true, completed: true },
      { registration_id: regB.id, attended: true, completed: true },
      { registration_id: regC.id, attended: false, completed: true },
    ]);
    await assertFieldError(bad, 'lines[1]', 'a cancelled registration');
    page = await as.trainer.get(`${T}/sessions/${s.id}`);
    assert.equal(page.status, 'scheduled');
    assert.ok(page.registrations.every((r) => r.attended === null));

    const lines = [
      { registration_id: regA.id, attended: true, completed: true },
      { registration_id: regC.id, attended: true, completed: false },
    ];
    const done = await readJson(await attendance(s.id, lines), 200);
    assert.equal(done.certificates_issued, 1);
    assert.equal((await readJson(await attendance(s.id, lines), 200)).certificates_issued, 0);
    const rec = await as.trainer.get(`${T}/trainees/${a}`);
    assert.equal(rec.certificates.length, 1);
    assert.equal(rec.certificates[0].course, COURSE_A);
    assert.equal(rec.certificates[0].completed_on, '2026-11-02');
    assert.equal(rec.certificates[0].expires_at, '2028-11-02');
    assert.match(rec.certificates[0].code, /^[2-9A-HJKMNP-Z]{10}$/);
    assert.equal(rec.certificates[0].valid, true);
    assert.equal(rec.registrations[0].completed, true);
    assert.equal((await as.trainer.get(`${T}/sessions/${s.id}`)).status, 'held');

    // Corrected: the certificate is revoked.
    lines[0].completed = false;
    assert.equal((await readJson(await attendance(s.id, lines), 200)).certificates_revoked, 1);
    assert.equal((await as.trainer.get(`${T}/trainees/${a}`)).certificates[0].valid, false);
  });

  test('Day 2 needs Day 1 first: 409 naming the person; then it takes them', async () => {
    const p = await person('Dana Prereq');
    const d2 = await schedule(COURSE_B, 10, '2026-12-05');
    const refused = await assertProblemStatus(await register(d2.id, p), 409, { type: 'prerequisite-missing' });
    const first = nameOf('courses', COURSE_A).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(refused.detail, new RegExp(`needs .*${first}.* first: Dana Prereq has not completed it`, 'i'));
    assert.equal((await as.trainer.get(`${T}/sessions/${d2.id}`)).registrations.length, 0);
    const d1 = await schedule(COURSE_A, 10, '2026-11-10');
    await readJson(await register(d1.id, p), 201);
    const reg = (await as.trainer.get(`${T}/sessions/${d1.id}`)).registrations[0];
    await readJson(await attendance(d1.id, [{ registration_id: reg.id, attended: true, completed: true }]), 200);
    assert.equal((await readJson(await register(d2.id, p), 201)).status, 'registered');
  });

  test('300 people in one attendance request', async () => {
    const s = await schedule(COURSE_C, 300, '2026-11-12');
    const ids = [];
    for (let i = 0; i < 300; i++) ids.push(await person(`Bulk Person ${i}`));
    for (const id of ids) await readJson(await register(s.id, id), 201);
    const regs = (await as.trainer.get(`${T}/sessions/${s.id}`)).registrations;
    assert.equal(regs.length, 300);
    const done = await readJson(await attendance(s.id, regs.map((r) => ({ registration_id: r.id, attended: true, completed: true }))), 200);
    assert.equal(done.completed, 300);
    assert.equal(done.certificates_issued, 300);
  });

  test('capacity, trainers and bad input are named; a cancelled session tells the registered', async () => {
    await assertFieldError(await as.trainer.fetch(`${T}/sessions`, { method: 'POST', body: {
      course: COURSE_A, capacity: 0, starts_at: '2026-12-01T13:00:00Z', ends_at: '2026-12-01T20:00:00Z' } }), 'capacity', 'capacity 0');
    await assertFieldError(await as.trainer.fetch(`${T}/sessions`, { method: 'POST', body: {
      course: 'day9', capacity: 5, starts_at: '2026-12-01T13:00:00Z', ends_at: '2026-12-01T20:00:00Z' } }), 'course', 'no such course');
    const t = await person('Nota Trainer');
    const notTrainer = await as.trainer.fetch(`${T}/sessions`, { method: 'POST', body: {
      course: COURSE_A, capacity: 5, starts_at: '2026-12-01T13:00:00Z', ends_at: '2026-12-01T20:00:00Z', trainer_ids: [t] } });
    await assertFieldError(notTrainer, 'trainer_ids[0]', 'not certified');

    const s = await schedule(COURSE_A, 5, '2026-12-20');
    await readJson(await register(s.id, t), 201);
    const stale = await as.trainer.fetch(`${T}/sessions/${s.id}`, { method: 'PATCH', body: { version: 99, place: 'Elsewhere' } });
    await assertProblemStatus(stale, 409, { type: 'stale-version' });
    const cur = await as.trainer.get(`${T}/sessions/${s.id}`);
    const cancelled = await as.trainer.send('PATCH', `${T}/sessions/${s.id}`, { version: cur.version, status: 'cancelled', reason: 'Room flooded' });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.notified, 1);
    assert.equal(cancelled.cancel_reason, 'Room flooded');
    const again = await as.trainer.fetch(`${T}/sessions/${s.id}`, { method: 'PATCH', body: { version: cancelled.version, place: 'X' } });
    await assertProblemStatus(again, 409, { type: 'illegal-transition' });
    const list = await as.trainer.get(`${T}/sessions?status=cancelled`);
    assert.ok(list.items.some((x) => x.id === s.id));
    assert.ok(list.items.every((x) => x.status === 'cancelled'));
  });

  test('a provider user reads its own staff only; everyone else is refused', async () => {
    const mine = await person('Harbor Staffer', { provider_id: harborId, supervisor: true });
    const other = await person('Elsewhere Staffer');
    const list = await as.provider.get(`${T}/trainees`);
    assert.deepEqual(list.items.map((x) => x.id), [mine]);
    assert.equal((await as.provider.get(`${T}/trainees/${mine}`)).name, 'Harbor Staffer');
    assert.equal((await as.provider.fetch(`${T}/trainees/${other}`)).status, 404);
    assert.equal((await as.provider.fetch(`${T}/trainees`, { method: 'POST', body: { name: 'X', audience: nth(AUDIENCES, 5) } })).status, 403);
    for (const role of ['careline', 'hart', 'liaison', 'mdt', 'analyst', 'admin']) {
      assert.equal((await as[role].fetch(`${T}/trainees`)).status, 403, role);
      assert.equal((await as[role].fetch(`${T}/sessions`)).status, 403, role);
    }
    // Paging: one at a time reaches everyone once.
    const seen = [];
    let next = null;
    do {
      const page = await as.trainer.get(`${T}/trainees?limit=1${next ? `&after=${next}` : ''}&q=staffer`);
      seen.push(...page.items.map((x) => x.id));
      next = page.next;
    } while (next);
    assert.deepEqual(seen, [mine, other]);
  });
});
