// Deadlines (docs/cases.md): one list over every duty, as the contract
// answers it, filtered and ordered, narrowed to a liaison's region; the
// dashboard; and the sweep that notifies the owner and every active HART
// user once when a duty comes due soon and once when it is overdue, in the
// app and by e-mail, however often it runs (the server's sweep thread every
// second on the test clock, and `hartline deadlines sweep`).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createUser, demoOnClock, login, readJson } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import { mailsIn, startSink } from '../lib/mail.mjs';
import { ENGINE, MINUTE_MS, cleanup, freePort, loadDefaultPack, run, startServer, tempDir, until } from '../lib/server.mjs';
import { concern, region, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const REGION_A = region(0);
const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);
const TOWN_D = town(3, 0, 3);

const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';
const DEADLINES = '/api/v1/deadlines';
const NOTIFICATIONS = '/api/v1/notifications';
const HOUR_MS = 60 * MINUTE_MS;
const PACK = loadDefaultPack();
const minutesOf = (id) => PACK.deadlines.find((d) => d.id === id).minutes;
const REMINDER = minutesOf('reminder_before');
const LE = minutesOf('law_enforcement_report');

describe(`deadlines and their notifications (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  let sink;
  let mailDir;
  let demo;
  const as = {};
  let serial = 0;

  const startedAt = '2026-11-28T15:00:00Z';
  let creds; // [key, user]

  async function relogin() {
    for (const [k, u] of creds) as[k] = await login(server.url, u.username, u.password);
  }
  /** Sets the test clock (the server keeps sessions for days, so no one need log in again). */
  async function setClock(t) {
    clock.set(t);
  }

  async function intake(town = TOWN_A, s = as.careline) {
    serial++;
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Dana', family_name: `Deadlinetest${serial}`, estimated_age: 15, town }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await s.fetch(INTAKES, { method: 'POST', body }), 201, 'record');
    await readJson(await s.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    return id;
  }
  /** A new case in the town's region, with the lead and victim status given; resolves { id, number }. */
  async function newCase({ town = TOWN_A, lead, identifiedAt } = {}) {
    const c = await readJson(await as.hart.fetch(CASES, { method: 'POST', body: { intake_id: await intake(town) } }), 201, 'open');
    let { version } = c;
    if (lead) version = (await patch(c.id, { version, lead_user_id: lead })).version;
    if (identifiedAt) await patch(c.id, { version, victim_status: 'suspected', identified_at: identifiedAt });
    return c;
  }
  async function patch(id, body) {
    return readJson(await as.hart.fetch(`${CASES}/${id}`, { method: 'PATCH', body }), 200, `PATCH ${JSON.stringify(body)}`);
  }
  const list = async (q = '', s = as.hart) => (await s.get(`${DEADLINES}${q}${/limit=/.test(q) ? '' : `${q ? '&' : '?'}limit=500`}`)).items;
  /** The notifications of kind about the case number that s has. */
  const notesOf = async (s, kind, number) => (await s.get(NOTIFICATIONS)).items.filter((n) => n.kind === kind && n.text.includes(number));
  const sweepCli = async () => {
    const r = await run(['deadlines', 'sweep', '--db', db], { db, env: clock.env });
    assert.equal(r.code, 0, `hartline deadlines sweep: ${r.stdout}\n${r.stderr}`);
    return r;
  };
  /** Waits until the server's sweep thread has run twice more (it logs each sweep), or at most 3 s. */
  async function twoMoreSweeps() {
    const n = server.events().length;
    const sweeps = () => server.events().slice(n).filter((e) => /sweep/.test(e.event)).length;
    const end = Date.now() + 3000;
    while (sweeps() < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }

  /** Lets the server and the command line sweep again, now and laterMs later, so that a repeat would show. */
  async function sweepAgain(laterMs) {
    await twoMoreSweeps();
    await sweepCli();
    await sweepCli();
    await setClock(clock.ms + laterMs);
    await sweepCli();
  }

  before(async () => {
    ({ clock, db, demo } = await demoOnClock(startedAt));
    const extra = {
      hart2: await createUser(db, { username: 'dl-hart-two', role: 'hart', email: 'dl-hart-two@example.org', env: clock.env }),
      liaisonR4: await createUser(db, { username: 'dl-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }),
    };
    mailDir = path.join(tempDir(), 'mail');
    const port = await freePort();
    sink = await startSink(mailDir, port);
    server = await startServer({
      db, env: clock.env, args: ['--sweep-seconds', '1', '--session-idle', '7d', '--session-max', '7d', '--smtp', `smtp://127.0.0.1:${port}`, '--mail-from', 'hartline@example.org'],
    });
    creds = [...demo.users.map((u) => [u.role, u]), ...Object.entries(extra)];
    await relogin();
  });
  after(async () => {
    try {
      if (server) assert.equal(await server.stop(), 0, `hartline serve exits 0 on SIGTERM\n${server.describe().slice(-4000)}`);
    } finally {
      if (sink) sink.kill();
      await cleanup();
    }
  });

  test('a deadline is answered as the contract shows it', async () => {
    const identified = clock.iso(-HOUR_MS);
    const { id, number } = await newCase({ lead: as.liaison.user.id, identifiedAt: identified });
    const [d, ...rest] = (await list(`?case=${id}`));
    assert.deepEqual(rest, []);
    assert.deepEqual(Object.keys(d).sort(),
      ['basis', 'case', 'due_at', 'id', 'kind', 'met_at', 'minutes_left', 'name', 'owner', 'starts_at', 'status', 'subject'].sort());
    const def = PACK.deadlines.find((x) => x.id === 'law_enforcement_report');
    assert.ok(Number.isInteger(d.id));
    assert.deepEqual({ ...d, id: 0 }, {
      id: 0,
      kind: 'law_enforcement_report',
      name: def.name,
      basis: def.basis,
      case: { id, number, region: REGION_A },
      subject: { type: 'case', id },
      starts_at: identified,
      due_at: clock.iso(-HOUR_MS + LE * MINUTE_MS),
      status: 'open',
      met_at: null,
      minutes_left: LE - 60,
      owner: { id: as.liaison.user.id, username: 'demo-liaison', display_name: as.liaison.user.display_name },
    });
  });

  test('filters by status, region and case; by due time, so unmet ones are overdue first; the liaison sees its region', async () => {
    const late = await newCase({ identifiedAt: clock.iso(-25 * HOUR_MS) });
    const soon = await newCase({ identifiedAt: clock.iso(-23 * HOUR_MS) });
    const later = await newCase({ identifiedAt: clock.iso(-HOUR_MS) });
    const r4 = await newCase({ town: TOWN_D, identifiedAt: clock.iso(-26 * HOUR_MS) });
    const met = await newCase({ identifiedAt: clock.iso(-2 * HOUR_MS) });
    await readJson(await as.hart.fetch(`${CASES}/${met.id}/reports`, {
      method: 'POST', body: { kind: 'law_enforcement', agency: 'Bridgeport PD', reported_at: clock.iso(-HOUR_MS) },
    }), 201, 'report');

    const all = await list('?limit=500');
    const pos = (c) => all.findIndex((d) => d.case.id === c.id);
    for (const c of [late, soon, later, r4, met]) assert.ok(pos(c) >= 0, `case ${c.number} listed`);
    // Every duty by due time; the unmet ones are then overdue first, then open by due time.
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].due_at <= all[i].due_at, `by due time: ${all.map((d) => d.due_at).join(',')}`);
    const unmetFirst = await list('?status=unmet&limit=500');
    const rank = { overdue: 0, open: 1 };
    for (let i = 1; i < unmetFirst.length; i++) {
      assert.ok(rank[unmetFirst[i - 1].status] <= rank[unmetFirst[i].status], `overdue, then open: ${unmetFirst.map((d) => d.status).join(',')}`);
    }
    assert.ok(pos(soon) < pos(later), 'the one due sooner first');

    const overdue = await list('?status=overdue&limit=500');
    assert.ok(overdue.length >= 2);
    for (const d of overdue) assert.equal(d.status, 'overdue');
    assert.ok(overdue.some((d) => d.case.id === late.id) && overdue.some((d) => d.case.id === r4.id));
    const unmet = await list('?status=unmet&limit=500');
    for (const d of unmet) assert.ok(['open', 'overdue'].includes(d.status));
    assert.ok(unmet.some((d) => d.case.id === soon.id) && !unmet.some((d) => d.case.id === met.id));
    const onTime = await list('?status=met_on_time&limit=500');
    assert.ok(onTime.some((d) => d.case.id === met.id));
    for (const d of onTime) assert.equal(d.status, 'met_on_time');
    assert.deepEqual((await list(`?case=${soon.id}`)).map((d) => d.case.id), [soon.id]);
    const inR4 = await list(`?region=${REGION_D}&limit=500`);
    assert.ok(inR4.some((d) => d.case.id === r4.id));
    for (const d of inR4) assert.equal(d.case.region, REGION_D);
    assert.equal((await list('?limit=1')).length, 1);

    // The R1 liaison: R1 only; asking for R4 is 403.
    const mine = await list('?limit=500', as.liaison);
    assert.ok(mine.some((d) => d.case.id === late.id));
    for (const d of mine) assert.equal(d.case.region, REGION_A);
    await assertProblem(await as.liaison.fetch(`${DEADLINES}?region=${REGION_D}`), 403, 'R1 liaison, R4 deadlines');
    await assertProblem(await as.liaison.fetch(`${DEADLINES}?case=${r4.id}`), 403, 'R1 liaison, an R4 case');
    for (const q of ['?status=late', '?limit=0', '?limit=501', '?case=abc']) await assertProblem(await as.hart.fetch(`${DEADLINES}${q}`), 422, q);
  });

  test('the dashboard: open cases by region, overdue duties first, due soon, children missing now', async () => {
    const late = await newCase({ identifiedAt: clock.iso(-25 * HOUR_MS) });
    const missing = await newCase();
    await readJson(await as.hart.fetch(`${CASES}/${missing.id}/missing-episodes`, {
      method: 'POST', body: { last_seen_at: clock.iso(-3 * HOUR_MS), learned_at: clock.iso(-HOUR_MS) },
    }), 201, 'missing');
    const dash = await as.hart.get('/api/v1/dashboard');
    for (const k of ['regions', 'overdue', 'due_soon', 'missing_now']) assert.ok(k in dash, `${k} in ${JSON.stringify(Object.keys(dash))}`);
    const text = JSON.stringify(dash);
    assert.ok(Array.isArray(dash.overdue) && dash.overdue.some((d) => d.case?.id === late.id), `the overdue duty: ${text.slice(0, 400)}`);
    assert.ok(Array.isArray(dash.missing_now) && dash.missing_now.some((m) => (m.case?.id ?? m.case_id ?? m.id) === missing.id), `missing now: ${JSON.stringify(dash.missing_now)}`);
    const mine = await as.liaison.get('/api/v1/dashboard');
    for (const d of mine.overdue) assert.equal(d.case.region, REGION_A);

    // Each region's counts (kept as the rows change) are those of the lists.
    const cases = async (q) => (await as.hart.get(`${CASES}?${q}&limit=500`)).items;
    const agree = async (d) => {
      for (const r of d.regions) {
        assert.equal(r.open_cases, (await cases(`status=open&region=${r.id}`)).length, `${r.id}: open cases`);
        assert.equal(r.overdue, (await list(`?status=overdue&region=${r.id}`)).length, `${r.id}: overdue duties`);
        assert.equal(r.missing_now, (await cases(`status=all&missing=true&region=${r.id}`)).length, `${r.id}: missing now`);
      }
    };
    await agree(dash);
    const r1 = dash.regions.find((r) => r.id === REGION_A);
    assert.ok(r1.open_cases >= 2 && r1.overdue >= 1 && r1.missing_now >= 1, JSON.stringify(r1));
    // The liaison sees its region only, with the same counts.
    assert.deepEqual(mine.regions, [r1]);

    // The child located, the duty met, the case closed: each count follows at once.
    const ep = dash.missing_now.find((m) => m.case.id === missing.id).episode_id;
    await readJson(await as.hart.fetch(`${CASES}/${missing.id}/missing-episodes/${ep}`, {
      method: 'PATCH', body: { located_at: clock.iso(-10 * MINUTE_MS) },
    }), 200, 'located');
    await readJson(await as.hart.fetch(`${CASES}/${late.id}/reports`, {
      method: 'POST', body: { kind: 'law_enforcement', agency: 'Bridgeport PD', reported_at: clock.iso(-MINUTE_MS) },
    }), 201, 'report');
    const { version } = await as.hart.get(`${CASES}/${late.id}`);
    await patch(late.id, { version, status: 'closed', closure_reason: 'services_completed', close_anyway: 'Moved away.' });
    const after = await as.hart.get('/api/v1/dashboard');
    const r1After = after.regions.find((r) => r.id === REGION_A);
    assert.equal(r1After.missing_now, r1.missing_now - 1, 'one child fewer missing');
    assert.equal(r1After.overdue, r1.overdue - 1, 'one duty fewer overdue');
    assert.equal(r1After.open_cases, r1.open_cases - 1, 'one case fewer open');
    await agree(after);
  });

  test('the sweep notifies the owner and every HART user once when due soon and once when overdue, however often it runs', async () => {
    // Owner: the lead, demo-liaison. Identified now: due in 24 hours.
    const { id, number } = await newCase({ lead: as.liaison.user.id, identifiedAt: clock.iso() });
    const due = Date.parse(clock.iso(LE * MINUTE_MS));
    const notified = ['liaison', 'hart', 'hart2'];
    const notNotified = ['careline', 'liaisonR4', 'admin'];

    // Not yet within the reminder window: nothing, however often swept.
    await sweepCli();
    await sweepCli();
    for (const k of notified) assert.deepEqual(await notesOf(as[k], 'deadline_due_soon', number), [], `${k}: nothing yet`);

    // Within the window: one reminder each.
    await setClock(due - (REMINDER - 1) * MINUTE_MS);
    await until(async () => (await notesOf(as.liaison, 'deadline_due_soon', number)).length > 0, 15_000, 'the due-soon notification');
    await sweepAgain(30 * MINUTE_MS);
    for (const k of notified) {
      const n = await notesOf(as[k], 'deadline_due_soon', number);
      assert.equal(n.length, 1, `${k}: one deadline_due_soon: ${JSON.stringify(n)}`);
      assert.ok(!/Dana|Deadlinetest/.test(n[0].text), `no child's name in "${n[0].text}"`);
    }
    for (const k of notNotified) assert.deepEqual(await notesOf(as[k], 'deadline_due_soon', number), [], `${k} is not notified`);

    // Overdue: one notice each.
    await setClock(due + 5 * MINUTE_MS);
    await until(async () => (await notesOf(as.hart, 'deadline_overdue', number)).length > 0, 15_000, 'the overdue notification');
    await sweepAgain(3 * HOUR_MS);
    await twoMoreSweeps();
    for (const k of notified) {
      assert.equal((await notesOf(as[k], 'deadline_overdue', number)).length, 1, `${k}: one deadline_overdue`);
      assert.equal((await notesOf(as[k], 'deadline_due_soon', number)).length, 1, `${k}: still one deadline_due_soon`);
    }
    for (const k of notNotified) assert.deepEqual(await notesOf(as[k], 'deadline_overdue', number), [], `${k} is not notified`);
    assert.equal((await list(`?case=${id}`))[0].status, 'overdue');

    // E-mail: one of each kind to each of them, queued once.
    const admin = as.admin;
    const ours = async () => (await admin.get('/api/v1/outbox?limit=500')).items.filter((m) => m.subject.includes(number));
    const queued = await ours();
    const to = queued.map((m) => m.to).sort();
    const emails = ['demo-hart@example.org', 'demo-liaison@example.org', 'dl-hart-two@example.org'];
    assert.deepEqual(to, [...emails, ...emails].sort(), `two e-mails each: ${JSON.stringify(queued.map((m) => [m.to, m.subject]))}`);
    const sent = await until(() => {
      const m = mailsIn(mailDir).filter((x) => x.includes(number));
      return m.length >= 6 && m;
    }, 20_000, 'six e-mails at the sink');
    assert.equal(mailsIn(mailDir).filter((x) => x.includes(number)).length, 6, 'and no more');
    for (const m of sent) assert.ok(!/Dana|Deadlinetest/.test(m), 'no child in an e-mail');
    await setClock(Date.parse(startedAt));
  });

  test('a duty met before it falls due sends nothing; one already overdue when first swept gets its overdue notice once', async () => {
    const met = await newCase({ identifiedAt: clock.iso(-23 * HOUR_MS) });
    await readJson(await as.hart.fetch(`${CASES}/${met.id}/reports`, {
      method: 'POST', body: { kind: 'law_enforcement', agency: 'Bridgeport PD', reported_at: clock.iso() },
    }), 201, 'report');
    const late = await newCase({ identifiedAt: clock.iso(-30 * HOUR_MS) });
    await sweepCli();
    await until(async () => (await notesOf(as.hart, 'deadline_overdue', late.number)).length > 0, 15_000, 'the overdue notice');
    await twoMoreSweeps();
    await sweepCli();
    assert.equal((await notesOf(as.hart, 'deadline_overdue', late.number)).length, 1);
    assert.equal((await notesOf(as.hart, 'deadline_overdue', met.number)).length, 0);
    assert.equal((await notesOf(as.hart, 'deadline_due_soon', met.number)).length, 0);
  });
});
