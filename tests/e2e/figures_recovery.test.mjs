// The restore-and-recovery figures (docs/figures.md, docs/recovery.md
// "Figures"): service referrals by service, provider and region with the
// accepted and completed shares, providers' answers against the deadline,
// days from identification to the first service, relief by status and
// year; in JSON, CSV, XLSX and SVG; the analyst's suppressed with nothing
// hidden sent, a share beside a hidden count hidden too; a liaison's of
// its region. The referral and relief rows are written with SQL: the
// services that write them are not under test here.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUser, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertHiddenCells, assertNothingHiddenIn, assertTable, parseCsv, readSvg, sheetTable } from '../lib/figures.mjs';
import { assertProblem, errorsOf } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, loadDefaultPack, mediaType, sql, startServer, stopServer } from '../lib/server.mjs';
import { readXlsx } from '../lib/zip.mjs';
import { concern, region, service, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const SERVICE_A = service(0);
const SERVICE_B = service(3);

const REGION_A = region(0);
const REGION_B = region(1);
const TOWN_A = town(0, 0, 0);
const TOWN_B = town(1, 1, 6);

after(cleanup);

const STATS = '/api/v1/stats';
const PACK = loadDefaultPack();
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe(`restore and recovery figures (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  const as = {};
  let n = 0;

  const get = (s, route, query = '') => s.fetch(`${STATS}/${route}${query ? `?${query}` : ''}`);
  const fig = async (s, route, query = '') => readJson(await get(s, route, query), 200, `GET ${STATS}/${route}?${query} as ${s.user.username}`);
  async function download(s, route, query) {
    const res = await get(s, route, query);
    const buf = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200, `GET ${STATS}/${route}?${query}: ${res.status} ${buf.toString('utf8').slice(0, 300)}`);
    return { type: mediaType(res.headers.get('content-type')), buf, text: buf.toString('utf8') };
  }
  const cell = (f, row, col) => f.rows.find((r) => r.key === row).cells[f.columns.findIndex((c) => c.key === col)];

  async function openCase(town) {
    n++;
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Sam', family_name: `Figrecovery${String.fromCharCode(65 + n)}`, estimated_age: 15, town }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record');
    await readJson(await as.careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    const c = await readJson(await as.hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'open a case');
    const person = Number(sql(db, `SELECT person_id FROM child_case WHERE id = ${c.id}`).trim());
    return { id: c.id, person };
  }

  let refs = 0;
  function refer(c, count, provider, service, region, status, { at = '2026-06-01T14:00:00Z', due = '2026-06-03T14:00:00Z', answered = null, started = null } = {}) {
    const q = (v) => (v === null ? 'NULL' : `'${v}'`);
    for (let i = 0; i < count; i++) {
      refs++;
      sql(db, 'INSERT INTO service_referral (number, case_id, person_id, provider_id, service, region, status, referred_at,'
        + ' answer_due_at, answered_at, started_at, created_at, updated_at) VALUES'
        + ` ('SR-E2E-${refs}', ${c.id}, ${c.person}, (SELECT id FROM provider WHERE code = '${provider}'), '${service}', '${region}',`
        + ` '${status}', '${at}', '${due}', ${q(answered)}, ${q(started)}, '${at}', '${at}')`);
    }
  }

  before(async () => {
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = { liaisonR2: await createUser(db, { username: 'fig-liaison-r2', role: 'liaison', scope: REGION_B, env: clock.env }) };
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, extra);
    sql(db, "INSERT INTO provider (code, name, created_at, updated_at) VALUES ('P-HARBOR', 'Harbor Youth Services', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
    sql(db, "INSERT INTO provider (code, name, created_at, updated_at) VALUES ('P-ELM', 'Elm Street Mentors', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
    const bridgeport = await openCase(TOWN_A); // R1
    const newHaven = await openCase(TOWN_B); // R2
    sql(db, `UPDATE child_case SET victim_status = 'suspected', identified_at = '2026-05-26T14:00:00Z' WHERE id = ${bridgeport.id}`);
    // Mentoring in R1: 20 referred, 16 answered (12 accepted, 4 declined); of the accepted 6 completed, 2 ended early.
    refer(bridgeport, 4, 'P-HARBOR', SERVICE_A, REGION_A, 'pending');
    refer(bridgeport, 4, 'P-HARBOR', SERVICE_A, REGION_A, 'declined', { answered: '2026-06-02T14:00:00Z' });
    refer(bridgeport, 4, 'P-ELM', SERVICE_A, REGION_A, 'started', { answered: '2026-06-02T14:00:00Z', started: '2026-06-05T14:00:00Z' });
    refer(bridgeport, 6, 'P-ELM', SERVICE_A, REGION_A, 'completed', { answered: '2026-06-04T14:00:00Z', started: '2026-06-05T14:00:00Z' });
    refer(bridgeport, 2, 'P-ELM', SERVICE_A, REGION_A, 'ended', { answered: '2026-06-01T18:00:00Z', started: '2026-06-05T14:00:00Z' });
    // Clinical services in R2: 3 referred, 1 accepted, 2 declined: small counts.
    refer(newHaven, 1, 'P-HARBOR', SERVICE_B, REGION_B, 'accepted', { answered: '2026-06-02T14:00:00Z' });
    refer(newHaven, 2, 'P-HARBOR', SERVICE_B, REGION_B, 'declined', { answered: '2026-06-02T14:00:00Z' });
    for (const [status, filed, created] of [['identified', null, '2025-03-01T15:00:00Z'], ['petition_filed', '2026-02-10', '2025-12-30T15:00:00Z'],
      ['granted', '2026-04-01', '2026-01-05T15:00:00Z'], ['denied', '2025-07-01', '2025-06-01T15:00:00Z']]) {
      sql(db, 'INSERT INTO relief_record (person_id, court, offence, status, petition_filed_on, created_at, updated_at) VALUES'
        + ` (${bridgeport.person}, 'Superior Court', 'other', '${status}', ${filed ? `'${filed}'` : 'NULL'}, '${created}', '${created}')`);
    }
  });
  after(() => stopServer(server));

  test('referrals by service: the counts, and the accepted and completed shares', async () => {
    const f = await fig(as.hart, 'services');
    assert.equal(f.figure, 'services');
    assert.equal(f.by, 'service');
    assert.equal(f.measure, 'referrals');
    assert.deepEqual(f.rows.map((r) => r.key), PACK.services.map((s) => s.id), 'every service of the pack, in its order');
    assert.deepEqual(['referred', 'accepted', 'declined', 'completed', 'ended_early', 'accepted_share', 'completed_share'].map((c) => cell(f, SERVICE_A, c).value),
      [20, 12, 4, 6, 2, 75, 75]);
    assert.equal(cell(f, SERVICE_B, 'accepted_share').value, 33);
    assert.equal(f.column_totals[0].value, 23);
    assert.equal(f.suppressed, false);
  });

  test('by provider and by region; a bad by or measure is 422 naming it', async () => {
    const p = await fig(as.hart, 'services', 'by=provider');
    assert.deepEqual(p.rows.map((r) => [r.key, r.label, r.cells[0].value]), [['P-HARBOR', 'Harbor Youth Services', 11], ['P-ELM', 'Elm Street Mentors', 12]]);
    const r = await fig(as.hart, 'services', 'by=region');
    assert.equal(cell(r, REGION_A, 'referred').value, 20);
    assert.equal(cell(r, REGION_B, 'referred').value, 3);
    const errs = errorsOf(await assertProblem(await get(as.hart, 'services', 'by=year&measure=speed'), 422, 'bad by and measure'));
    assert.ok(errs.by && errs.measure, JSON.stringify(errs));
  });

  test('answers against the deadline, and days from identification to the first service', async () => {
    const a = await fig(as.hart, 'services', 'measure=answers');
    assert.deepEqual(['on_time', 'late', 'open_past_due', 'open', 'median_hours'].map((c) => cell(a, SERVICE_A, c).value), [10, 6, 4, 0, 24]);
    const d = await fig(as.hart, 'services', 'measure=first_service&by=region');
    assert.equal(cell(d, REGION_A, 'days_8_30').value, 1);
    assert.equal(cell(d, REGION_A, 'median_days').value, 10);
  });

  test('relief by status and year', async () => {
    const f = await fig(as.hart, 'relief');
    assert.deepEqual(f.rows.map((r) => r.key), ['2025', '2026']);
    assert.deepEqual(f.rows.map((r) => r.cells.map((c) => c.value)), [[1, 0, 0, 0, 1], [0, 1, 0, 1, 0]]);
    assert.equal(f.total.value, 4);
  });

  test('a liaison\'s figures are of its region', async () => {
    const f = await fig(as.liaisonR2, 'services', 'by=region');
    assert.deepEqual(f.rows.map((r) => r.key), [REGION_B]);
    assert.equal(cell(f, REGION_B, 'referred').value, 3);
    assert.equal((await fig(as.liaisonR2, 'relief')).rows.length, 0, 'the relief records are of an R1 child');
  });

  test('the analyst\'s are suppressed: nothing hidden sent, and a share of a hidden count hidden too', async () => {
    const exact = await fig(as.hart, 'services');
    const f = await fig(as.analyst, 'services');
    assert.equal(f.suppressed, true);
    // The counts: a share is not a count, and a hidden one reads "*" whatever it is.
    const counts = (x) => ({ ...x, columns: x.columns.slice(0, 5), rows: x.rows.map((r) => ({ ...r, cells: r.cells.slice(0, 5) })), column_totals: x.column_totals.slice(0, 5) });
    assertHiddenCells(counts(f), counts(exact), 'analyst services');
    assert.equal(cell(f, SERVICE_B, 'accepted').value, null);
    assert.equal(cell(f, SERVICE_B, 'accepted_share').value, null);
    assertNothingHiddenIn(JSON.stringify(f.rows), f, 'analyst services JSON', exact);
    const csv = await download(as.analyst, 'services', 'format=csv');
    assertTable(parseCsv(csv.text), f, 'analyst services CSV');
    assertNothingHiddenIn(csv.text, f, 'analyst services CSV', exact);
  });

  test('CSV, XLSX and SVG of each figure parse and hold the same table', async () => {
    for (const [route, q] of [['services', 'by=service'], ['services', 'by=provider&measure=answers'], ['services', 'by=region&measure=first_service'], ['relief', 'by=year']]) {
      const f = await fig(as.hart, route, q);
      const csv = await download(as.hart, route, `${q}&format=csv`);
      assert.equal(csv.type, 'text/csv');
      const table = parseCsv(csv.text);
      assertTable(table, f, `CSV ${route} ${q}`);
      const x = await download(as.hart, route, `${q}&format=xlsx`);
      assert.equal(x.type, XLSX_TYPE);
      const { grid } = readXlsx(x.buf);
      const { above, table: sheet } = sheetTable(grid, table[0][0]);
      assert.ok(above.flat().some((v) => typeof v === 'string' && v.includes(f.title)), `the title above the table: ${JSON.stringify(above)}`);
      assertTable(sheet.map((r) => r.map((v) => (v === undefined ? '' : v))), f, `XLSX ${route} ${q}`);
      const s = await download(as.hart, route, `${q}&format=svg`);
      assert.equal(s.type, 'image/svg+xml');
      const svg = readSvg(s.text);
      assert.ok(svg.title.includes(f.title), `${svg.title} / ${f.title}`);
    }
  });
});
