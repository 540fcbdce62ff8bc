// Careline intakes: recording a report (numbers, Idempotency-Key, every
// problem at once, partial information), the law on a minor in commercial
// sex, routing by town, screening with the pack's instruments, "is this
// child known?" and linking, dispositions and their history, the queue and
// its deadline on the test clock, notifications of an accepted report, who
// may see what, the audit of every step, and the report sealed at rest.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, demoOnClock, loginEach, readJson, syntheticReport } from '../lib/auth.mjs';
import { assertProblem, assertProblemStatus, errorsOf as errorsOfAll } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, dbBytes, loadDefaultPack, run, sql, startServer, stopServer } from '../lib/server.mjs';
import { COMMERCIAL_SEX_CONCERNS, TOWNS, regionName, DEFAULT_INSTRUMENT, RESCREEN_INSTRUMENT, TIME_ZONE, concern, localTime, officeOf, officeOfTown, region, regionsOfTown, source, townOf, utcOffsetMinutes } from '../lib/pack.mjs';

const REGION_D = region(3);

const REGION_A = region(0);
const REGION_B = region(1);
const TOWN_A = townOf(REGION_A);
const OFFICE_A = officeOfTown(TOWN_A).id;
const TOWN_B = townOf(REGION_B);
const OFFICE_B = officeOfTown(TOWN_B).id;
const TOWN_A2 = officeOf(REGION_A, 1).towns.find((t) => regionsOfTown(t).length === 1);
const OFFICE_A2 = officeOf(REGION_A, 1).id;
const CONCERN_A = concern(0);
const CONCERN_B = concern(1);
const CONCERN_C = concern(2);
const CS_CONCERN_A = COMMERCIAL_SEX_CONCERNS[0];
const CS_CONCERN_B = COMMERCIAL_SEX_CONCERNS[1];
const SOURCE_A = source(0);
const SOURCE_B = source(1);
const SOURCE_SELF = source(8);

after(cleanup);

const INTAKES = '/api/v1/intakes';
const NOTIFICATIONS = '/api/v1/notifications';
const NUMBER = /^I-(\d{4})-(\d{6})$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const PACK = loadDefaultPack();
const INDICATOR = PACK.screening_instruments.find((i) => i.id === DEFAULT_INSTRUMENT);
const SSCST = PACK.screening_instruments.find((i) => i.id === RESCREEN_INSTRUMENT);
const INDICATOR_IDS = INDICATOR.domains.flatMap((d) => d.indicators.map((i) => i.id));
const SSCST_IDS = SSCST.items.map((i) => i.id);
const DEADLINE = PACK.deadlines.find((d) => d.id === 'intake_disposition').minutes;
const ROUTE = ['office', 'region', 'unmapped_town'];

/**
 * The level the pack's rules give an indicator screen: the first rule that
 * holds, "no" when none does. clear_in_domains counts indicators rated clear
 * in the domains named; clear_count all those rated clear; possible_count
 * all those rated possible or clear.
 */
function levelByRules(answers) {
  const rated = (ids, min) => ids.filter((id) => (min === 'clear' ? answers[id] === 'clear' : answers[id] !== 'no')).length;
  for (const rule of INDICATOR.rules) {
    let n;
    if (rule.clear_in_domains) {
      n = rated(INDICATOR.domains.filter((d) => rule.clear_in_domains.includes(d.id)).flatMap((d) => d.indicators.map((i) => i.id)), 'clear');
      if (n >= rule.min) return rule.level;
    } else if (rule.clear_count !== undefined) {
      if (rated(INDICATOR_IDS, 'clear') >= rule.clear_count) return rule.level;
    } else if (rule.possible_count !== undefined) {
      if (rated(INDICATOR_IDS, 'possible') >= rule.possible_count) return rule.level;
    } else {
      throw new Error(`a rule of indicator_screen this test does not know: ${JSON.stringify(rule)}`);
    }
  }
  return 'no';
}

/** Every indicator answered "no", then the given ones. */
function indicatorAnswers(overrides = {}) {
  return { ...Object.fromEntries(INDICATOR_IDS.map((id) => [id, 'no'])), ...overrides };
}

/** Every SSCST item answered false, then the given ones. */
function sscstAnswers(overrides = {}) {
  return { ...Object.fromEntries(SSCST_IDS.map((id) => [id, false])), ...overrides };
}

/** The errors of a 422 problem, each field and reason a string. */
const errorsOf = (problem) => errorsOfAll(problem, { typed: true });

/** The given keys of o, as an object to compare. */
function pick(o, keys) {
  return Object.fromEntries(keys.map((k) => [k, o?.[k]]));
}

describe(`Careline intakes (${ENGINE})`, { timeout: 90_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  const as = {}; // role (and extra user) -> Session

  /** The test clock's date, years back, shifted by days: a birth date. */
  function dobYearsAgo(years, days = 0) {
    const d = new Date(clock.ms);
    d.setUTCFullYear(d.getUTCFullYear() - years);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  /** A valid report, received ten minutes ago, with a 14-year-old in Bridgeport. */
  const report = (overrides) => syntheticReport(clock, overrides);

  /** POST /api/v1/intakes as s (null: no session), with an Idempotency-Key when given. */
  function post(body, { s = as.careline, key } = {}) {
    const headers = key === undefined ? {} : { 'idempotency-key': key };
    if (!s) {
      return fetch(`${server.url}${INTAKES}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    }
    return s.fetch(INTAKES, { method: 'POST', body, headers });
  }

  /** Records a report; asserts 201 and resolves { id, number, replayed, location }. */
  async function create(body = report(), opts = {}) {
    const res = await post(body, opts);
    const location = res.headers.get('location');
    const created = await readJson(res, 201, `create ${JSON.stringify(body).slice(0, 200)}`);
    assert.equal(res.headers.get('idempotent-replayed'), null, 'a new report is not a replay');
    return { ...created, location };
  }

  const get = (id, s = as.careline) => s.get(`${INTAKES}/${id}`);
  // The whole queue in one page (the tests' reports are fewer than 500).
  const queue = async (query = '', s = as.careline) => (await s.get(`${INTAKES}${query}${/limit=/.test(query) ? '' : `${query ? '&' : '?'}limit=500`}`)).items;
  const allIds = async () => (await queue('?status=all&limit=500')).map((r) => r.id);

  /** POST .../disposition as s; resolves the response. */
  function decide(id, body, s = as.careline) {
    return s.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body });
  }
  /** A decision that must answer 200; resolves the report as decided. */
  async function decideOk(id, body, s = as.careline) {
    const version = body.version ?? (await get(id, s)).version;
    return readJson(await decide(id, { ...body, version }, s), 200, `decide ${id} ${JSON.stringify(body)}`);
  }

  function screen(id, body, s = as.careline) {
    return s.fetch(`${INTAKES}/${id}/screenings`, { method: 'POST', body });
  }
  function link(id, child, body, s = as.careline) {
    return s.fetch(`${INTAKES}/${id}/children/${child}/link`, { method: 'POST', body });
  }

  /** Audit records of an action, newest first (admin). */
  const auditOf = (action, extra) => auditRecords(as.admin, action, extra);

  before(async () => {
    // Ages, "in the future" and the queue's ages are on the test clock.
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = {
      careline2: await createUser(db, { username: 'careline-two', role: 'careline', env: clock.env }),
      hart2: await createUser(db, { username: 'hart-two', role: 'hart', env: clock.env }),
      liaisonR4: await createUser(db, { username: 'liaison-r4', role: 'liaison', scope: REGION_B, env: clock.env }),
    };
    // A HART coordinator who has left: disabled, so never notified.
    await createUser(db, { username: 'hart-gone', role: 'hart', env: clock.env });
    const off = await run(['user', 'disable', 'hart-gone', '--db', db], { db, env: clock.env });
    assert.equal(off.code, 0, off.stderr);
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, extra);
    clock.check((await as.admin.get('/api/v1/audit?action=user.create&limit=1')).items[0].at, 'the time of a user.create record');
  });
  after(() => stopServer(server));

  // ---- recording ----

  test('a report is recorded as 201 {id, number I-YYYY-NNNNNN}, and numbers count up within each year', async () => {
    const a = await create();
    assert.deepEqual(Object.keys(a).sort(), ['id', 'location', 'number', 'replayed']);
    assert.ok(Number.isInteger(a.id) && a.id > 0);
    assert.equal(a.number, 'I-2026-000001', 'the first report of 2026 in a fresh database');
    assert.equal(a.replayed, false);
    assert.equal(a.location, `${INTAKES}/${a.id}`);

    const b = await create();
    assert.equal(b.number, 'I-2026-000002');
    assert.ok(b.id > a.id);
    // The year is the year the report was received.
    const old = await create(report({ received_at: '2025-12-30T12:00:00Z' }));
    assert.equal(old.number, 'I-2025-000001');
    const c = await create();
    assert.equal(c.number, 'I-2026-000003', 'a report of another year does not take a number of this one');
    assert.equal((await get(old.id)).number, 'I-2025-000001');
  });

  test('GET answers the report as recorded, the reception time in UTC', async () => {
    const body = {
      received_at: '2026-11-28T09:40:00-05:00',
      channel: 'law_enforcement',
      reporter: {
        source: SOURCE_B, name: 'Det. Example', agency: 'Example PD', phone: '860-555-0100', email: 'det@example.org', anonymous: false,
      },
      children: [
        {
          given_name: 'Robin', family_name: 'Example', aliases: ['Birdie'], dob: '2011-06-15', sex: 'F', gender_identity: 'girl',
          town: TOWN_A2, placement: 'foster', in_care: true, missing: true,
        },
      ],
      narrative: 'Found at a motel; synthetic.',
      town: TOWN_A2,
      concerns: [CONCERN_A, CONCERN_B],
    };
    const { id, number } = await create(body);
    const r = await get(id);
    assert.equal(r.id, id);
    assert.equal(r.number, number);
    assert.equal(r.received_at, '2026-11-28T14:40:00Z');
    assert.equal(r.channel, 'law_enforcement');
    assert.equal(r.source, SOURCE_B);
    assert.equal(r.reporter_anonymous, false);
    assert.deepEqual(r.reporter, body.reporter);
    assert.equal(r.narrative, body.narrative);
    assert.equal(r.town, TOWN_A2);
    assert.deepEqual(r.concerns, body.concerns);
    assert.equal(r.disposition, null);
    assert.deepEqual(r.dispositions, []);
    assert.deepEqual(r.screenings, []);
    assert.equal(r.version, 1);
    assert.match(r.created_at, RFC3339_UTC);
    assert.equal(r.created_at, clock.iso());
    assert.equal(r.children.length, 1);
    const { position, age_at_report: age, estimated_age: est, suspected_victim: victim, person_id: pid, ...child } = r.children[0];
    assert.deepEqual({ position, age, est, victim, pid }, { position: 0, age: 15, est: null, victim: false, pid: null });
    assert.deepEqual(child, body.children[0]);

    // An anonymous reporter's identity is not kept; the source is.
    const anon = await create(report({ reporter: { source: SOURCE_SELF, name: 'Not kept', anonymous: true } }));
    const ra = await get(anon.id);
    assert.equal(ra.reporter_anonymous, true);
    assert.equal(ra.reporter, null);
    assert.equal(ra.source, SOURCE_SELF);
  });

  test('a repeated submission with the same Idempotency-Key answers 200 with the first report and records no second', async () => {
    const key = `idem-${randomUUID()}`;
    const first = await create(report(), { key });
    const ids = await allIds();
    const creates = (await auditOf('intake.create')).length;

    const res = await post(report(), { key });
    assert.equal(res.headers.get('idempotent-replayed'), 'true');
    assert.equal(res.headers.get('location'), `${INTAKES}/${first.id}`);
    const again = await readJson(res, 200, 'the replay');
    assert.deepEqual(again, { id: first.id, number: first.number, replayed: true });
    // Other words under the same key are another report: refused, never dropped in silence.
    await assertProblemStatus(await post(report({ narrative: 'The same call, sent again with other words.' }), { key }), 422, { type: 'idempotency-mismatch', what: 'other words, same key' });
    assert.deepEqual(await allIds(), ids, 'no second report');
    assert.equal((await auditOf('intake.create')).length, creates, 'no second intake.create');
    assert.equal((await get(first.id)).narrative, report().narrative, 'the first report is unchanged');

    // The key is the user's own: another worker with the same key records a report.
    const other = await create(report(), { key, s: as.careline2 });
    assert.notEqual(other.id, first.id);
    const next = Number(NUMBER.exec(first.number)[2]) + 1;
    assert.equal(other.number, `I-2026-${String(next).padStart(6, '0')}`, 'the replays took no number');

    // A submission refused with 422 recorded nothing: its key is still free.
    const refusedKey = `refused-${randomUUID()}`;
    await assertProblem(await post(report({ channel: 'pigeon' }), { key: refusedKey }), 422, 'refused');
    const afterRefusal = await create(report(), { key: refusedKey });
    assert.equal(afterRefusal.replayed, false);

    // A key is 1 to 200 characters.
    for (const bad of ['', 'x'.repeat(201)]) {
      const p = await assertProblem(await post(report(), { key: bad }), 422, `key of ${bad.length}`);
      assert.ok(errorsOf(p)['Idempotency-Key'], JSON.stringify(p.errors));
    }
  });

  test('the same Idempotency-Key sent five times at once records one report', async () => {
    const key = `race-${randomUUID()}`;
    const before = await allIds();
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(report(), { key })));
    const bodies = await Promise.all(
      responses.map(async (res) => ({ status: res.status, replayed: res.headers.get('idempotent-replayed'), body: await res.text() })));
    assert.deepEqual(bodies.map((b) => b.status).sort(), [200, 200, 200, 200, 201], JSON.stringify(bodies));
    const ids = new Set(bodies.map((b) => JSON.parse(b.body).id));
    assert.equal(ids.size, 1, `all answer one report: ${JSON.stringify(bodies)}`);
    for (const b of bodies) assert.equal(b.replayed, b.status === 200 ? 'true' : null);
    assert.equal((await allIds()).length, before.length + 1);
  });

  test('422 names every failing field at once, and nothing is stored', async () => {
    const ids = await allIds();
    const creates = (await auditOf('intake.create')).length;
    const body = {
      received_at: clock.iso(60 * MINUTE_MS),
      channel: 'pigeon',
      reporter: { source: 'psychic', name: 'Someone' },
      children: [
        { given_name: 'Ana', dob: '2027-01-01' },
        { estimated_age: 30 },
        { family_name: 'Lee', dob: '2011-02-30', sex: 'Q', placement: 'jail', in_care: 'yes' },
      ],
      concerns: [CONCERN_A, 'not_a_concern'],
    };
    const p = await assertProblem(await post(body), 422, 'many problems');
    assert.equal(p.type, 'urn:hartline:problem:validation');
    const errs = errorsOf(p);
    const expected = {
      received_at: /^Received: it cannot be in the future; check the date and time of the call$/,
      channel: /^Channel: .*choose one from the list/,
      'reporter.source': /^Source: “psychic” is not one of the sources; choose one from the list$/,
      'children[0].dob': /^Birth date: it cannot be in the future; check it with the caller$/,
      'children[1].given_name': /^Given name: a given or a family name is needed/,
      'children[1].estimated_age': /^Age: .*0 to 25/,
      'children[2].dob': /^Birth date: not a whole date; type the day, month and year$/,
      'children[2].sex': /^Sex: not one of the choices; choose Female, Male, X or Not known$/,
      'children[2].placement': /^Placement: choose one from the list/,
      'children[2].in_care': /^In the agency’s care: not sent as the form sends it; reload the page and try again$/,
      'concerns[1]': /^Concerns: not one of the concerns/,
    };
    for (const [field, reason] of Object.entries(expected)) {
      assert.ok(errs[field], `an error for ${field}: ${JSON.stringify(p.errors)}`);
      assert.ok(errs[field].some((r) => reason.test(r)), `${field}: ${errs[field]} matches ${reason}`);
    }
    // Every refusal names the field in the form's words and says what to do.
    for (const e of p.errors) assert.match(e.reason, /^[A-Z][^:]{1,40}: \S/, `${e.field}: ${e.reason}`);
    assert.equal(errs['concerns[0]'], undefined, 'a known concern is no error');
    assert.equal(errs['children[0].given_name'], undefined, 'a given name alone is enough');
    assert.match(p.detail, new RegExp(`^${p.errors.length} problems`));

    // The required fields, all at once.
    const empty = errorsOf(await assertProblem(await post({}), 422, 'an empty report'));
    assert.deepEqual(['channel', 'children', 'received_at', 'reporter'].filter((f) => !empty[f]), [], JSON.stringify(empty));
    for (const [what, b, field] of [
      ['no children', report({ children: [] }), 'children'],
      ['21 children', report({ children: Array.from({ length: 21 }, () => ({ given_name: 'Kid' })) }), 'children'],
      ['a birth date and an estimated age', report({ children: [{ given_name: 'Jo', dob: '2012-01-01', estimated_age: 14 }] }),
        'children[0].estimated_age'],
      ['a received_at that is no time', report({ received_at: 'yesterday' }), 'received_at'],
      ['concerns that are no list', report({ concerns: CONCERN_A }), 'concerns'],
      ['aliases that are no list', report({ children: [{ given_name: 'Jo', aliases: 'JoJo' }] }), 'children[0].aliases'],
      ['a reporter with no source', report({ reporter: { name: 'Someone' } }), 'reporter.source'],
    ]) {
      const e = errorsOf(await assertProblem(await post(b), 422, what));
      assert.ok(e[field], `${what}: an error for ${field}: ${JSON.stringify(e)}`);
      for (const r of e[field]) assert.match(r, /^[A-Z][^:]{1,40}: \S/, `${what}: the field named, and what to do`);
    }
    const notObject = await assertProblem(await post([report()]), 422, 'an array');
    assert.equal(notObject.type, 'urn:hartline:problem:validation');

    assert.deepEqual(await allIds(), ids, 'the queue is unchanged');
    assert.equal((await auditOf('intake.create')).length, creates, 'no intake.create');
  });

  test('an unknown field is named by its path (`colour`, `reporter.badge`, `children[0].nickname`)', async () => {
    const ids = await allIds();
    const body = report({ colour: 'blue', reporter: { source: SOURCE_A, badge: 7 } });
    body.children[0].nickname = 'Al';
    const errs = errorsOf(await assertProblem(await post(body), 422, 'unknown fields'));
    // Every other endpoint names an unknown field by its own path
    // (POST /api/v1/persons/match: field "address"), so a client can point
    // at it.
    for (const field of ['colour', 'reporter.badge', 'children[0].nickname']) {
      assert.ok(errs[field]?.some((r) => /not a field of this form/.test(r)), `an "unknown field" error for ${field}: ${JSON.stringify(errs)}`);
    }
    assert.deepEqual(await allIds(), ids);
  });

  test('partial information is accepted: only a given name, an estimated age, no family name', async () => {
    const cases = [
      [{ given_name: 'Mia' }, { given_name: 'Mia', family_name: null, dob: null, estimated_age: null, age_at_report: null }],
      [{ given_name: 'Mia', estimated_age: 15 }, { given_name: 'Mia', family_name: null, dob: null, estimated_age: 15, age_at_report: 15 }],
      [{ family_name: 'Smith' }, { given_name: null, family_name: 'Smith', dob: null, estimated_age: null, age_at_report: null }],
    ];
    for (const [child, want] of cases) {
      const { id } = await create({ received_at: clock.iso(), channel: 'web', reporter: { source: 'other' }, children: [child] });
      const r = await get(id);
      const c = r.children[0];
      assert.deepEqual(pick(c, Object.keys(want)), want);
      assert.equal(c.placement, 'unknown');
      assert.deepEqual(c.aliases, []);
      assert.equal(r.narrative, null);
      assert.equal(r.reporter.name, undefined);
      assert.deepEqual(r.concerns, []);
    }
    // Received a few minutes "ahead" (a clock a little fast) is not the future.
    await create(report({ received_at: clock.iso(4 * MINUTE_MS) }));
  });

  // ---- the law ----

  test('a child of 16 reported as detained for prostitution is a suspected victim, and the report shows the law', async () => {
    const { id } = await create(report({
      children: [{ given_name: 'Dana', family_name: 'Example', dob: dobYearsAgo(16, -40) }],
      concerns: [CS_CONCERN_B],
    }));
    const r = await get(id);
    assert.equal(r.children[0].age_at_report, 16);
    assert.equal(r.children[0].suspected_victim, true);
    assert.equal(r.suspected_victim, true);
    assert.deepEqual(r.law, { text: PACK.law.victim_not_offender.text, citations: PACK.law.victim_not_offender.citations });
    assert.match(r.law.text, /never an offender/);
    const listed = (await queue()).find((q) => q.id === id);
    assert.equal(listed.suspected_victim, true);
    const [rec] = (await auditOf('intake.create', `&object_id=${id}`));
    assert.match(rec.detail, /\bsuspected_victim\b/);
  });

  test('the same report of a 19-year-old, or of an 18-year-old on the birthday, is no suspected victim; of a 17-year-old it is', async () => {
    const cases = [
      ['19', { dob: dobYearsAgo(19, -40) }, false],
      ['18 today', { dob: dobYearsAgo(18, 0) }, false],
      ['17, 18 tomorrow', { dob: dobYearsAgo(18, 1) }, true],
      ['estimated 19', { estimated_age: 19 }, false],
      ['estimated 16', { estimated_age: 16 }, true],
      ['estimated 17', { estimated_age: 17 }, true],
    ];
    for (const [what, age, victim] of cases) {
      const body = report({ children: [{ given_name: 'Dana', family_name: 'Example', ...age }], concerns: [CS_CONCERN_B] });
      const { id } = await create(body);
      const r = await get(id);
      assert.equal(r.children[0].suspected_victim, victim, what);
      assert.equal(r.suspected_victim, victim, what);
      if (victim) assert.ok(r.law, `${what}: the law is shown`);
      else assert.equal(r.law, undefined, `${what}: no law is shown`);
    }
  });

  test('the age at the report is on the jurisdiction\'s date: at 9 pm local time on the eve of her 18th birthday a girl is 17', {
    skip: utcOffsetMinutes(Date.parse('2026-11-28T02:00:00Z')) >= 0 && `the pack's time zone ${TIME_ZONE} is not behind UTC`,
  }, async () => {
    // 9 pm on the 27th in the pack's time zone (behind UTC) is already the
    // 28th in UTC. Born 2008-11-28, she turns 18 on the 28th.
    const local = localTime('2026-11-27T21:00:00');
    const utc = new Date(Date.parse(local)).toISOString().replace('.000Z', 'Z');
    assert.ok(utc.startsWith('2026-11-28T'), `${local} is the 28th in UTC`);
    const { id } = await create(report({
      received_at: local,
      children: [{ given_name: 'Eve', family_name: 'Example', dob: '2008-11-28' }],
      concerns: [CS_CONCERN_B],
    }));
    const r = await get(id);
    assert.equal(r.received_at, utc);
    assert.equal(r.children[0].age_at_report, 17, 'her age on the day the hotline took the call');
    assert.equal(r.children[0].suspected_victim, true, 'a 17-year-old with a commercial-sex concern is a suspected victim');
    assert.equal(r.suspected_victim, true);
  });

  test('an unknown age counts as a minor\'s; without a commercial-sex concern no one is a suspected victim', async () => {
    const unknown = await get((await create(report({ children: [{ given_name: 'Sky' }], concerns: [CS_CONCERN_A] }))).id);
    assert.equal(unknown.children[0].age_at_report, null);
    assert.equal(unknown.children[0].suspected_victim, true);
    assert.equal(unknown.suspected_victim, true);

    const noConcern = await get(
      (await create(report({ children: [{ given_name: 'Sky', estimated_age: 15 }], concerns: [CONCERN_A, CONCERN_C] }))).id);
    assert.equal(noConcern.children[0].suspected_victim, false);
    assert.equal(noConcern.suspected_victim, false);
    const none = await get((await create(report({ children: [{ given_name: 'Sky', estimated_age: 15 }], concerns: [] }))).id);
    assert.equal(none.suspected_victim, false);

    // Each child on its own; the report when any child is.
    const two = await get((await create(report({
      children: [{ given_name: 'Young', estimated_age: 15 }, { given_name: 'Adult', dob: dobYearsAgo(20) }],
      concerns: [CONCERN_A, CS_CONCERN_A],
    }))).id);
    assert.deepEqual(two.children.map((c) => c.suspected_victim), [true, false]);
    assert.equal(two.suspected_victim, true);
  });

  test('screening a suspected victim\'s report answers the law too', async () => {
    const victim = await create(report({ children: [{ given_name: 'Dana', estimated_age: 16 }], concerns: [CS_CONCERN_B] }));
    const answers = indicatorAnswers({ traded_sex: 'clear' });
    const s = await readJson(await screen(victim.id, { instrument: DEFAULT_INSTRUMENT, answers }), 201, 'screen');
    assert.equal(s.suspected_victim, true);
    assert.deepEqual(s.law, { text: PACK.law.victim_not_offender.text, citations: PACK.law.victim_not_offender.citations });

    const adult = await create(report({ children: [{ given_name: 'Dana', estimated_age: 19 }], concerns: [CS_CONCERN_B] }));
    const t = await readJson(await screen(adult.id, { instrument: RESCREEN_INSTRUMENT, answers: sscstAnswers() }), 201, 'screen');
    assert.equal(t.suspected_victim, false);
    assert.equal(t.law, undefined);
  });

  test('screening out a suspected victim\'s report needs a supervisor and the supervisor\'s reason', async () => {
    const { id } = await create(report({ children: [{ given_name: 'Dana', estimated_age: 16 }], concerns: [CS_CONCERN_A] }));
    const { version } = await get(id);
    const p = await assertProblem(await decide(id, { disposition: 'screened_out', reason: 'No contact information', version }), 422, 'no supervisor');
    const errs = errorsOf(p);
    assert.ok(errs.supervisor, JSON.stringify(p.errors));
    assert.ok(errs.supervisor_reason, JSON.stringify(p.errors));
    assert.equal(errs.reason, undefined);
    const halfway = errorsOf(await assertProblem(
      await decide(id, { disposition: 'screened_out', reason: 'x', supervisor: 'Sup. Example', version }), 422, 'no supervisor reason'));
    assert.deepEqual(Object.keys(halfway), ['supervisor_reason']);
    const unchanged = await get(id);
    assert.equal(unchanged.disposition, null);
    assert.equal(unchanged.version, version);
    assert.deepEqual(unchanged.dispositions, []);

    const done = await readJson(await decide(id, {
      disposition: 'screened_out',
      reason: 'No contact information',
      supervisor: 'Sup. Example',
      supervisor_reason: 'Reviewed: duplicate of an open case',
      version,
    }), 200, 'screened out with a supervisor');
    assert.equal(done.disposition, 'screened_out');
    assert.equal(done.dispositions.length, 1);
    const d = done.dispositions[0];
    assert.equal(d.supervisor, 'Sup. Example');
    assert.match(d.reason, /No contact information/);
    assert.match(d.reason, /Reviewed: duplicate of an open case/);

    // A report with no suspected victim is screened out with a reason alone.
    const plain = await create();
    const ok = await decideOk(plain.id, { disposition: 'screened_out', reason: 'Not a trafficking concern' });
    assert.equal(ok.disposition, 'screened_out');
  });

  // ---- routing ----

  test('the child\'s town routes the report: a town of the first region goes to its office in that region', async () => {
    const r = await get((await create(report({ children: [{ given_name: 'Alex', town: TOWN_A }], town: TOWN_B }))).id);
    assert.deepEqual(pick(r, ROUTE), { office: OFFICE_A, region: REGION_A, unmapped_town: false });
    const lower = await get((await create(report({ children: [{ given_name: 'Alex', town: ` ${TOWN_A.toLowerCase()} ` }] }))).id);
    assert.deepEqual({ office: lower.office, region: lower.region }, { office: OFFICE_A, region: REGION_A }, 'a town as typed');
  });

  test('a report from a town of each office goes to that office and its region', async () => {
    for (const region of PACK.regions) {
      for (const office of region.offices) {
        const town = office.towns[office.towns.length - 1];
        const r = await get((await create(report({ children: [{ given_name: 'Alex', town }] }))).id);
        assert.deepEqual(pick(r, ROUTE), { office: office.id, region: region.id, unmapped_town: false }, town);
      }
    }
  });

  test('with no child\'s town the incident town routes it; the first child with a town counts', async () => {
    const r = await get((await create(report({ children: [{ given_name: 'Alex' }], town: TOWN_B }))).id);
    assert.deepEqual(pick(r, [...ROUTE, 'town']), { office: OFFICE_B, region: REGION_B, unmapped_town: false, town: TOWN_B });
    const second = await get((await create(report({ children: [{ given_name: 'A' }, { given_name: 'B', town: TOWN_A2 }], town: TOWN_B }))).id);
    assert.deepEqual({ office: second.office, region: second.region }, { office: OFFICE_A2, region: REGION_A });
  });

  test('a town the pack does not map goes to the statewide queue, flagged, and shows in ?region=none', async () => {
    const { id } = await create(report({ children: [{ given_name: 'Alex', town: 'Springfield' }] }));
    const r = await get(id);
    assert.deepEqual(pick(r, ROUTE), { office: null, region: null, unmapped_town: true });
    const none = await queue('?region=none');
    assert.ok(none.some((q) => q.id === id), 'listed in the statewide queue');
    for (const q of none) assert.equal(q.region, null, `${q.number} in ?region=none`);
    assert.equal(none.find((q) => q.id === id).unmapped_town, true);
    assert.ok(!(await queue(`?region=${REGION_A}`)).some((q) => q.id === id), 'not in R1');
    for (const q of await queue(`?region=${REGION_A}`)) assert.equal(q.region, REGION_A);
    const [rec] = await auditOf('intake.create', `&object_id=${id}`);
    assert.match(rec.detail, /region=statewide unmapped_town/);
    // No town at all: statewide too.
    const nowhere = await get((await create(report({ children: [{ given_name: 'Alex' }] }))).id);
    assert.equal(nowhere.region, null);
    assert.equal(nowhere.unmapped_town, true);
    await assertProblem(await as.careline.fetch(`${INTAKES}?region=R9`), 422, 'an unknown region');
  });

  // ---- screening ----

  test('indicator_screen gives the level by the pack\'s rules, and the instrument id and version are stored', async () => {
    const { id } = await create();
    const cases = [
      ['one clear in a current-trafficking indicator', { traded_sex: 'clear' }, 'clear', 1],
      ['one clear in exploitation', { sex_arranged_by_others: 'clear' }, 'clear', 1],
      ['two clear in coercion and relationships', { threatened: 'clear', contact_controlled: 'clear' }, 'clear', 2],
      ['one clear in coercion alone', { threatened: 'clear' }, 'possible', 1],
      ['two possible', { runaway_history: 'possible', unstable_housing: 'possible' }, 'possible', 0],
      ['one possible', { runaway_history: 'possible' }, 'no', 0],
      ['none', {}, 'no', 0],
    ];
    for (const [what, overrides, level, score] of cases) {
      const answers = indicatorAnswers(overrides);
      assert.equal(levelByRules(answers), level, `${what}: the test's reading of the pack's rules`);
      const s = await readJson(await screen(id, { instrument: DEFAULT_INSTRUMENT, answers }), 201, what);
      assert.deepEqual(
        { instrument_id: s.instrument_id, instrument_version: s.instrument_version, level: s.level, score: s.score, intake_id: s.intake_id },
        { instrument_id: DEFAULT_INSTRUMENT, instrument_version: INDICATOR.version, level, score, intake_id: id },
        what);
    }
    const r = await get(id);
    assert.equal(r.screenings.length, cases.length);
    r.screenings.forEach((s, i) => {
      assert.equal(s.instrument_id, DEFAULT_INSTRUMENT);
      assert.equal(s.instrument_version, '2026.1');
      assert.equal(s.level, cases[i][2], cases[i][0]);
      assert.deepEqual(s.answers, indicatorAnswers(cases[i][1]));
      assert.equal(s.screened_by, 'demo-careline');
      assert.equal(s.screened_at, clock.iso());
    });
    assert.equal((await queue()).find((q) => q.id === id).screening_level, 'no', 'the queue shows the latest level');

    // Without an instrument, the pack's default.
    const dflt = await readJson(await screen(id, { answers: indicatorAnswers() }), 201, 'default instrument');
    assert.equal(dflt.instrument_id, PACK.pack.default_screening);
  });

  test('sscst: two yes answers are positive, one is negative', async () => {
    const { id } = await create();
    const twoYes = sscstAnswers({ ran_away: true, substance_use: true });
    const two = await readJson(await screen(id, { instrument: RESCREEN_INSTRUMENT, answers: twoYes }), 201, 'two yes');
    assert.deepEqual(pick(two, ['instrument_id', 'instrument_version', 'level', 'score']),
      { instrument_id: RESCREEN_INSTRUMENT, instrument_version: SSCST.version, level: 'positive', score: 2 });
    const one = await readJson(await screen(id, { instrument: RESCREEN_INSTRUMENT, answers: sscstAnswers({ ran_away: true }) }), 201, 'one yes');
    assert.deepEqual({ level: one.level, score: one.score }, { level: 'negative', score: 1 });
    const r = await get(id);
    assert.deepEqual(r.screenings.map((s) => [s.instrument_id, s.instrument_version, s.level]),
      [[RESCREEN_INSTRUMENT, '2018', 'positive'], [RESCREEN_INSTRUMENT, '2018', 'negative']]);
  });

  test('missing, unknown and ill-typed answers are 422 with answers.<id> paths, and nothing is stored', async () => {
    const { id } = await create();
    const few = { runaway_history: 'no', colour: 'no', traded_sex: 'maybe' };
    const partial = errorsOf(await assertProblem(await screen(id, { instrument: DEFAULT_INSTRUMENT, answers: few }), 422, 'a partial screen'));
    for (const ind of INDICATOR_IDS.filter((x) => x !== 'runaway_history' && x !== 'traded_sex')) {
      assert.deepEqual(partial[`answers.${ind}`], ['required'], ind);
    }
    assert.equal(partial['answers.runaway_history'], undefined);
    assert.ok(partial['answers.colour']?.some((r) => /unknown indicator/.test(r)), JSON.stringify(partial));
    assert.ok(partial['answers.traded_sex']?.some((r) => /no.*possible.*clear/.test(r)), JSON.stringify(partial));

    const yn = errorsOf(await assertProblem(
      await screen(id, { instrument: RESCREEN_INSTRUMENT, answers: { substance_use: 'yes', ran_away: true } }), 422, RESCREEN_INSTRUMENT));
    assert.ok(yn['answers.substance_use']?.some((r) => /true or false/.test(r)), JSON.stringify(yn));
    for (const item of ['law_enforcement', 'sti_history', 'many_partners', 'violent_injury']) assert.ok(yn[`answers.${item}`], item);

    const unknown = errorsOf(await assertProblem(await screen(id, { instrument: 'cse_it', answers: {} }), 422, 'an unknown instrument'));
    assert.deepEqual(unknown.instrument, ['Instrument: “cse_it” is not one of the instruments; choose one from the list']);
    const noAnswers = errorsOf(await assertProblem(await screen(id, { instrument: RESCREEN_INSTRUMENT }), 422, 'no answers'));
    assert.ok(noAnswers.answers, JSON.stringify(noAnswers));
    const extra = errorsOf(await assertProblem(
      await screen(id, { instrument: RESCREEN_INSTRUMENT, answers: sscstAnswers(), level: 'positive' }), 422, 'an unknown field'));
    assert.ok(extra.level, JSON.stringify(extra));

    assert.deepEqual((await get(id)).screenings, []);
    await assertProblemStatus(await screen(99_999_999, { instrument: RESCREEN_INSTRUMENT, answers: sscstAnswers() }), 404, { what: 'no such report' });
  });

  // ---- is this child known? ----

  test('"Katie Smyth", about 15: the candidates include Katherine Smith with a nickname reason, and she can be linked', async () => {
    const { id } = await create(report({ children: [{ given_name: 'Katie', family_name: 'Smyth', estimated_age: 15 }] }));
    const c = await as.careline.get(`${INTAKES}/${id}/children/0/candidates`);
    assert.equal(c.linked_person_id, null);
    assert.equal(c.not_searched ?? null, null);
    const kat = c.candidates.find((k) => k.given_name === 'Katherine' && k.family_name === 'Smith' && k.dob === '2011-03-04');
    assert.ok(kat, `Katherine Smith among ${c.candidates.map((k) => `${k.given_name} ${k.family_name} ${k.dob}`).join('; ')}`);
    assert.ok(TOWNS.includes(kat.town), `${kat.town} is a town of the pack`);
    const nick = kat.explanation.find((e) => e.level === 'nickname');
    assert.ok(nick, JSON.stringify(kat.explanation));
    assert.match(nick.text, /Katie for Katherine/);

    const linked = await readJson(await link(id, 0, { person_id: kat.person_id }), 200, 'link');
    assert.deepEqual(linked, { intake_id: id, child: 0, person_id: kat.person_id });
    assert.equal((await get(id)).children[0].person_id, kat.person_id);
    assert.equal((await as.careline.get(`${INTAKES}/${id}/children/0/candidates`)).linked_person_id, kat.person_id);
  });

  test('new_person records the child as a new person, whom POST /api/v1/persons/match then finds', async () => {
    const { id } = await create(report({
      children: [{ given_name: 'Oriel', family_name: 'Vantablack', dob: '2012-08-09', sex: 'F', town: 'Norwich' }],
    }));
    const match = async (what) => readJson(await as.careline.fetch('/api/v1/persons/match', {
      method: 'POST',
      body: { given_name: 'Oriel', family_name: 'Vantablack', dob: '2012-08-09' },
    }), 200, what);
    const before = await match('match before');
    assert.ok(!before.candidates.some((c) => c.given_name === 'Oriel' && c.family_name === 'Vantablack'), 'not known before');

    const linked = await readJson(await link(id, 0, { new_person: true }), 200, 'new person');
    assert.ok(Number.isInteger(linked.person_id) && linked.person_id > 0);
    assert.equal((await get(id)).children[0].person_id, linked.person_id);
    const after = await match('match after');
    assert.equal(after.registry_size, before.registry_size + 1);
    const first = after.candidates[0];
    assert.deepEqual(
      pick(first, ['person_id', 'given_name', 'family_name', 'dob', 'sex', 'town']),
      { person_id: linked.person_id, given_name: 'Oriel', family_name: 'Vantablack', dob: '2012-08-09', sex: 'F', town: 'Norwich' });
  });

  test('a given name alone is not searched: no candidates, and the reason', async () => {
    const { id } = await create(report({ children: [{ given_name: 'Mia' }] }));
    const c = await as.careline.get(`${INTAKES}/${id}/children/0/candidates`);
    assert.deepEqual(c.candidates, []);
    assert.equal(typeof c.not_searched, 'string');
    assert.ok(c.not_searched.length > 0, 'a reason');
  });

  test('linking refuses neither or both of person_id and new_person, an unknown person, and a child the report does not have', async () => {
    const { id } = await create();
    for (const [what, body, field] of [
      ['neither', {}, 'person_id'],
      ['both', { person_id: 1, new_person: true }, 'person_id'],
      ['an unknown person', { person_id: 99_999_999 }, 'person_id'],
      ['a person id that is no number', { person_id: '1' }, 'person_id'],
      ['an unknown field', { person_id: 1, why: 'x' }, 'why'],
    ]) {
      const e = errorsOf(await assertProblem(await link(id, 0, body), 422, what));
      assert.ok(e[field], `${what}: ${JSON.stringify(e)}`);
    }
    assert.equal((await get(id)).children[0].person_id, null);
    await assertProblemStatus(await link(id, 1, { person_id: 1 }), 404, { what: 'a second child of a one-child report' });
    await assertProblemStatus(await as.careline.fetch(`${INTAKES}/${id}/children/1/candidates`), 404, { what: 'candidates of no child' });
    await assertProblemStatus(await link(99_999_999, 0, { person_id: 1 }), 404, { what: 'no such report' });
  });

  // ---- dispositions ----

  test('each of the four dispositions, with what each needs', async () => {
    const accepted = await decideOk((await create()).id, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.' });
    assert.equal(accepted.disposition, 'accepted_hart');
    const info = await decideOk((await create()).id, { disposition: 'information_referral' });
    assert.equal(info.disposition, 'information_referral');

    const out = (await create()).id;
    const v = (await get(out)).version;
    const noReason = errorsOf(await assertProblem(await decide(out, { disposition: 'screened_out', version: v }), 422, 'no reason'));
    assert.deepEqual(Object.keys(noReason), ['reason']);
    const screened = await decideOk(out, { disposition: 'screened_out', reason: 'Not a trafficking concern' });
    assert.equal(screened.dispositions[0].reason, 'Not a trafficking concern');

    const fwd = (await create()).id;
    const w = (await get(fwd)).version;
    const noJuris = errorsOf(await assertProblem(await decide(fwd, { disposition: 'forwarded', version: w }), 422, 'no jurisdiction'));
    assert.deepEqual(Object.keys(noJuris), ['jurisdiction']);
    const forwarded = await decideOk(fwd, { disposition: 'forwarded', jurisdiction: 'Massachusetts DCF' });
    assert.equal(forwarded.disposition, 'forwarded');
    assert.equal(forwarded.dispositions[0].jurisdiction, 'Massachusetts DCF');

    const bad = (await create()).id;
    const x = (await get(bad)).version;
    for (const [what, body, field] of [
      ['an unknown disposition', { disposition: 'closed', version: x }, 'disposition'],
      ['no disposition', { version: x }, 'disposition'],
      ['no version', { disposition: 'accepted_hart' }, 'version'],
      ['an unknown field', { disposition: 'accepted_hart', version: x, priority: 'high' }, 'priority'],
    ]) {
      const e = errorsOf(await assertProblem(await decide(bad, body), 422, what));
      // An unknown field is checked in the unknown-field test; here only that it is refused.
      if (field !== 'priority') assert.ok(e[field], `${what}: ${JSON.stringify(e)}`);
    }
    assert.equal((await get(bad)).disposition, null);
    await assertProblemStatus(await decide(99_999_999, { disposition: 'accepted_hart', version: 1 }), 404, { what: 'no such report' });
  });

  test('a second decision keeps the first in the history; a stale version is 409', async () => {
    const { id } = await create();
    const v1 = (await get(id)).version;
    const first = await decideOk(id, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: v1 });
    assert.equal(first.version, v1 + 1);
    assert.match(first.disposition_at, RFC3339_UTC);
    const second = await decideOk(id, { disposition: 'information_referral', version: first.version }, as.hart);
    assert.equal(second.disposition, 'information_referral');
    assert.equal(second.version, v1 + 2);
    assert.deepEqual(second.dispositions.map((d) => [d.disposition, d.decided_by, d.decided_at]), [
      ['accepted_hart', 'demo-careline', clock.iso()],
      ['information_referral', 'demo-hart', clock.iso()],
    ]);

    const late = { disposition: 'screened_out', reason: 'late', version: first.version };
    const stale = await assertProblem(await decide(id, late), 409, 'a stale version');
    assert.equal(stale.type, 'urn:hartline:problem:stale-version');
    const after = await get(id);
    assert.equal(after.disposition, 'information_referral');
    assert.equal(after.version, second.version);
    assert.equal(after.dispositions.length, 2);

    const [rec] = await auditOf('intake.dispose', `&object_id=${id}`);
    assert.equal(rec.detail, 'disposition=information_referral changed');
  });

  // ---- the queue ----

  test('the queue lists only undecided reports, oldest first, with their age, overdue past the 1440-minute deadline', async () => {
    assert.equal(DEADLINE, 1440);
    const old = await create(report({ received_at: clock.iso(-(DEADLINE + 1) * MINUTE_MS) }));
    const young = await create(report({ received_at: clock.iso(-(DEADLINE - 1) * MINUTE_MS) }));
    const decided = await create(report({ received_at: clock.iso(-2 * DEADLINE * MINUTE_MS) }));
    await decideOk(decided.id, { disposition: 'information_referral' });

    const body = await as.careline.get(`${INTAKES}?limit=500`);
    assert.equal(body.deadline_minutes, DEADLINE);
    assert.equal(body.next, null, 'one page holds the open queue');
    const open = body.items;
    assert.ok(open.length > 0);
    for (const q of open) {
      assert.equal(q.disposition, null, `${q.number} in the open queue`);
      assert.equal(q.overdue, q.age_minutes > DEADLINE, `${q.number}: age ${q.age_minutes}`);
      assert.equal(q.age_minutes, Math.floor((clock.ms - Date.parse(q.received_at)) / MINUTE_MS), q.number);
    }
    const order = open.map((q) => [q.received_at, q.id]);
    assert.deepEqual(order, [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])), 'oldest first');
    assert.ok(!open.some((q) => q.id === decided.id), 'a decided report is not in the open queue');
    const o = open.find((q) => q.id === old.id);
    const y = open.find((q) => q.id === young.id);
    assert.deepEqual([o.age_minutes, o.overdue], [DEADLINE + 1, true]);
    assert.deepEqual([y.age_minutes, y.overdue], [DEADLINE - 1, false]);
    assert.deepEqual(await queue('?status=open&limit=500'), open, 'open is the default');

    const entryKeys = [
      'age_minutes', 'channel', 'children', 'disposition', 'disposition_at', 'id', 'number', 'office', 'overdue', 'received_at', 'region',
      'restricted', 'screening_level', 'source', 'suspected_victim', 'unmapped_town',
    ];
    assert.deepEqual(Object.keys(o).sort(), entryKeys);
    assert.equal(o.children, 1);

    const done = await queue('?status=decided&limit=500');
    assert.ok(done.some((q) => q.id === decided.id));
    for (const q of done) {
      assert.notEqual(q.disposition, null);
      assert.equal(q.overdue, false, `${q.number}: a decided report is never overdue`);
    }
    const all = await queue('?status=all&limit=500');
    assert.equal(all.length, open.length + done.length);

    // On the test clock: one more minute is the deadline itself, two are past it.
    try {
      clock.advance(MINUTE_MS);
      let yy = (await queue()).find((q) => q.id === young.id);
      assert.deepEqual([yy.age_minutes, yy.overdue], [DEADLINE, false], 'at the deadline');
      clock.advance(MINUTE_MS);
      yy = (await queue()).find((q) => q.id === young.id);
      assert.deepEqual([yy.age_minutes, yy.overdue], [DEADLINE + 1, true], 'past the deadline');
      const older = await queue(`?older_than_minutes=${DEADLINE}`);
      assert.ok(older.some((q) => q.id === young.id) && older.some((q) => q.id === old.id));
      for (const q of older) assert.ok(q.age_minutes >= DEADLINE, `${q.number}: ${q.age_minutes}`);
    } finally {
      clock.advance(-2 * MINUTE_MS);
    }
    const first = await queue('?limit=1');
    assert.equal(first.length, 1);
    assert.equal(first[0].id, open[0].id);
    for (const q of ['?status=bogus', '?limit=0', '?limit=501', '?older_than_minutes=-1']) {
      await assertProblem(await as.careline.fetch(`${INTAKES}${q}`), 422, q);
    }
  });

  // ---- notifications ----

  test('accepting a report routed to R1 notifies every HART user and the R1 liaison, not the R4 liaison nor careline', async () => {
    const notes = async (s, q = '') => s.get(`${NOTIFICATIONS}${q}`);
    const { id, number } = await create(report({ children: [{ given_name: 'Alex', town: TOWN_A }] }));
    const before = {};
    for (const k of ['hart', 'hart2', 'liaison', 'liaisonR4', 'careline']) before[k] = await notes(as[k]);
    await decideOk(id, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.' });

    const mine = {};
    for (const k of ['hart', 'hart2', 'liaison']) {
      const n = await notes(as[k]);
      assert.equal(n.unread, before[k].unread + 1, `${k}: one more unread`);
      const about = n.items.filter((x) => x.object_id === String(id));
      assert.equal(about.length, 1, `${k}: one notification of report ${number}: ${JSON.stringify(n.items)}`);
      const x = about[0];
      assert.equal(n.items[0].id, x.id, `${k}: newest first`);
      assert.deepEqual({ ...pick(x, ['kind', 'object_type', 'created_at']), read_at: x.read_at ?? null },
        { kind: 'intake.accepted', object_type: 'intake', created_at: clock.iso(), read_at: null });
      assert.ok(x.text.includes(number) && x.text.includes(regionName(REGION_A)), x.text);
      mine[k] = x;
    }
    for (const k of ['liaisonR4', 'careline']) {
      const n = await notes(as[k]);
      assert.equal(n.unread, before[k].unread, `${k}: nothing new`);
      assert.ok(!n.items.some((x) => x.object_id === String(id)), `${k} is not notified`);
    }

    const gone = sql(db, `SELECT count(*) FROM notification n JOIN app_user u ON u.id = n.user_id WHERE u.username = 'hart-gone'`).trim();
    assert.equal(gone, '0', 'a disabled HART user is not notified');

    // A statewide report: HART, and no liaison.
    const statewide = await create(report({ children: [{ given_name: 'Alex', town: 'Springfield' }] }));
    await decideOk(statewide.id, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.' });
    assert.ok((await notes(as.hart)).items.some((x) => x.object_id === String(statewide.id)));
    for (const k of ['liaison', 'liaisonR4']) assert.ok(!(await notes(as[k])).items.some((x) => x.object_id === String(statewide.id)), k);

    // Marking one read.
    const unreadBefore = (await notes(as.hart)).unread;
    const res = await as.hart.fetch(`${NOTIFICATIONS}/${mine.hart.id}/read`, { method: 'POST' });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    const afterRead = await notes(as.hart);
    assert.equal(afterRead.unread, unreadBefore - 1);
    assert.equal(afterRead.items.find((x) => x.id === mine.hart.id).read_at, clock.iso());
    assert.ok(!(await notes(as.hart, '?unread=true')).items.some((x) => x.id === mine.hart.id), '?unread=true leaves it out');
    const again = await as.hart.fetch(`${NOTIFICATIONS}/${mine.hart.id}/read`, { method: 'POST' });
    assert.equal(again.status, 204, 'marking it again is harmless');

    // Another user's notification is not there for you.
    const markRead = (s, nid) => s.fetch(`${NOTIFICATIONS}/${nid}/read`, { method: 'POST' });
    await assertProblemStatus(await markRead(as.liaisonR4, mine.hart2.id), 404, { what: "the R4 liaison marks hart-two's notification" });
    await assertProblemStatus(await markRead(as.hart, mine.liaison.id), 404, { what: "demo-hart marks the liaison's notification" });
    assert.equal((await notes(as.hart2)).items.find((x) => x.id === mine.hart2.id).read_at ?? null, null, 'still unread for its owner');
    await assertProblemStatus(await as.hart.fetch(`${NOTIFICATIONS}/99999999/read`, { method: 'POST' }), 404, { what: 'no such notification' });
    const anon = await fetch(`${server.url}${NOTIFICATIONS}`);
    await assertProblem(anon, 401, 'no session');
  });

  test('the unread count counts every unread notification, not only those listed', async () => {
    const before = await as.hart2.get(NOTIFICATIONS);
    const n = 201;
    const ids = [];
    for (let i = 0; i < n; i += 20) {
      const body = report({ children: [{ given_name: 'Alex', town: TOWN_B }] });
      const batch = await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => create(body)));
      ids.push(...batch.map((c) => c.id));
    }
    for (let i = 0; i < n; i += 20) {
      const accept = async (id) => readJson(await decide(id, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 }), 200, `accept ${id}`);
      await Promise.all(ids.slice(i, i + 20).map(accept));
    }
    const after = await as.hart2.get(NOTIFICATIONS);
    assert.ok(after.items.length > 0);
    assert.equal(after.unread, before.unread + n,
      `${before.unread} unread before, ${n} reports accepted since; the list holds ${after.items.length}`);
  });

  // ---- who may see what ----

  test('the first region\'s liaison reads its reports and a queue of its region only; another region\'s, statewide and another region\'s queue are 403', async () => {
    const r1 = await create(report({ children: [{ given_name: 'Alex', town: TOWN_A }] }));
    const r4 = await create(report({ children: [{ given_name: 'Alex', town: TOWN_B }] }));
    const state = await create(report({ children: [{ given_name: 'Alex', town: 'Springfield' }] }));

    assert.equal((await get(r1.id, as.liaison)).region, REGION_A);
    const q = await queue('', as.liaison);
    assert.ok(q.some((x) => x.id === r1.id));
    assert.ok(q.length > 0);
    for (const x of q) assert.equal(x.region, REGION_A, `${x.number} in the R1 liaison's queue`);
    assert.deepEqual((await queue(`?region=${REGION_A}`, as.liaison)).map((x) => x.id), q.map((x) => x.id));
    const all = await queue('?status=all&limit=500', as.liaison);
    for (const x of all) assert.equal(x.region, REGION_A);

    const deniedBefore = (await auditOf('permission.denied', '&actor=demo-liaison')).length;
    await assertProblem(await as.liaison.fetch(`${INTAKES}?region=${REGION_B}`), 403, 'the R4 queue');
    await assertProblem(await as.liaison.fetch(`${INTAKES}?region=none`), 403, 'the statewide queue');
    await assertProblem(await as.liaison.fetch(`${INTAKES}/${r4.id}`), 403, 'an R4 report');
    await assertProblem(await as.liaison.fetch(`${INTAKES}/${state.id}`), 403, 'a statewide report');
    assert.equal((await auditOf('permission.denied', '&actor=demo-liaison')).length, deniedBefore + 4, 'each denial audited');

    // The R4 liaison: its own region only.
    await assertProblem(await as.liaisonR4.fetch(`${INTAKES}/${r1.id}`), 403, 'R4 liaison, R1 report');
    const [denial] = await auditOf('permission.denied', '&actor=liaison-r4');
    assert.deepEqual({ object_type: denial.object_type, object_id: denial.object_id }, { object_type: 'intake', object_id: String(r1.id) });
    assert.equal((await get(r4.id, as.liaisonR4)).region, REGION_B);
    for (const x of await queue('', as.liaisonR4)) assert.equal(x.region, REGION_B);

    // A liaison reads; it does not record, screen, link or decide.
    await assertProblem(await post(report(), { s: as.liaison }), 403, 'liaison records');
    await assertProblem(await screen(r1.id, { instrument: RESCREEN_INSTRUMENT, answers: sscstAnswers() }, as.liaison), 403, 'liaison screens');
    await assertProblem(await as.liaison.fetch(`${INTAKES}/${r1.id}/children/0/candidates`), 403, 'liaison asks for candidates');
    await assertProblem(await link(r1.id, 0, { new_person: true }, as.liaison), 403, 'liaison links');
    await assertProblem(await decide(r1.id, { disposition: 'accepted_hart', version: 1 }, as.liaison), 403, 'liaison decides');
    assert.equal((await get(r1.id)).disposition, null);
  });

  test('provider, trainer, analyst, mdt and admin get 403 on the intakes, and the denial is audited; no session is 401', async () => {
    const { id } = await create();
    for (const role of ['provider', 'trainer', 'analyst', 'mdt', 'admin']) {
      const username = demo.byRole[role].username;
      const before = (await auditOf('permission.denied', `&actor=${username}`)).length;
      await assertProblem(await post(report(), { s: as[role] }), 403, `${role} POST`);
      await assertProblem(await as[role].fetch(INTAKES), 403, `${role} GET the queue`);
      await assertProblem(await as[role].fetch(`${INTAKES}/${id}`), 403, `${role} GET a report`);
      const denied = await auditOf('permission.denied', `&actor=${username}`);
      assert.equal(denied.length, before + 3, `${role}: three denials recorded`);
      assert.match(denied[2].detail, /intakes\.write/, role);
      assert.match(denied[1].detail, /intakes\.read/, role);
      assert.match(denied[0].detail, /intakes\.read/, role);
    }
    assert.equal((await get(id)).version, 1);

    await assertProblem(await post(report(), { s: null }), 401, 'POST without a session');
    await assertProblem(await fetch(`${server.url}${INTAKES}`), 401, 'the queue without a session');
    await assertProblem(await fetch(`${server.url}${INTAKES}/${id}`), 401, 'a report without a session');
  });

  // ---- audit ----

  test('create, each read, screen, link and dispose are audited', async () => {
    const katie = report({ children: [{ given_name: 'Katie', family_name: 'Smyth', estimated_age: 15, town: TOWN_A }] });
    const { id, number } = await create(katie, { s: as.hart });
    const rec = async (action) => (await auditOf(action, `&object_id=${id}`)).filter((r) => r.object_type === 'intake');

    const [c] = await rec('intake.create');
    assert.deepEqual(pick(c, ['actor', 'detail', 'at']), { actor: 'demo-hart', detail: `number=${number} children=1 region=${REGION_A}`, at: clock.iso() });

    await get(id, as.hart);
    await get(id, as.liaison);
    const reads = await rec('intake.read');
    assert.deepEqual(reads.map((r) => r.actor), ['demo-liaison', 'demo-hart'], 'one intake.read for each GET');

    await readJson(await screen(id, { instrument: DEFAULT_INSTRUMENT, answers: indicatorAnswers() }, as.hart), 201, 'screen');
    const [s] = await rec('intake.screen');
    assert.equal(s.detail, `instrument=${DEFAULT_INSTRUMENT} version=${INDICATOR.version} level=no`);

    const kat = (await as.hart.get(`${INTAKES}/${id}/children/0/candidates`)).candidates.find((k) => k.given_name === 'Katherine');
    assert.ok(kat);
    await readJson(await link(id, 0, { person_id: kat.person_id }, as.hart), 200, 'link');
    const [l] = await rec('intake.link');
    assert.deepEqual({ actor: l.actor, detail: l.detail }, { actor: 'demo-hart', detail: `child=0 person=${kat.person_id}` });

    const { version } = await get(id, as.hart);
    assert.equal((await rec('intake.read')).length, 3, 'a third GET, a third intake.read');
    await decideOk(id, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version }, as.hart);
    const [d] = await rec('intake.dispose');
    assert.deepEqual({ actor: d.actor, detail: d.detail }, { actor: 'demo-hart', detail: 'disposition=accepted_hart' });

    const [list] = await auditOf('intake.list', '&actor=demo-careline');
    await queue('?status=decided');
    const [list2] = await auditOf('intake.list', '&actor=demo-careline');
    assert.ok(list2.seq > (list?.seq ?? 0), 'reading the queue is audited');
    assert.match(list2.detail, /^decided sort=received_at search=no count=\d+$/, 'what was asked, never the words searched');
  });

  // ---- sealed at rest ----

  test(`the ${ENGINE === 'sqlite' ? 'database file' : 'pg_dump'} holds no child's name, reporter, narrative or reason in clear`, async () => {
    const secrets = {
      given: 'Zephyrine',
      family: 'Quillfeather',
      alias: 'Zephy Q. Featherquill',
      dob: '2010-05-17',
      reporter: 'Officer Marisol Testcase',
      agency: 'Testcase Constabulary',
      phone: '860-555-0147',
      email: 'marisol.testcase@example.org',
      narrative: 'Synthetic narrative XYZZY',
      reason: 'Synthetic reason PLUGH',
    };
    const { id } = await create({
      received_at: clock.iso(),
      channel: 'law_enforcement',
      reporter: { source: SOURCE_B, name: secrets.reporter, agency: secrets.agency, phone: secrets.phone, email: secrets.email },
      children: [{ given_name: secrets.given, family_name: secrets.family, aliases: [secrets.alias], dob: secrets.dob, town: TOWN_A }],
      narrative: secrets.narrative,
      concerns: [CONCERN_A],
    });
    await readJson(await link(id, 0, { new_person: true }), 200, 'link as a new person');
    const decided = await decideOk(id, { disposition: 'screened_out', reason: secrets.reason });
    // Opened for those who may read it.
    assert.equal(decided.children[0].given_name, secrets.given);
    assert.deepEqual(decided.children[0].aliases, [secrets.alias]);
    assert.equal(decided.reporter.name, secrets.reporter);
    assert.equal(decided.narrative, secrets.narrative);
    assert.equal(decided.dispositions[0].reason, secrets.reason);

    const bytes = dbBytes(db);
    assert.ok(bytes.length > 0);
    assert.ok(bytes.includes(TOWN_A) && bytes.includes('demo-careline') && bytes.includes('law_enforcement'),
      'towns, usernames and sources are there in clear, so the right bytes were read');
    for (const [what, secret] of Object.entries(secrets)) {
      assert.ok(!bytes.includes(secret), `the ${what} "${secret}" is not stored in clear`);
    }
  });
});
