// Training: a provider's trafficking-informed status over time
// (docs/training.md, "Trafficking-informed providers"): informed once its
// second member of staff completes Day 2, told once sixty days before the
// completions age past the pack's window, and lapsed after it, all by the
// duty sweep on the test clock with nobody recording anything.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addProvider, auditRecords, createUser, demoOnClock, login, readJson } from '../lib/auth.mjs';
import { ENGINE, cleanup, loadDefaultPack, run, startServer, stopServer } from '../lib/server.mjs';
import { AUDIENCES, COURSE_IDS, INFORMED, nameOf, nth, region } from '../lib/pack.mjs';

const AUDIENCE_A = nth(AUDIENCES, 7);
const COURSE_A = nth(COURSE_IDS, 0);
const COURSE_B = nth(COURSE_IDS, 1);

const REGION_A = region(0);

after(cleanup);

const T = '/api/v1/training';
const RULE = loadDefaultPack().trafficking_informed;

describe(`trafficking-informed status lapses with time (${ENGINE})`, { timeout: 240_000 }, () => {
  let server;
  let clock;
  let db;
  let creds; // [key, user]
  const as = {};

  async function relogin() {
    for (const [k, u] of creds) as[k] = await login(server.url, u.username, u.password);
  }
  /** Sets the test clock to day at 15:00 UTC (the same day in Connecticut) and logs everyone in again. */
  async function setDay(day) {
    clock.set(`${day}T15:00:00Z`);
    await relogin();
  }
  async function sweep() {
    const r = await run(['deadlines', 'sweep', '--db', db], { db, env: clock.env });
    assert.equal(r.code, 0, `hartline deadlines sweep: ${r.stdout}\n${r.stderr}`);
  }
  const lapseNotes = async (s, name) =>
    (await s.get('/api/v1/notifications')).items.filter((n) => n.kind === 'informed_lapsing' && n.text.includes(name));

  before(async () => {
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db, env: clock.env });
    creds = demo.users.map((u) => [u.role, u]);
    await relogin();
  });
  after(() => stopServer(server));

  test('informed when the second member of staff completes Day 2; one notice 60 days before; lapsed after 24 months', async () => {
    assert.deepEqual([RULE.min_staff, RULE.min_supervisors, RULE.within_months], [2, 1, 24], 'the pack rule this test assumes');
    const provider = await addProvider(as.hart, 'lapse_test_r1', { name: 'Lapse Test Provider (synthetic)' });
    const puser = await createUser(db, { username: 'lapse-provider', role: 'provider', scope: provider.code, env: clock.env });
    creds.push(['puser', puser]);
    as.puser = await login(server.url, puser.username, puser.password);

    const person = async (name, supervisor) =>
      (await as.trainer.send('POST', `${T}/trainees`, {
        name, email: `${name.toLowerCase().replace(/ /g, '.')}@example.org`, audience: AUDIENCE_A,
        provider_id: provider.id, supervisor,
      }, 201)).id;
    const schedule = async (course, day) =>
      as.trainer.send('POST', `${T}/sessions`, {
        course, capacity: 5, starts_at: `${day}T13:00:00Z`, ends_at: `${day}T20:00:00Z`, region: REGION_A, place: 'Academy',
      }, 201);
    const register = async (sid, trainee_id) =>
      (await readJson(await as.trainer.fetch(`${T}/sessions/${sid}/registrations`, { method: 'POST', body: { trainee_id } }), 201,
        `register ${trainee_id}`)).id;
    const complete = async (sid, regIds) => readJson(await as.trainer.fetch(`${T}/sessions/${sid}/attendance`, {
      method: 'PUT', body: { lines: regIds.map((id) => ({ registration_id: id, attended: true, completed: true })) },
    }), 200, `attendance of ${sid}`);
    const status = async () => {
      const p = await as.hart.get(`/api/v1/providers/${provider.id}`);
      return { status: p.informed_status, until: p.informed_until ?? null, basis: p.informed_basis, p };
    };

    const sup = await person('Sage Lapse', true);
    const worker = await person('Robin Lapse', false);
    const day1 = await schedule(COURSE_A, '2026-11-04');
    await complete(day1.id, [await register(day1.id, sup), await register(day1.id, worker)]);
    assert.equal((await status()).status, 'not_informed');

    // Day 2: the supervisor first (one of two is not enough), then the second member of staff.
    const day2a = await schedule(COURSE_B, '2026-11-05');
    await complete(day2a.id, [await register(day2a.id, sup)]);
    assert.equal((await status()).status, 'not_informed', 'one member of staff is not the rule');
    const day2b = await schedule(COURSE_B, '2026-11-06');
    await complete(day2b.id, [await register(day2b.id, worker)]);
    let now = await status();
    assert.equal(now.status, 'informed', JSON.stringify(now.p));
    // Each member of staff counts until 24 months after their earliest listed completion (Day 1, 2026-11-04).
    assert.equal(now.until, '2028-11-04', JSON.stringify(now.p));
    // The courses by their names, each up to its first colon.
    const [c1, c2] = INFORMED.courses.map((c) => nameOf('courses', c).split(':')[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    assert.match(now.basis, new RegExp(`^2 staff completed .*${c1}.* and .*${c2}.* within ${INFORMED.within_months} months \\(1 supervisor\\)$`));
    const informedAudit = await auditRecords(as.admin, 'provider.informed');
    assert.ok(informedAudit.some((r) => r.object_id === String(provider.id) && /status=informed until=2028-11-04/.test(r.detail ?? '')),
      JSON.stringify(informedAudit.filter((r) => r.object_id === String(provider.id))));

    // 61 days before the last day: no notice yet.
    await setDay('2028-09-04');
    await sweep();
    assert.equal((await lapseNotes(as.puser, provider.name)).length, 0, 'no notice 61 days before');
    // 60 days before: one notice to the provider's user and the trainers, however often the sweep runs.
    await setDay('2028-09-05');
    await sweep();
    await sweep();
    await setDay('2028-09-20');
    await sweep();
    const notes = await lapseNotes(as.puser, provider.name);
    assert.equal(notes.length, 1, JSON.stringify(notes));
    assert.match(notes[0].text, /until 2028-11-04/);
    assert.equal((await lapseNotes(as.trainer, provider.name)).length, 1, 'the trainer told once');
    const notices = (await auditRecords(as.admin, 'provider.informed_notice')).filter((r) => r.object_id === String(provider.id));
    assert.equal(notices.length, 1, JSON.stringify(notices));
    assert.match(notices[0].detail ?? '', /until=2028-11-04/);
    now = await status();
    assert.deepEqual([now.status, now.until], ['informed', '2028-11-04']);

    // The last day: still informed.
    await setDay('2028-11-04');
    await sweep();
    now = await status();
    assert.deepEqual([now.status, now.until], ['informed', '2028-11-04'], JSON.stringify(now.p));
    // The day after: lapsed, with the rule's needs in the basis; no second notice.
    await setDay('2028-11-05');
    await sweep();
    now = await status();
    assert.equal(now.status, 'lapsed', JSON.stringify(now.p));
    assert.equal(now.until, null, JSON.stringify(now.p));
    assert.match(now.basis, /^0 staff completed .* within 24 months \(0 supervisors\); the rule needs 2 \(1 supervisor\)$/);
    assert.equal((await lapseNotes(as.puser, provider.name)).length, 1, 'no second notice');
    const lapsedAudit = (await auditRecords(as.admin, 'provider.informed')).filter((r) => r.object_id === String(provider.id));
    assert.ok(lapsedAudit.some((r) => /status=lapsed/.test(r.detail ?? '')), JSON.stringify(lapsedAudit));
  });
});
