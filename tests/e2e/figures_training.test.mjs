// The training figures (docs/training.md "Figures"): people trained and
// completing by course, audience, region and year; sessions held; trainers'
// reach (by name only for the trainer role and HART; an analyst's a
// distribution with no names); providers informed by region; in JSON, CSV,
// XLSX and SVG; the analyst's suppressed with nothing hidden sent; the roles
// that may not read them refused. The training rows are written with SQL
// (the services that write them are not under test here), with the seq
// the figures' store catches up by.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertNothingHiddenIn, assertTable, parseCsv, readSvg, sheetTable } from '../lib/figures.mjs';
import { assertProblem, errorsOf } from '../lib/http.mjs';
import { ENGINE, cleanup, loadDefaultPack, mediaType, sql, startServer, stopServer } from '../lib/server.mjs';
import { readXlsx } from '../lib/zip.mjs';
import { AUDIENCES, COURSE_IDS, nth, region } from '../lib/pack.mjs';

const AUDIENCE_A = nth(AUDIENCES, 0);
const AUDIENCE_X = nth(AUDIENCES, 5);
const AUDIENCE_Y = nth(AUDIENCES, 6);
const COURSE_A = nth(COURSE_IDS, 0);
const COURSE_B = nth(COURSE_IDS, 1);

const REGION_A = region(0);
const REGION_B = region(1);

after(cleanup);

const STATS = '/api/v1/stats/training';
const PACK = loadDefaultPack();
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const TS = "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'";

describe(`training figures (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let server;
  const as = {};

  const get = (s, query = '') => s.fetch(`${STATS}${query ? `?${query}` : ''}`);
  const fig = async (s, query = '') => readJson(await get(s, query), 200, `GET ${STATS}?${query} as ${s.user.username}`);
  async function download(s, query) {
    const res = await get(s, query);
    const buf = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200, `GET ${STATS}?${query}: ${res.status} ${buf.toString('utf8').slice(0, 300)}`);
    return { type: mediaType(res.headers.get('content-type')), buf, text: buf.toString('utf8') };
  }
  const cell = (f, row, col) => f.rows.find((r) => r.key === row).cells[f.columns.findIndex((c) => c.key === col)];

  before(async () => {
    let demo;
    ({ db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db });
    await loginEach(server, demo.users, as);
    // Trainees 1-8 DCF staff, 9-12 EMS, 13 a trainer. Ids well above any the demo made.
    const base = 900000;
    const values = [];
    for (let i = 1; i <= 13; i++) values.push(`(${base + i}, '${i <= 8 ? AUDIENCE_A : i <= 12 ? AUDIENCE_X : AUDIENCE_Y}', '${REGION_A}', ${TS})`);
    sql(db, `INSERT INTO trainee (id, audience, region, created_at, updated_at) VALUES ${values.join(', ')}`);
    const session = (id, course, region, at, status) => sql(db, 'INSERT INTO training_session (id, number, course, starts_at, ends_at, region, capacity, status, created_at, updated_at)'
      + ` VALUES (${base + id}, 'TS-E2E-${id}', '${course}', '${at}', '${at}', '${region}', 40, '${status}', ${TS})`);
    session(1, COURSE_A, REGION_A, '2026-03-10T14:00:00Z', 'held');
    session(2, COURSE_A, REGION_B, '2025-05-10T14:00:00Z', 'held');
    session(3, COURSE_B, REGION_A, '2026-06-01T14:00:00Z', 'cancelled');
    const regs = [];
    for (let t = 1; t <= 8; t++) regs.push(`(${base + 1}, ${base + t}, 'registered', 1, ${t <= 6 ? 1 : 0}, '2026-01-01T00:00:00Z')`);
    for (const t of [1, 2, 9, 10, 11, 12]) regs.push(`(${base + 2}, ${base + t}, 'registered', 1, 1, '2026-01-01T00:00:00Z')`);
    regs.push(`(${base + 3}, ${base + 3}, 'registered', 1, 1, '2026-01-01T00:00:00Z')`);
    sql(db, `INSERT INTO registration (session_id, trainee_id, status, attended, completed, registered_at) VALUES ${regs.join(', ')}`);
    sql(db, `INSERT INTO session_trainer (session_id, trainee_id) VALUES (${base + 1}, ${base + 13}), (${base + 2}, ${base + 13})`);
    // As the services' writes do: a new seq, on the sessions and trainees
    // written, so that the figures' store in memory reads them.
    sql(db, 'UPDATE training_seq SET last = last + 1 WHERE id = 1');
    sql(db, `UPDATE training_session SET seq = (SELECT last FROM training_seq WHERE id = 1) WHERE id > ${base}`);
    sql(db, `UPDATE trainee SET seq = (SELECT last FROM training_seq WHERE id = 1) WHERE id > ${base}`);
  });
  after(() => stopServer(server));

  test('people trained and completing by course, year and audience', async () => {
    const f = await fig(as.hart);
    assert.equal(f.figure, 'training');
    assert.equal(f.by, 'course');
    assert.equal(f.measure, 'people');
    assert.deepEqual(f.rows.map((r) => r.key), PACK.courses.map((c) => c.id), 'every course of the pack, in its order');
    assert.deepEqual(['attended', 'completed', 'completed_share'].map((c) => cell(f, COURSE_A, c).value), [12, 10, 83]);
    assert.equal(cell(f, COURSE_B, 'attended').value, 0, 'a cancelled session never counts');
    const y = await fig(as.trainer, 'by=year');
    assert.deepEqual(y.rows.map((r) => [r.key, r.cells[0].value]), [['2025', 6], ['2026', 8]]);
    const a = await fig(as.hart, 'by=audience');
    assert.equal(cell(a, AUDIENCE_X, 'attended').value, 4);
  });

  test('sessions held; a bad by or measure is 422 naming it', async () => {
    const f = await fig(as.trainer, 'measure=sessions&by=region');
    assert.equal(cell(f, REGION_A, 'held').value, 1);
    assert.equal(cell(f, REGION_B, 'held').value, 1);
    assert.equal(f.column_totals[0].value, 2);
    assert.ok(errorsOf(await assertProblem(await get(as.hart, 'measure=speed'), 422, 'bad measure')).measure);
    assert.ok(errorsOf(await assertProblem(await get(as.hart, 'measure=sessions&by=audience'), 422, 'bad by')).by);
  });

  test('trainers\' reach: by name for the trainer and HART, never for an analyst', async () => {
    const f = await fig(as.trainer, 'measure=reach');
    assert.equal(f.by, 'trainer');
    const row = f.rows.find((r) => r.key === 'trainer-900013');
    assert.ok(row, JSON.stringify(f.rows));
    assert.deepEqual(f.columns.map((c) => c.key), ['people_reached', 'sessions_led']);
    assert.deepEqual(row.cells.map((c) => c.value), [12, 2]);
    const errs = errorsOf(await assertProblem(await get(as.analyst, 'measure=reach&by=trainer'), 422, 'analyst by trainer'));
    assert.ok(errs.by, JSON.stringify(errs));
    const d = await fig(as.analyst, 'measure=reach');
    assert.equal(d.by, 'sessions_led');
    assert.equal(d.suppressed, true);
    assert.ok(!JSON.stringify(d).includes('trainer-'), 'no trainer in the analyst\'s figure');
  });

  test('the analyst\'s are suppressed: nothing hidden sent', async () => {
    const exact = await fig(as.hart, 'by=audience');
    const f = await fig(as.analyst, 'by=audience');
    assert.equal(f.suppressed, true);
    assert.equal(cell(f, AUDIENCE_X, 'attended').value, null);
    assert.equal(cell(f, AUDIENCE_X, 'completed_share').value, null);
    assert.equal(cell(f, AUDIENCE_A, 'attended').value, 8);
    const csv = await download(as.analyst, 'by=audience&format=csv');
    assertTable(parseCsv(csv.text), f, 'analyst training CSV');
    assertNothingHiddenIn(csv.text, f, 'analyst training CSV', exact);
  });

  test('providers informed by region', async () => {
    const f = await fig(as.hart, 'measure=informed');
    assert.equal(f.by, 'region');
    assert.deepEqual(f.columns.map((c) => c.key), ['informed', 'lapsed', 'not_informed']);
  });

  test('the roles that may not read them are refused', async () => {
    for (const role of ['careline', 'liaison', 'mdt', 'provider', 'admin'])
      assert.equal((await get(as[role])).status, 403, role);
  });

  test('CSV, XLSX and SVG parse and hold the same table', async () => {
    for (const q of ['by=course', 'by=year&measure=sessions', 'measure=reach']) {
      const f = await fig(as.hart, q);
      const csv = await download(as.hart, `${q}&format=csv`);
      assert.equal(csv.type, 'text/csv');
      const table = parseCsv(csv.text);
      assertTable(table, f, `CSV ${q}`);
      const x = await download(as.hart, `${q}&format=xlsx`);
      assert.equal(x.type, XLSX_TYPE);
      const { grid } = readXlsx(x.buf);
      const { table: sheet } = sheetTable(grid, table[0][0]);
      assertTable(sheet.map((r) => r.map((v) => (v === undefined ? '' : v))), f, `XLSX ${q}`);
      const s = await download(as.hart, `${q}&format=svg`);
      assert.equal(s.type, 'image/svg+xml');
      assert.ok(readSvg(s.text).title.includes(f.title));
    }
  });
});
