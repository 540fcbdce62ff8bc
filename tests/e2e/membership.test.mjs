// An MDT member's reach follows its membership at the moment of each
// request (a removed member's session sees nothing of the team; added back,
// it sees the team again), and an action item's owner is a member of the
// reviewing team or a HART coordinator (docs/cases.md, docs/security.md).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUser, demoUsers, login, loginEach, readJson } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, freshDb, initDb, startServer, stopServer, testClock } from '../lib/server.mjs';
import { MDT_ROLES, concern, nth, region, source, town } from '../lib/pack.mjs';

const MEMBER_ROLE = nth(MDT_ROLES, 2);
const MEMBER_ROLE_2 = nth(MDT_ROLES, 1);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const REGION_A = region(0);
const REGION_B = region(1);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const TEAMS = '/api/v1/teams';
const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';
const DAY_MS = 24 * 60 * MINUTE_MS;

describe(`MDT membership decides access; action item owners (${ENGINE})`, { timeout: 120_000 }, () => {
  let clock;
  let server;
  const as = {};
  let team;
  let otherTeam;
  let kase;
  let review;
  let memberId;
  let users;

  let serial = 0;
  async function openCase() {
    serial++;
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Robin', family_name: `Membertest${serial}`, town: TOWN_A, estimated_age: 15 }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch(INTAKES, { method: 'POST', body }), 201, 'record');
    await readJson(await as.careline.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    return readJson(await as.hart.fetch(CASES, { method: 'POST', body: { intake_id: id } }), 201, 'open a case');
  }
  const addMember = async (teamId, body) =>
    (await readJson(await as.hart.fetch(`${TEAMS}/${teamId}/members`, { method: 'POST', body }), 201, `member ${JSON.stringify(body)}`)).id;
  const hold = (teamId, rid, body) => as.hart.fetch(`${TEAMS}/${teamId}/reviews/${rid}`, { method: 'PATCH', body });

  before(async () => {
    clock = testClock('2026-11-28T15:00:00Z');
    const db = freshDb();
    await initDb(db, { env: clock.env });
    const demo = await demoUsers(db, { env: clock.env });
    users = {
      member: await createUser(db, { username: 'mem-of-m1', role: 'mdt', scope: 'mem-t1', env: clock.env }),
      otherMember: await createUser(db, { username: 'mem-of-m2', role: 'mdt', scope: 'mem-t2', env: clock.env }),
      liaisonR2: await createUser(db, { username: 'mem-liaison-r2', role: 'liaison', scope: REGION_B, env: clock.env }),
    };
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, users);

    team = (await readJson(await as.hart.fetch(TEAMS, { method: 'POST', body: { code: 'mem-t1', name: 'Team one', region: REGION_A } }), 201, 'team')).id;
    otherTeam = (await readJson(await as.hart.fetch(TEAMS, { method: 'POST', body: { code: 'mem-t2', name: 'Team two', region: REGION_A } }), 201, 'team')).id;
    memberId = await addMember(team, { name: 'Sam Member', agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, phone: '203-555-0190', user_id: as.member.user.id });
    await addMember(otherTeam, { name: 'Other Member', agency: 'DCF', mdt_role: MEMBER_ROLE_2, user_id: as.otherMember.user.id });
    kase = await openCase();
    await readJson(await as.hart.fetch(`${CASES}/${kase.id}/events`, { method: 'POST', body: { kind: 'contact', text: 'Shared note QWERTY.', shared: true } }), 201, 'shared event');
    review = (await readJson(await as.hart.fetch(`${TEAMS}/${team}/reviews`, { method: 'POST', body: { case_id: kase.id, scheduled_at: clock.iso(DAY_MS) } }), 201, 'schedule')).id;
    await readJson(await hold(team, review, {
      held_at: clock.iso(-MINUTE_MS),
      decisions: 'Decision ZXCVBN.',
      action_items: [{ text: 'Item ASDFGH.', owner: 'Sam Member', owner_user_id: as.member.user.id, due_at: clock.iso(3 * DAY_MS) }],
    }), 200, 'hold');
  });
  after(() => stopServer(server));

  /** What the member reads of the team: the case, its reviews and action items, the team's members. */
  async function assertReaches(s, what) {
    const c = await readJson(await s.fetch(`${CASES}/${kase.id}`), 200, `${what}: the case`);
    assert.equal(c.view, 'mdt');
    const text = JSON.stringify(c);
    assert.ok(text.includes('ZXCVBN') && text.includes('ASDFGH') && text.includes('QWERTY'), `${what}: reviews, action items and shared events: ${text}`);
    assert.ok((await s.get(CASES)).items.some((x) => x.id === kase.id), `${what}: lists the case`);
    const t = await readJson(await s.fetch(`${TEAMS}/${team}`), 200, `${what}: the team`);
    assert.ok(t.members.some((m) => m.phone === '203-555-0190'), `${what}: the members' telephones`);
    assert.ok(t.reviews.some((r) => r.id === review), `${what}: the team's reviews`);
    assert.deepEqual((await s.get(TEAMS)).items.map((x) => x.id), [team], `${what}: lists its team`);
  }
  async function assertShutOut(s, what) {
    await assertProblem(await s.fetch(`${CASES}/${kase.id}`), 403, `${what}: the case`);
    await assertProblem(await s.fetch(`${TEAMS}/${team}`), 403, `${what}: the team, its members, reviews and action items`);
    const { items } = await s.get(CASES);
    assert.deepEqual(items, [], `${what}: lists no case`);
    assert.deepEqual((await s.get(TEAMS)).items, [], `${what}: lists no team`);
  }

  test('a member reads the team; removed (204), the same session gets 403 on the case, reviews, items and members; added back, it reads again', async () => {
    await assertReaches(as.member, 'a member');
    const del = await as.hart.fetch(`${TEAMS}/${team}/members/${memberId}`, { method: 'DELETE' });
    assert.equal(del.status, 204, await del.text());
    await assertShutOut(as.member, 'a removed member');
    // A new session of the removed member sees no more.
    await assertShutOut(await login(server.url, users.member.username, users.member.password), 'a new session of the removed member');
    // The member of another team never reached it.
    await assertProblem(await as.otherMember.fetch(`${CASES}/${kase.id}`), 403, 'a member of another team');

    memberId = await addMember(team, { name: 'Sam Member', agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, phone: '203-555-0190', user_id: as.member.user.id });
    await assertReaches(as.member, 'a member added back');
  });

  test('a member marks done an action item it owns; not another\'s, and no member of another team does', async () => {
    const caseId = (await openCase()).id;
    const rid = (await readJson(await as.hart.fetch(`${TEAMS}/${team}/reviews`, { method: 'POST', body: { case_id: caseId, scheduled_at: clock.iso(DAY_MS) } }), 201, 'schedule')).id;
    const held = await readJson(await hold(team, rid, {
      held_at: clock.iso(-MINUTE_MS),
      action_items: [
        { text: 'Mine to do.', owner: 'Sam Member', owner_user_id: as.member.user.id, due_at: clock.iso(DAY_MS) },
        { text: 'HART to do.', owner: 'HART', owner_user_id: as.hart.user.id, due_at: clock.iso(DAY_MS) },
      ],
    }), 200, 'hold');
    const mine = held.action_items.find((x) => x.text === 'Mine to do.');
    const theirs = held.action_items.find((x) => x.text === 'HART to do.');
    const done = (s, it) => s.fetch(`${TEAMS}/${team}/reviews/${rid}/action-items/${it.id}`, { method: 'PATCH', body: { done_at: clock.iso(-MINUTE_MS) } });
    await assertProblem(await done(as.member, theirs), 403, 'a member, an item HART owns');
    await assertProblem(await done(as.otherMember, mine), 403, 'a member of another team');
    await assertProblem(await done(as.careline, mine), 403, 'a careline worker');
    const ok = await readJson(await done(as.member, mine), 200, 'the owner marks it done');
    assert.equal(ok.done_at, clock.iso(-MINUTE_MS));
    await assertProblem(await done(as.member, mine), 409, 'done already');
    const t = await as.member.get(`${TEAMS}/${team}`);
    const after = t.reviews.find((r) => r.id === rid).action_items;
    assert.deepEqual(after.map((x) => [x.text, Boolean(x.done_at)]).sort(), [['HART to do.', false], ['Mine to do.', true]]);
    // The owners the form offers: the members with an account, and HART.
    assert.ok(t.hart_owners.some((x) => x.user_id === as.hart.user.id && x.name), JSON.stringify(t.hart_owners));
    assert.ok(!t.hart_owners.some((x) => x.user_id === as.liaison.user.id), 'only HART coordinators');
  });

  test('a member of the team whose account is disabled: its session answers 401', async () => {
    const u = await as.admin.get(`/api/v1/users/${as.member.user.id}`);
    const off = await as.admin.fetch(`/api/v1/users/${as.member.user.id}`, { method: 'PATCH', body: { version: u.version, disabled: true } });
    assert.equal(off.status, 200, await off.text());
    await assertProblem(await as.member.fetch(`${CASES}/${kase.id}`), 401, 'a disabled member');
  });

  test('an action item owner is a member of the reviewing team or HART: anyone else is 422 naming the owner', async () => {
    const caseId = (await openCase()).id;
    const rid = (await readJson(await as.hart.fetch(`${TEAMS}/${team}/reviews`, { method: 'POST', body: { case_id: caseId, scheduled_at: clock.iso(DAY_MS) } }), 201, 'schedule')).id;
    const item = (owner_user_id) => ({ held_at: clock.iso(-MINUTE_MS), action_items: [{ text: 'Follow up.', owner: 'Someone', owner_user_id, due_at: clock.iso(DAY_MS) }] });
    for (const [who, id] of [['a liaison of another region', as.liaisonR2.user.id], ['the region\'s liaison', as.liaison.user.id],
      ['an administrator', as.admin.user.id], ['a member of another team', as.otherMember.user.id], ['an analyst', as.analyst.user.id]]) {
      const p = await assertProblem(await hold(team, rid, item(id)), 422, who);
      const e = p.errors.find((x) => x.field === 'action_items[0].owner_user_id');
      assert.ok(e, `${who}: the error names the owner: ${JSON.stringify(p.errors)}`);
      assert.match(e.reason, /Owner/);
      assert.match(e.reason, /member of this team/);
      assert.match(e.reason, /HART/);
    }
    const stored = (await as.hart.get(`${TEAMS}/${team}`)).reviews.find((r) => r.id === rid);
    assert.deepEqual([stored.status, stored.action_items], ['scheduled', []], 'nothing stored');
    const { items: deadlines } = await as.hart.get(`/api/v1/deadlines?case=${caseId}&limit=500`);
    assert.ok(!deadlines.some((d) => d.kind === 'action_item'), 'no duty opened');
    const ok = await readJson(await hold(team, rid, item(as.hart.user.id)), 200, 'a HART coordinator owns it');
    assert.equal(ok.action_items[0].owner_user_id, as.hart.user.id);
  });
});
