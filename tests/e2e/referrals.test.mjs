// Service referrals (docs/recovery.md, "Service referrals"), on both
// engines: the lifecycle from a case to a provider and back (refer,
// decline with a reason, re-refer in one step, accept, start, complete
// with an outcome), the answer deadline in business days in the pack's
// zone and going overdue to the sweep's notices, the provider's scope
// (another agency's referral is 404, no case route answers a provider),
// and the refusals: 422 naming the field, 409 with what is allowed, 409 on
// a stale version, 403 for the wrong side's move, nothing half-written.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUser, demoOnClock, login, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertProblem, assertProblemStatus, errorsOf } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, startServer, until } from '../lib/server.mjs';
import { DECLINE_REASONS, FAST_ANSWER_SERVICES, OUTCOMES, RELIEF_OFFENCES, concern, nameOf, nth, region, service, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const SERVICE_A = service(0);
const FAST_SERVICE_A = FAST_ANSWER_SERVICES[0].service;
const DECLINE_A = nth(DECLINE_REASONS, 0);
const OUTCOME_A = nth(OUTCOMES, 0);
const OFFENCE_A = nth(RELIEF_OFFENCES, 0);

const REGION_A = region(0);
const REGION_C = region(2);
const TOWN_A = town(0, 0, 0);

const CASES = '/api/v1/cases';
const REFERRALS = '/api/v1/referrals';
const HOUR_MS = 60 * MINUTE_MS;

describe(`service referrals (${ENGINE})`, { timeout: 120_000 }, () => {
  let clock;
  let db;
  let demo;
  let server;
  const as = {};
  const provider = {};
  let kase;

  async function intake(family = 'Referraltest') {
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Robin', family_name: family, estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record');
    await readJson(await as.careline.fetch(`/api/v1/intakes/${id}/disposition`, {
      method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 },
    }), 200, 'accept');
    return id;
  }
  async function addProvider(code, name, services, regions, openings) {
    const body = { code, name, services, regions, populations: [], languages: ['English'], openings, capacity: 5 };
    const { id } = await readJson(await as.hart.fetch('/api/v1/providers', { method: 'POST', body }), 201, `provider ${code}`);
    provider[code] = id;
    const user = await createUser(db, { username: `${code}-staff`, role: 'provider', scope: code, env: clock.env });
    as[code] = await login(server.url, user.username, user.password);
  }
  const refer = (body, s = as.hart) => s.fetch(`${CASES}/${kase.id}/referrals`, { method: 'POST', body });
  const patch = (id, body, s) => s.fetch(`${REFERRALS}/${id}`, { method: 'PATCH', body });
  const caseReferrals = async () => (await as.hart.get(`${REFERRALS}?case=${kase.id}&limit=500`)).items;

  before(async () => {
    // Friday 27 November 2026, 10:00 in Connecticut.
    ({ clock, db, demo } = await demoOnClock('2026-11-27T15:00:00Z'));
    server = await startServer({ db, env: clock.env, args: ['--sweep-seconds', '1', '--session-idle', '7d', '--session-max', '7d'] });
    for (const u of demo.users) as[u.role] = await login(server.url, u.username, u.password);
    await addProvider('harbor', 'Harbor Light', [SERVICE_A, FAST_SERVICE_A], [REGION_A], 2);
    await addProvider('beacon', 'Beacon House', [SERVICE_A], [REGION_A], 1);
    await addProvider('north', 'Northway', [SERVICE_A], [REGION_C], 3);
    kase = await readJson(await as.hart.fetch(CASES, { method: 'POST', body: { intake_id: await intake() } }), 201, 'open');
  });
  after(async () => {
    try {
      if (server) assert.equal(await server.stop(), 0, `hartline serve exits 0 on SIGTERM\n${server.describe().slice(-4000)}`);
    } finally {
      await cleanup();
    }
  });

  test('the lifecycle: refer, decline with a reason, re-refer in one step, accept, start, complete with an outcome', async () => {
    const res = await refer({ provider_id: provider.harbor, service: SERVICE_A, reason: 'A mentor after the return home', urgency: 'urgent' });
    const first = await readJson(res, 201, 'refer');
    assert.equal(res.headers.get('location'), `${REFERRALS}/${first.id}`);
    assert.match(first.number, /^S-2026-\d{4}$/);
    assert.equal(first.status, 'pending');
    assert.deepEqual(first.case, { id: kase.id, number: kase.number });
    assert.equal(first.reason, 'A mentor after the return home');
    // Friday 10:00 + 2 business days: Tuesday 10:00 in the pack's zone.
    assert.equal(first.answer_due_at, '2026-12-01T15:00:00Z');
    assert.deepEqual(first.moves, ['withdrawn'], 'HART may only withdraw a pending referral');

    // The provider's users were told, and see the pack's view only.
    const notes = (await as.harbor.get('/api/v1/notifications')).items.filter((n) => n.kind === 'referral_new');
    assert.equal(notes.length, 1);
    assert.ok(notes[0].text.includes(first.number) && !notes[0].text.includes('Robin') && !notes[0].text.includes(kase.number), notes[0].text);
    const seen = await as.harbor.get(`${REFERRALS}/${first.id}`);
    assert.deepEqual(seen.child, { initials: 'R. R.', age: 15 });
    assert.equal(seen.reason, 'A mentor after the return home');
    assert.equal(seen.service, SERVICE_A);
    assert.equal(seen.region, REGION_A);
    assert.deepEqual(seen.moves, ['accepted', 'declined']);
    for (const hidden of ['case', 'person_id', 'referred_by']) assert.equal(seen[hidden], undefined, `${hidden} is not shown to a provider`);
    const text = JSON.stringify(seen);
    for (const word of ['Robin', 'Referraltest', kase.number]) assert.ok(!text.includes(word), `${word} is not shown to a provider`);

    await assertFieldError(await patch(first.id, { version: seen.version, status: 'declined' }, as.harbor), 'reason_code', 'a decline needs its reason');
    await assertFieldError(await patch(first.id, { version: seen.version, status: 'declined', reason_code: 'other' }, as.harbor), 'note', 'another reason needs a note');
    const declined = await readJson(await patch(first.id, { version: seen.version, status: 'declined', reason_code: DECLINE_A }, as.harbor), 200, 'decline');
    assert.equal(declined.status, 'declined');
    assert.equal(declined.reason_name, nameOf('referral_decline_reasons', DECLINE_A));

    const res2 = await as.hart.fetch(`${REFERRALS}/${first.id}/rereferral`, { method: 'POST', body: { provider_id: provider.beacon, note: 'Harbor Light is full' } });
    const second = await readJson(res2, 201, 're-refer');
    assert.equal(second.status, 'pending');
    assert.equal(second.service, SERVICE_A);
    assert.equal(second.urgency, 'urgent');
    assert.equal(second.reason, 'A mentor after the return home');
    assert.deepEqual(second.rereferral_of, { id: first.id, number: first.number });
    assert.deepEqual((await as.hart.get(`${REFERRALS}/${first.id}`)).rereferred_as, { id: second.id, number: second.number });

    let r = await as.beacon.get(`${REFERRALS}/${second.id}`);
    r = await readJson(await patch(second.id, { version: r.version, status: 'accepted' }, as.beacon), 200, 'accept');
    r = await readJson(await patch(second.id, { version: r.version, status: 'started' }, as.beacon), 200, 'start');
    await assertFieldError(await patch(second.id, { version: r.version, status: 'completed' }, as.beacon), 'outcome', 'a completion needs its outcome');
    r = await readJson(await patch(second.id, { version: r.version, status: 'completed', outcome: OUTCOME_A, note: 'Met every week' }, as.beacon), 200, 'complete');
    assert.equal(r.status, 'completed');
    assert.equal(r.outcome_name, nameOf('referral_outcomes', OUTCOME_A));
    assert.deepEqual(r.moves, []);
    assert.deepEqual(r.steps.map((s) => s.status), ['pending', 'accepted', 'started', 'completed']);
    assert.equal(r.steps[3].note, 'Met every week');
    assert.equal(r.steps[0].by, undefined, 'the provider is not told who moved it');
    assert.equal(r.steps[0].by_name, undefined);
    // The referring team sees who, by username and by the name they go by.
    const theirs = await as.hart.get(`${REFERRALS}/${second.id}`);
    const me = (await as.hart.get('/api/v1/me')).user;
    assert.equal(theirs.steps[0].by, me.username);
    assert.equal(theirs.steps[0].by_name, me.display_name ?? null);

    // The case shows both, newest first, with what happened.
    const list = await caseReferrals();
    assert.deepEqual(list.slice(0, 2).map((x) => [x.number, x.status]), [[second.number, 'completed'], [first.number, 'declined']]);
    // The answer duties were met by the answers.
    const duties = (await as.hart.get(`/api/v1/deadlines?case=${kase.id}&limit=500`)).items.filter((d) => d.kind === 'referral_answer');
    assert.deepEqual(duties.map((d) => d.status).sort(), ['met_on_time', 'met_on_time']);
    assert.ok(duties.some((d) => d.name === `Provider answer: ${nameOf('services', SERVICE_A)} (Harbor Light)`), JSON.stringify(duties));
    // Every read of a referral is audited.
    const admin = await login(server.url, demo.byRole.admin.username, demo.byRole.admin.password);
    const reads = (await admin.get('/api/v1/audit?action=referral.read&limit=500')).items;
    assert.ok(reads.length >= 3, JSON.stringify(reads));
  });

  test('a provider that does not offer the service or serve the region is refused naming the field, and nothing is stored', async () => {
    const before = (await caseReferrals()).length;
    await assertFieldError(await refer({ provider_id: provider.beacon, service: FAST_SERVICE_A, reason: 'r' }), 'provider_id', 'service not offered');
    await assertFieldError(await refer({ provider_id: provider.north, service: SERVICE_A, reason: 'r' }), 'provider_id', 'region not served');
    await assertFieldError(await refer({ provider_id: provider.harbor, service: 'juggling', reason: 'r' }), 'service', 'not a service');
    await assertFieldError(await refer({ provider_id: provider.harbor, service: SERVICE_A }), 'reason', 'no reason');
    await assertFieldError(await refer({ provider_id: provider.harbor, service: SERVICE_A, reason: 'r', referred_at: '2020-01-01T00:00:00Z' }), 'referred_at', 'before the case was opened');
    assert.equal((await caseReferrals()).length, before);
    const duties = (await as.hart.get(`/api/v1/deadlines?case=${kase.id}&limit=500`)).items.filter((d) => d.kind === 'referral_answer');
    assert.equal(duties.length, before);
  });

  test('a move the lifecycle does not allow is 409 with allowed, a stale version 409, the wrong side 403; nothing changes', async () => {
    const r = await readJson(await refer({ provider_id: provider.harbor, service: SERVICE_A, reason: 'r' }), 201, 'refer');
    let p = await assertProblem(await patch(r.id, { version: r.version, status: 'completed', outcome: OUTCOME_A }, as.harbor), 409, 'illegal');
    assert.match(p.type, /illegal-transition$/);
    assert.deepEqual(p.allowed, ['accepted', 'declined', 'withdrawn']);
    p = await assertProblem(await patch(r.id, { version: r.version + 3, status: 'accepted' }, as.harbor), 409, 'stale');
    assert.match(p.type, /stale-version$/);
    await assertProblem(await patch(r.id, { version: r.version, status: 'accepted' }, as.hart), 403, 'HART does not accept for the provider');
    await assertProblem(await patch(r.id, { version: r.version, status: 'withdrawn' }, as.harbor), 403, 'a provider does not withdraw');
    p = await assertProblem(await as.hart.fetch(`${REFERRALS}/${r.id}/rereferral`, { method: 'POST', body: { provider_id: provider.beacon } }), 409, 'only a declined one');
    const now = await as.hart.get(`${REFERRALS}/${r.id}`);
    assert.equal(now.status, 'pending');
    assert.equal(now.version, r.version);
    assert.equal(now.steps.length, 1);
    const w = await readJson(await patch(r.id, { version: r.version, status: 'withdrawn' }, as.hart), 200, 'withdraw');
    assert.equal(w.status, 'withdrawn');
    assert.equal(w.answer.status, 'not_needed', 'a withdrawal ends the wait for an answer');
  });

  test("a provider reaches only its agency's referrals, and no case, report or person route answers it", async () => {
    const r = await readJson(await refer({ provider_id: provider.harbor, service: SERVICE_A, reason: 'scope' }), 201, 'refer');
    await assertProblemStatus(await as.beacon.fetch(`${REFERRALS}/${r.id}`), 404, { what: "another agency's referral" });
    await assertProblemStatus(await patch(r.id, { version: r.version, status: 'accepted' }, as.beacon), 404, { what: "another agency's answer" });
    const theirs = (await as.beacon.get(`${REFERRALS}?limit=500`)).items;
    assert.ok(theirs.every((x) => x.provider.id === provider.beacon), 'the list holds its own only');
    assert.ok((await as.harbor.get(`${REFERRALS}?limit=500`)).items.some((x) => x.id === r.id));
    // Nor may it filter by case: that would tell it internal case ids.
    const byCase = await assertProblem(await as.harbor.fetch(`${REFERRALS}?case=${kase.id}`), 422, 'a provider filters by case');
    assert.deepEqual(errorsOf(byCase).case, ['Providers cannot filter by case.']);
    // The demo agency has none of these.
    assert.deepEqual((await as.provider.get(`${REFERRALS}?limit=500`)).items, []);
    for (const path of [CASES, `${CASES}/${kase.id}`, '/api/v1/intakes', '/api/v1/deadlines', '/api/v1/dashboard']) {
      await assertProblem(await as.harbor.fetch(path), 403, `${path} for a provider`);
    }
    await assertProblem(await as.harbor.fetch('/api/v1/persons/match', { method: 'POST', body: { given_name: 'Robin' } }), 403, 'find a child');
    await assertProblem(await refer({ provider_id: provider.harbor, service: SERVICE_A, reason: 'x' }, as.harbor), 403, 'a provider refers no one');
    // MDT members read the referrals of the cases their team reviews only.
    await assertProblemStatus(await as.mdt.fetch(`${REFERRALS}/${r.id}`), 404, { what: 'not reviewed by the team' });
    // The paging cursor: one at a time, to the end.
    const seen = new Set();
    let next = null;
    do {
      const page = await as.harbor.get(`${REFERRALS}?limit=1${next ? `&after=${next}` : ''}`);
      assert.ok(page.items.length <= 1);
      for (const x of page.items) seen.add(x.id);
      ({ next } = page);
    } while (next);
    assert.equal(seen.size, (await as.harbor.get(`${REFERRALS}?limit=500`)).items.length);
  });

  test('two re-referrals of one decline at once: one is made, the other 409 already re-referred', async () => {
    const r = await readJson(await refer({ provider_id: provider.harbor, service: SERVICE_A, reason: 'twice' }), 201, 'refer');
    await readJson(await patch(r.id, { version: r.version, status: 'declined', reason_code: DECLINE_A }, as.harbor), 200, 'decline');
    const again = () => as.hart.fetch(`${REFERRALS}/${r.id}/rereferral`, { method: 'POST', body: { provider_id: provider.beacon } });
    const both = await Promise.all([again(), again()]);
    const bodies = await Promise.all(both.map((res) => res.json()));
    assert.deepEqual(both.map((res) => res.status).sort(), [201, 409], JSON.stringify(bodies));
    assert.match(bodies.find((b) => !b.id).detail, /already re-referred/);
    assert.equal((await caseReferrals()).filter((x) => x.rereferral_of?.id === r.id).length, 1);
  });

  test('a case restricted by relief granted restricts its referrals in every view, until the glass is broken', async () => {
    const c = await readJson(await as.hart.fetch(CASES, { method: 'POST', body: { intake_id: await intake('Reliefref') } }), 201, 'open');
    const r = await readJson(await as.hart.fetch(`${CASES}/${c.id}/referrals`, { method: 'POST', body: { provider_id: provider.harbor, service: SERVICE_A, reason: 'Restricted later' } }), 201, 'refer');
    const person = (await as.hart.get(`${CASES}/${c.id}`)).child.person_id;
    const rec = await as.hart.send('POST', `/api/v1/persons/${person}/relief`, { court: 'Superior Court', offence: OFFENCE_A, links: [{ kind: 'case', id: c.id }] }, 201);
    const filed = await as.hart.send('PATCH', `/api/v1/relief/${rec.id}`, { version: 1, status: 'petition_filed', petition_filed_on: '2026-11-20' });
    await as.hart.send('PATCH', `/api/v1/relief/${rec.id}`, { version: filed.version, status: 'granted', outcome: 'Vacated.' });
    for (const s of [as.hart, as.harbor]) {
      await assertProblemStatus(await s.fetch(`${REFERRALS}/${r.id}`), 403, { type: 'restricted' });
      const row = (await s.get(`${REFERRALS}?limit=500`)).items.find((x) => x.id === r.id);
      assert.deepEqual(row, { id: r.id, number: r.number, restricted: true });
    }
    await as.hart.send('POST', '/api/v1/break-glass', { kind: 'case', id: c.id, reason: 'The child is missing again; the referral names a place.' }, 201);
    assert.equal((await as.hart.get(`${REFERRALS}/${r.id}`)).reason, 'Restricted later');
    await assertProblemStatus(await as.harbor.fetch(`${REFERRALS}/${r.id}`), 403, { type: 'restricted' });
  });

  test('an answer not given in time is overdue on the dashboard and the sweep tells the referrer and HART', async () => {
    const r = await readJson(await refer({ provider_id: provider.harbor, service: FAST_SERVICE_A, reason: 'Meet today', urgency: 'emergency' }), 201, 'refer');
    assert.equal(r.answer_due_at, clock.iso(FAST_ANSWER_SERVICES[0].minutes * MINUTE_MS).replace(/\.\d+Z$/, 'Z'));
    clock.set(clock.ms + 5 * HOUR_MS);
    const name = `Provider answer: ${nameOf('services', FAST_SERVICE_A)} (Harbor Light)`;
    const notes = await until(async () => {
      const n = (await as.hart.get('/api/v1/notifications')).items.filter((x) => x.kind === 'deadline_overdue' && x.text.includes(name));
      return n.length ? n : null;
    }, 10_000, 'the overdue notice');
    assert.ok(notes[0].text.includes(kase.number) && !notes[0].text.includes('Robin'), notes[0].text);
    const dash = await as.hart.get('/api/v1/dashboard');
    assert.ok(dash.overdue.some((d) => d.kind === 'referral_answer' && d.name === name), JSON.stringify(dash.overdue));
    const seen = await as.harbor.get(`${REFERRALS}/${r.id}`);
    assert.equal(seen.answer.status, 'overdue');
    // Answered late, it is met late.
    const a = await readJson(await patch(r.id, { version: seen.version, status: 'accepted' }, as.harbor), 200, 'accept');
    assert.equal(a.answer.status, 'met_late');
  });
});
