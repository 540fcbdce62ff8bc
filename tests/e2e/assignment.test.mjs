// Who works a case, closing and reopening, and the printed summary
// (docs/cases.md, "Assignment", "Closing and reopening", "A printed
// summary"): a lead and workers with their history, the duties following
// the lead, "My cases", "My duties" and the caseload as pages, a closure
// reason and the open work it looks at, reopening as its own step, the
// print audited. Each role that may not is refused.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertPagesWhole, assertProblem } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, startServer, stopServer } from '../lib/server.mjs';
import { CLOSURE_REASONS, RELIEF_OFFENCES, concern, nth, region, source, town, nameOf } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const CLOSURE_A = nth(CLOSURE_REASONS, 0);
const CLOSURE_B = nth(CLOSURE_REASONS, 2);
const OFFENCE_A = nth(RELIEF_OFFENCES, 0);

const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';

describe(`assignment, closing and printing (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  const as = {};
  const ids = {}; // key of as -> user id
  let serial = 0;

  async function newCase() {
    serial++;
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: `Assign${serial}`, family_name: `Testassign${serial}`, estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id: intakeId } = await as.careline.send('POST', INTAKES, body, 201);
    const { version } = await as.careline.get(`${INTAKES}/${intakeId}`);
    await as.careline.send('POST', `${INTAKES}/${intakeId}/disposition`, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version }, 200);
    return as.hart.send('POST', CASES, { intake_id: intakeId }, 201);
  }
  const getCase = (id, s = as.hart) => s.get(`${CASES}/${id}`);
  const assign = (id, body, s = as.hart) => s.fetch(`${CASES}/${id}/assignments`, { method: 'POST', body });
  const patch = async (id, body, s = as.hart) => s.fetch(`${CASES}/${id}`, { method: 'PATCH', body: { version: (await getCase(id)).version, ...body } });
  const current = (c) => c.assignments.filter((a) => a.current);

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = {
      hart2: await createUser(db, { username: 'assign-hart-2', role: 'hart', displayName: 'Second Coordinator', env: clock.env }),
      liaisonR4: await createUser(db, { username: 'assign-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }),
    };
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, extra);
    for (const k of Object.keys(as)) ids[k] = (await as[k].get('/api/v1/me')).user.id;
  });
  after(() => stopServer(server));

  test('a lead set from the case moves its duties; a transfer keeps the history; "My cases" and "My duties" follow', async () => {
    const c = await newCase();
    await readJson(await patch(c.id, { victim_status: 'suspected' }), 200, 'identify');
    const before = await getCase(c.id);
    assert.equal(before.lead, null);
    assert.deepEqual(before.assignments, []);
    assert.equal(before.duties[0].owner.username, 'demo-hart', 'a case without a lead: the opener owns its duties');

    const led = await readJson(await assign(c.id, { user_id: ids.liaison, role: 'lead' }), 200, 'assign the liaison');
    assert.equal(led.lead.username, 'demo-liaison');
    assert.deepEqual(current(led).map((a) => [a.role, a.user.username, a.started_by.username]), [['lead', 'demo-liaison', 'demo-hart']]);
    assert.ok(led.version > before.version);
    assert.equal(led.child, undefined, 'the answer to an assignment carries nothing of the child');
    const duty = (await getCase(c.id)).duties.find((d) => d.kind === 'law_enforcement_report');
    assert.equal(duty.owner.username, 'demo-liaison', 'the duties belong to the lead');

    const mine = await as.liaison.get('/api/v1/me/cases');
    const row = mine.items.find((i) => i.id === c.id);
    assert.ok(row, `the case is in the liaison's cases: ${JSON.stringify(mine)}`);
    assert.equal(row.assignment, 'lead');
    assert.equal(row.number, c.number);
    assert.equal(row.child.given_name, `Assign${serial}`);
    assert.equal(mine.next, null);
    const notes = await as.liaison.get('/api/v1/notifications');
    const told = (notes.notifications || notes.items || []).find((n) => n.kind === 'case_assigned');
    assert.ok(told, `the new lead is told: ${JSON.stringify(notes)}`);
    assert.equal(told.text, `You lead case ${c.number} now: its duties are yours.`);
    assert.ok(!told.text.includes(`Assign${serial}`), 'the notice names no child');
    const duties = await as.liaison.get('/api/v1/me/duties');
    assert.ok(duties.items.some((d) => d.id === duty.id), 'the duty is in the liaison\'s duties');
    assert.equal((await as.hart.get('/api/v1/me/cases')).items.some((i) => i.id === c.id), false, 'the opener does not lead it');

    // A transfer: the lead before ends, its row stays.
    const moved = await readJson(await assign(c.id, { user_id: ids.hart2, role: 'lead' }), 200, 'transfer');
    assert.equal(moved.lead.username, 'assign-hart-2');
    const rows = moved.assignments.map((a) => [a.role, a.user.username, a.current, a.ended_by && a.ended_by.username]);
    assert.deepEqual(rows, [['lead', 'assign-hart-2', true, null], ['lead', 'demo-liaison', false, 'demo-hart']]);
    const movedCase = await getCase(c.id);
    assert.equal(movedCase.duties.find((d) => d.id === duty.id).owner.username, 'assign-hart-2', 'the duties moved with the lead');
    assert.equal((await as.liaison.get('/api/v1/me/cases')).items.some((i) => i.id === c.id), false);
    assert.equal((await as.liaison.get('/api/v1/me/duties')).items.some((d) => d.id === duty.id), false);
    assert.ok((await as.hart2.get('/api/v1/me/duties')).items.some((d) => d.id === duty.id));
    const changes = movedCase.events.filter((e) => e.kind === 'lead_changed').map((e) => [e.from ?? null, e.to]);
    assert.deepEqual(changes.sort(), [[null, 'demo-liaison'], ['demo-liaison', 'assign-hart-2']].sort());
    // The timeline names people by the name they go by; the username stays for a program.
    const named = movedCase.events.filter((e) => e.kind === 'lead_changed').map((e) => [e.from_name ?? null, e.to_name]);
    assert.deepEqual(named.sort(), [[null, 'Demo Regional Liaison'], ['Demo Regional Liaison', 'Second Coordinator']].sort());
    const by = movedCase.events.find((e) => e.kind === 'lead_changed').recorded_by;
    assert.equal(by.username, 'demo-hart');
    assert.equal(by.display_name, 'Demo HART Coordinator');
    const audit = (await auditRecords(as.admin, 'case.assign')).filter((a) => a.object_id === String(c.id) || a.object_id === c.id);
    assert.equal(audit.length, 2, JSON.stringify(audit));

    // PATCH lead_user_id keeps the same history.
    const back = await readJson(await patch(c.id, { lead_user_id: ids.liaison }), 200, 'PATCH the lead');
    assert.equal(back.lead.username, 'demo-liaison');
    assert.equal(back.assignments.filter((a) => a.role === 'lead').length, 3);
    assert.equal(current(back).length, 1);
  });

  test('workers: anyone who may read the case; not out of region, not without a review; the lead is not also a worker', async () => {
    const c = await newCase();
    const w = await readJson(await assign(c.id, { user_id: ids.liaison, role: 'worker' }), 200, 'a worker');
    assert.deepEqual(current(w).map((a) => [a.role, a.user.username]), [['worker', 'demo-liaison']]);
    assert.equal((await as.liaison.get('/api/v1/me/cases')).items.find((i) => i.id === c.id).assignment, 'worker');
    const again = await readJson(await assign(c.id, { user_id: ids.liaison, role: 'worker' }), 200, 'again');
    assert.equal(again.version, w.version, 'assigning a worker twice changes nothing');
    assert.equal(again.child, undefined, 'the answer to a change that changed nothing carries nothing of the child');
    assert.equal(again.events, undefined);

    await assertFieldError(await assign(c.id, { user_id: ids.liaisonR4, role: 'worker' }), 'user_id', 'a liaison of another region');
    await assertFieldError(await assign(c.id, { user_id: ids.liaisonR4, role: 'lead' }), 'user_id', 'a lead of another region');
    await assertFieldError(await assign(c.id, { user_id: ids.mdt, role: 'worker' }), 'user_id', 'an MDT member whose team does not review the case');
    await assertFieldError(await assign(c.id, { user_id: ids.mdt, role: 'lead' }), 'user_id', 'an MDT member as lead');
    await assertFieldError(await assign(c.id, { user_id: ids.provider, role: 'worker' }), 'user_id', 'a provider');
    await assertFieldError(await assign(c.id, { user_id: ids.hart, role: 'boss' }), 'role', 'an unknown role');
    await assertFieldError(await assign(c.id, { role: 'lead' }), 'user_id', 'no one');

    for (const k of ['mdt', 'provider', 'careline', 'analyst', 'admin', 'trainer']) {
      await assertProblem(await assign(c.id, { user_id: ids.hart, role: 'lead' }, as[k]), 403, `${k} assigns`);
    }
    await assertProblem(await assign(c.id, { user_id: ids.liaisonR4, role: 'lead' }, as.liaisonR4), 403, 'a liaison of another region assigns');
    await assertProblem(await as.liaisonR4.fetch(`${CASES}/${c.id}/assignable`), 403, 'another region lists who may work it');

    const people = await as.liaison.get(`${CASES}/${c.id}/assignable?limit=500`);
    const names = people.items.map((p) => p.username);
    assert.ok(names.includes('demo-hart') && names.includes('demo-liaison'));
    assert.ok(!names.includes('assign-liaison-r4') && !names.includes('demo-mdt') && !names.includes('demo-provider'), names.join());
    assert.equal(people.items.find((p) => p.username === 'demo-hart').may_lead, true);
    const first = await as.liaison.get(`${CASES}/${c.id}/assignable?limit=1`);
    assert.equal(first.items.length, 1);
    assert.ok(first.next);
    const second = await as.liaison.get(`${CASES}/${c.id}/assignable?limit=1&after=${encodeURIComponent(first.next)}`);
    assert.notEqual(second.items[0].id, first.items[0].id);
    assert.deepEqual(await assertPagesWhole(as.liaison, `${CASES}/${c.id}/assignable`, { what: 'who may work the case' }), people.items.map((p) => p.id));

    // The worker becomes the lead: one row, as lead.
    const led = await readJson(await assign(c.id, { user_id: ids.liaison, role: 'lead' }, as.liaison), 200, 'the liaison leads');
    assert.deepEqual(current(led).map((a) => [a.role, a.user.username]), [['lead', 'demo-liaison']]);
    await assertProblem(await assign(c.id, { user_id: ids.liaison, role: 'worker' }), 409, 'the lead as a worker');

    // Ending an assignment: the worker's, then the lead's.
    const hartW = await readJson(await assign(c.id, { user_id: ids.hart2, role: 'worker' }), 200, 'hart2 works it');
    const aid = current(hartW).find((a) => a.role === 'worker').id;
    await assertProblem(await as.mdt.fetch(`${CASES}/${c.id}/assignments/${aid}`, { method: 'DELETE' }), 403, 'mdt ends one');
    const ended = await readJson(await as.hart.fetch(`${CASES}/${c.id}/assignments/${aid}`, { method: 'DELETE' }), 200, 'end the worker');
    assert.equal(ended.assignments.find((a) => a.id === aid).current, false);
    await assertProblem(await as.hart.fetch(`${CASES}/${c.id}/assignments/${aid}`, { method: 'DELETE' }), 409, 'ended twice');
    assert.equal((await as.hart.fetch(`${CASES}/${c.id}/assignments/999999`, { method: 'DELETE' })).status, 404, 'no such assignment');
    const leadId = current(ended).find((a) => a.role === 'lead').id;
    const noLead = await readJson(await as.hart.fetch(`${CASES}/${c.id}/assignments/${leadId}`, { method: 'DELETE' }), 200, 'end the lead');
    assert.equal(noLead.lead, null);
    assert.deepEqual(current(noLead), []);
    assert.ok((await getCase(c.id)).events.some((e) => e.kind === 'worker_removed' && e.user === 'assign-hart-2' &&
      e.user_name === 'Second Coordinator'));
  });

  test('the caseload: per worker, open cases, overdue duties and missing children; a liaison its region only', async () => {
    const c = await newCase();
    await readJson(await assign(c.id, { user_id: ids.liaison, role: 'lead' }), 200, 'lead');
    await readJson(await patch(c.id, { victim_status: 'suspected', identified_at: clock.iso(-3 * 24 * 60 * MINUTE_MS) }), 200, 'identified three days ago');
    await as.hart.send('POST', `${CASES}/${c.id}/missing-episodes`, { last_seen_at: clock.iso(-60 * MINUTE_MS), learned_at: clock.iso(-30 * MINUTE_MS) }, 201);

    const all = await as.hart.get('/api/v1/caseload?limit=500');
    const li = all.items.find((i) => i.user.username === 'demo-liaison');
    assert.ok(li, JSON.stringify(all));
    assert.ok(li.open_cases >= 1 && li.lead_cases >= 1);
    assert.ok(li.overdue_duties >= 1, 'the law-enforcement duty is overdue');
    assert.ok(li.missing_children >= 1);
    assert.ok(all.items.some((i) => i.user.username === 'assign-liaison-r4'), 'every liaison shows, even with no case');
    assert.ok(all.items.some((i) => i.user.username === 'demo-hart'));

    const page1 = await as.hart.get('/api/v1/caseload?limit=1');
    assert.equal(page1.items.length, 1);
    const page2 = await as.hart.get(`/api/v1/caseload?limit=1&after=${encodeURIComponent(page1.next)}`);
    assert.ok(page2.items[0].user_id > page1.items[0].user_id);

    const r1 = await as.liaison.get('/api/v1/caseload');
    assert.ok(r1.items.some((i) => i.user.username === 'demo-liaison'));
    assert.ok(!r1.items.some((i) => i.user.username === 'assign-liaison-r4'), 'another region\'s liaison is not in R1\'s caseload');
    assert.equal((await as.liaisonR4.get('/api/v1/caseload')).items.find((i) => i.user.username === 'demo-liaison'), undefined);
    await assertProblem(await as.liaison.fetch(`/api/v1/caseload?region=${REGION_D}`), 403, 'a liaison asks for another region');
    await assertFieldError(await as.hart.fetch('/api/v1/caseload?region=R99'), 'region', 'an unknown region');
    await assertFieldError(await as.hart.fetch('/api/v1/caseload?limit=501'), 'limit', 'too many');
    for (const k of ['mdt', 'provider', 'careline', 'admin']) await assertProblem(await as[k].fetch('/api/v1/caseload'), 403, `${k} reads the caseload`);
    assert.ok((await auditRecords(as.admin, 'caseload.read')).length >= 4);
    await assertFieldError(await as.liaison.fetch('/api/v1/me/cases?after=x'), 'after', 'a bad cursor');
    await assertFieldError(await as.liaison.fetch('/api/v1/me/cases?status=gone'), 'status', 'a bad status');
    for (const k of ['provider', 'careline', 'admin']) await assertProblem(await as[k].fetch('/api/v1/me/cases'), 403, `${k} has no cases`);
  });

  test('"My cases", "My duties" and the caseload are pages of two with after, no row twice and none left out', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      const c = await newCase();
      await readJson(await patch(c.id, { victim_status: 'suspected' }), 200, 'identify');
      await readJson(await assign(c.id, { user_id: ids.hart2, role: 'lead' }), 200, 'lead');
      made.push(c);
    }
    const mine = await assertPagesWhole(as.hart2, '/api/v1/me/cases', { what: 'my cases' });
    for (const c of made) assert.ok(mine.includes(c.id), `case ${c.id} is in my cases`);
    assert.deepEqual(mine, [...mine].sort((a, b) => b - a), 'newest first');
    const byNumber = await assertPagesWhole(as.hart2, '/api/v1/me/cases?sort=number&status=all', { what: 'my cases by number' });
    assert.deepEqual([...byNumber].sort(), [...mine].sort(), 'the same cases in another order');
    await assertPagesWhole(as.hart2, '/api/v1/me/cases?sort=-assigned_at', { what: 'my cases by assignment' });
    const duties = await assertPagesWhole(as.hart2, '/api/v1/me/duties', { what: 'my duties' });
    assert.ok(duties.length >= made.length, 'each case led gives its lead duties');
    const whole = await as.hart2.get('/api/v1/me/duties?limit=500');
    const due = whole.items.map((d) => d.due_at);
    assert.deepEqual(due, [...due].sort(), 'due first');
    await assertPagesWhole(as.hart2, '/api/v1/me/duties?sort=-id', { what: 'my duties, newest first' });
    const load = await assertPagesWhole(as.hart, '/api/v1/caseload', { key: 'user_id', what: 'the caseload' });
    assert.ok(load.includes(ids.hart2) && load.includes(ids.liaison));
    await assertPagesWhole(as.hart, '/api/v1/caseload?sort=username', { key: 'user_id', what: 'the caseload by name' });
    await assertPagesWhole(as.liaison, '/api/v1/caseload', { key: 'user_id', what: 'a region\'s caseload' });
    // A cursor is of its own list and order.
    const one = await as.hart2.get('/api/v1/me/cases?limit=1');
    await assertFieldError(await as.hart2.fetch(`/api/v1/me/duties?after=${encodeURIComponent(one.next)}`), 'after', 'my cases\' cursor for my duties');
    await assertFieldError(await as.hart2.fetch(`/api/v1/me/cases?sort=number&after=${encodeURIComponent(one.next)}`), 'after', 'another order\'s cursor');
    await assertFieldError(await as.hart2.fetch('/api/v1/me/cases?sort=child'), 'sort', 'a sort the list has not');
    await assertFieldError(await as.hart2.fetch('/api/v1/me/duties?limit=0'), 'limit', 'no rows');
  });

  test('closing asks for a reason, lists the open work and closes with it only when told why; reopening is its own step', async () => {
    const c = await newCase();
    await readJson(await patch(c.id, { victim_status: 'suspected' }), 200, 'identify: a duty opens');
    await assertFieldError(await patch(c.id, { status: 'closed' }), 'closure_reason', 'no reason');
    await assertFieldError(await patch(c.id, { status: 'closed', closure_reason: 'bored' }), 'closure_reason', 'a reason not on the list');
    await assertFieldError(await patch(c.id, { status: 'response', closure_reason: 'other' }), 'closure_reason', 'a reason without closing');
    const refused = await assertProblem(await patch(c.id, { status: 'closed', closure_reason: CLOSURE_A }), 409, 'open duties');
    assert.equal(refused.type, 'urn:hartline:problem:open-work');
    assert.deepEqual(refused.duties.map((d) => d.kind), ['law_enforcement_report']);
    assert.deepEqual(refused.referrals, []);
    assert.match(refused.detail, /1 open duty/);
    assert.equal((await getCase(c.id)).status, 'open', 'nothing changed');

    const closed = await readJson(await patch(c.id, { status: 'closed', closure_reason: CLOSURE_B, close_anyway: 'The child moved to Ohio; the report goes with the file.' }), 200, 'close anyway');
    assert.equal(closed.status, 'closed');
    assert.equal(closed.closure_reason, CLOSURE_B);
    const ev = closed.events.find((e) => e.kind === 'status_change' && e.to === 'closed');
    assert.equal(ev.reason, CLOSURE_B);
    assert.equal(ev.closed_anyway, true);
    assert.equal(ev.text, 'The child moved to Ohio; the report goes with the file.');
    await assertProblem(await assign(c.id, { user_id: ids.liaison, role: 'lead' }), 409, 'a closed case takes no assignment');

    const reopen = (body, s = as.hart) => s.fetch(`${CASES}/${c.id}/reopen`, { method: 'POST', body });
    for (const k of ['liaison', 'mdt', 'provider', 'admin']) await assertProblem(await reopen({ version: closed.version, reason: 'A new disclosure.' }, as[k]), 403, `${k} reopens`);
    await assertFieldError(await reopen({ version: closed.version }), 'reason', 'no reason');
    await assertProblem(await reopen({ version: closed.version - 1, reason: 'A new disclosure.' }), 409, 'a stale version');
    const opened = await readJson(await reopen({ version: closed.version, reason: 'A new disclosure.' }), 200, 'reopen');
    assert.equal(opened.status, 'open', 'back to the status it had');
    assert.equal(opened.closed_at, null);
    assert.equal(opened.closure_reason, null);
    assert.equal(opened.child, undefined, 'the answer to a reopening carries nothing of the child');
    assert.ok((await getCase(c.id)).events.some((e) => e.kind === 'reopened' && e.text === 'A new disclosure.'));
    await assertProblem(await reopen({ version: opened.version, reason: 'Again.' }), 409, 'a case not closed');
    const audit = await auditRecords(as.admin, 'case.reopen');
    assert.equal(audit.length, 1);
    const cfg = await as.hart.get('/api/v1/config');
    assert.ok(cfg.case_closure_reasons.some((r) => r.id === CLOSURE_B && r.name === nameOf('case_closure_reasons', CLOSURE_B)));
  });

  test('a printed summary: the parts chosen, who prints and when, audited; refused out of scope', async () => {
    const c = await newCase();
    const p = await as.liaison.get(`${CASES}/${c.id}/print?parts=facts,duties`);
    assert.deepEqual(p.parts, ['facts', 'duties']);
    assert.equal(p.case.number, c.number);
    assert.equal(p.printed_by.username, 'demo-liaison');
    assert.equal(p.printed_at, clock.iso());
    assert.ok(p.case.child && Array.isArray(p.case.duties), 'the parts asked for');
    assert.equal(p.case.events, undefined, 'no timeline unless asked for');
    assert.equal(p.case.missing_episodes, undefined);
    assert.equal(p.case.reports, undefined);
    const onlyTimeline = await as.hart.get(`${CASES}/${c.id}/print?parts=timeline`);
    assert.ok(Array.isArray(onlyTimeline.case.events));
    assert.deepEqual(Object.keys(onlyTimeline.case).sort(), ['events', 'id', 'number', 'view'], 'nothing of the child without the facts');
    const all = await as.hart.get(`${CASES}/${c.id}/print`);
    assert.deepEqual(all.parts, ['facts', 'duties', 'timeline', 'plan']);
    assert.ok(all.case.child && all.case.duties && all.case.events);
    const audit = (await auditRecords(as.admin, 'case.print')).map((a) => a.detail);
    assert.ok(audit.includes('parts=facts,duties'), audit.join());
    assert.ok(audit.includes('parts=facts,duties,timeline,plan'));
    await assertFieldError(await as.hart.fetch(`${CASES}/${c.id}/print?parts=facts,secrets`), 'parts', 'an unknown part');
    await assertProblem(await as.liaisonR4.fetch(`${CASES}/${c.id}/print`), 403, 'another region prints');
    for (const k of ['provider', 'careline', 'admin', 'analyst']) await assertProblem(await as[k].fetch(`${CASES}/${c.id}/print`), 403, `${k} prints`);
    await assertProblem(await as.mdt.fetch(`${CASES}/${c.id}/print`), 403, 'an MDT member whose team does not review it');
  });
  test('relief granted on the case: an assignment answers nothing of the child; a change of the case needs the glass', async () => {
    const c = await newCase();
    const person = (await getCase(c.id)).child.person_id;
    const rec = await as.hart.send('POST', `/api/v1/persons/${person}/relief`, { court: 'Superior Court', offence: OFFENCE_A, links: [{ kind: 'case', id: c.id }] }, 201);
    const filed = await as.hart.send('PATCH', `/api/v1/relief/${rec.id}`, { version: 1, status: 'petition_filed', petition_filed_on: '2026-11-20' });
    await as.hart.send('PATCH', `/api/v1/relief/${rec.id}`, { version: filed.version, status: 'granted', outcome: 'Vacated.' });
    await assertProblem(await as.liaison.fetch(`${CASES}/${c.id}`), 403, 'the liaison reads the restricted case');
    for (const role of ['lead', 'lead', 'worker']) {
      const r = await assign(c.id, { user_id: role === 'lead' ? ids.liaison : ids.hart2, role }, as.liaison);
      const body = await readJson(r, 200, `the liaison assigns a ${role}`);
      const text = JSON.stringify(body);
      assert.equal(body.child, undefined, text);
      assert.equal(body.events, undefined, text);
      assert.ok(!text.includes(`Assign${serial}`), `no name of the child: ${text}`);
    }
    const again = () => assign(c.id, { user_id: ids.liaison, role: 'lead' }, as.liaison);
    const { version } = await readJson(await again(), 200, 'the same lead again');
    const p = await as.liaison.fetch(`${CASES}/${c.id}`, { method: 'PATCH', body: { version, petition_status: 'planned' } });
    assert.equal(p.status, 403, 'a change of the case answers the whole case: the glass first');
    assert.equal((await readJson(await again(), 200, 'once more')).version, version, 'nothing changed');
  });
});
