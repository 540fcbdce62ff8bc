// Cases (docs/cases.md): opened from an accepted report or by HART
// directly, joined by a later report of the same child; the status machine
// and optimistic versions; victim status and the law-enforcement duty it
// opens, met on time or late; missing episodes with their two 24-hour duties
// and, on return, the debrief and re-screen; rapid response; the timeline;
// who may read a case; the audit of every read; sealed text at rest.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertProblem } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, dbBytes, loadDefaultPack, startServer, stopServer } from '../lib/server.mjs';
import { CLOSURE_REASONS, MDT_ROLES, RESCREEN_INSTRUMENT, concern, nth, region, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const MDT_ROLE_A = nth(MDT_ROLES, 8);
const CLOSURE_A = nth(CLOSURE_REASONS, 0);

const REGION_A = region(0);
const REGION_B = region(1);
const REGION_C = region(2);
const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);
const TOWN_D = town(3, 0, 3);

after(cleanup);

const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';
const DEADLINES = '/api/v1/deadlines';
const HOUR_MS = 60 * MINUTE_MS;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const PACK = loadDefaultPack();
const minutesOf = (id) => PACK.deadlines.find((d) => d.id === id).minutes;
const SSCST = PACK.screening_instruments.find((i) => i.id === RESCREEN_INSTRUMENT);

/** Every SSCST item answered false, then the given ones. */
function sscstAnswers(overrides = {}) {
  return { ...Object.fromEntries(SSCST.items.map((i) => [i.id, false])), ...overrides };
}


describe(`cases (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  const as = {}; // role (and extra users) -> Session
  let serial = 0;

  /** A child with a name no other test uses. */
  function child(overrides = {}) {
    serial++;
    return { given_name: `Casey${serial}`, family_name: `Testcase${String.fromCharCode(65 + (serial % 26))}x${serial}`, estimated_age: 15, town: TOWN_A, ...overrides };
  }

  /** Records a report as s, links children as asked ({index: body}), accepts it unless accept is false; resolves its id. */
  async function intake({ children = [child()], link = {}, accept = true, s = as.careline } = {}) {
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children,
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await s.fetch(INTAKES, { method: 'POST', body }), 201, 'record a report');
    for (const [i, l] of Object.entries(link)) {
      await readJson(await s.fetch(`${INTAKES}/${id}/children/${i}/link`, { method: 'POST', body: l }), 200, `link child ${i}`);
    }
    if (accept) {
      const { version } = await s.get(`${INTAKES}/${id}`);
      await readJson(await s.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version } }), 200, 'accept');
    }
    return id;
  }

  const openCase = (body, s = as.hart) => s.fetch(CASES, { method: 'POST', body });
  /** Opens a case from a new accepted report of a new child in Bridgeport (R1); resolves { id, number, version, intakeId }. */
  async function newCase({ s = as.hart, children } = {}) {
    const intakeId = await intake(children ? { children } : {});
    const c = await readJson(await openCase({ intake_id: intakeId }, s), 201, 'open a case');
    return { ...c, intakeId };
  }
  const getCase = (id, s = as.hart) => s.get(`${CASES}/${id}`);
  const patch = (id, body, s = as.hart) => s.fetch(`${CASES}/${id}`, { method: 'PATCH', body });
  async function patchOk(id, body, s = as.hart) {
    const version = body.version ?? (await getCase(id, s)).version;
    return readJson(await patch(id, { ...body, version }, s), 200, `PATCH case ${id} ${JSON.stringify(body)}`);
  }
  const post = (id, sub, body, s = as.hart) => s.fetch(`${CASES}/${id}/${sub}`, { method: 'POST', body });
  const deadlinesOf = async (caseId, s = as.hart) => (await s.get(`${DEADLINES}?case=${caseId}&limit=500`)).items;
  const dutyOf = async (caseId, kind) => {
    const all = (await deadlinesOf(caseId)).filter((d) => d.kind === kind);
    assert.equal(all.length, 1, `one ${kind} duty of case ${caseId}: ${JSON.stringify(all)}`);
    return all[0];
  };
  const eventsOf = (c) => {
    assert.ok(Array.isArray(c.events), `the case has its timeline as events: ${JSON.stringify(Object.keys(c))}`);
    return c.events;
  };
  const auditOf = (action, extra) => auditRecords(as.admin, action, extra);

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = {
      liaisonR4: await createUser(db, { username: 'case-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }),
      mdtOther: await createUser(db, { username: 'case-mdt-other', role: 'mdt', scope: 'mdt-x9', env: clock.env }),
    };
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, extra);
  });
  after(() => stopServer(server));

  // ---- opening ----

  test('a case opened from an accepted report: 201 {id, number C-YYYY-NNNN, version}, the child recorded as a person, region and office from the report', async () => {
    // hartline demo may have opened cases of its own: the next number follows the highest of 2026.
    const taken = (await as.hart.get(`${CASES}?status=all&limit=500`)).items.map((c) => c.number).filter((n) => n.startsWith('C-2026-'));
    const nextNumber = (k) => `C-2026-${String(Math.max(0, ...taken.map((n) => Number(n.slice(7)))) + k).padStart(4, '0')}`;
    const intakeId = await intake();
    const res = await openCase({ intake_id: intakeId });
    const opened = await readJson(res, 201, 'open');
    assert.ok(Number.isInteger(opened.id) && opened.id > 0, JSON.stringify(opened));
    assert.match(opened.number, /^C-\d{4}-\d{4}$/);
    assert.equal(opened.number, nextNumber(1), 'the next number of 2026');
    assert.ok(Number.isInteger(opened.version), JSON.stringify(opened));
    assert.equal(opened.joined ?? false, false);

    const report = await as.careline.get(`${INTAKES}/${intakeId}`);
    const personId = report.children[0].person_id;
    assert.ok(Number.isInteger(personId) && personId > 0, 'opening the case recorded the unlinked child as a person');

    const c = await getCase(opened.id);
    assert.equal(c.id, opened.id);
    assert.equal(c.number, opened.number);
    assert.equal(c.view, 'full');
    assert.equal(c.status, 'open');
    assert.equal(c.victim_status, 'none');
    assert.equal(c.region, REGION_A);
    assert.equal(c.region, report.region);
    assert.equal(c.office, report.office);
    assert.equal(c.version, opened.version);
    assert.equal(c.opened_at, clock.iso());
    assert.equal(c.closed_at ?? null, null);
    assert.ok(eventsOf(c).some((e) => e.kind === 'opened'), 'the timeline starts with opened');
    assert.equal(c.child.person_id, personId);
    assert.ok(!('dob' in c.child) || c.child.dob === null, 'the report gave no birth date');
    assert.ok(c.intakes.some((i) => i.id === intakeId), `the report is linked to the case: ${JSON.stringify(c.intakes)}`);

    const next = await newCase();
    assert.equal(next.number, nextNumber(2), 'numbers count up');
  });

  test('a second accepted report of the same child joins the open case: on acceptance, and POST /api/v1/cases answers 200 joined', async () => {
    const first = await newCase();
    const personId = (await as.careline.get(`${INTAKES}/${first.intakeId}`)).children[0].person_id;

    // Linked before it is accepted: accepting it joins the case.
    const second = await intake({ link: { 0: { person_id: personId } } });
    const c = await getCase(first.id);
    assert.ok(eventsOf(c).some((e) => e.kind === 'intake_joined'), `the timeline says a report joined: ${JSON.stringify(eventsOf(c).map((e) => e.kind))}`);
    assert.ok(c.intakes.some((i) => i.id === second), `the joined report is listed: ${JSON.stringify(c.intakes)}`);
    const again = await readJson(await openCase({ intake_id: second }), 200, 'open from a report of a child with a case');
    assert.equal(again.id, first.id);
    assert.equal(again.number, first.number);
    assert.equal(again.joined, true);

    // The second child of a two-child report, linked to the same person.
    const third = await intake({ children: [child(), child()], link: { 1: { person_id: personId } } });
    const joined = await readJson(await openCase({ intake_id: third, child: 1 }), 200, 'child 1 joins');
    assert.deepEqual([joined.id, joined.joined], [first.id, true]);
    // Child 0 of that report is someone else: a case of its own.
    const other = await readJson(await openCase({ intake_id: third, child: 0 }), 201, 'child 0 opens its own');
    assert.notEqual(other.id, first.id);
  });

  test('opening refuses a report not accepted, no such report or child, an unmapped town without a region; the R4 liaison may not open an R1 report', async () => {
    const pending = await intake({ accept: false });
    await assertProblem(await openCase({ intake_id: pending }), 409, 'a report not yet accepted');
    // A report named in the body that is not there is a bad field, not a missing resource.
    await assertFieldError(await openCase({ intake_id: 99_999_999 }), 'intake_id', 'no such report');
    const accepted = await intake();
    await assertFieldError(await openCase({ intake_id: accepted, child: 3 }), 'child', 'no such child in the report');
    await assertFieldError(await openCase({}), 'intake_id', 'neither intake_id nor person_id');
    await assertFieldError(await openCase({ intake_id: accepted, color: 'red' }), 'color', 'an unknown field');

    // Springfield is in no region of the pack: the region must be given.
    const unmapped = await intake({ children: [child({ town: 'Springfield' })] });
    await assertFieldError(await openCase({ intake_id: unmapped }), 'region', 'an unmapped town without a region');
    await assertFieldError(await openCase({ intake_id: unmapped, region: 'R9' }), 'region', 'an unknown region');
    const withRegion = await readJson(await openCase({ intake_id: unmapped, region: REGION_C }), 201, 'with a region');
    assert.equal((await getCase(withRegion.id)).region, REGION_C);

    // A liaison opens cases from reports of its region only.
    await assertProblem(await openCase({ intake_id: accepted }, as.liaisonR4), 403, 'R4 liaison, R1 report');
    const byLiaison = await readJson(await openCase({ intake_id: accepted }, as.liaison), 201, 'R1 liaison, R1 report');
    assert.equal((await getCase(byLiaison.id, as.liaison)).region, REGION_A);
  });

  test('HART opens a case directly with {person_id, region}; a liaison may not; a child has at most one case not closed', async () => {
    const unaccepted = await intake({ accept: false, link: { 0: { new_person: true } } });
    const personId = (await as.careline.get(`${INTAKES}/${unaccepted}`)).children[0].person_id;
    await assertProblem(await openCase({ person_id: personId, region: REGION_A }, as.liaison), 403, 'liaison opens directly');
    await assertFieldError(await openCase({ person_id: personId }), 'region', 'no region');
    const direct = await readJson(await openCase({ person_id: personId, region: REGION_B }), 201, 'direct');
    assert.match(direct.number, /^C-2026-\d{4}$/);
    const c = await getCase(direct.id);
    assert.deepEqual([c.region, c.status], [REGION_B, 'open']);
    await assertProblem(await openCase({ person_id: personId, region: REGION_B }), 409, 'a second case not closed');
  });

  test('a liaison may not reach a case of another region by opening from a report of its own: 403, the case untouched, the denial audited', async () => {
    const unaccepted = await intake({ accept: false, link: { 0: { new_person: true } } });
    const personId = (await as.careline.get(`${INTAKES}/${unaccepted}`)).children[0].person_id;
    const r2 = await readJson(await openCase({ person_id: personId, region: REGION_B }), 201, 'an R2 case');
    const before = await getCase(r2.id);
    // A Bridgeport (R1) report of the same child, not yet accepted, so that
    // only the liaison's request could join it.
    const r1report = await intake({ accept: false, link: { 0: { person_id: personId } } });
    const res = await openCase({ intake_id: r1report }, as.liaison);
    await assertProblem(res, 409, 'a report not yet accepted');
    const { version } = await as.careline.get(`${INTAKES}/${r1report}`);
    // Accepted: the report joins the child's case (the Careline is statewide).
    await readJson(await as.careline.fetch(`${INTAKES}/${r1report}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version } }), 200, 'accept');
    const denied = await openCase({ intake_id: r1report }, as.liaison);
    const text = await denied.text();
    assert.equal(denied.status, 403, text);
    assert.ok(!text.includes(r2.number), `the 403 does not name the other region's case: ${text}`);
    const after = await getCase(r2.id);
    assert.equal(after.version, before.version + 1, 'only the Careline\'s acceptance changed the case');
    const denials = await auditOf('permission.denied', `&object_type=case&object_id=${r2.id}`);
    assert.ok(denials.some((d) => d.actor === 'demo-liaison'), `the denial is audited: ${JSON.stringify(denials)}`);
  });

  // ---- status and versions ----

  test('GET /api/v1/config answers the status changes exactly as PATCH enforces them, for every pair', async () => {
    const cfg = await readJson(await fetch(`${server.url}/api/v1/config`), 200, 'config');
    const allowed = Object.fromEntries(cfg.case_statuses.map((s) => [s.id, s.allowed]));
    const statuses = Object.keys(allowed);
    assert.deepEqual([...statuses].sort(), ['closed', 'monitoring', 'open', 'response', 'services']);
    // The shortest way to each status from open, by config's own moves.
    const way = { open: [] };
    for (const queue = ['open']; queue.length;) {
      const from = queue.shift();
      for (const to of allowed[from]) if (!way[to]) queue.push(to), way[to] = [...way[from], to];
    }
    for (const from of statuses) {
      assert.ok(way[from], `${from} can be reached from open`);
      for (const to of statuses) {
        if (to === from) continue;
        const { id } = await newCase();
        // Closing names a closure reason.
        const why = (st) => (st === 'closed' ? { closure_reason: CLOSURE_A } : {});
        for (const step of way[from]) await patchOk(id, { status: step, ...why(step) });
        const res = await patch(id, { version: (await getCase(id)).version, status: to, ...(from === 'closed' ? {} : why(to)) });
        if (allowed[from].includes(to)) {
          assert.equal((await readJson(res, 200, `${from} -> ${to}`)).status, to);
        } else {
          const p = await assertProblem(res, 409, `${from} -> ${to}`);
          assert.equal(p.type, 'urn:hartline:problem:illegal-transition', `${from} -> ${to}`);
          assert.deepEqual(p.allowed, allowed[from], `${from} -> ${to}: the server's allowed is config's`);
        }
      }
    }
  });

  test('status moves only as the machine allows: an illegal move is 409 illegal-transition with allowed; closed is final; a stale version is 409', async () => {
    const { id } = await newCase();
    const illegal = async (to, allowed, what) => {
      const p = await assertProblem(await patch(id, { version: (await getCase(id)).version, status: to }), 409, what);
      assert.equal(p.type, 'urn:hartline:problem:illegal-transition', what);
      assert.deepEqual([...p.allowed].sort(), [...allowed].sort(), `${what}: allowed`);
    };
    await illegal('services', ['response', 'closed'], 'open -> services');
    await illegal('monitoring', ['response', 'closed'], 'open -> monitoring');
    const r = await patchOk(id, { status: 'response' });
    assert.equal(r.status, 'response');
    await illegal('open', ['services', 'monitoring', 'closed'], 'response -> open');
    assert.equal((await patchOk(id, { status: 'monitoring' })).status, 'monitoring');
    assert.equal((await patchOk(id, { status: 'services' })).status, 'services');
    await illegal('response', ['monitoring', 'closed'], 'services -> response');
    assert.equal((await patchOk(id, { status: 'monitoring' })).status, 'monitoring');

    // A stale version.
    const { version } = await getCase(id);
    const moved = await patchOk(id, { status: 'services', version });
    assert.ok(moved.version > version, 'each change bumps the version');
    const stale = await assertProblem(await patch(id, { version, status: 'monitoring' }), 409, 'stale version');
    assert.equal(stale.type, 'urn:hartline:problem:stale-version', 'a stale version has its own type');
    assert.equal((await getCase(id)).status, 'services', 'the stale change was not made');

    await assertFieldError(await patch(id, { version: (await getCase(id)).version, status: 'closed' }), 'closure_reason', 'closing without a reason');
    const closed = await patchOk(id, { status: 'closed', closure_reason: CLOSURE_A });
    assert.equal(closed.status, 'closed');
    assert.equal(closed.closed_at, clock.iso());
    for (const to of ['open', 'response', 'services', 'monitoring']) await illegal(to, [], `closed -> ${to}`);
    await assertFieldError(await patch(id, { version: closed.version, status: 'archived' }), 'status', 'an unknown status');
    await assertFieldError(await patch(id, { status: 'closed' }), 'version', 'no version');

    // A closed case is history: the child's next accepted report opens a new case.
    const personId = (await getCase(id)).child.person_id;
    assert.ok(Number.isInteger(personId));
    const next = await intake({ link: { 0: { person_id: personId } } });
    const fresh = await readJson(await openCase({ intake_id: next }), 201, 'a new episode after closing');
    assert.notEqual(fresh.id, id);
  });

  test('PATCH changes the other fields and refuses bad values with 422, storing nothing', async () => {
    const { id } = await newCase();
    const identified = await patchOk(id, { victim_status: 'at_risk' });
    assert.equal(identified.identified_at ?? null, null, 'at risk does not identify the child');
    assert.equal((await patchOk(id, { victim_status: 'suspected' })).identified_at, clock.iso(), 'identified_at defaults to now');
    const liaisonId = as.liaison.user.id;
    const t = PACK.trafficking_types[0].id;
    const c = await patchOk(id, { trafficking_type: t, uncared_for: true, petition_status: 'planned', lead_user_id: liaisonId });
    assert.equal(c.trafficking_type, t);
    assert.equal(c.uncared_for, true);
    assert.equal(c.petition_status, 'planned');
    assert.deepEqual(c.lead, { id: liaisonId, username: 'demo-liaison', display_name: as.liaison.user.display_name });
    const v = c.version;
    for (const [body, field] of [
      [{ trafficking_type: 'no_such_type' }, 'trafficking_type'],
      [{ petition_status: 'pending' }, 'petition_status'],
      [{ uncared_for: 'yes' }, 'uncared_for'],
      [{ victim_status: 'certain' }, 'victim_status'],
      [{ lead_user_id: as.careline.user.id }, 'lead_user_id'],
      [{ lead_user_id: as.liaisonR4.user.id }, 'lead_user_id'],
      [{ region: REGION_B }, 'region'],
    ]) {
      await assertFieldError(await patch(id, { version: v, ...body }), field, JSON.stringify(body));
    }
    assert.equal((await getCase(id)).version, v, 'nothing stored');
  });

  // ---- victim status and the law-enforcement report ----

  test('a victim status backdated 25 hours makes the law-enforcement report overdue; recording it makes it met_late', async () => {
    const { id, number } = await newCase();
    assert.deepEqual((await deadlinesOf(id)).filter((d) => d.kind === 'law_enforcement_report'), [], 'no duty before identification');
    const identified = clock.iso(-25 * HOUR_MS);
    const c = await patchOk(id, { victim_status: 'suspected', identified_at: identified });
    assert.equal(c.victim_status, 'suspected');
    assert.equal(c.identified_at, identified);

    const duty = await dutyOf(id, 'law_enforcement_report');
    const due = new Date(Date.parse(identified) + minutesOf('law_enforcement_report') * MINUTE_MS).toISOString().replace('.000Z', 'Z');
    assert.equal(duty.status, 'overdue');
    assert.equal(duty.starts_at, identified);
    assert.equal(duty.due_at, due);
    assert.equal(duty.minutes_left, -60);
    assert.equal(duty.met_at, null);
    assert.deepEqual(duty.case, { id, number, region: REGION_A });
    assert.deepEqual(duty.subject, { type: 'case', id });
    assert.equal(duty.owner.username, 'demo-hart', 'the owner: the user who opened the case, the case having no lead');
    assert.equal(duty.name, PACK.deadlines.find((d) => d.id === 'law_enforcement_report').name);
    assert.equal(duty.basis, PACK.deadlines.find((d) => d.id === 'law_enforcement_report').basis);

    // Moving to confirmed later does not open a second duty nor move it.
    await patchOk(id, { victim_status: 'confirmed' });
    assert.equal((await dutyOf(id, 'law_enforcement_report')).due_at, due);

    const reported = clock.iso(-10 * MINUTE_MS);
    const rep = await readJson(await post(id, 'reports', {
      kind: 'law_enforcement', agency: 'Bridgeport Police Department', officer: 'Det. Example', reference: 'BPD-2026-0042', reported_at: reported,
    }), 201, 'the law-enforcement report');
    assert.ok(Number.isInteger(rep.id));
    assert.deepEqual(rep.met, [duty.id]);
    const met = await dutyOf(id, 'law_enforcement_report');
    assert.equal(met.status, 'met_late');
    assert.equal(met.met_at, reported, 'met when it was reported, not when it was typed in');
    assert.equal(met.minutes_left, null);

    const full = await getCase(id);
    const r = full.reports.find((x) => x.id === rep.id);
    assert.ok(r, JSON.stringify(full.reports));
    assert.equal(r.kind, 'law_enforcement');
    assert.equal(r.agency, 'Bridgeport Police Department');
    assert.equal(r.officer, 'Det. Example');
    assert.equal(r.reference, 'BPD-2026-0042');
    assert.equal(r.reported_at, reported);
    // The timeline's entry says to whom, and who recorded it by the name they go by.
    const entry = eventsOf(full).find((e) => e.kind === 'report' && e.report_id === rep.id);
    assert.ok(entry, 'the timeline records the report');
    assert.equal(entry.report_kind, 'law_enforcement');
    assert.equal(entry.agency, 'Bridgeport Police Department');
    assert.ok(entry.recorded_by.username && entry.recorded_by.display_name, JSON.stringify(entry.recorded_by));
    assert.ok(eventsOf(full).some((e) => e.kind === 'victim_status'), 'and the victim status');

    // A second report meets nothing more.
    const again = await readJson(await post(id, 'reports', { kind: 'law_enforcement', agency: 'State Police', reported_at: clock.iso() }), 201, 'again');
    assert.deepEqual(again.met, []);
  });

  test('identified within 24 hours and reported in time: met_on_time; identified_at in the future is 422; a later identified_at moves the due time while unmet', async () => {
    const { id } = await newCase();
    await assertFieldError(await patch(id, { version: (await getCase(id)).version, victim_status: 'suspected', identified_at: clock.iso(HOUR_MS) }),
      'identified_at', 'identified in the future');
    assert.equal((await getCase(id)).victim_status, 'none', 'nothing stored');

    await patchOk(id, { victim_status: 'confirmed', identified_at: clock.iso(-2 * HOUR_MS) });
    let duty = await dutyOf(id, 'law_enforcement_report');
    assert.equal(duty.status, 'open');
    assert.equal(duty.minutes_left, minutesOf('law_enforcement_report') - 120);

    // Changing identified_at moves the unmet duty.
    const earlier = clock.iso(-3 * HOUR_MS);
    await patchOk(id, { identified_at: earlier });
    duty = await dutyOf(id, 'law_enforcement_report');
    assert.equal(duty.starts_at, earlier);
    assert.equal(duty.minutes_left, minutesOf('law_enforcement_report') - 180);

    const rep = await readJson(await post(id, 'reports', { kind: 'law_enforcement', agency: 'Bridgeport PD', reported_at: clock.iso(-HOUR_MS) }), 201, 'report');
    assert.deepEqual(rep.met, [duty.id]);
    const met = await dutyOf(id, 'law_enforcement_report');
    assert.equal(met.status, 'met_on_time');
    assert.equal(met.met_at, clock.iso(-HOUR_MS));

    // Once met, identified_at no longer moves it.
    await patchOk(id, { identified_at: clock.iso(-26 * HOUR_MS) });
    const still = await dutyOf(id, 'law_enforcement_report');
    assert.deepEqual([still.status, still.due_at], ['met_on_time', met.due_at]);
  });

  test('a report is refused with 422 for a bad kind, no agency, a time in the future, an episode of another case', async () => {
    const { id } = await newCase();
    for (const [body, field] of [
      [{ kind: MDT_ROLE_A, agency: 'X', reported_at: clock.iso() }, 'kind'],
      [{ kind: 'law_enforcement', reported_at: clock.iso() }, 'agency'],
      [{ kind: 'law_enforcement', agency: 'X' }, 'reported_at'],
      [{ kind: 'law_enforcement', agency: 'X', reported_at: clock.iso(HOUR_MS) }, 'reported_at'],
      [{ kind: 'law_enforcement', agency: 'X', reported_at: 'yesterday' }, 'reported_at'],
      [{ kind: 'ncmec', agency: 'NCMEC', reported_at: clock.iso(), missing_episode_id: 99_999_999 }, 'missing_episode_id'],
    ]) {
      await assertFieldError(await post(id, 'reports', body), field, JSON.stringify(body));
    }
    assert.deepEqual((await getCase(id)).reports, []);
  });

  // ---- missing episodes ----

  test('a missing episode opens the law-enforcement and NCMEC duties; the NCMEC reference is kept; locating the child opens the debrief and re-screen, which events meet', async () => {
    const { id } = await newCase();
    const learned = clock.iso(-2 * HOUR_MS);
    const ep = await readJson(await post(id, 'missing-episodes', {
      last_seen_at: clock.iso(-30 * HOUR_MS), learned_at: learned, circumstances: 'Left the group home after dinner.',
    }), 201, 'start an episode');
    assert.ok(Number.isInteger(ep.id));
    assert.equal(ep.duties.length, 2);

    const due24 = new Date(Date.parse(learned) + 24 * HOUR_MS).toISOString().replace('.000Z', 'Z');
    const le = await dutyOf(id, 'missing_law_enforcement_report');
    const nc = await dutyOf(id, 'missing_ncmec_report');
    assert.deepEqual(new Set(ep.duties), new Set([le.id, nc.id]));
    for (const d of [le, nc]) {
      assert.deepEqual(d.subject, { type: 'missing_episode', id: ep.id });
      assert.equal(d.starts_at, learned);
      assert.equal(d.due_at, due24);
      assert.equal(d.status, 'open');
    }
    assert.ok(eventsOf(await getCase(id)).some((e) => e.kind === 'missing_started'));

    // One episode at a time.
    await assertProblem(await post(id, 'missing-episodes', { last_seen_at: clock.iso(-HOUR_MS), learned_at: clock.iso() }), 409, 'a second episode');
    // The listing knows who is missing now.
    assert.ok((await as.hart.get(`${CASES}?missing=true`)).items.some((c) => c.id === id), '?missing=true lists it');

    // The NCMEC report, its reference kept on the episode.
    const ncmec = await readJson(await post(id, 'reports', {
      kind: 'ncmec', agency: 'NCMEC', reference: '1234567', reported_at: clock.iso(-HOUR_MS),
    }), 201, 'NCMEC report');
    assert.deepEqual(ncmec.met, [nc.id]);
    const police = await readJson(await post(id, 'reports', {
      kind: 'law_enforcement', agency: 'Bridgeport PD', reference: 'NCIC-77', reported_at: clock.iso(-30 * MINUTE_MS), missing_episode_id: ep.id,
    }), 201, 'police report of the episode');
    assert.deepEqual(police.met, [le.id]);
    assert.equal((await dutyOf(id, 'missing_ncmec_report')).status, 'met_on_time');
    assert.equal((await dutyOf(id, 'missing_law_enforcement_report')).status, 'met_on_time');
    let episode = (await getCase(id)).missing_episodes.find((e) => e.id === ep.id);
    assert.ok(episode, 'the case lists its episodes');
    assert.equal(episode.ncmec_case_number, '1234567', `the NCMEC reference kept: ${JSON.stringify(episode)}`);
    assert.equal(episode.circumstances, 'Left the group home after dinner.');

    // Located.
    await assertFieldError(await as.hart.fetch(`${CASES}/${id}/missing-episodes/${ep.id}`, { method: 'PATCH', body: { located_at: clock.iso(HOUR_MS) } }),
      'located_at', 'located in the future');
    const located = clock.iso(-20 * MINUTE_MS);
    const end = await readJson(await as.hart.fetch(`${CASES}/${id}/missing-episodes/${ep.id}`, { method: 'PATCH', body: { located_at: located } }), 200, 'located');
    assert.equal(end.id, ep.id);
    assert.equal(end.duties.length, 2);
    const debrief = await dutyOf(id, 'return_debrief');
    const rescreen = await dutyOf(id, 'return_rescreen');
    assert.deepEqual(new Set(end.duties), new Set([debrief.id, rescreen.id]));
    for (const d of [debrief, rescreen]) {
      assert.equal(d.starts_at, located);
      assert.equal(d.due_at, new Date(Date.parse(located) + minutesOf(d.kind) * MINUTE_MS).toISOString().replace('.000Z', 'Z'));
      assert.equal(d.status, 'open');
      assert.deepEqual(d.subject, { type: 'missing_episode', id: ep.id });
    }
    episode = (await getCase(id)).missing_episodes.find((e) => e.id === ep.id);
    assert.equal(episode.located_at, located);
    assert.ok(!(await as.hart.get(`${CASES}?missing=true`)).items.some((c) => c.id === id), 'no longer missing');
    assert.ok(eventsOf(await getCase(id)).some((e) => e.kind === 'missing_located'));

    // The debrief and the re-screen.
    const db1 = await readJson(await post(id, 'events', { kind: 'debrief', missing_episode_id: ep.id, occurred_at: clock.iso(-10 * MINUTE_MS), text: 'Debriefed.' }), 201, 'debrief');
    assert.ok(Number.isInteger(db1.id));
    const d2 = await dutyOf(id, 'return_debrief');
    assert.equal(d2.status, 'met_on_time');
    assert.equal(d2.met_at, clock.iso(-10 * MINUTE_MS));
    await assertFieldError(await post(id, 'events', { kind: 'rescreen', missing_episode_id: ep.id, answers: { nonsense: true } }), 'answers', 'bad answers');
    await readJson(await post(id, 'events', { kind: 'rescreen', missing_episode_id: ep.id, occurred_at: clock.iso(), answers: sscstAnswers() }), 201, 'rescreen');
    assert.equal((await dutyOf(id, 'return_rescreen')).status, 'met_on_time');
    const rs = eventsOf(await getCase(id)).find((e) => e.kind === 'rescreen');
    assert.ok(rs, 'the re-screen is on the timeline');
    assert.equal(rs.instrument, PACK.pack.rescreen_instrument, `the pack's re-screen instrument: ${JSON.stringify(rs)}`);
    assert.equal(typeof rs.level, 'string', 'scored like an intake screening');

    // A new episode may start now.
    await readJson(await post(id, 'missing-episodes', { last_seen_at: clock.iso(-HOUR_MS), learned_at: clock.iso() }), 201, 'a second episode after the first ended');
  });

  test('a missing episode refuses learned_at before last_seen_at, times in the future, located before learned', async () => {
    const { id } = await newCase();
    for (const [body, field] of [
      [{ learned_at: clock.iso() }, 'last_seen_at'],
      [{ last_seen_at: clock.iso(-HOUR_MS) }, 'learned_at'],
      [{ last_seen_at: clock.iso(HOUR_MS), learned_at: clock.iso(2 * HOUR_MS) }, 'last_seen_at'],
      [{ last_seen_at: clock.iso(-HOUR_MS), learned_at: clock.iso(-2 * HOUR_MS) }, 'learned_at'],
    ]) {
      await assertFieldError(await post(id, 'missing-episodes', body), field, JSON.stringify(body));
    }
    assert.deepEqual((await getCase(id)).missing_episodes, []);
    const ep = await readJson(await post(id, 'missing-episodes', { last_seen_at: clock.iso(-3 * HOUR_MS), learned_at: clock.iso(-2 * HOUR_MS) }), 201, 'ok');
    // Without an episode named, a police report meets the earliest unmet missing-child report (no victim status here).
    const police = await readJson(await post(id, 'reports', { kind: 'law_enforcement', agency: 'Bridgeport PD', reported_at: clock.iso() }), 201, 'police');
    assert.deepEqual(police.met, [(await dutyOf(id, 'missing_law_enforcement_report')).id]);
    await assertFieldError(await as.hart.fetch(`${CASES}/${id}/missing-episodes/${ep.id}`, { method: 'PATCH', body: { located_at: clock.iso(-4 * HOUR_MS) } }),
      'located_at', 'located before last seen');
    const res = await as.hart.fetch(`${CASES}/${id}/missing-episodes/99999999`, { method: 'PATCH', body: { located_at: clock.iso() } });
    assert.equal(res.status, 404, await res.text());
  });

  // ---- rapid response ----

  test('a rapid response: requested, the arrival within target meets its duty', async () => {
    const { id } = await newCase();
    const rr = await readJson(await post(id, 'rapid-responses', { requested_at: clock.iso(-HOUR_MS), responder: 'Youth advocate A' }), 201, 'request');
    const duty = await dutyOf(id, 'rapid_response_target');
    assert.deepEqual(duty.subject, { type: 'rapid_response', id: rr.id });
    assert.equal(duty.due_at, clock.iso(-HOUR_MS + minutesOf('rapid_response_target') * MINUTE_MS));
    const arrived = clock.iso(-30 * MINUTE_MS);
    const res = await as.hart.fetch(`${CASES}/${id}/rapid-responses/${rr.id}`, { method: 'PATCH', body: { arrived_at: arrived } });
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    const met = await dutyOf(id, 'rapid_response_target');
    assert.deepEqual([met.status, met.met_at], ['met_on_time', arrived]);
    const kinds = eventsOf(await getCase(id)).map((e) => e.kind);
    assert.ok(kinds.includes('rapid_response_requested') && kinds.includes('rapid_response_arrived'), JSON.stringify(kinds));
    const one = (await getCase(id)).rapid_responses.find((x) => x.id === rr.id);
    assert.ok(one, 'the case lists its rapid responses');
    assert.deepEqual([one.minutes_taken, one.within_target, one.responder], [30, true, 'Youth advocate A'], JSON.stringify(one));
  });

  // ---- the timeline ----

  test('events: each kind a user records, in the past, never in the future; bad ones are 422 and nothing is stored', async () => {
    const { id } = await newCase();
    const ed = PACK.emergency_departments[0].id;
    for (const body of [
      { kind: 'note', text: 'A note.' },
      { kind: 'contact', text: 'Called the foster parent.', occurred_at: clock.iso(-3 * HOUR_MS) },
      { kind: 'medical_exam', emergency_department: ed },
      { kind: 'forensic_interview' },
      { kind: 'placement_change', placement: 'foster', text: 'Moved.' },
    ]) {
      const r = await readJson(await post(id, 'events', body), 201, JSON.stringify(body));
      assert.ok(Number.isInteger(r.id));
    }
    const events = eventsOf(await getCase(id));
    const contact = events.find((e) => e.kind === 'contact');
    assert.equal(contact.occurred_at, clock.iso(-3 * HOUR_MS));
    assert.equal(contact.recorded_at, clock.iso());
    assert.match(contact.recorded_at, RFC3339_UTC);
    assert.equal(contact.text, 'Called the foster parent.');
    assert.equal(events.find((e) => e.kind === 'note').occurred_at, clock.iso(), 'occurred_at defaults to now');
    const count = events.length;

    for (const [body, field] of [
      [{ kind: 'party', text: 'x' }, 'kind'],
      [{ kind: 'note' }, 'text'],
      [{ kind: 'note', text: 'x', occurred_at: clock.iso(HOUR_MS) }, 'occurred_at'],
      [{ kind: 'medical_exam' }, 'emergency_department'],
      [{ kind: 'medical_exam', emergency_department: 'no_such_hospital' }, 'emergency_department'],
      [{ kind: 'placement_change', placement: 'castle' }, 'placement'],
      [{ kind: 'debrief' }, 'missing_episode_id'],
      [{ kind: 'note', text: 'x', shared: 'yes' }, 'shared'],
      [{ kind: 'opened', text: 'x' }, 'kind'],
    ]) {
      await assertFieldError(await post(id, 'events', body), field, JSON.stringify(body));
    }
    assert.equal(eventsOf(await getCase(id)).length, count, 'nothing stored');
  });

  // ---- the list ----

  test('GET /api/v1/cases lists open cases, filters by status and region; the liaison sees its region, not R4', async () => {
    const r1 = await newCase();
    const r4 = await readJson(await openCase({ intake_id: await intake({ children: [child({ town: TOWN_D })] }) }), 201, 'an R4 case');
    const all = (await as.hart.get(`${CASES}?status=all&limit=500`)).items;
    assert.ok(all.some((c) => c.id === r1.id) && all.some((c) => c.id === r4.id));
    const onlyR4 = (await as.hart.get(`${CASES}?region=${REGION_D}&status=all`)).items;
    assert.ok(onlyR4.length > 0);
    for (const c of onlyR4) assert.equal(c.region, REGION_D);
    const open = (await as.hart.get(CASES)).items;
    for (const c of open) assert.notEqual(c.status, 'closed');
    const closed = (await as.hart.get(`${CASES}?status=closed`)).items;
    for (const c of closed) assert.equal(c.status, 'closed');

    const mine = (await as.liaison.get(`${CASES}?status=all`)).items;
    assert.ok(mine.some((c) => c.id === r1.id));
    for (const c of mine) assert.equal(c.region, REGION_A);
    await assertProblem(await as.liaison.fetch(`${CASES}?region=${REGION_D}`), 403, 'the R1 liaison asks for R4');
    for (const q of ['?status=bogus', '?limit=0', '?limit=501', '?missing=maybe']) await assertProblem(await as.hart.fetch(`${CASES}${q}`), 422, q);
  });

  // ---- who may see what ----

  test('the R4 liaison and an MDT member of another team get 403 on an R1 case, each denial audited', async () => {
    const { id } = await newCase();
    assert.equal((await getCase(id, as.liaison)).region, REGION_A, 'the R1 liaison reads it');
    for (const [k, username] of [['liaisonR4', 'case-liaison-r4'], ['mdtOther', 'case-mdt-other']]) {
      const before = (await auditOf('permission.denied', `&actor=${username}`)).length;
      await assertProblem(await as[k].fetch(`${CASES}/${id}`), 403, `${k} reads an R1 case`);
      const denied = await auditOf('permission.denied', `&actor=${username}`);
      assert.equal(denied.length, before + 1, `${k}: the denial is audited`);
      assert.deepEqual([denied[0].object_type, denied[0].object_id], ['case', String(id)]);
      assert.ok(!(await as[k].get(`${CASES}?status=all`)).items.some((c) => c.id === id), `${k} does not list it`);
    }
    await assertProblem(await patch(id, { version: 1, status: 'response' }, as.liaisonR4), 403, 'R4 liaison changes an R1 case');
    await assertProblem(await post(id, 'events', { kind: 'note', text: 'x' }, as.liaisonR4), 403, 'R4 liaison records an event');
    await assertProblem(await post(id, 'events', { kind: 'note', text: 'x' }, as.mdtOther), 403, 'MDT records an event');
    await assertProblem(await as.liaisonR4.fetch(`${DEADLINES}?region=${REGION_A}`), 403, 'R4 liaison asks for R1 deadlines');
  });

  test('careline, provider, trainer, analyst and admin read no case and no deadline: 403; no session is 401', async () => {
    const { id } = await newCase();
    for (const role of ['careline', 'provider', 'trainer', 'analyst', 'admin']) {
      await assertProblem(await as[role].fetch(CASES), 403, `${role} lists cases`);
      await assertProblem(await as[role].fetch(`${CASES}/${id}`), 403, `${role} reads a case`);
      await assertProblem(await as[role].fetch(DEADLINES), 403, `${role} lists deadlines`);
      await assertProblem(await as[role].fetch(`${DEADLINES}?case=${id}`), 403, `${role} lists a case's deadlines`);
      await assertProblem(await as[role].fetch('/api/v1/dashboard'), 403, `${role} reads the dashboard`);
      await assertProblem(await patch(id, { version: 1, status: 'response' }, as[role]), 403, `${role} changes a case`);
    }
    await assertProblem(await fetch(`${server.url}${CASES}/${id}`), 401, 'no session');
    await assertProblem(await fetch(`${server.url}${DEADLINES}`), 401, 'no session');
  });

  // ---- audit ----

  test('every read and write of a case is audited: case.read for each GET, the list, and each change', async () => {
    const { id, number } = await newCase();
    const rec = async (action) => (await auditOf(action, `&object_id=${id}`)).filter((r) => r.object_type === 'case');
    const opened = await rec('case.open');
    assert.equal(opened.length, 1, 'opening is audited as case.open');
    assert.equal(opened[0].actor, 'demo-hart');
    assert.match(opened[0].detail, new RegExp(number));

    const before = (await rec('case.read')).length;
    await getCase(id);
    await getCase(id, as.liaison);
    const reads = await rec('case.read');
    assert.equal(reads.length, before + 2, 'one case.read for each GET');
    assert.deepEqual(reads.slice(0, 2).map((r) => r.actor), ['demo-liaison', 'demo-hart']);
    for (const r of reads) assert.equal(r.at, clock.iso());

    await patchOk(id, { status: 'response' });
    assert.ok((await rec('case.update')).length >= 1, 'a change is audited as case.update');
    const listBefore = (await auditOf('case.list', '&actor=demo-hart')).length;
    await as.hart.get(CASES);
    assert.equal((await auditOf('case.list', '&actor=demo-hart')).length, listBefore + 1, 'reading the list is audited');
    const dlBefore = (await auditOf('deadlines.list', '&actor=demo-hart')).length;
    await as.hart.get(DEADLINES);
    assert.equal((await auditOf('deadlines.list', '&actor=demo-hart')).length, dlBefore + 1, 'reading the deadlines is audited');
  });

  // ---- sealed at rest ----

  test(`the ${ENGINE === 'sqlite' ? 'database file' : 'pg_dump'} holds no event text nor missing circumstances in clear`, async () => {
    const secrets = {
      note: 'Synthetic case note QWERTZ about the motel',
      contact: 'Synthetic contact text ASDFGH',
      circumstances: 'Synthetic circumstances ZXCVBN at the bus station',
    };
    const { id } = await newCase();
    await readJson(await post(id, 'events', { kind: 'note', text: secrets.note }), 201, 'note');
    await readJson(await post(id, 'events', { kind: 'contact', text: secrets.contact, shared: true }), 201, 'contact');
    await readJson(await post(id, 'missing-episodes', { last_seen_at: clock.iso(-HOUR_MS), learned_at: clock.iso(), circumstances: secrets.circumstances }), 201, 'episode');
    const c = await getCase(id);
    assert.ok(eventsOf(c).some((e) => e.text === secrets.note), 'opened for those who may read it');
    assert.equal(c.missing_episodes[0].circumstances, secrets.circumstances);

    const bytes = dbBytes(db);
    assert.ok(bytes.includes(c.number), 'the case number is there in clear, so the right bytes were read');
    for (const [what, secret] of Object.entries(secrets)) assert.ok(!bytes.includes(secret), `the ${what} is not stored in clear`);
  });
});
