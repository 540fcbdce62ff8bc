// The import of past years (docs/import.md, docs/figures.md): `hartline
// import referrals FILE.csv` and POST /api/v1/imports/referrals check every
// line first; a dry run writes nothing; a bad file is refused whole with
// every problem as line, column and reason, and the figures do not move; a
// good file goes in as one batch of rows marked imported. Who may import.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { PAST, importCsv, pastRows } from '../lib/figures.mjs';
import { assertProblem } from '../lib/http.mjs';
import { ENGINE, cleanup, run, sql, startServer, stopServer, tempFile } from '../lib/server.mjs';
import { region, town } from '../lib/pack.mjs';

const REGION_C = region(2);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const IMPORTS = '/api/v1/imports/referrals';
const RANGE = 'from=2000-01-01&to=2026-12-31';

/** The problems a report lists as "line N, column C" pairs. */
const pairsOf = (errors) => errors.map((e) => `${e.line}:${e.column}`).sort();

/** Asserts the command's output names each line and column of want (["3:age", ...]) on one line. */
function assertListed(output, want, what) {
  const lines = output.split('\n');
  for (const w of want) {
    const [line, column] = w.split(':');
    const re = new RegExp(`\\bline ${line}\\b.*\\bcolumn ${column}\\b`);
    assert.ok(lines.some((l) => re.test(l)), `${what}: "line ${line}, column ${column}" is reported:\n${output}`);
  }
}

describe(`import of past years (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  const as = {};

  const counts = () => {
    const [ref, batches] = [sql(db, 'SELECT count(*) FROM referral').trim(), sql(db, 'SELECT count(*) FROM import_batch').trim()];
    return { referrals: Number(ref), batches: Number(batches) };
  };
  const total = async () => (await as.hart.get(`/api/v1/stats/referrals?by=year&${RANGE}`)).total.value;
  const cli = (file, ...flags) => run(['import', 'referrals', file, '--db', db, ...flags], { db, env: clock.env });
  const postCsv = (s, text, query = '') => s.fetch(`${IMPORTS}${query}`, { method: 'POST', body: text, headers: { 'content-type': 'text/csv' } });

  /** A file with bad lines: line 3 a date that is no day, line 5 an unknown source, line 6 an age that is no number, line 8 an unknown vulnerability, line 9 a town in the wrong region, line 10 a sex not F, M or X. */
  function badFile() {
    const rows = pastRows().slice(0, 10).map((r) => ({ ...r }));
    rows[1].referral_date = '2011-02-30';
    rows[3].source = 'carrier_pigeon';
    rows[4].age = 'fifteen';
    rows[6].vulnerabilities = 'runaway_awol;flying';
    rows[7].town = TOWN_A;
    rows[7].region = REGION_C;
    rows[8].sex = 'Q';
    return { text: importCsv(rows), want: ['3:referral_date', '5:source', '6:age', '8:vulnerabilities', '9:region', '10:sex'] };
  }

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
  });
  after(() => stopServer(server));

  test('hartline import referrals --dry-run checks and counts the 60 lines and writes nothing', async () => {
    const file = tempFile('past-years.csv', importCsv(pastRows()));
    const before = counts();
    const r = await cli(file, '--dry-run');
    assert.equal(r.code, 0, `dry run: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /\b60\b/, 'the report counts 60 lines');
    assert.deepEqual(counts(), before, 'nothing written');
    assert.equal(await total(), 0);
  });

  test('hartline import referrals imports the file in one batch, every row marked imported; the figures count it', async () => {
    const file = tempFile('past-years.csv', importCsv(pastRows()));
    const before = counts();
    const r = await cli(file);
    assert.equal(r.code, 0, `import: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\b60\b/, `the report counts 60 rows: ${r.stdout}`);
    assert.deepEqual(counts(), { referrals: before.referrals + 60, batches: before.batches + 1 });
    const batch = sql(db, 'SELECT id, kind, rows, file_name FROM import_batch ORDER BY id DESC LIMIT 1').trim().split('|');
    assert.equal(batch[1], 'referrals');
    assert.equal(Number(batch[2]), 60);
    assert.match(batch[3], /past-years\.csv$/);
    const marked = sql(db, `SELECT count(*) FROM referral WHERE imported = 1 AND batch_id = ${Number(batch[0])} AND disposition = 'accepted_hart'`).trim();
    assert.equal(Number(marked), 60);
    const dates = sql(db, `SELECT min(referral_date), max(referral_date) FROM referral WHERE batch_id = ${Number(batch[0])}`).trim().split('|');
    assert.ok(dates[0] >= PAST.from && dates[1] <= PAST.to, `dates in range: ${dates}`);
    assert.equal(await total(), 60, 'the running server counts the rows the command line wrote');
    const f = await as.hart.get(`/api/v1/stats/referrals?by=year&from=${PAST.from}&to=${PAST.to}`);
    assert.deepEqual(Object.fromEntries(f.rows.map((x) => [x.key, x.cells[0].value])), PAST.years);
    const repeat = await as.hart.get(`/api/v1/stats/repeat?from=${PAST.from}&to=${PAST.to}`);
    assert.equal(repeat.rows.reduce((a, x) => a + x.cells[0].value, 0), PAST.children, 'the repeated child_id is one child');
  });

  test('a bad file is refused whole: every bad line reported with its line and column, exit 1, nothing imported, the figures unchanged', async () => {
    const { text, want } = badFile();
    const file = tempFile('bad.csv', text);
    const before = counts();
    const figuresBefore = await total();
    for (const flags of [[], ['--dry-run']]) {
      const r = await cli(file, ...flags);
      assert.equal(r.code, 1, `refused (${flags.join(' ') || 'import'}): ${r.stdout}\n${r.stderr}`);
      assertListed(r.stdout + r.stderr, want, `hartline import referrals ${flags.join(' ')}`);
      assert.match(r.stdout + r.stderr, /nothing imported/);
      assert.deepEqual(counts(), before, 'nothing written');
    }
    assert.equal(await total(), figuresBefore, 'the figures are unchanged');
  });

  test('one bad line among good ones refuses the file; a missing town and region, a bad header are reported', async () => {
    const before = counts();
    const rows = pastRows().map((r) => ({ ...r }));
    rows[41].age = '31';
    let r = await cli(tempFile('one-bad.csv', importCsv(rows)));
    assert.equal(r.code, 1, r.stdout);
    assertListed(r.stdout + r.stderr, ['43:age'], 'an age out of range');
    const noPlace = pastRows().slice(0, 3).map((x) => ({ ...x, town: '', region: '' }));
    r = await cli(tempFile('no-place.csv', importCsv(noPlace)));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout + r.stderr, /line 2\b/, 'the first line without a town or region');
    assert.match(r.stdout + r.stderr, /line 4\b/, 'the last line without a town or region');
    r = await cli(tempFile('bad-header.csv', 'referral_date,source,town,colour\n2010-01-01,school,Bridgeport,red\n'));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout + r.stderr, /colour/, 'the unknown column is named');
    assert.deepEqual(counts(), before);
  });

  test('POST /api/v1/imports/referrals: a dry run answers 200 and writes nothing; an import 201 with the batch; HART and the administrator may', async () => {
    const rows = pastRows().slice(0, 5).map((r, i) => ({ ...r, referral_date: `2007-0${i + 1}-15`, child_id: `API-${i + 1}` }));
    const text = importCsv(rows);
    const before = counts();
    const dry = await readJson(await postCsv(as.admin, text, '?dry_run=true'), 200, 'dry run as admin');
    assert.equal(dry.dry_run, true);
    assert.equal(dry.rows, 5);
    assert.equal(dry.imported, 0);
    assert.equal(dry.batch_id, null);
    assert.deepEqual(dry.errors, []);
    assert.equal(dry.error_count, 0);
    assert.deepEqual(counts(), before, 'a dry run writes nothing');

    const done = await readJson(await postCsv(as.hart, text), 201, 'import as hart');
    assert.equal(done.dry_run, false);
    assert.equal(done.rows, 5);
    assert.equal(done.imported, 5);
    assert.ok(Number.isInteger(done.batch_id) && done.batch_id > 0, JSON.stringify(done));
    assert.deepEqual(counts(), { referrals: before.referrals + 5, batches: before.batches + 1 });
    const y2007 = await as.hart.get('/api/v1/stats/referrals?by=year&from=2007-01-01&to=2007-12-31');
    assert.equal(y2007.rows.find((x) => x.key === '2007').cells[0].value, 5);
    const imported = Number(sql(db, `SELECT count(*) FROM referral WHERE batch_id = ${done.batch_id} AND imported = 1`).trim());
    assert.equal(imported, 5);

    const audit = (await as.admin.get('/api/v1/audit?action=referrals.import&limit=500')).items;
    assert.ok(audit.some((a) => a.actor === 'demo-hart' && String(a.detail).includes(String(done.batch_id))), `the import is audited with its batch: ${JSON.stringify(audit)}`);
    assert.ok(audit.some((a) => a.actor === 'cli'), `the command line's import is audited as cli: ${JSON.stringify(audit)}`);
  });

  test('POST /api/v1/imports/referrals with bad lines: 422 listing each line and column, nothing imported', async () => {
    const { text, want } = badFile();
    const before = counts();
    const figuresBefore = await total();
    for (const query of ['', '?dry_run=true']) {
      const p = await assertProblem(await postCsv(as.hart, text, query), 422, `a bad file${query}`);
      assert.ok(Array.isArray(p.errors), JSON.stringify(p));
      for (const e of p.errors) {
        assert.ok(Number.isInteger(e.line), JSON.stringify(e));
        assert.equal(typeof e.reason, 'string');
        assert.ok(e.reason.length > 0);
      }
      assert.deepEqual(pairsOf(p.errors), [...want].sort(), `every bad line, once: ${JSON.stringify(p.errors)}`);
      assert.equal(p.error_count, want.length);
    }
    assert.deepEqual(counts(), before);
    assert.equal(await total(), figuresBefore);
  });

  test('only HART and the administrator may import: every other role gets 403 and nothing is written', async () => {
    const text = importCsv(pastRows().slice(0, 2).map((r) => ({ ...r, referral_date: '2006-05-05' })));
    const before = counts();
    for (const role of ['careline', 'liaison', 'mdt', 'provider', 'trainer', 'analyst']) {
      await assertProblem(await postCsv(as[role], text), 403, `${role} imports`);
      await assertProblem(await postCsv(as[role], text, '?dry_run=true'), 403, `${role} dry run`);
    }
    assert.deepEqual(counts(), before);
    const denied = (await as.admin.get('/api/v1/audit?action=permission.denied&user=demo-analyst&limit=500')).items;
    assert.ok(denied.length >= 2, 'the denials are audited');
  });

  test('an imported referral holds no personal data: the referral table has no name, birth date, address or narrative', async () => {
    const cols = ENGINE === 'sqlite'
      ? sql(db, "SELECT name FROM pragma_table_info('referral')")
      : sql(db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'referral'");
    const names = cols.trim().split('\n').map((s) => s.trim());
    assert.ok(names.includes('child_key') && names.includes('referral_date'), names.join(','));
    for (const n of names) assert.ok(!/name|dob|birth|address|narrative|street/i.test(n), `referral.${n}`);
    const keys = sql(db, "SELECT DISTINCT child_key FROM referral WHERE child_key LIKE '%0077%'").trim().split('\n');
    assert.equal(keys.length, 1, `one child for child_id H-0077: ${keys}`);
  });
});
