// The child's page, merging records and record relief (docs/recovery.md):
// the page per role (a liaison its region, an MDT member its team's cases
// through the MDT view, no one else), each report's own names, one
// timeline; a merge that moves every link and an undo that restores
// exactly those; relief granted restricting its report and case, and
// breaking the glass audited and told to HART in the app and by e-mail.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertProblem, assertProblemStatus } from '../lib/http.mjs';
import { startSink } from '../lib/mail.mjs';
import { ENGINE, MINUTE_MS, cleanup, freePort, startServer, stopServer, tempDir } from '../lib/server.mjs';
import { CLOSURE_REASONS, MDT_ROLES, RELIEF_OFFENCES, concern, nth, region, source, town } from '../lib/pack.mjs';

const MEMBER_ROLE = nth(MDT_ROLES, 2);
const CLOSURE_TRANSFER = nth(CLOSURE_REASONS, 3);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const OFFENCE_A = nth(RELIEF_OFFENCES, 0);
const OFFENCE_B = nth(RELIEF_OFFENCES, 2);

const REGION_A = region(0);
const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const INTAKES = '/api/v1/intakes';
const CASES = '/api/v1/cases';
const PERSONS = '/api/v1/persons';

describe(`the child's page, merges and record relief (${ENGINE})`, { timeout: 180_000 }, () => {
  let clock;
  let server;
  let sink;
  let demo;
  const as = {};

  /** A report of one child, taken by careline; accepted unless accept is false; linked as link says. */
  async function report(given, family, { accept = true, link } = {}) {
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: given, family_name: family, estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await as.careline.send('POST', INTAKES, body, 201);
    if (link) await as.careline.send('POST', `${INTAKES}/${id}/children/0/link`, link);
    if (accept) {
      const { version } = await as.careline.get(`${INTAKES}/${id}`);
      await as.careline.send('POST', `${INTAKES}/${id}/disposition`, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version });
    }
    return id;
  }

  /** A case from a new report of given family: { caseId, intakeId, person }. */
  async function childWithCase(given, family) {
    const intakeId = await report(given, family);
    const c = await as.hart.send('POST', CASES, { intake_id: intakeId }, 201);
    const kase = await as.hart.get(`${CASES}/${c.id}`);
    return { caseId: c.id, intakeId, person: kase.child.person_id, number: c.number };
  }

  const page = (id, s = as.hart) => s.get(`${PERSONS}/${id}`);
  const auditOf = (action, extra) => auditRecords(as.admin, action, extra);

  before(async () => {
    let db;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = {
      liaisonR4: await createUser(db, { username: 'pp-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }),
      mdtT1: await createUser(db, { username: 'pp-mdt-t1', role: 'mdt', scope: 'pp-t1', env: clock.env }),
      hart2: await createUser(db, { username: 'pp-hart-director', role: 'hart', displayName: 'HART Director', email: 'pp-hart-director@example.org', env: clock.env }),
    };
    const port = await freePort();
    sink = await startSink(path.join(tempDir(), 'mail'), port);
    server = await startServer({ db, env: clock.env, args: ['--smtp', `smtp://127.0.0.1:${port}`, '--mail-from', 'hartline@example.org'] });
    await loginEach(server, demo.users, as, extra);
  });
  after(async () => {
    await stopServer(server);
    sink?.kill();
  });

  test('the page per role: HART whole, a liaison its region, an MDT member its team\'s cases in the MDT view, others 403', async () => {
    const k = await childWithCase('Katherine', 'Smithpage');
    const second = await report('Katie', 'Smythpage', { accept: false, link: { person_id: k.person } });
    const p = await page(k.person);
    assert.equal(p.view, 'full');
    assert.equal(p.child.given_name, 'Katherine');
    const katie = p.names.find((n) => n.intake_id === second);
    assert.ok(katie, JSON.stringify(p.names));
    assert.deepEqual([katie.given_name, katie.family_name], ['Katie', 'Smythpage']);
    assert.match(katie.number, /^I-2026-/);
    assert.equal(p.reports.length, 2);
    assert.deepEqual(p.cases.map((c) => c.id), [k.caseId]);
    const dates = p.timeline.map((e) => e.date);
    assert.deepEqual(dates, [...dates].sort(), 'the timeline is by date');
    assert.ok(p.timeline.some((e) => e.kind === 'case_opened' && e.link === `#case/${k.caseId}`), JSON.stringify(p.timeline));
    assert.ok(p.timeline.some((e) => e.kind === 'report' && e.link === `#intake/${second}`));

    assert.equal((await page(k.person, as.liaison)).cases.length, 1, 'the R1 liaison');
    await assertProblemStatus(await as.liaisonR4.fetch(`${PERSONS}/${k.person}`), 404, { what: 'the R4 liaison' });
    await assertProblemStatus(await as.mdtT1.fetch(`${PERSONS}/${k.person}`), 404, { what: 'an MDT member whose team does not review the case' });
    const team = await as.hart.send('POST', '/api/v1/teams', { code: 'pp-t1', name: 'Page team', region: REGION_A }, 201);
    await as.hart.send('POST', `/api/v1/teams/${team.id}/members`, { name: 'Page Member', agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, user_id: as.mdtT1.user.id }, 201);
    await as.hart.send('POST', `/api/v1/teams/${team.id}/reviews`, { case_id: k.caseId, scheduled_at: clock.iso(24 * 60 * MINUTE_MS) }, 201);
    const m = await page(k.person, as.mdtT1);
    assert.equal(m.view, 'mdt');
    assert.deepEqual([m.reports.length, m.names.length, m.child.dob, m.cases.length], [0, 0, undefined, 1]);
    for (const role of ['careline', 'provider', 'trainer', 'analyst', 'admin']) {
      await assertProblem(await as[role].fetch(`${PERSONS}/${k.person}`), 403, role);
    }
    const reads = await auditOf('person.read', `&object_type=person&object_id=${k.person}`);
    assert.ok(reads.length >= 3, JSON.stringify(reads));
  });

  test('merge then unmerge: every link follows, two open cases refuse, the undo restores exactly the rows moved', async () => {
    const a = await childWithCase('Katherine', 'Smithmerge');
    const b = await childWithCase('Katie', 'Smythmerge');
    const relief = await as.hart.send('POST', `${PERSONS}/${b.person}/relief`, { court: 'Superior Court, Juvenile Matters, Bridgeport', offence: OFFENCE_B }, 201);
    const reason = 'The same birth date, school and foster home.';
    const refused = await assertProblem(await as.hart.fetch(`${PERSONS}/${a.person}/merge`, { method: 'POST', body: { other_id: b.person, reason } }), 409, 'two open cases');
    assert.match(refused.detail, new RegExp(`${a.number}.*${b.number}`), refused.detail);
    await assertProblem(await as.liaison.fetch(`${PERSONS}/${a.person}/merge`, { method: 'POST', body: { other_id: b.person, reason } }), 403, 'a liaison merges');
    await assertFieldError(await as.hart.fetch(`${PERSONS}/${a.person}/merge`, { method: 'POST', body: { other_id: b.person, reason: 'same' } }), 'reason', 'a short reason');
    const { version } = await as.hart.get(`${CASES}/${b.caseId}`);
    await as.hart.send('PATCH', `${CASES}/${b.caseId}`, { version, status: 'closed', closure_reason: CLOSURE_TRANSFER, close_anyway: 'Merged into the other record of the child.' });

    const merged = await as.hart.send('POST', `${PERSONS}/${a.person}/merge`, { other_id: b.person, reason }, 201);
    assert.deepEqual([merged.kept_id, merged.merged_id, merged.moved], [a.person, b.person, 3]);
    assert.deepEqual(await page(b.person), { id: b.person, merged_into: a.person, kept_id: a.person });
    const kept = await page(a.person);
    assert.deepEqual(kept.cases.map((c) => c.id).sort(), [a.caseId, b.caseId].sort());
    assert.ok(kept.names.some((n) => n.family_name === 'Smythmerge'), 'the merged record\'s report keeps its names');
    assert.equal(kept.relief.length, 1);
    assert.equal(kept.merges.length, 1);
    // Who merged, by username and by the name they go by (the demo HART coordinator's).
    assert.equal(kept.merges[0].merged_by, 'demo-hart');
    assert.equal(kept.merges[0].merged_by_name, 'Demo HART Coordinator');
    assert.equal((await as.hart.get(`${CASES}/${b.caseId}`)).child.person_id, a.person);
    // The merged record is no longer a candidate; its names find the kept one.
    const found = await as.careline.send('POST', `${PERSONS}/match`, { given_name: 'Katie', family_name: 'Smythmerge', age: 15 });
    assert.ok(found.candidates.some((c) => c.person_id === a.person), JSON.stringify(found.candidates));
    assert.ok(!found.candidates.some((c) => c.person_id === b.person), JSON.stringify(found.candidates));

    // A report linked after the merge stays with the kept child.
    const later = await report('Kat', 'Smithmerge', { accept: false, link: { person_id: a.person } });
    await assertProblem(await as.liaison.fetch(`${PERSONS}/merges/${merged.id}/undo`, { method: 'POST', body: { reason } }), 403, 'a liaison undoes');
    const undone = await as.hart.send('POST', `${PERSONS}/merges/${merged.id}/undo`, { reason: 'Twins: two children after all, says the school.' });
    assert.equal(undone.restored, 3);
    assert.equal((await as.hart.get(`${CASES}/${b.caseId}`)).child.person_id, b.person);
    assert.equal((await as.hart.get(`${INTAKES}/${b.intakeId}`)).children[0].person_id, b.person);
    assert.equal((await as.hart.get(`${INTAKES}/${later}`)).children[0].person_id, a.person);
    assert.deepEqual((await as.hart.get(`${PERSONS}/${b.person}/relief`)).items.map((r) => r.id), [relief.id]);
    const back = await page(b.person);
    assert.equal(back.view, 'full');
    assert.ok(back.merges[0].undone_at, JSON.stringify(back.merges));
    await assertProblem(await as.hart.fetch(`${PERSONS}/merges/${merged.id}/undo`, { method: 'POST', body: { reason: 'Once more, to be sure of it.' } }), 409, 'undone twice');
    const again = await as.careline.send('POST', `${PERSONS}/match`, { given_name: 'Katie', family_name: 'Smythmerge', age: 15 });
    assert.ok(again.candidates.some((c) => c.person_id === b.person), 'back as a candidate');
    assert.equal((await auditOf('person.merge', `&object_type=person&object_id=${a.person}`)).length, 1);
    assert.equal((await auditOf('person.merge_undo', `&object_type=person&object_id=${a.person}`)).length, 1);
  });

  test('a merge takes the child\'s files to the kept record and the undo brings them back; a merged record takes no file', async () => {
    const a = await childWithCase('Morgan', 'Filesmerge');
    const b = await childWithCase('Morgana', 'Filesmerge');
    const attach = (person, name) => fetch(`${server.url}${PERSONS}/${person}/attachments?${new URLSearchParams({ name })}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${as.hart.token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.from(`A school letter about ${name}.\n`),
    });
    const files = async (person) => (await as.hart.get(`${PERSONS}/${person}/attachments`)).items.map((i) => i.id);
    const letter = await readJson(await attach(b.person, 'letter.txt'), 201, 'attach to b');
    const { version } = await as.hart.get(`${CASES}/${b.caseId}`);
    await as.hart.send('PATCH', `${CASES}/${b.caseId}`, { version, status: 'closed', closure_reason: CLOSURE_TRANSFER, close_anyway: 'Merged into the other record of the child.' });
    const reason = 'The same birth date, school and foster home.';
    const merged = await as.hart.send('POST', `${PERSONS}/${a.person}/merge`, { other_id: b.person, reason }, 201);
    assert.deepEqual(await files(a.person), [letter.id], 'the file shows on the kept child');
    assert.deepEqual(await files(b.person), []);
    const p = await assertProblem(await attach(b.person, 'late.txt'), 409, 'a file to the merged record');
    assert.match(p.detail, new RegExp(`merged into record ${a.person}.*attach the file there`), p.detail);
    assert.deepEqual(await files(a.person), [letter.id], 'nothing stored');
    await as.hart.send('POST', `${PERSONS}/merges/${merged.id}/undo`, { reason: 'Twins: two children after all, says the school.' });
    assert.deepEqual(await files(b.person), [letter.id], 'the undo brings the file back');
    assert.deepEqual(await files(a.person), []);
    await readJson(await attach(b.person, 'again.txt'), 201, 'b takes files again');
  });

  test('relief granted restricts its report and case; breaking the glass is audited and told to HART', async () => {
    const c = await childWithCase('Riley', 'Reliefcase');
    const config = await (await fetch(`${server.url}/api/v1/config`)).json();
    assert.deepEqual(config.relief_statuses.map((s) => s.id), ['identified', 'petition_filed', 'hearing_set', 'granted', 'denied']);
    const base = `${PERSONS}/${c.person}/relief`;
    await assertFieldError(await as.hart.fetch(base, { method: 'POST', body: { court: 'Superior Court', offence: 'jaywalking' } }), 'offence', 'an offence not in the pack');
    await assertProblem(await as.mdt.fetch(base, { method: 'POST', body: { court: 'Superior Court', offence: OFFENCE_B } }), 403, 'mdt records relief');
    await assertProblemStatus(await as.liaisonR4.fetch(base), 404, { what: 'a liaison of another region' });
    const r = await as.liaison.send('POST', base, {
      court: 'Superior Court, Juvenile Matters, Bridgeport', docket: 'JV-26-000777', offence: OFFENCE_A,
      offence_date: '2026-06-01', relief_kind: 'vacatur', defence_notes: 'Arrested while under a trafficker\'s control.',
      links: [{ kind: 'case', id: c.caseId }, { kind: 'intake', id: c.intakeId }],
    }, 201);
    assert.deepEqual([r.status, r.docket, r.allowed], ['identified', 'JV-26-000777', ['petition_filed']]);
    const illegal = await assertProblemStatus(await as.hart.fetch(`/api/v1/relief/${r.id}`, { method: 'PATCH', body: { version: 1, status: 'granted' } }), 409, { type: 'illegal-transition' });
    assert.deepEqual(illegal.allowed, ['petition_filed']);
    const filed = await as.hart.send('PATCH', `/api/v1/relief/${r.id}`, { version: 1, status: 'petition_filed', petition_filed_on: '2026-11-20' });
    await assertFieldError(await as.hart.fetch(`/api/v1/relief/${r.id}`, { method: 'PATCH', body: { version: filed.version, status: 'hearing_set' } }), 'hearing_on', 'a hearing without its date');
    await assertProblemStatus(await as.hart.fetch(`/api/v1/relief/${r.id}`, { method: 'PATCH', body: { version: 1, status: 'granted' } }), 409, { type: 'stale-version' });
    const caseRead = await as.hart.fetch(`${CASES}/${c.caseId}`);
    assert.equal(caseRead.status, 200);
    await caseRead.arrayBuffer();
    const before = (await as.hart.get('/api/v1/stats/referrals?by=year&from=2026-01-01&to=2026-12-31')).total;
    const done = await as.hart.send('PATCH', `/api/v1/relief/${filed.id}`, { version: filed.version, status: 'granted', outcome: 'Vacated.' });
    assert.deepEqual([done.status, done.decided_on, done.allowed], ['granted', '2026-11-28', []]);
    // Decided: its records stay restricted, whoever asks.
    const lift = await assertProblemStatus(await as.liaison.fetch(`/api/v1/relief/${done.id}`, { method: 'PATCH', body: { version: done.version, links: [] } }), 409, { type: 'conflict' });
    assert.equal(lift.detail, 'This relief was decided; record a new one to correct it.');

    const p = await assertProblemStatus(await as.hart.fetch(`${CASES}/${c.caseId}`), 403, { type: 'restricted' });
    assert.equal(p.detail, 'This record was vacated or erased by court order. To open it, give your reason.');
    await assertProblemStatus(await as.careline.fetch(`${INTAKES}/${c.intakeId}`), 403, { type: 'restricted' });
    const row = (await as.hart.get(`${CASES}?status=all&limit=500`)).items.find((x) => x.id === c.caseId);
    assert.deepEqual([row.restricted, row.child.label, row.child.given_name], [true, 'Restricted record', undefined]);
    const onPage = (await page(c.person)).cases.find((x) => x.id === c.caseId);
    assert.deepEqual([onPage.restricted, onPage.label, onPage.status], [true, 'Restricted record', undefined]);
    // Still counted in the figures.
    assert.deepEqual((await as.hart.get('/api/v1/stats/referrals?by=year&from=2026-01-01&to=2026-12-31')).total, before);

    await assertFieldError(await as.liaison.fetch('/api/v1/break-glass', { method: 'POST', body: { kind: 'case', id: c.caseId, reason: 'need it' } }), 'reason', 'a short reason');
    await assertProblemStatus(await as.liaisonR4.fetch('/api/v1/break-glass', { method: 'POST', body: { kind: 'case', id: c.caseId, reason: 'The child is missing again.' } }), 404, { what: 'out of scope' });
    await assertProblem(await as.careline.fetch('/api/v1/break-glass', { method: 'POST', body: { kind: 'intake', id: c.intakeId, reason: 'The child is missing again.' } }), 403, 'careline');
    const g = await as.liaison.send('POST', '/api/v1/break-glass', { kind: 'case', id: c.caseId, reason: 'The child is missing again; the old case names a place.' }, 201);
    assert.equal(g.object_id, c.caseId);
    assert.equal((await as.liaison.get(`${CASES}/${c.caseId}`)).id, c.caseId);
    await assertProblemStatus(await as.hart.fetch(`${CASES}/${c.caseId}`), 403, { type: 'restricted' });
    const audit = await auditOf('break_glass', `&object_type=case&object_id=${c.caseId}`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor, 'demo-liaison');
    for (const s of [as.hart, as.hart2]) {
      const notes = (await s.get('/api/v1/notifications')).items ?? [];
      const n = notes.find((x) => x.kind === 'break_glass' && String(x.object_id) === String(c.caseId));
      assert.ok(n, JSON.stringify(notes));
      assert.doesNotMatch(n.text, /Riley|Reliefcase/);
    }
    const outbox = await as.admin.get('/api/v1/outbox?limit=500');
    assert.ok(outbox.items.some((m) => /restricted record was opened/.test(m.subject) && /pp-hart-director/.test(m.to)), JSON.stringify(outbox.items.map((m) => [m.subject, m.to])));
    // An hour later the glass is whole again (and the session gone idle: a new one).
    await clock.advance(61 * MINUTE_MS);
    await loginEach(server, [demo.byRole.liaison], as);
    await assertProblemStatus(await as.liaison.fetch(`${CASES}/${c.caseId}`), 403, { type: 'restricted' });
  });
});
