// MDT teams, members, case reviews and action items, the MDT member's view
// of a case its team reviews, and the contacts directory (docs/cases.md).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES, auditRecords, createUser, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertPagesWhole, assertProblem } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, dbBytes, loadDefaultPack, startServer, stopServer } from '../lib/server.mjs';
import { MDT_ROLES, concern, nth, region, source, town } from '../lib/pack.mjs';

const MEMBER_ROLE = nth(MDT_ROLES, 2);
const MEMBER_ROLE_2 = nth(MDT_ROLES, 1);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const MDT_ROLE_A = nth(MDT_ROLES, 7);
const MDT_ROLE_B = nth(MDT_ROLES, 8);
const MDT_ROLE_C = nth(MDT_ROLES, 10);

const REGION_A = region(0);
const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);
const TOWN_D = town(3, 0, 3);

after(cleanup);

const TEAMS = '/api/v1/teams';
const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';
const CONTACTS = '/api/v1/contacts';
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const PACK = loadDefaultPack();
const ROLE_IDS = PACK.mdt_roles.map((r) => r.id);


describe(`MDT teams, reviews and contacts (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  const as = {};
  let serial = 0;

  async function intake({ town = TOWN_A, dob } = {}) {
    serial++;
    const childBody = { given_name: 'Morgan', family_name: `Teamtest${serial}`, town, ...(dob ? { dob } : { estimated_age: 15 }) };
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [childBody],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch(INTAKES, { method: 'POST', body }), 201, 'record');
    await readJson(await as.careline.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    return id;
  }
  async function newCase(opts) {
    return readJson(await as.hart.fetch(CASES, { method: 'POST', body: { intake_id: await intake(opts) } }), 201, 'open a case');
  }
  async function newTeam(code, region = REGION_A, s = as.hart) {
    const t = await readJson(await s.fetch(TEAMS, { method: 'POST', body: { code, name: `Team ${code}`, region } }), 201, `team ${code}`);
    assert.ok(Number.isInteger(t.id));
    return t.id;
  }
  async function addMember(teamId, body) {
    return (await readJson(await as.hart.fetch(`${TEAMS}/${teamId}/members`, { method: 'POST', body }), 201, `member ${JSON.stringify(body)}`)).id;
  }
  async function schedule(teamId, caseId, s = as.hart) {
    return (await readJson(await s.fetch(`${TEAMS}/${teamId}/reviews`, { method: 'POST', body: { case_id: caseId, scheduled_at: clock.iso(DAY_MS) } }), 201, 'schedule')).id;
  }
  const patchReview = (teamId, rid, body, s = as.hart) => s.fetch(`${TEAMS}/${teamId}/reviews/${rid}`, { method: 'PATCH', body });
  const auditOf = (action, extra) => auditRecords(as.admin, action, extra);

  before(async () => {
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = {
      mdtT1: await createUser(db, { username: 'mdt-of-t1', role: 'mdt', scope: 'mdt-t1', displayName: 'MDT Member T1', env: clock.env }),
      mdtT2: await createUser(db, { username: 'mdt-of-t2', role: 'mdt', scope: 'mdt-t2', env: clock.env }),
      liaisonR4: await createUser(db, { username: 'team-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }),
    };
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, extra);
  });
  after(() => stopServer(server));

  let t1;
  let t2;

  test('HART creates teams; a duplicate code is 409, bad fields 422; no one else may', async () => {
    t1 = await newTeam('mdt-t1', REGION_A);
    t2 = await newTeam('mdt-t2', REGION_A);
    await assertProblem(await as.hart.fetch(TEAMS, { method: 'POST', body: { code: 'mdt-t1', name: 'Again', region: REGION_A } }), 409, 'duplicate code');
    await assertFieldError(await as.hart.fetch(TEAMS, { method: 'POST', body: { code: 'mdt-t9', name: 'X', region: 'R9' } }), 'region', 'unknown region');
    await assertFieldError(await as.hart.fetch(TEAMS, { method: 'POST', body: { name: 'X', region: REGION_A } }), 'code', 'no code');
    await assertFieldError(await as.hart.fetch(TEAMS, { method: 'POST', body: { code: 'mdt-t9', region: REGION_A } }), 'name', 'no name');
    for (const role of ROLES.filter((r) => r !== 'hart')) {
      await assertProblem(await as[role].fetch(TEAMS, { method: 'POST', body: { code: `mdt-${role}`, name: 'X', region: REGION_A } }), 403, `${role} creates a team`);
    }
    const { items: teams } = await as.hart.get(`${TEAMS}?limit=500`);
    const mine = teams.find((t) => t.id === t1);
    assert.deepEqual([mine.code, mine.name, mine.region], ['mdt-t1', 'Team mdt-t1', REGION_A]);
  });

  test('members: an MDT role of the pack, else 422; a member leaves with DELETE; the mdt user of another team gets 403 on the team', async () => {
    const m1 = await addMember(t1, { name: 'Det. Example', agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, email: 'det@example.org', phone: '203-555-0100' });
    const m2 = await addMember(t1, { name: 'A. Advocate', agency: 'Advocacy Org', mdt_role: MDT_ROLE_A, user_id: as.mdtT1.user.id });
    const m3 = await addMember(t1, { name: 'Agent Federal', agency: 'FBI New Haven', mdt_role: MDT_ROLE_B });
    assert.ok(ROLE_IDS.includes(MDT_ROLE_B) && ROLE_IDS.includes(MDT_ROLE_C), 'the federal partners are MDT roles');
    await assertFieldError(await as.hart.fetch(`${TEAMS}/${t1}/members`, { method: 'POST', body: { name: 'X', agency: 'Y', mdt_role: 'astrologer' } }), 'mdt_role', 'a bad MDT role');
    await assertFieldError(await as.hart.fetch(`${TEAMS}/${t1}/members`, { method: 'POST', body: { agency: 'Y', mdt_role: MEMBER_ROLE_2 } }), 'name', 'no name');
    await assertFieldError(await as.hart.fetch(`${TEAMS}/${t1}/members`, { method: 'POST', body: { name: 'X', agency: 'Y', mdt_role: MEMBER_ROLE_2, user_id: 99_999_999 } }), 'user_id', 'no such user');
    await assertProblem(await as.liaison.fetch(`${TEAMS}/${t1}/members`, { method: 'POST', body: { name: 'X', agency: 'Y', mdt_role: MEMBER_ROLE_2 } }), 403, 'a liaison adds a member');
    const r404 = await as.hart.fetch(`${TEAMS}/99999999/members`, { method: 'POST', body: { name: 'X', agency: 'Y', mdt_role: MEMBER_ROLE_2 } });
    assert.equal(r404.status, 404, await r404.text());

    const team = await as.hart.get(`${TEAMS}/${t1}`);
    assert.equal(team.code ?? team.team?.code, 'mdt-t1');
    const members = team.members;
    assert.deepEqual(new Set(members.map((m) => m.id)), new Set([m1, m2, m3]));
    const det = members.find((m) => m.id === m1);
    assert.deepEqual([det.name, det.agency, det.mdt_role, det.email, det.phone], ['Det. Example', 'Bridgeport PD', MEMBER_ROLE, 'det@example.org', '203-555-0100']);
    assert.equal(members.find((m) => m.id === m2).user_id, as.mdtT1.user.id);

    // The team's own mdt member reads it; the other team's does not.
    assert.ok(Array.isArray((await as.mdtT1.get(`${TEAMS}/${t1}`)).members));
    await assertProblem(await as.mdtT2.fetch(`${TEAMS}/${t1}`), 403, 'mdt of t2 reads t1');
    await assertProblem(await as.mdt.fetch(`${TEAMS}/${t1}`), 403, 'demo-mdt (mdt-r1) reads t1');
    assert.deepEqual((await as.mdtT1.get(TEAMS)).items.map((t) => t.id), [t1], 'an mdt member lists its own team only');

    // Leaving.
    const del = await as.hart.fetch(`${TEAMS}/${t1}/members/${m3}`, { method: 'DELETE' });
    assert.equal(del.status, 204, await del.text());
    const after = (await as.hart.get(`${TEAMS}/${t1}`)).members.filter((m) => m.active !== false);
    assert.ok(!after.some((m) => m.id === m3), 'the member has left');
    await assertProblem(await as.liaison.fetch(`${TEAMS}/${t1}/members/${m1}`, { method: 'DELETE' }), 403, 'a liaison removes a member');
  });

  test('a review held with attendees, decisions and an action item; the item is an action_item deadline, met by marking it done', async () => {
    const c = await newCase();
    const team = await as.hart.get(`${TEAMS}/${t1}`);
    const active = team.members.filter((m) => m.active !== false).map((m) => m.id);
    const rid = await schedule(t1, c.id);
    const listed = (await as.hart.get(`${TEAMS}/${t1}`)).reviews.find((r) => r.id === rid);
    assert.ok(listed, 'the team lists its review');
    assert.equal(listed.status, 'scheduled');
    assert.equal(listed.scheduled_at, clock.iso(DAY_MS));

    await assertFieldError(await patchReview(t1, rid, { held_at: clock.iso(), attendees: [99_999_999] }), 'attendees', 'an attendee not a member');
    await assertFieldError(await patchReview(t1, rid, { held_at: clock.iso(HOUR_MS) }), 'held_at', 'held in the future');
    await assertFieldError(await patchReview(t1, rid, { held_at: clock.iso(), action_items: [{ owner: 'Det. Example', due_at: clock.iso(DAY_MS) }] }),
      'action_items', 'an action item without text');
    await assertFieldError(await patchReview(t1, rid, { status: 'postponed' }), 'status', 'an unknown status');

    const due = clock.iso(3 * DAY_MS);
    const held = await readJson(await patchReview(t1, rid, {
      held_at: clock.iso(-HOUR_MS),
      attendees: active,
      decisions: 'Refer for specialized services.',
      action_items: [{ text: 'Arrange a forensic interview.', owner: 'Demo HART Coordinator', owner_user_id: as.hart.user.id, due_at: due }],
    }), 200, 'hold');
    assert.equal(held.status, 'held');
    assert.equal(held.held_at, clock.iso(-HOUR_MS));
    assert.deepEqual([...held.attendees].sort(), [...active].sort());
    assert.equal(held.decisions, 'Refer for specialized services.');
    assert.equal(held.action_items.length, 1);
    const item = held.action_items[0];
    assert.deepEqual([item.text, item.owner, item.owner_user_id, item.due_at, item.done_at ?? null],
      ['Arrange a forensic interview.', 'Demo HART Coordinator', as.hart.user.id, due, null]);

    const { items: deadlines } = await as.hart.get(`/api/v1/deadlines?case=${c.id}&limit=500`);
    const duty = deadlines.find((d) => d.kind === 'action_item');
    assert.ok(duty, `an action_item deadline: ${JSON.stringify(deadlines)}`);
    assert.deepEqual(duty.subject, { type: 'action_item', id: item.id });
    assert.equal(duty.id, item.duty_id);
    assert.equal(duty.due_at, due);
    assert.equal(duty.status, 'open');
    assert.equal(duty.owner.username, 'demo-hart', 'owned by the user named as its owner');

    await assertFieldError(await as.hart.fetch(`${TEAMS}/${t1}/reviews/${rid}/action-items/${item.id}`, { method: 'PATCH', body: { done_at: clock.iso(HOUR_MS) } }),
      'done_at', 'done in the future');
    const done = await as.liaison.fetch(`${TEAMS}/${t1}/reviews/${rid}/action-items/${item.id}`, { method: 'PATCH', body: { done_at: clock.iso(-10 * MINUTE_MS) } });
    assert.equal(done.status, 200, await done.clone().text());
    await done.arrayBuffer();
    const met = (await as.hart.get(`/api/v1/deadlines?case=${c.id}&limit=500`)).items.find((d) => d.kind === 'action_item');
    assert.deepEqual([met.status, met.met_at], ['met_on_time', clock.iso(-10 * MINUTE_MS)]);

    const kinds = (await as.hart.get(`${CASES}/${c.id}`)).events.map((e) => e.kind);
    assert.ok(kinds.includes('review_scheduled') && kinds.includes('review_held'), JSON.stringify(kinds));
    const r404 = await as.hart.fetch(`${TEAMS}/${t1}/reviews/${rid}/action-items/99999999`, { method: 'PATCH', body: { done_at: clock.iso() } });
    assert.equal(r404.status, 404, await r404.text());
  });

  test('a liaison schedules reviews of cases of its region only; an R4 case is 403', async () => {
    const r1 = await newCase();
    const r4 = await newCase({ town: TOWN_D });
    await schedule(t2, r1.id, as.liaison);
    await assertProblem(await as.liaison.fetch(`${TEAMS}/${t2}/reviews`, { method: 'POST', body: { case_id: r4.id, scheduled_at: clock.iso(DAY_MS) } }), 403, 'R1 liaison, R4 case');
    await assertProblem(await as.mdtT1.fetch(`${TEAMS}/${t1}/reviews`, { method: 'POST', body: { case_id: r1.id, scheduled_at: clock.iso(DAY_MS) } }), 403, 'an mdt member schedules');
    await assertFieldError(await as.hart.fetch(`${TEAMS}/${t1}/reviews`, { method: 'POST', body: { case_id: 99_999_999, scheduled_at: clock.iso(DAY_MS) } }), 'case_id', 'no such case');
    await assertFieldError(await as.hart.fetch(`${TEAMS}/${t1}/reviews`, { method: 'POST', body: { case_id: r1.id } }), 'scheduled_at', 'no time');
  });

  test('an MDT member of the reviewing team sees the MDT view: no birth date, no report, no unshared note, only shared events, its own team\'s review; another team\'s member gets 403', async () => {
    const dob = '2011-04-05';
    const c = await newCase({ dob });
    const CASE = `${CASES}/${c.id}`;
    const post = async (sub, body) => readJson(await as.hart.fetch(`${CASE}/${sub}`, { method: 'POST', body }), 201, `${sub} ${JSON.stringify(body)}`);
    await post('events', { kind: 'note', text: 'Unshared note KLMNOP.' });
    await post('events', { kind: 'contact', text: 'Shared contact RSTUVW.', shared: true });
    await post('reports', { kind: 'law_enforcement', agency: 'Bridgeport PD', reference: 'BPD-REF-998', reported_at: clock.iso() });
    const ep = await post('missing-episodes', { last_seen_at: clock.iso(-5 * HOUR_MS), learned_at: clock.iso(-4 * HOUR_MS), circumstances: 'Circumstances GHIJKL.' });

    // Not reviewed by the team yet: 403.
    await assertProblem(await as.mdtT1.fetch(CASE), 403, 'before any review');
    const r1 = await schedule(t1, c.id);
    const r2 = await schedule(t2, c.id);
    await readJson(await patchReview(t2, r2, { held_at: clock.iso(), decisions: 'Team two decision MNBVCX.' }), 200, 'team two holds');

    const full = await as.hart.get(CASE);
    assert.equal(full.view, 'full');
    assert.ok(JSON.stringify(full).includes(dob), 'the full view has the birth date');

    const v = await as.mdtT1.get(CASE);
    const text = JSON.stringify(v);
    assert.equal(v.view, 'mdt');
    assert.deepEqual([v.id, v.number, v.region, v.status, v.victim_status], [c.id, c.number, full.region, full.status, full.victim_status]);
    assert.ok(text.includes('Morgan'), 'the child\'s given name is there');
    assert.ok(!text.includes(dob), `no birth date: ${text}`);
    assert.ok(!('dob' in (v.child ?? v)), 'no dob member');
    assert.ok(!text.includes('KLMNOP'), 'no unshared note');
    assert.ok(text.includes('RSTUVW'), 'the shared event');
    for (const e of v.events) assert.ok(e.shared === true || e.shared === undefined, `only shared events: ${JSON.stringify(e)}`);
    assert.ok(!text.includes('BPD-REF-998') && !('reports' in v), 'no report');
    assert.ok(!('duties' in v) && !('deadlines' in v), 'no duty list');
    assert.ok(!text.includes('GHIJKL'), 'no missing circumstances');
    assert.equal(v.missing_episodes.length, 1);
    assert.equal(v.missing_episodes[0].id ?? ep.id, ep.id);
    assert.equal(v.missing_episodes[0].last_seen_at, clock.iso(-5 * HOUR_MS));
    assert.deepEqual(v.reviews.map((r) => r.id), [r1], 'its own team\'s review only');
    assert.ok(!text.includes('MNBVCX'), 'not the other team\'s decisions');

    // It lists the case; a member of no reviewing team gets 403.
    assert.ok((await as.mdtT1.get(CASES)).items.some((x) => x.id === c.id));
    await assertProblem(await as.mdt.fetch(CASE), 403, 'demo-mdt (mdt-r1), whose team does not review it');

    // A cancelled review no longer opens the case to the team.
    await readJson(await patchReview(t1, r1, { status: 'cancelled' }), 200, 'cancel');
    await assertProblem(await as.mdtT1.fetch(CASE), 403, 'after the review is cancelled');
    assert.ok(!(await as.mdtT1.get(CASES)).items.some((x) => x.id === c.id));
    // And MDT members write nothing.
    await assertProblem(await as.mdtT2.fetch(`${CASE}/events`, { method: 'POST', body: { kind: 'note', text: 'x' } }), 403, 'mdt records');
    await assertProblem(await patchReview(t2, r2, { decisions: 'x' }, as.mdtT2), 403, 'mdt changes a review');
  });

  test('reading a team with its reviews is audited; decisions and action items are sealed at rest', async () => {
    const before = (await auditOf('team.read', `&object_id=${t1}`)).length;
    await as.hart.get(`${TEAMS}/${t1}`);
    assert.equal((await auditOf('team.read', `&object_id=${t1}`)).length, before + 1, 'team.read audited');

    const c = await newCase();
    const rid = await schedule(t1, c.id);
    const secrets = { decisions: 'Sealed decision POIUYT for the team', item: 'Sealed action item LKJHGF to do' };
    await readJson(await patchReview(t1, rid, {
      held_at: clock.iso(), decisions: secrets.decisions, action_items: [{ text: secrets.item, owner: 'Someone', due_at: clock.iso(DAY_MS) }],
    }), 200, 'hold');
    const bytes = dbBytes(db);
    assert.ok(bytes.includes('mdt-t1'), 'the team code is in clear, so the right bytes were read');
    for (const [what, s] of Object.entries(secrets)) assert.ok(!bytes.includes(s), `the ${what} is not stored in clear`);
  });

  // ---- contacts ----

  test('contacts: every role reads them, HART and the administrator keep them, bad fields are 422', async () => {
    const body = { name: 'Pat Director', kind: 'hart_director', title: 'HART Director', phone: '860-555-0111', email: 'pat@example.org' };
    const a = await readJson(await as.hart.fetch(CONTACTS, { method: 'POST', body }), 201, 'hart adds');
    const b = await readJson(await as.admin.fetch(CONTACTS, { method: 'POST', body: { name: 'Lee Liaison', kind: 'regional_liaison', region: REGION_A } }), 201, 'admin adds');
    for (const role of ROLES) {
      const { items: contacts } = await as[role].get(`${CONTACTS}?limit=500`);
      assert.ok(contacts.some((x) => x.id === a.id) && contacts.some((x) => x.id === b.id), `${role} reads the directory`);
    }
    const pat = (await as.careline.get(`${CONTACTS}?limit=500`)).items.find((x) => x.id === a.id);
    assert.deepEqual([pat.name, pat.kind, pat.title, pat.phone, pat.email], [body.name, body.kind, body.title, body.phone, body.email]);

    for (const role of ['careline', 'liaison', 'mdt', 'provider', 'trainer', 'analyst']) {
      await assertProblem(await as[role].fetch(CONTACTS, { method: 'POST', body }), 403, `${role} adds`);
      await assertProblem(await as[role].fetch(`${CONTACTS}/${a.id}`, { method: 'PATCH', body: { title: 'x' } }), 403, `${role} changes`);
    }
    await assertFieldError(await as.hart.fetch(CONTACTS, { method: 'POST', body: { name: 'X', kind: 'janitor' } }), 'kind', 'a bad kind');
    await assertFieldError(await as.hart.fetch(CONTACTS, { method: 'POST', body: { kind: 'other' } }), 'name', 'no name');
    await assertFieldError(await as.hart.fetch(CONTACTS, { method: 'POST', body: { name: 'X', kind: 'other', region: 'R9' } }), 'region', 'an unknown region');

    const changed = await as.admin.fetch(`${CONTACTS}/${a.id}`, { method: 'PATCH', body: { title: 'Director, HART' } });
    assert.equal(changed.status, 200, await changed.clone().text());
    await changed.arrayBuffer();
    assert.equal((await as.trainer.get(`${CONTACTS}?limit=500`)).items.find((x) => x.id === a.id).title, 'Director, HART');
    await assertFieldError(await as.hart.fetch(`${CONTACTS}/${a.id}`, { method: 'PATCH', body: { kind: 'janitor' } }), 'kind', 'a bad kind');
    const off = await as.hart.fetch(`${CONTACTS}/${b.id}`, { method: 'PATCH', body: { active: false } });
    assert.equal(off.status, 200, await off.clone().text());
    await off.arrayBuffer();
    const gone = (await as.hart.get(`${CONTACTS}?limit=500`)).items.find((x) => x.id === b.id);
    assert.ok(!gone || gone.active === false, 'an inactive contact is hidden or marked');
    const r404 = await as.hart.fetch(`${CONTACTS}/99999999`, { method: 'PATCH', body: { title: 'x' } });
    assert.equal(r404.status, 404, await r404.text());
  });

  test('the contacts are a page at a time in the directory\'s order: two by two with after, no contact twice and none left out', async () => {
    const names = ['Zoe Page', 'adam Page', 'Mia Page', 'Bo Page', 'Cy Page'];
    const made = [];
    for (const [i, name] of names.entries()) {
      const body = { name, kind: i % 2 ? 'other' : 'regional_liaison', region: i % 2 ? undefined : REGION_A };
      made.push((await readJson(await as.hart.fetch(CONTACTS, { method: 'POST', body }), 201, `add ${name}`)).id);
    }
    const ids = await assertPagesWhole(as.careline, CONTACTS, { what: 'the contacts' });
    for (const id of made) assert.ok(ids.includes(id), `contact ${id} is listed`);
    const whole = (await as.careline.get(`${CONTACTS}?limit=500`)).items;
    const liaisons = whole.filter((c) => c.kind === 'regional_liaison' && c.region === REGION_A && c.name.endsWith(' Page')).map((c) => c.name);
    assert.deepEqual(liaisons, ['Cy Page', 'Mia Page', 'Zoe Page'], 'by name within a kind and region');
    const others = whole.filter((c) => c.kind === 'other' && c.name.endsWith(' Page')).map((c) => c.name);
    assert.deepEqual(others, ['adam Page', 'Bo Page'], 'names without regard to capitals');
    await assertPagesWhole(as.hart, `${CONTACTS}?all=true`, { what: 'every contact' });
    // A page goes on after its last contact's place, even when that
    // contact has left the directory meanwhile.
    const first = await as.careline.get(`${CONTACTS}?limit=2`);
    const last = first.items[1].id;
    const off = await as.hart.fetch(`${CONTACTS}/${last}`, { method: 'PATCH', body: { active: false } });
    assert.equal(off.status, 200, await off.clone().text());
    await off.arrayBuffer();
    const second = await as.careline.get(`${CONTACTS}?limit=2&after=${encodeURIComponent(first.next)}`);
    const rest = ids.filter((id) => id !== last);
    assert.deepEqual(second.items.map((c) => c.id), rest.slice(1, 3), 'the page after starts where the first ended');
    await assertProblem(await as.careline.fetch(`${CONTACTS}?sort=name`), 422, 'a sort the list has not');
  });
});
