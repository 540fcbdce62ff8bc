// Identification and the first 24 hours (docs/cases.md, docs/careline.md):
// a case opened from a report that says the child is a suspected victim
// starts suspected, identified when the report was received, with the
// law-enforcement duty counting from then; a report accepted without a
// screen keeps its reason; a law-enforcement report made before the child
// was identified is kept and shown as such, and meets the duty only when
// the pack says earlier reports count; "missing for" counts from last seen
// on the case and on the dashboard alike.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoUsers, loginEach, readJson } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, freshDb, initDb, loadDefaultPack, run, startServer, tempFile, testClock } from '../lib/server.mjs';
import { COMMERCIAL_SEX_CONCERNS, RESCREEN_INSTRUMENT, concern, nth, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const CS_CONCERN_A = nth(COMMERCIAL_SEX_CONCERNS, 0);
const CS_CONCERN_B = nth(COMMERCIAL_SEX_CONCERNS, 1);

const TOWN_A = town(0, 0, 0);

after(cleanup);

const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';
const HOUR_MS = 60 * MINUTE_MS;
const PACK = loadDefaultPack();
const SSCST = PACK.screening_instruments.find((i) => i.id === RESCREEN_INSTRUMENT);
const REASON = 'The police are with the child now: the screen follows.';

/** The default pack with law_enforcement_report.earlier_reports_count set to value. */
function packWith(value) {
  const p = structuredClone(PACK);
  p.deadlines.find((d) => d.id === 'law_enforcement_report').earlier_reports_count = value;
  return p;
}

/** A server on a fresh database with pack (a path, or the default), the demo users logged in. */
async function serverWith(clock, pack) {
  const db = freshDb();
  await initDb(db, { env: clock.env, pack });
  const demo = await demoUsers(db, { env: clock.env });
  const server = await startServer({ db, env: clock.env, pack });
  const as = {};
  await loginEach(server, demo.users, as);
  return { server, as };
}

let serial = 0;
/** A report of one child (age 15 in Bridgeport) received receivedAgo ms before now; resolves its id. */
async function record(as, clock, { concerns = [CONCERN_A], receivedAgo = 10 * MINUTE_MS } = {}) {
  serial++;
  const body = {
    received_at: clock.iso(-receivedAgo),
    channel: 'phone',
    reporter: { source: SOURCE_A, name: 'A school counselor' },
    children: [{ given_name: `Idris${serial}`, family_name: `Identcase${String.fromCharCode(65 + (serial % 26))}q${serial}`, estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report.',
    concerns,
  };
  const { id } = await readJson(await as.careline.fetch(INTAKES, { method: 'POST', body }), 201, 'record a report');
  return id;
}

async function accept(as, id, extra = { unscreened_reason: REASON }) {
  const { version } = await as.careline.get(`${INTAKES}/${id}`);
  return readJson(await as.careline.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', version, ...extra } }), 200, 'accept');
}

async function openFrom(as, intakeId) {
  const { id } = await readJson(await as.hart.fetch(CASES, { method: 'POST', body: { intake_id: intakeId } }), 201, 'open a case');
  return id;
}

/** The case opened from a new report, accepted without a screen. */
async function acceptedCase(as, clock) {
  const intakeId = await record(as, clock);
  await accept(as, intakeId);
  return openFrom(as, intakeId);
}

const leDuties = async (as, caseId) => (await as.hart.get(`/api/v1/deadlines?case=${caseId}&limit=500`)).items.filter((d) => d.kind === 'law_enforcement_report');

async function identify(as, caseId, identifiedAt) {
  const { version } = await as.hart.get(`${CASES}/${caseId}`);
  return readJson(await as.hart.fetch(`${CASES}/${caseId}`, { method: 'PATCH', body: { version, victim_status: 'suspected', identified_at: identifiedAt } }), 200, 'identify');
}

const report = async (as, caseId, reportedAt) => readJson(await as.hart.fetch(`${CASES}/${caseId}/reports`, {
  method: 'POST', body: { kind: 'law_enforcement', agency: 'Bridgeport PD', reported_at: reportedAt },
}), 201, 'record a law-enforcement report');

describe(`identification and the first 24 hours (${ENGINE})`, { timeout: 180_000 }, () => {
  let clock;
  let main;
  let early;

  before(async () => {
    clock = testClock('2026-11-28T15:00:00Z');
    main = await serverWith(clock);
    early = await serverWith(clock, tempFile('earlier-count.json', JSON.stringify(packWith(true))));
  });
  after(async () => {
    for (const s of [main, early]) if (s) assert.equal(await s.server.stop(), 0);
  });

  test('a case opened from a suspected-victim report starts suspected, identified when the report came in, its duty already overdue', async () => {
    const { as } = main;
    const received = clock.iso(-30 * HOUR_MS);
    const intakeId = await record(as, clock, { concerns: [CS_CONCERN_A], receivedAgo: 30 * HOUR_MS });
    assert.equal((await as.careline.get(`${INTAKES}/${intakeId}`)).suspected_victim, true, 'the guardrail flags the report');
    await accept(as, intakeId);
    const caseId = await openFrom(as, intakeId);
    const c = await as.hart.get(`${CASES}/${caseId}`);
    assert.equal(c.victim_status, 'suspected');
    assert.equal(c.identified_at, received, 'identified at the time the report was received');
    const [duty, ...more] = await leDuties(as, caseId);
    assert.equal(more.length, 0, 'one law-enforcement duty');
    assert.equal(duty.starts_at, received);
    assert.equal(duty.due_at, clock.iso(-6 * HOUR_MS), 'due 24 hours after the report was received');
    assert.equal(duty.status, 'overdue');
    const ev = c.events.find((e) => e.kind === 'victim_status');
    assert.ok(ev, `a victim_status event: ${JSON.stringify(c.events)}`);
    assert.equal(ev.identified_by, 'guardrail');
    assert.equal(ev.occurred_at, received);
    const audit = (await as.admin.get('/api/v1/audit?action=case.open&limit=50')).items.find((r) => r.object_id === String(caseId));
    assert.match(audit.detail, /victim_status=suspected by=guardrail/);
  });

  test('a positive screen makes the case suspected too; a report that says neither opens a case with no duty', async () => {
    const { as } = main;
    const screened = await record(as, clock, { receivedAgo: 2 * HOUR_MS });
    const answers = Object.fromEntries(SSCST.items.map((i, k) => [i.id, k < 2]));
    await readJson(await as.careline.fetch(`${INTAKES}/${screened}/screenings`, { method: 'POST', body: { instrument: RESCREEN_INSTRUMENT, answers } }), 201, 'screen');
    await accept(as, screened, {});
    const c1 = await openFrom(as, screened);
    const one = await as.hart.get(`${CASES}/${c1}`);
    assert.equal(one.victim_status, 'suspected');
    assert.equal(one.identified_at, clock.iso(-2 * HOUR_MS));
    assert.equal(one.events.find((e) => e.kind === 'victim_status').identified_by, 'screening');
    assert.equal((await leDuties(as, c1))[0].status, 'open');

    const plain = await record(as, clock);
    await accept(as, plain);
    const c2 = await openFrom(as, plain);
    const two = await as.hart.get(`${CASES}/${c2}`);
    assert.equal(two.victim_status, 'none');
    assert.equal(two.identified_at, null);
    assert.deepEqual(await leDuties(as, c2), []);
  });

  test('a suspected-victim report joining a case of a child not yet identified identifies the child from that report', async () => {
    const { as } = main;
    const first = await record(as, clock);
    await accept(as, first);
    const caseId = await openFrom(as, first);
    const before = await as.hart.get(`${CASES}/${caseId}`);
    assert.equal(before.victim_status, 'none');
    // A later report of the same child, in commercial sex, received 26 hours ago.
    const second = await record(as, clock, { concerns: [CS_CONCERN_B], receivedAgo: 26 * HOUR_MS });
    await readJson(await as.careline.fetch(`${INTAKES}/${second}/children/0/link`, { method: 'POST', body: { person_id: before.child.person_id } }), 200, 'link to the same child');
    await accept(as, second);
    const after = await as.hart.get(`${CASES}/${caseId}`);
    assert.ok(after.intakes.some((i) => i.id === second && i.joined), 'the report joined the case');
    assert.equal(after.victim_status, 'suspected');
    assert.equal(after.identified_at, clock.iso(-26 * HOUR_MS));
    const [duty] = await leDuties(as, caseId);
    assert.equal(duty.status, 'overdue');
    const audit = (await as.admin.get('/api/v1/audit?action=case.update&limit=50')).items.find((r) => r.object_id === String(caseId) && /intake_joined/.test(r.detail));
    assert.match(audit.detail, /victim_status=suspected by=guardrail/);
  });

  test('accepting an unscreened report needs a reason: 422 naming unscreened_reason, then kept, shown and audited', async () => {
    const { as } = main;
    const id = await record(as, clock);
    const { version } = await as.careline.get(`${INTAKES}/${id}`);
    const refused = await assertProblem(await as.careline.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', version } }), 422, 'accept unscreened without a reason');
    assert.ok(refused.errors.some((e) => e.field === 'unscreened_reason' && /not screened/.test(e.reason)), JSON.stringify(refused.errors));
    const still = await as.careline.get(`${INTAKES}/${id}`);
    assert.equal(still.disposition, null, 'nothing decided');
    assert.equal(still.dispositions.length, 0);

    const decided = await accept(as, id);
    const [d] = decided.dispositions;
    assert.equal(d.screened, false);
    assert.ok(d.reason.includes(REASON), `the reason is kept with the decision: ${d.reason}`);
    const audit = (await as.admin.get('/api/v1/audit?action=intake.dispose&limit=50')).items.find((r) => r.object_id === String(id));
    assert.equal(audit.detail, 'disposition=accepted_hart unscreened');

    // Screened first: no reason asked; other decisions never ask.
    const other = await record(as, clock);
    await readJson(await as.careline.fetch(`${INTAKES}/${other}/screenings`, { method: 'POST', body: { instrument: RESCREEN_INSTRUMENT, answers: Object.fromEntries(SSCST.items.map((i) => [i.id, false])) } }), 201, 'screen');
    assert.equal((await accept(as, other, {})).dispositions[0].screened, true);
    const info = await record(as, clock);
    const v = (await as.careline.get(`${INTAKES}/${info}`)).version;
    await readJson(await as.careline.fetch(`${INTAKES}/${info}/disposition`, { method: 'POST', body: { disposition: 'information_referral', version: v } }), 200, 'information and referral');
  });

  test('a report made before identification is kept and shown so; it does not meet the duty (default pack)', async () => {
    const { as } = main;
    const caseId = await acceptedCase(as, clock);
    await identify(as, caseId, clock.iso(-2 * HOUR_MS));
    const early1 = await report(as, caseId, clock.iso(-3 * HOUR_MS));
    assert.deepEqual(early1.met, [], 'an earlier report meets nothing');
    assert.equal(early1.before_identification, true);
    let [duty] = await leDuties(as, caseId);
    assert.equal(duty.met_at, null);
    assert.equal(duty.status, 'open');
    const c = await as.hart.get(`${CASES}/${caseId}`);
    assert.equal(c.reports[0].before_identification, true);

    const late = await report(as, caseId, clock.iso(-1 * HOUR_MS));
    assert.equal(late.before_identification, false);
    assert.deepEqual(late.met, [duty.id]);
    [duty] = await leDuties(as, caseId);
    assert.equal(duty.status, 'met_on_time');
    assert.equal(duty.met_at, clock.iso(-1 * HOUR_MS));

    // A report on a case not yet identified is kept; identifying later does not count it.
    const c2 = await acceptedCase(as, clock);
    assert.equal((await report(as, c2, clock.iso(-5 * HOUR_MS))).before_identification, true);
    await identify(as, c2, clock.iso(-4 * HOUR_MS));
    assert.equal((await leDuties(as, c2))[0].met_at, null);
    // Backdating the identification before the report: the report now counts.
    const { version } = await as.hart.get(`${CASES}/${c2}`);
    await readJson(await as.hart.fetch(`${CASES}/${c2}`, { method: 'PATCH', body: { version, identified_at: clock.iso(-6 * HOUR_MS) } }), 200, 'backdate');
    const [moved] = await leDuties(as, c2);
    assert.equal(moved.met_at, clock.iso(-5 * HOUR_MS));
    assert.equal(moved.status, 'met_on_time');
    assert.equal((await as.hart.get(`${CASES}/${c2}`)).reports[0].before_identification, false);
  });

  test('with earlier_reports_count, a report made before identification meets the duty on time', async () => {
    const { as } = early;
    const caseId = await acceptedCase(as, clock);
    await identify(as, caseId, clock.iso(-2 * HOUR_MS));
    const r = await report(as, caseId, clock.iso(-3 * HOUR_MS));
    assert.equal(r.before_identification, true);
    assert.equal(r.met.length, 1);
    const [duty] = await leDuties(as, caseId);
    assert.equal(duty.status, 'met_on_time');
    assert.equal((await as.hart.get(`${CASES}/${caseId}`)).reports[0].before_identification, true);

    // Recorded first, identified later: the earlier report meets the new duty.
    const c2 = await acceptedCase(as, clock);
    await report(as, c2, clock.iso(-5 * HOUR_MS));
    await identify(as, c2, clock.iso(-4 * HOUR_MS));
    const [d2] = await leDuties(as, c2);
    assert.equal(d2.met_at, clock.iso(-5 * HOUR_MS));
    assert.equal(d2.status, 'met_on_time');
  });

  test('the pack loader takes earlier_reports_count as true or false, on law_enforcement_report only', async () => {
    const cases = [
      ['law_enforcement_report', 'yes', /deadlines\[0\]\.earlier_reports_count: must be true or false/],
      ['return_debrief', true, /deadlines\[\d\]\.earlier_reports_count: only the law_enforcement_report deadline takes it/],
    ];
    for (const [id, value, expected] of cases) {
      const bad = structuredClone(PACK);
      bad.deadlines.find((d) => d.id === id).earlier_reports_count = value;
      const file = tempFile(`bad-earlier-${id}.json`, JSON.stringify(bad));
      const db = freshDb();
      const r = await run(['init', '--db', db, '--pack', file], { db });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, expected);
    }
  });

  test('missing for counts from last seen, the same on the case and on the dashboard', async () => {
    const { as } = main;
    const caseId = await acceptedCase(as, clock);
    await readJson(await as.hart.fetch(`${CASES}/${caseId}/missing-episodes`, {
      method: 'POST', body: { last_seen_at: clock.iso(-5 * HOUR_MS), learned_at: clock.iso(-1 * HOUR_MS) },
    }), 201, 'start a missing episode');
    const [ep] = (await as.hart.get(`${CASES}/${caseId}`)).missing_episodes;
    assert.equal(ep.missing_for_minutes, 300, 'five hours since last seen, not one since the agency learned');
    const dash = (await as.hart.get('/api/v1/dashboard')).missing_now.find((m) => m.case.id === caseId);
    assert.equal(dash.missing_for_minutes, 300);
    clock.advance(10 * MINUTE_MS);
    assert.equal((await as.hart.get(`${CASES}/${caseId}`)).missing_episodes[0].missing_for_minutes, 310);
    assert.equal((await as.hart.get('/api/v1/dashboard')).missing_now.find((m) => m.case.id === caseId).missing_for_minutes, 310);
    clock.advance(-10 * MINUTE_MS);
  });
});
