// Corrections (docs/cases.md, "Corrections"): a timeline entry's text
// corrected by its author within the pack's window, the earlier text kept
// sealed and answered; the time a child was located and the time an action
// item was done corrected with a reason, the earlier time kept and the
// duties following; who may not, and when not, each in plain words.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, demoOnClock, login, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertProblem } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, dbBytes, loadDefaultPack, startServer, stopServer } from '../lib/server.mjs';
import { MDT_ROLES, concern, nth, region, source, town } from '../lib/pack.mjs';

const MEMBER_ROLE = nth(MDT_ROLES, 2);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const REGION_A = region(0);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const CASES = '/api/v1/cases';
const HOUR_MS = 60 * MINUTE_MS;
const WINDOW_HOURS = loadDefaultPack().cases.note_correction_hours;

describe(`corrections (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  let creds;
  const as = {};
  let serial = 0;

  async function relogin() {
    for (const [k, u] of creds) as[k] = await login(server.url, u.username, u.password);
  }

  /** A new case of a new child in Bridgeport (R1), opened by HART: { id, number }. */
  async function newCase() {
    serial++;
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS), channel: 'phone', reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Corry', family_name: `Correctiontest${serial}`, estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.', concerns: [CONCERN_A],
    };
    const { id } = await as.careline.send('POST', '/api/v1/intakes', body, 201);
    await as.careline.send('POST', `/api/v1/intakes/${id}/disposition`, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team.', version: 1 });
    return as.hart.send('POST', CASES, { intake_id: id }, 201);
  }
  const post = (s, path, body) => s.fetch(path, { method: 'POST', body });

  before(async () => {
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = {
      hart2: await createUser(db, { username: 'cx-hart-two', role: 'hart', env: clock.env }),
      mdtCx: await createUser(db, { username: 'cx-mdt', role: 'mdt', scope: 'mdt-cxl', env: clock.env }),
    };
    server = await startServer({ db, env: clock.env, args: ['--session-idle', '7d', '--session-max', '7d'] });
    creds = [...demo.users.map((u) => [u.role, u]), ...Object.entries(extra)];
    await relogin();
  });
  after(() => stopServer(server));

  test('a note corrected by its author keeps the earlier text, sealed; no one else corrects it, nor after the window', async () => {
    const kase = await newCase();
    const entry = await as.hart.send('POST', `${CASES}/${kase.id}/events`, { kind: 'note', text: 'Met Corry at the bus station.' }, 201);
    const path = `${CASES}/${kase.id}/events/${entry.id}/corrections`;

    // Another HART coordinator, the region's liaison, and roles that do not write cases: refused, each saying why.
    const other = await assertProblem(await post(as.hart2, path, { text: 'Met Corry at the library.' }), 403, 'another coordinator');
    assert.match(other.detail, /Only the person who wrote this entry can correct it/);
    await assertProblem(await post(as.liaison, path, { text: 'x' }), 403, 'the liaison, not the author');
    for (const role of ['mdt', 'careline', 'analyst', 'provider', 'trainer', 'admin']) {
      await assertProblem(await post(as[role], path, { text: 'x' }), 403, role);
    }
    const denials = await auditRecords(as.admin, 'permission.denied');
    assert.ok(denials.some((d) => /only the author/.test(d.detail || '')), 'the refusal of another user is audited');

    // The same text, or none: 422 on text.
    await assertFieldError(await post(as.hart, path, { text: 'Met Corry at the bus station.' }), 'text', 'the same text');
    await assertFieldError(await post(as.hart, path, { text: '   ' }), 'text', 'blank text');

    const fixed = await as.hart.send('POST', path, { text: 'Met Corry at the train station.' }, 201);
    assert.equal(fixed.id, entry.id);
    const ev = (await as.hart.get(`${CASES}/${kase.id}`)).events.find((e) => e.id === entry.id);
    assert.equal(ev.text, 'Met Corry at the train station.');
    assert.equal(ev.corrections.length, 1);
    assert.equal(ev.corrections[0].earlier_text, 'Met Corry at the bus station.');
    assert.equal(ev.corrections[0].corrected_by.username, 'demo-hart');
    assert.equal(ev.corrections[0].corrected_at, clock.iso());
    assert.equal(ev.correctable_until, clock.iso(WINDOW_HOURS * HOUR_MS));
    assert.equal(dbBytes(db).includes(Buffer.from('bus station')), false, 'the earlier text is sealed at rest');
    const audit = await auditRecords(as.admin, 'case.event_correct');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].object_id, String(kase.id));

    // An entry hartline wrote is not anyone's to correct.
    const opened = (await as.hart.get(`${CASES}/${kase.id}`)).events.find((e) => e.kind === 'opened');
    if (opened) {
      const sys = await assertProblem(await post(as.hart, `${CASES}/${kase.id}/events/${opened.id}/corrections`, { text: 'x' }), 409, 'a system entry');
      assert.match(sys.detail, /not by a person/);
    }

    // Past the pack's window: 409, saying how long the window is.
    clock.advance(WINDOW_HOURS * HOUR_MS + MINUTE_MS);
    const late = await assertProblem(await post(as.hart, path, { text: 'Met Corry at the coach station.' }), 409, 'past the window');
    assert.match(late.detail, new RegExp(`${WINDOW_HOURS} hours`));
    assert.equal((await as.hart.get(`${CASES}/${kase.id}`)).events.find((e) => e.id === entry.id).corrections.length, 1);
  });

  test('the located time: refused in the future or before last seen; corrected with a reason, the return duties moving with it', async () => {
    const kase = await newCase();
    const ep = await as.hart.send('POST', `${CASES}/${kase.id}/missing-episodes`,
      { last_seen_at: clock.iso(-20 * HOUR_MS), learned_at: clock.iso(-19 * HOUR_MS) }, 201);
    const locate = (body) => as.hart.fetch(`${CASES}/${kase.id}/missing-episodes/${ep.id}`, { method: 'PATCH', body });
    await assertFieldError(await locate({ located_at: clock.iso(HOUR_MS) }), 'located_at', 'in the future');
    await assertFieldError(await locate({ located_at: clock.iso(-21 * HOUR_MS) }), 'located_at', 'before last seen');
    const path = `${CASES}/${kase.id}/missing-episodes/${ep.id}/corrections`;
    await assertProblem(await post(as.hart, path, { located_at: clock.iso(-HOUR_MS), reason: 'x' }), 409, 'not located yet');
    await readJson(await locate({ located_at: clock.iso(-2 * HOUR_MS) }), 200, 'located two hours ago');

    const dueOf = async (kind) => (await as.hart.get(`/api/v1/deadlines?case=${kase.id}`)).items.find((d) => d.kind === kind);
    const before = await dueOf('return_debrief');
    await assertFieldError(await post(as.hart, path, { located_at: clock.iso(HOUR_MS), reason: 'x' }), 'located_at', 'in the future');
    await assertFieldError(await post(as.hart, path, { located_at: clock.iso(-2 * HOUR_MS), reason: 'x' }), 'located_at', 'the same time');
    await assertFieldError(await post(as.hart, path, { located_at: clock.iso(-5 * HOUR_MS), reason: ' ' }), 'reason', 'no reason');
    for (const role of ['mdt', 'careline', 'analyst']) {
      await assertProblem(await post(as[role], path, { located_at: clock.iso(-5 * HOUR_MS), reason: 'x' }), 403, role);
    }
    const fixed = await as.hart.send('POST', path, { located_at: clock.iso(-5 * HOUR_MS), reason: 'The police report gives the earlier time.' }, 201);
    assert.equal(fixed.located_at, clock.iso(-5 * HOUR_MS));
    const after = await dueOf('return_debrief');
    assert.equal(Date.parse(before.due_at) - Date.parse(after.due_at), 3 * HOUR_MS, 'the debrief falls due three hours earlier');
    const c = await as.hart.get(`${CASES}/${kase.id}`);
    const e = c.missing_episodes.find((x) => x.id === ep.id);
    assert.equal(e.located_at, clock.iso(-5 * HOUR_MS));
    assert.deepEqual(e.corrections.map((k) => [k.earlier_at, k.corrected_to, k.reason]),
      [[clock.iso(-2 * HOUR_MS), clock.iso(-5 * HOUR_MS), 'The police report gives the earlier time.']]);
    const entry = c.events.find((x) => x.kind === 'time_corrected');
    assert.equal(entry.field, 'located_at');
    assert.equal(entry.text, 'The police report gives the earlier time.');
    assert.equal((await auditRecords(as.admin, 'missing.locate_correct')).length, 1);

    // The MDT view shows the episode's times as they are now, not the reasons.
    const team = await as.hart.send('POST', '/api/v1/teams', { code: 'mdt-cxl', name: 'Located Test MDT', region: REGION_A }, 201);
    await as.hart.send('POST', `/api/v1/teams/${team.id}/members`, { name: 'M. Member', agency: 'Police', mdt_role: MEMBER_ROLE, user_id: as.mdtCx.user.id }, 201);
    await as.hart.send('POST', `/api/v1/teams/${team.id}/reviews`, { case_id: kase.id, scheduled_at: clock.iso(HOUR_MS) }, 201);
    const mdtView = await as.mdtCx.get(`${CASES}/${kase.id}`);
    assert.equal(mdtView.view, 'mdt');
    const seen = mdtView.missing_episodes.find((x) => x.id === ep.id);
    assert.equal(seen.located_at, clock.iso(-5 * HOUR_MS));
    assert.equal(seen.corrections, undefined, 'no reasons in the MDT view');
  });

  test('an action item marked done late is corrected to on time: the earlier time kept, the duty standing recomputed', async () => {
    const kase = await newCase();
    const team = await as.hart.send('POST', '/api/v1/teams', { code: `mdt-cx${serial}`, name: 'Correction Test MDT', region: REGION_A }, 201);
    const review = await as.hart.send('POST', `/api/v1/teams/${team.id}/reviews`, { case_id: kase.id, scheduled_at: clock.iso(-3 * HOUR_MS) }, 201);
    const held = await as.hart.send('PATCH', `/api/v1/teams/${team.id}/reviews/${review.id}`, {
      status: 'held', held_at: clock.iso(-3 * HOUR_MS),
      action_items: [{ text: 'Call the school.', owner: 'HART', due_at: clock.iso(-HOUR_MS) }],
    });
    const item = held.action_items[0];
    const itemPath = `/api/v1/teams/${team.id}/reviews/${review.id}/action-items/${item.id}`;
    const path = `${itemPath}/corrections`;
    await assertProblem(await post(as.hart, path, { done_at: clock.iso(-2 * HOUR_MS), reason: 'x' }), 409, 'not done yet');
    await assertFieldError(await as.hart.fetch(itemPath, { method: 'PATCH', body: { done_at: clock.iso(-4 * HOUR_MS) } }), 'done_at', 'before the review was held');
    await as.hart.send('PATCH', itemPath, { done_at: clock.iso(-30 * MINUTE_MS) });
    const standing = async () => (await as.hart.get(`/api/v1/deadlines?case=${kase.id}`)).items.find((d) => d.kind === 'action_item');
    assert.equal((await standing()).status, 'met_late');

    await assertFieldError(await post(as.hart, path, { done_at: clock.iso(-4 * HOUR_MS), reason: 'x' }), 'done_at', 'before the review');
    await assertFieldError(await post(as.hart, path, { done_at: clock.iso(HOUR_MS), reason: 'x' }), 'done_at', 'in the future');
    for (const role of ['mdt', 'careline', 'analyst']) {
      await assertProblem(await post(as[role], path, { done_at: clock.iso(-2 * HOUR_MS), reason: 'x' }), 403, role);
    }
    const fixed = await as.hart.send('POST', path, { done_at: clock.iso(-2 * HOUR_MS), reason: 'Called during the meeting.' }, 201);
    assert.equal(fixed.done_at, clock.iso(-2 * HOUR_MS));
    assert.equal(fixed.corrections[0].earlier_at, clock.iso(-30 * MINUTE_MS));
    assert.equal((await standing()).status, 'met_on_time');
    const t = await as.hart.get(`/api/v1/teams/${team.id}`);
    const again = t.reviews.find((r) => r.id === review.id).action_items[0];
    assert.equal(again.corrections[0].reason, 'Called during the meeting.');
    assert.equal((await auditRecords(as.admin, 'review.action_item_done_correct')).length, 1);
  });
});
