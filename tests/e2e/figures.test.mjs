// Figures for the task force (docs/figures.md): past years imported with
// `hartline import referrals` read back exactly by year, source, region,
// age and more; the analyst's figures hide small counts so that none can
// be worked out and none is sent, in JSON, CSV, XLSX or SVG; the
// downloads open; the charts' bars are the numbers; figures follow live
// data (accepted reports, the federal count by fiscal year, duties,
// missing episodes, rapid responses); who may read them; every read
// audited.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import {
  AGE_GROUP_OF, PAST, allCells, assertHiddenCells, assertNothingHiddenIn, assertProportional, assertTable, assertUnrecoverable,
  barsOf, colIndex, column, countBy, importCsv, parseCsv, pastRows, readSvg, rowOf, sheetTable, shapeOf,
} from '../lib/figures.mjs';
import { assertProblem, errorsOf } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, loadDefaultPack, mediaType, run, startServer, stopServer, tempFile } from '../lib/server.mjs';
import { readXlsx } from '../lib/zip.mjs';
import { AGE_GROUPS, RESCREEN_INSTRUMENT, TIME_ZONE, TRAFFICKING_TYPES, concern, deadline, localTime, nth, region, source, town } from '../lib/pack.mjs';

const SOURCE_EMS = source(2);
const REGION_B = region(1);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const TYPE_A = nth(TRAFFICKING_TYPES, 1);
const AGE_GROUP_NAME_A = AGE_GROUPS[1].name;
const AGE_GROUP_NAME_B = AGE_GROUPS[3].name;

const REGION_A = region(0);
const REGION_C = region(2);
const REGION_F = region(5);
const TOWN_B = town(1, 0, 2);
const TOWN_B2 = town(1, 1, 6);
const TOWN_C = town(2, 1, 13);

after(cleanup);

const STATS = '/api/v1/stats';
const RAPID_TARGET = deadline('rapid_response_target').minutes;
const RAPID_MINUTES = [RAPID_TARGET * 3 / 8, RAPID_TARGET * 3 / 4, RAPID_TARGET * 3 / 2].map(Math.round);
const PACK = loadDefaultPack();
const PAST_RANGE = `from=${PAST.from}&to=${PAST.to}`;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SSCST = PACK.screening_instruments.find((i) => i.id === RESCREEN_INSTRUMENT);
const STAT_ROUTES = ['referrals', 'repeat', 'duties', 'missing', 'rapid-response', 'federal', 'services', 'relief'];

/** { key: n } with every key of keys present (0 when absent). */
const withZeros = (keys, counts) => Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0]));

/** A figure's one column as { key: value } limited to keys, asserting every other row is 0. */
function onlyThese(fig, keys, what, col = 0) {
  const all = column(fig, col);
  for (const [k, v] of Object.entries(all)) if (!keys.includes(k)) assert.equal(v, 0, `${what}: row ${k} outside the expected ones is 0`);
  for (const k of keys) assert.ok(k in all, `${what}: a row ${k} in ${JSON.stringify(Object.keys(all))}`);
  return Object.fromEntries(keys.map((k) => [k, all[k]]));
}

/** The count of a victim status or a type in a figure: a row's total or only cell, or a column's total. */
function marginal(fig, key) {
  const r = fig.rows.find((x) => x.key === key);
  if (r) return r.total ? r.total.value : r.cells.reduce((a, c) => a + (c.value ?? 0), 0);
  const j = fig.columns.findIndex((c) => c.key === key);
  assert.ok(j >= 0, `${key} is a row or a column of ${JSON.stringify({ rows: fig.rows.map((x) => x.key), columns: fig.columns.map((c) => c.key) })}`);
  if (Array.isArray(fig.column_totals)) return fig.column_totals[j].value;
  return fig.rows.reduce((a, x) => a + (x.cells[j].value ?? 0), 0);
}

/** A figure's total: the total, else the sum of its first column. */
function totalOf(fig) {
  if (fig.total) return fig.total.value;
  return fig.rows.reduce((a, r) => a + (r.cells[0].value ?? 0), 0);
}

describe(`figures (${ENGINE})`, { timeout: 240_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  const as = {};
  const rows = pastRows();
  let serial = 0;

  const get = (s, route, query = '') => s.fetch(`${STATS}/${route}${query ? `?${query}` : ''}`);
  const fig = async (s, query, route = 'referrals') => readJson(await get(s, route, query), 200, `GET ${STATS}/${route}?${query} as ${s.user.username}`);
  async function download(s, route, query) {
    const res = await get(s, route, query);
    const buf = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200, `GET ${STATS}/${route}?${query}: ${res.status} ${buf.toString('utf8').slice(0, 400)}`);
    return { type: mediaType(res.headers.get('content-type')), buf, text: buf.toString('utf8'), disposition: res.headers.get('content-disposition') };
  }

  function child(overrides = {}) {
    serial++;
    return { given_name: `Fig${serial}`, family_name: `Figurecase${String.fromCharCode(65 + (serial % 26))}x${serial}`, estimated_age: 15, town: TOWN_B2, ...overrides };
  }
  async function intake({ children = [child()], source = SOURCE_A, receivedAt = clock.iso(-10 * MINUTE_MS), accept = true, concerns = [CONCERN_A] } = {}) {
    const body = { received_at: receivedAt, channel: 'phone', reporter: { source, name: 'A reporter' }, children, narrative: 'A synthetic report.', concerns };
    const { id } = await readJson(await as.careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record a report');
    if (accept) {
      const { version } = await as.careline.get(`/api/v1/intakes/${id}`);
      await readJson(await as.careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version } }), 200, 'accept');
    }
    return id;
  }
  async function newCase(town) {
    const intakeId = await intake({ children: [child({ town })] });
    return readJson(await as.hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: intakeId } }), 201, 'open a case');
  }
  async function patchCase(id, body) {
    const { version } = await as.hart.get(`/api/v1/cases/${id}`);
    return readJson(await as.hart.fetch(`/api/v1/cases/${id}`, { method: 'PATCH', body: { ...body, version } }), 200, `PATCH case ${id} ${JSON.stringify(body)}`);
  }
  const post = async (id, sub, body, status = 201) => readJson(await as.hart.fetch(`/api/v1/cases/${id}/${sub}`, { method: 'POST', body }), status, `POST case ${id} ${sub}`);
  const patchSub = async (path, body) => readJson(await as.hart.fetch(path, { method: 'PATCH', body }), 200, `PATCH ${path}`);

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
    // The past years go in with the command line while the server runs: it must see them.
    const file = tempFile('past-years.csv', importCsv(rows));
    const r = await run(['import', 'referrals', file, '--db', db], { db, env: clock.env });
    assert.equal(r.code, 0, `hartline import referrals: ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  });
  after(() => stopServer(server));

  // ---- exact figures of the imported years ----

  test('referrals by year: every year of 2008 to 2015 with its count, total N=60 (HART, JSON)', async () => {
    const f = await fig(as.hart, `by=year&${PAST_RANGE}`);
    assert.equal(f.figure, 'referrals');
    assert.equal(f.by, 'year');
    assert.equal(f.then, null);
    assert.equal(f.measure, 'referrals');
    assert.equal(f.suppressed, false);
    assert.equal(f.threshold, 5);
    assert.equal(typeof f.title, 'string');
    assert.ok(f.title.length > 0);
    assert.match(String(f.subtitle), /2008-01-01/, 'the subtitle names the range');
    assert.deepEqual(f.columns.map((c) => c.key), ['referrals']);
    assert.deepEqual(f.rows.map((r) => r.key), Object.keys(PAST.years));
    assert.deepEqual(column(f), PAST.years);
    for (const r of f.rows) {
      assert.equal(r.cells[0].display, String(r.cells[0].value));
      assert.equal(r.total, null, 'a one-way figure has no row totals');
    }
    assert.deepEqual(f.total, { value: 60, display: '60' });
    assert.deepEqual(f.column_totals, [{ value: 60, display: '60' }]);
    assert.equal(shapeOf(f), 'one-way');
  });

  test('referrals by source: every pack source in pack order, zeros included, with the pack names', async () => {
    const f = await fig(as.hart, `by=source&${PAST_RANGE}`);
    const ids = PACK.referral_sources.map((s) => s.id);
    const known = f.rows.filter((r) => ids.includes(r.key));
    assert.deepEqual(known.map((r) => r.key), ids, 'every source, in pack order');
    assert.deepEqual(known.map((r) => r.label), PACK.referral_sources.map((s) => s.name));
    assert.deepEqual(onlyThese(f, ids, 'by source'), withZeros(ids, PAST.sources));
    assert.equal(f.total.value, 60);
  });

  test('referrals by region: each region counts the towns routed to it and the rows that name it', async () => {
    const f = await fig(as.hart, `by=region&${PAST_RANGE}`);
    const ids = PACK.regions.map((r) => r.id);
    assert.deepEqual(onlyThese(f, ids, 'by region'), withZeros(ids, PAST.regions));
    assert.equal(rowOf(f, REGION_A).label, PACK.regions[0].name);
    assert.equal(f.total.value, 60);
  });

  test('referrals by age: the default age groups 0-11, 12-13, 14-15, 16-17, 18 and over', async () => {
    const f = await fig(as.hart, `by=age&${PAST_RANGE}`);
    const groups = Object.keys(PAST.ages);
    const got = groups.map((g) => rowOf(f, g));
    const order = got.map((r) => f.rows.indexOf(r));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'the groups in order');
    assert.deepEqual(Object.fromEntries(got.map((r, i) => [groups[i], r.cells[0].value])), PAST.ages);
    for (const r of f.rows) if (!got.includes(r)) assert.equal(r.cells[0].value, 0, `row ${r.key}`);
    assert.equal(f.total.value, 60);
  });

  test('referrals by sex, vulnerability and trafficking type, from the file', async () => {
    const sex = await fig(as.hart, `by=sex&${PAST_RANGE}`);
    assert.deepEqual(onlyThese(sex, ['F', 'M', 'X'], 'by sex'), PAST.sexes);

    const vul = await fig(as.hart, `by=vulnerability&${PAST_RANGE}`);
    const vids = PACK.vulnerabilities.map((v) => v.id);
    const without = rows.filter((r) => r.vulnerabilities === '').length;
    const vulRows = vul.rows.map((r) => r.key).filter((k) => !vids.includes(k));
    // Besides the pack's vulnerabilities, at most one row for the referrals with none.
    assert.ok(vulRows.length <= 1, `rows besides the pack's: ${vulRows}`);
    const keys = [...vids, ...vulRows];
    assert.deepEqual(onlyThese(vul, keys, 'by vulnerability'), withZeros(keys, { ...countBy(rows, (r) => r.vulnerabilities.split(';')), ...(vulRows.length ? { [vulRows[0]]: without } : {}) }));
    assert.equal(shapeOf(vul), 'list', 'a child has several vulnerabilities: nothing is totalled');

    const type = await fig(as.hart, `by=type&${PAST_RANGE}`);
    const tids = PACK.trafficking_types.map((t) => t.id);
    const byType = column(type);
    assert.deepEqual(withZeros(tids, byType), withZeros(tids, countBy(rows, (r) => r.trafficking_type)));
    assert.equal(totalOf(type), 60, 'the rows without a type are counted too');
  });

  test('quarters and months are calendar bins of the range; from, to and region filter', async () => {
    const q = await fig(as.hart, 'by=quarter&from=2011-01-01&to=2011-12-31');
    assert.equal(q.rows.length, 4, JSON.stringify(q.rows.map((r) => r.key)));
    const y2011 = rows.filter((r) => r.referral_date.startsWith('2011'));
    assert.deepEqual(q.rows.map((r) => r.cells[0].value), [1, 2, 3, 4].map((k) => y2011.filter((r) => Math.ceil(Number(r.referral_date.slice(5, 7)) / 3) === k).length));
    assert.equal(q.total.value, 7);

    const m = await fig(as.hart, 'by=month&from=2015-01-01&to=2015-12-31');
    assert.equal(m.rows.length, 12, JSON.stringify(m.rows.map((r) => r.key)));
    const y2015 = rows.filter((r) => r.referral_date.startsWith('2015'));
    assert.deepEqual(m.rows.map((r) => r.cells[0].value), Array.from({ length: 12 }, (_, k) => y2015.filter((r) => Number(r.referral_date.slice(5, 7)) === k + 1).length));

    const part = await fig(as.hart, 'by=year&from=2010-01-01&to=2011-12-31');
    assert.deepEqual(column(part), { 2010: 6, 2011: 7 });
    assert.equal(part.total.value, 13);

    const day = rows[10].referral_date;
    const oneDay = await fig(as.hart, `by=source&from=${day}&to=${day}`);
    assert.equal(oneDay.total.value, rows.filter((r) => r.referral_date === day).length, 'from and to are inclusive');

    const r1 = await fig(as.hart, `by=year&region=${REGION_A}&${PAST_RANGE}`);
    const r1rows = rows.filter((r) => r.routed === REGION_A);
    assert.deepEqual(withZeros(Object.keys(PAST.years), column(r1)), withZeros(Object.keys(PAST.years), countBy(r1rows, (r) => r.referral_date.slice(0, 4))));
    assert.equal(r1.total.value, PAST.regions[REGION_A]);

    const wide = await fig(as.hart, 'by=year&from=2007-01-01&to=2016-12-31');
    const keys = wide.rows.map((r) => Number(r.key));
    keys.forEach((k, i) => i && assert.equal(k, keys[i - 1] + 1, `years run without a gap: ${keys}`));
    for (const y of Object.keys(PAST.years)) assert.equal(column(wide)[y], PAST.years[y]);
    for (const r of wide.rows) if (!(r.key in PAST.years)) assert.equal(r.cells[0].value, 0, `year ${r.key} has no referral`);
  });

  test('distinct children count a child_id once; repeat referrals: 58 children once, one twice', async () => {
    const c = await fig(as.hart, `by=year&measure=children&${PAST_RANGE}`);
    assert.equal(c.measure, 'children');
    assert.deepEqual(column(c), { ...PAST.years, 2011: PAST.years[2011] - 1 });
    // A child referred in two years is in both: a total, if any, counts the child once.
    if (c.total) assert.equal(c.total.value, PAST.children);
    const src = await fig(as.hart, `by=source&measure=children&${PAST_RANGE}`);
    assert.equal(column(src)[SOURCE_A], PAST.sources[SOURCE_A] - 1);

    const rep = await fig(as.hart, PAST_RANGE, 'repeat');
    assert.equal(rep.figure, 'repeat');
    assert.equal(rep.rows.length, 4, `1, 2, 3, 4 or more: ${JSON.stringify(rep.rows.map((r) => r.key))}`);
    assert.deepEqual(rep.rows.map((r) => r.cells[0].value), [58, 1, 0, 0]);
  });

  test('by year then source: a two-way table with row, column and grand totals', async () => {
    const f = await fig(as.hart, `by=year&then=source&${PAST_RANGE}`);
    assert.equal(f.then, 'source');
    assert.equal(shapeOf(f), 'two-way');
    const ids = PACK.referral_sources.map((s) => s.id);
    assert.deepEqual(f.columns.map((c) => c.key).filter((k) => ids.includes(k)), ids);
    assert.deepEqual(f.rows.map((r) => r.key), Object.keys(PAST.years));
    for (const r of f.rows) {
      const mine = rows.filter((x) => x.referral_date.startsWith(r.key));
      f.columns.forEach((c, j) => assert.equal(r.cells[j].value, mine.filter((x) => x.source === c.key).length, `${r.key} x ${c.key}`));
      assert.equal(r.total.value, PAST.years[r.key], `row total ${r.key}`);
    }
    f.columns.forEach((c, j) => assert.equal(f.column_totals[j].value, PAST.sources[c.key] ?? 0, `column total ${c.key}`));
    assert.equal(f.total.value, 60);
  });

  // ---- suppression ----

  test('the analyst sees <5 where HART sees 3, and cannot work it out from the totals', async () => {
    const exact = await fig(as.hart, `by=year&${PAST_RANGE}`);
    assert.equal(column(exact)['2008'], 3);
    const res = await get(as.analyst, 'referrals', `by=year&${PAST_RANGE}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const f = JSON.parse(text);
    assert.equal(f.suppressed, true);
    assert.deepEqual(rowOf(f, '2008').cells[0], { value: null, display: '<5' });
    assertHiddenCells(f, exact, 'analyst by year');
    assertUnrecoverable(f, 'analyst by year', exact);
    assert.ok(allCells(f).filter((x) => x.cell.value === null).length >= 2, 'the 3 has a complement: the total alone would give it away');
    assertNothingHiddenIn(text, f, 'analyst by year JSON', exact);

    // Asking for the exact figure changes nothing for the analyst.
    assert.deepEqual(await fig(as.analyst, `by=year&suppressed=false&${PAST_RANGE}`), f);
    // HART asking for the public version gets the same.
    assert.deepEqual(await fig(as.hart, `by=year&suppressed=true&${PAST_RANGE}`), f);
  });

  test('every analyst figure of the past years leaves no hidden count to be worked out, and sends none', async () => {
    const queries = [
      `by=region&${PAST_RANGE}`, `by=source&${PAST_RANGE}`, `by=age&${PAST_RANGE}`, `by=sex&${PAST_RANGE}`, `by=vulnerability&${PAST_RANGE}`,
      `by=type&${PAST_RANGE}`, `by=year&then=source&${PAST_RANGE}`, `by=region&then=age&${PAST_RANGE}`, `by=year&measure=children&${PAST_RANGE}`,
      'by=quarter&from=2011-01-01&to=2012-12-31', `by=year&region=${REGION_F}&${PAST_RANGE}`,
    ];
    let hiddenSeen = 0;
    const failures = []; // every query is checked, then every failure named
    for (const q of queries) {
      const exact = await fig(as.hart, q);
      const res = await get(as.analyst, 'referrals', q);
      const text = await res.text();
      assert.equal(res.status, 200, `${q}: ${text}`);
      const f = JSON.parse(text);
      try {
        assert.equal(f.suppressed, true, q);
        assertHiddenCells(f, exact, `analyst ${q}`);
        assertUnrecoverable(f, `analyst ${q}`, exact);
        assertNothingHiddenIn(text, f, `analyst ${q} JSON`, exact);
      } catch (e) {
        failures.push(e.message);
      }
      hiddenSeen += allCells(f).filter((x) => x.cell.value === null && x.cell.display !== '').length;
    }
    assert.deepEqual(failures, []);
    const region = await fig(as.analyst, `by=region&${PAST_RANGE}`);
    assert.deepEqual(rowOf(region, REGION_F).cells[0], { value: null, display: '<5' }, 'R6 has 3 referrals');
    assert.ok(hiddenSeen > 5, `the data has small cells to hide (${hiddenSeen} hidden)`);
    const rep = await fig(as.analyst, PAST_RANGE, 'repeat');
    assert.deepEqual(rep.rows[1].cells[0], { value: null, display: '<5' }, 'one child referred twice');
    // Referrals are children times 1, 2 or 3: beside a hidden count of
    // children they would give it away, so the analyst gets children only.
    assert.deepEqual(rep.columns.map((c) => c.key), ['children']);
    assertUnrecoverable(rep, 'analyst repeat');
    // Children by sex: each child in one row, so no total of them (base).
    const bySex = await fig(as.analyst, `by=sex&measure=children&${PAST_RANGE}`);
    assert.equal(bySex.base, undefined, `no base beside children by sex: ${JSON.stringify(bySex.base)}`);
    // A range from the data is given in whole years, never a first or last day.
    const r6 = await fig(as.analyst, `by=year&region=${REGION_F}`);
    assert.doesNotMatch(r6.subtitle, /\d{4}-\d{2}-\d{2}/, r6.subtitle);
  });

  test('a figure of more than 10,000 cells is refused with 422 naming the parameter', async () => {
    const res = await get(as.hart, 'referrals', 'by=month&then=quarter&from=1900-01-01&to=2026-01-01');
    const text = await res.text();
    assert.equal(res.status, 422, text);
    assert.match(text, /"then"/);
  });

  // ---- downloads ----

  test('CSV: the header, a line per row and the total; the analyst\'s with <5 and * and no hidden value', async () => {
    const exact = await fig(as.hart, `by=year&${PAST_RANGE}`);
    const csv = await download(as.hart, 'referrals', `by=year&format=csv&${PAST_RANGE}`);
    assert.equal(csv.type, 'text/csv');
    const table = parseCsv(csv.text);
    assertTable(table, exact, 'HART CSV by year');
    assert.deepEqual(table.slice(1, 9).map((l) => Number(l[1])), Object.values(PAST.years));
    assert.equal(Number(table[9][1]), 60);

    for (const q of [`by=year&${PAST_RANGE}`, `by=year&then=source&${PAST_RANGE}`, `by=region&${PAST_RANGE}`, `by=vulnerability&${PAST_RANGE}`]) {
      const f = await fig(as.analyst, q);
      const a = await download(as.analyst, 'referrals', `${q}&format=csv`);
      assert.equal(a.type, 'text/csv');
      assertTable(parseCsv(a.text), f, `analyst CSV ${q}`);
      assertNothingHiddenIn(a.text, f, `analyst CSV ${q}`, await fig(as.hart, q));
    }
    const two = await fig(as.hart, `by=year&then=source&${PAST_RANGE}`);
    assertTable(parseCsv((await download(as.hart, 'referrals', `by=year&then=source&format=csv&${PAST_RANGE}`)).text), two, 'HART CSV year x source');
  });

  test('XLSX: a valid zip with the sheet, the title above the same table; the analyst\'s hides what the JSON hides', async () => {
    for (const [s, q] of [[as.hart, `by=year&${PAST_RANGE}`], [as.hart, `by=year&then=source&${PAST_RANGE}`], [as.analyst, `by=year&${PAST_RANGE}`], [as.analyst, `by=year&then=source&${PAST_RANGE}`]]) {
      const f = await fig(s, q);
      const x = await download(s, 'referrals', `${q}&format=xlsx`);
      assert.equal(x.type, XLSX_TYPE, q);
      assert.equal(x.buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a zip archive');
      const { grid, sheetXml } = readXlsx(x.buf);
      const head = parseCsv((await download(s, 'referrals', `${q}&format=csv`)).text)[0][0];
      const { above, table } = sheetTable(grid, head);
      assert.ok(above.flat().some((v) => typeof v === 'string' && v.includes(f.title)), `the title ${f.title} above the table: ${JSON.stringify(above)}`);
      assertTable(table.map((r) => r.map((v) => (v === undefined ? '' : v))), f, `${s.user.role} XLSX ${q}`);
      // The numbers are numbers in the sheet, not text.
      const firstValue = table[1][1];
      if (f.rows[0].cells[0].value !== null) assert.equal(typeof firstValue, 'number', `a count is a number cell: ${JSON.stringify(table[1])}`);
      if (f.suppressed) {
        const strings = grid.flat().filter((v) => v !== undefined).map(String).join('\n');
        // The sheet's note says what <5 means: "1 to 4".
        assertNothingHiddenIn(strings, f, `analyst XLSX ${q}`, await fig(as.hart, q), [1, 4]);
        assert.ok(sheetXml.length > 0);
      }
    }
  });

  test('SVG: well-formed, titled, every number in its description, bars as tall as the numbers', async () => {
    const f = await fig(as.hart, `by=year&${PAST_RANGE}`);
    const s = await download(as.hart, 'referrals', `by=year&format=svg&${PAST_RANGE}`);
    assert.equal(s.type, 'image/svg+xml');
    const svg = readSvg(s.text);
    assert.ok(svg.title.includes(f.title), `the chart's title is the figure's: ${svg.title}`);
    for (const r of f.rows) assert.ok(svg.desc.includes(`${r.label}: ${r.cells[0].display}`), `the description reads ${r.label}: ${r.cells[0].display}: ${svg.desc}`);
    const bars = barsOf(svg.root).sort((a, b) => a.x - b.x);
    assertProportional(bars.map((b) => b.h), f.rows.map((r) => r.cells[0].value).filter((v) => v > 0), 'bars by year');
    const base = bars.map((b) => +(b.y + b.h).toFixed(1));
    assert.ok(base.every((y) => Math.abs(y - base[0]) <= 0.2), `the bars stand on one baseline: ${base}`);

    // Stacked by year and source: each year's stack is as tall as its total.
    const two = await fig(as.hart, `by=year&then=source&${PAST_RANGE}`);
    const st = readSvg((await download(as.hart, 'referrals', `by=year&then=source&format=svg&${PAST_RANGE}`)).text);
    const stacks = new Map();
    for (const b of barsOf(st.root)) stacks.set(b.x, (stacks.get(b.x) ?? 0) + b.h);
    const xs = [...stacks.keys()].sort((a, b) => a - b);
    assertProportional(xs.map((x) => stacks.get(x)), two.rows.map((r) => r.total.value), 'stacks by year');
    for (const r of two.rows) assert.ok(st.desc.includes(r.label), `the description names ${r.label}`);

    // The age histogram and the vulnerability shares.
    const age = await fig(as.hart, `by=age&${PAST_RANGE}`);
    const ageSvg = readSvg((await download(as.hart, 'referrals', `by=age&format=svg&${PAST_RANGE}`)).text);
    assertProportional(barsOf(ageSvg.root).sort((a, b) => a.x - b.x).map((b) => b.h), age.rows.map((r) => r.cells[0].value).filter((v) => v > 0), 'age histogram');
    const vul = await fig(as.hart, `by=vulnerability&${PAST_RANGE}`);
    const vulSvg = readSvg((await download(as.hart, 'referrals', `by=vulnerability&format=svg&${PAST_RANGE}`)).text);
    assertProportional(barsOf(vulSvg.root).sort((a, b) => a.y - b.y).map((b) => b.w).filter((w) => w > 0), vul.rows.map((r) => r.cells[0].value).filter((v) => v > 0), 'vulnerability shares');
  });

  test('every figure, every dimension and shape, exact or with small counts hidden, or empty: the SVG parses as XML', async () => {
    const DIMS = ['year', 'quarter', 'month', 'source', 'region', 'office', 'age', 'sex', 'gender', 'vulnerability', 'type', 'disposition'];
    const EMPTY = 'from=1990-01-01&to=1990-12-31';
    const queries = [
      ...DIMS.map((by) => ['referrals', `by=${by}&${PAST_RANGE}`]),
      ...['source', 'region', 'age', 'sex'].map((then) => ['referrals', `by=year&then=${then}&${PAST_RANGE}`]),
      ['referrals', `by=region&then=source&${PAST_RANGE}`],
      ['referrals', `by=year&measure=children&${PAST_RANGE}`],
      ['referrals', `by=year&then=source&${EMPTY}`],
      ['referrals', `by=year&${EMPTY}`],
      ['repeat', PAST_RANGE],
      ...['year', 'region'].flatMap((by) => ['duties', 'missing', 'rapid-response'].map((route) => [route, `by=${by}&${PAST_RANGE}`])),
      ['federal', 'fy=2026'],
    ];
    const failures = [];
    let twoWayHidden = 0;
    for (const [route, q] of queries) {
      for (const hidden of [false, true]) {
        const query = `${q}&format=svg${hidden ? '&suppressed=true' : ''}`;
        const res = await get(as.hart, route, query);
        const text = await res.text();
        if (res.status !== 200) {
          failures.push(`${route}?${query}: ${res.status} ${text.slice(0, 200)}`);
          continue;
        }
        try {
          const svg = readSvg(text);
          if (hidden && /then=/.test(q) && svg.desc.includes('total <5')) twoWayHidden++;
        } catch (e) {
          failures.push(`${route}?${query}: ${e.message}`);
        }
      }
    }
    assert.deepEqual(failures, [], `every SVG is well-formed:\n${failures.join('\n')}`);
    assert.ok(twoWayHidden > 0, 'a two-way figure with a hidden total was among them');
  });

  test('the analyst\'s SVG draws <5 as a hidden count, never its value', async () => {
    const exact = await fig(as.hart, `by=year&${PAST_RANGE}`);
    const f = await fig(as.analyst, `by=year&${PAST_RANGE}`);
    const s = await download(as.analyst, 'referrals', `by=year&format=svg&${PAST_RANGE}`);
    const svg = readSvg(s.text);
    assert.ok(svg.desc.includes('2008: <5'), svg.desc);
    assertNothingHiddenIn(svg.desc, f, 'analyst SVG description', exact, [1, 4]);
    const shown = f.rows.map((r) => r.cells[0].value).filter((v) => v !== null && v > 0);
    assertProportional(barsOf(svg.root).sort((a, b) => a.x - b.x).map((b) => b.h), shown, 'the analyst\'s bars are the shown counts');
    const again = readSvg((await download(as.analyst, 'referrals', `by=year&format=svg&suppressed=false&${PAST_RANGE}`)).text);
    assert.equal(again.desc, svg.desc, 'suppressed=false changes nothing for the analyst');
  });

  // ---- who may read, and the audit ----

  test('stats.read: hart, liaison and analyst get 200 on every figure; careline, mdt, provider, trainer and admin 403', async () => {
    for (const route of STAT_ROUTES) {
      for (const role of ['hart', 'liaison', 'analyst']) {
        const res = await get(as[role], route);
        const text = await res.text();
        assert.equal(res.status, 200, `${role} ${route}: ${text}`);
      }
      for (const role of ['careline', 'mdt', 'provider', 'trainer', 'admin']) {
        await assertProblem(await get(as[role], route), 403, `${role} ${route}`);
      }
    }
  });

  test('a liaison always gets its own region, exactly', async () => {
    const mine = await fig(as.hart, `by=year&region=${REGION_A}&${PAST_RANGE}`);
    const plain = await fig(as.liaison, `by=year&${PAST_RANGE}`);
    assert.deepEqual(column(plain), column(mine));
    assert.equal(plain.total.value, PAST.regions[REGION_A]);
    assert.equal(plain.suppressed, false, 'a liaison sees exact counts');
    const other = await fig(as.liaison, `by=year&region=${REGION_B}&${PAST_RANGE}`);
    assert.deepEqual(column(other), column(mine), 'asking for R2 still gives R1');
    const byRegion = await fig(as.liaison, `by=region&${PAST_RANGE}`);
    for (const r of byRegion.rows) assert.equal(r.cells[0].value, r.key === REGION_A ? PAST.regions[REGION_A] : 0, `liaison by region: ${r.key}`);
  });

  test('bad parameters answer 422 naming the parameter', async () => {
    const bad = [
      ['referrals', 'by=colour', 'by'], ['referrals', 'by=year&then=colour', 'then'], ['referrals', 'measure=cats', 'measure'],
      ['referrals', 'from=2015-13-01', 'from'], ['referrals', 'to=yesterday', 'to'], ['referrals', 'region=R9', 'region'],
      ['referrals', 'format=pdf', 'format'], ['duties', 'by=source', 'by'], ['duties', 'kind=nonsense', 'kind'],
      ['federal', 'fy=twenty', 'fy'], ['referrals', 'suppressed=maybe', 'suppressed'],
    ];
    for (const [route, q, field] of bad) {
      const errs = errorsOf(await assertProblem(await get(as.hart, route, q), 422, `${route}?${q}`));
      assert.ok(field in errs, `${route}?${q}: an error for ${field} in ${JSON.stringify(errs)}`);
    }
  });

  test('every figure read is audited as stats.read with its query, though it holds no child', async () => {
    const count = async (who) => (await as.admin.get(`/api/v1/audit?action=stats.read&user=${who}&limit=500`)).items;
    const before = (await count('demo-hart')).length;
    for (const route of STAT_ROUTES) await (await get(as.hart, route, 'format=csv')).arrayBuffer();
    const after = await count('demo-hart');
    assert.equal(after.length, before + STAT_ROUTES.length, 'one record per read');
    const beforeA = (await count('demo-analyst')).length;
    await fig(as.analyst, 'by=vulnerability&from=2009-01-01&to=2009-12-31');
    const recs = await count('demo-analyst');
    assert.equal(recs.length, beforeA + 1);
    const newest = recs.reduce((a, b) => ((a.seq ?? a.id) > (b.seq ?? b.id) ? a : b));
    assert.equal(newest.action, 'stats.read');
    assert.match(newest.detail, /vulnerability/, `the query is in the record: ${JSON.stringify(newest)}`);
    assert.match(newest.detail, /2009-01-01/, `the query is in the record: ${JSON.stringify(newest)}`);
  });

  // ---- figures from live data ----

  test('an accepted report is a referral per child, by its source, region, age, sex and its day in the pack\'s time zone; one not accepted is none', async () => {
    const q = 'from=2025-12-01&to=2026-12-31';
    const before = {
      src: column(await fig(as.hart, `by=source&${q}`)),
      reg: column(await fig(as.hart, `by=region&${q}`)),
      year: column(await fig(as.hart, `by=year&${q}`)),
      age: await fig(as.hart, `by=age&${q}`),
    };
    // 10 pm on New Year's Eve in the pack's time zone is New Year's Day in UTC.
    const eve = localTime('2025-12-31T22:00:00');
    assert.ok(new Date(eve).toISOString().startsWith('2026-01-01'), `${eve} is already 2026 in UTC`);
    await intake({
      source: SOURCE_EMS, receivedAt: eve,
      children: [child({ town: TOWN_B, estimated_age: 16, sex: 'M' }), child({ town: TOWN_B, estimated_age: 12, sex: 'F' })],
    });
    await intake({ source: SOURCE_EMS, receivedAt: localTime('2025-12-31T23:00:00'), children: [child({ town: TOWN_B })], accept: false });
    const after = {
      src: column(await fig(as.hart, `by=source&${q}`)),
      reg: column(await fig(as.hart, `by=region&${q}`)),
      year: column(await fig(as.hart, `by=year&${q}`)),
      age: await fig(as.hart, `by=age&${q}`),
    };
    assert.equal(after.src[SOURCE_EMS] - (before.src[SOURCE_EMS] ?? 0), 2, 'two children, two referrals; the report not accepted is none');
    assert.equal(after.reg[REGION_B] - (before.reg[REGION_B] ?? 0), 2);
    assert.equal((after.year['2025'] ?? 0) - (before.year['2025'] ?? 0), 2, `received 2025-12-31 in ${TIME_ZONE}`);
    assert.equal((after.year['2026'] ?? 0) - (before.year['2026'] ?? 0), 0);
    const ageDelta = (g) => rowOf(after.age, g).cells[0].value - rowOf(before.age, g).cells[0].value;
    assert.equal(ageDelta(AGE_GROUP_NAME_B), 1);
    assert.equal(ageDelta(AGE_GROUP_NAME_A), 1);
    assert.equal(AGE_GROUP_OF(16), AGE_GROUP_NAME_B);
  });

  test('the federal count: distinct children identified as suspected or confirmed in the fiscal year, October to September', async () => {
    const fy = async (y) => fig(as.hart, `fy=${y}`, 'federal');
    const [b26, b27] = [await fy(2026), await fy(2027)];
    assert.equal(b26.figure, 'federal');
    const a = await newCase(TOWN_B2);
    const b = await newCase(TOWN_B2);
    const c = await newCase(TOWN_B2);
    const d = await newCase(TOWN_B2);
    // 19:30 on September 30 in the pack's time zone: FFY 2026.
    await patchCase(a.id, { victim_status: 'suspected', identified_at: localTime('2026-09-30T19:30:00'), trafficking_type: TYPE_A });
    // 23:30 on September 30 there, though October 1 in UTC: still FFY 2026.
    const late = localTime('2026-09-30T23:30:00');
    assert.ok(new Date(late).toISOString().startsWith('2026-10-01'), `${late} is October 1 in UTC`);
    await patchCase(b.id, { victim_status: 'confirmed', identified_at: late });
    // October 1 there: FFY 2027.
    await patchCase(c.id, { victim_status: 'suspected', identified_at: localTime('2026-10-01T08:00:00') });
    // At risk is not a victim.
    await patchCase(d.id, { victim_status: 'at_risk' });
    // Confirming a suspected child later is the same child, once.
    await patchCase(a.id, { victim_status: 'confirmed' });
    const [f26, f27] = [await fy(2026), await fy(2027)];
    assert.equal(totalOf(f26) - totalOf(b26), 2, `FFY 2026: ${JSON.stringify(f26)}`);
    assert.equal(totalOf(f27) - totalOf(b27), 1, `FFY 2027: ${JSON.stringify(f27)}`);
    const keysOf = (f) => [...f.rows.map((r) => r.key), ...f.columns.map((x) => x.key)];
    assert.ok(keysOf(f26).includes('suspected') || keysOf(f26).includes('confirmed'), `by victim status: ${JSON.stringify(keysOf(f26))}`);
    assert.equal(marginal(f26, TYPE_A) - marginal(b26, TYPE_A), 1, 'by trafficking type');
    assert.equal(marginal(f27, 'suspected') - marginal(b27, 'suspected'), 1);
    // The analyst's federal count is suppressed like every figure.
    const an = await fig(as.analyst, 'fy=2026', 'federal');
    assert.equal(an.suppressed, true);
    assertHiddenCells(an, f26, 'analyst federal');
    assertUnrecoverable(an, 'analyst federal');
  });

  // One case in R3 (Norwich) with what the duty, missing and rapid-response figures count; made once, read by the three tests below.
  const R3_2026 = `by=year&from=2026-01-01&to=2026-12-31&region=${REGION_C}`;
  const val = (f, col) => rowOf(f, '2026').cells[colIndex(f, col)].value;
  let liveR3;
  function r3Case() {
    liveR3 ??= (async () => {
      const base = { duties: await fig(as.hart, R3_2026, 'duties'), missing: await fig(as.hart, R3_2026, 'missing'), rapid: await fig(as.hart, R3_2026, 'rapid-response') };
      const e = await newCase(TOWN_C);
      await patchCase(e.id, { victim_status: 'suspected', identified_at: '2026-06-01T12:00:00Z' });
      // 25 hours after identification: met, late.
      await post(e.id, 'reports', { kind: 'law_enforcement', agency: 'Norwich Police Department', reported_at: '2026-06-02T13:00:00Z' });
      const ep = await post(e.id, 'missing-episodes', { last_seen_at: '2026-07-01T08:00:00Z', learned_at: '2026-07-01T10:00:00Z' });
      await post(e.id, 'reports', { kind: 'law_enforcement', agency: 'Norwich Police Department', reported_at: '2026-07-01T12:00:00Z', missing_episode_id: ep.id });
      // No NCMEC report: that duty stays unmet.
      await patchSub(`/api/v1/cases/${e.id}/missing-episodes/${ep.id}`, { located_at: '2026-07-03T09:00:00Z' });
      await post(e.id, 'events', { kind: 'rescreen', missing_episode_id: ep.id, occurred_at: '2026-07-03T15:00:00Z', answers: Object.fromEntries(SSCST.items.map((i) => [i.id, false])) });
      // Arrivals at 3/8, 3/4 and 3/2 of the pack's target (45, 90 and 180 minutes of 120).
      for (const [reqAt, mins] of [['2026-08-01T10:00:00Z', RAPID_MINUTES[0]], ['2026-08-05T10:00:00Z', RAPID_MINUTES[1]], ['2026-08-09T10:00:00Z', RAPID_MINUTES[2]]]) {
        const arrAt = new Date(Date.parse(reqAt) + mins * MINUTE_MS).toISOString().replace('.000Z', 'Z');
        const rr = await post(e.id, 'rapid-responses', { requested_at: reqAt, responder: 'Youth advocate' });
        await patchSub(`/api/v1/cases/${e.id}/rapid-responses/${rr.id}`, { arrived_at: arrAt });
      }
      return { base, caseId: e.id };
    })();
    return liveR3;
  }

  test('duties compliance: a law-enforcement report met late, a missing child reported to law enforcement on time and never to NCMEC, a re-screen on time', async () => {
    const { base } = await r3Case();
    const duties = await fig(as.hart, R3_2026, 'duties');
    assert.equal(duties.figure, 'duties');
    const d = (col) => val(duties, col) - val(base.duties, col);
    assert.deepEqual({ met_on_time: d('met_on_time'), met_late: d('met_late'), unmet: d('unmet') }, { met_on_time: 1, met_late: 1, unmet: 1 },
      'the federal reports: the case\'s law-enforcement report (late), the missing child\'s law-enforcement report (on time) and NCMEC report (none)');
    const le = await fig(as.hart, `${R3_2026}&kind=law_enforcement_report`, 'duties');
    assert.equal(val(le, 'met_late'), 1);
    const rescreen = await fig(as.hart, `${R3_2026}&kind=return_rescreen`, 'duties');
    assert.equal(val(rescreen, 'met_on_time'), 1);
    assert.equal(d('due'), 3, 'the duties due: a column due');
    assert.equal(val(le, 'due'), 1);
  });

  test('missing episodes: the episode that started, reported to law enforcement on time, not to NCMEC, returned and re-screened on time', async () => {
    const { base } = await r3Case();
    const missing = await fig(as.hart, R3_2026, 'missing');
    const m = (col) => val(missing, col) - val(base.missing, col);
    assert.deepEqual({ episodes: m('episodes'), le: m('le_on_time'), ncmec: m('ncmec_on_time'), returned: m('returned'), rescreened: m('rescreened_on_time') },
      { episodes: 1, le: 1, ncmec: 0, returned: 1, rescreened: 1 });
    const byRegion = await fig(as.hart, 'by=region&from=2026-01-01&to=2026-12-31', 'missing');
    assert.equal(rowOf(byRegion, REGION_C).cells[colIndex(byRegion, 'episodes')].value, 1);
    // The analyst's: one episode is a small count, hidden with whatever is computed from it.
    const an = await fig(as.analyst, R3_2026, 'missing');
    assert.deepEqual(rowOf(an, '2026').cells[colIndex(an, 'episodes')], { value: null, display: '<5' });
    assertHiddenCells(an, missing, 'analyst missing');
    assertUnrecoverable(an, 'analyst missing');
  });

  test('rapid response: requests, arrivals, within the pack\'s target, the median and 90th percentile minutes', async () => {
    const { base } = await r3Case();
    const rapid = await fig(as.hart, R3_2026, 'rapid-response');
    assert.equal(rowOf(base.rapid, '2026').cells[colIndex(base.rapid, /^requests?$/)].value, 0, 'no rapid response in R3 before');
    assert.equal(val(rapid, /^requests?$/), 3);
    assert.equal(val(rapid, /^arrivals?$/), 3);
    assert.equal(val(rapid, 'within_target'), 2, `${RAPID_MINUTES[0]} and ${RAPID_MINUTES[1]} minutes are within the ${RAPID_TARGET}-minute target, ${RAPID_MINUTES[2]} is not`);
    assert.equal(val(rapid, /median/), RAPID_MINUTES[1]);
    const p90 = val(rapid, /90/);
    assert.ok(p90 >= RAPID_MINUTES[1] && p90 <= RAPID_MINUTES[2], `the 90th percentile of ${RAPID_MINUTES.join(', ')} minutes: ${p90}`);
    const an = await fig(as.analyst, R3_2026, 'rapid-response');
    for (const c of rowOf(an, '2026').cells) assert.equal(c.value, null, `three requests are a small count, and what is computed from them goes too: ${JSON.stringify(an.rows)}`);
  });
});
