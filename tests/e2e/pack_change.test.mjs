// Changing the pack of a live database (docs/packs.md, "Changing a pack on
// a live database"): a server started with another pack records it and
// audits the change with the old and new digests; labels may change and
// values may be added; a value in use may not be removed or renamed, which
// `pack check --db`, `init` and `serve` refuse, naming where it is used;
// figures over a value a change retired still show its label.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, login } from '../lib/auth.mjs';
import { importCsv, rowOf } from '../lib/figures.mjs';
import { region, regionName, source, townOf } from '../lib/pack.mjs';
import { ENGINE, cleanup, freshDb, initDb, loadDefaultPack, run, sql, startServer, stopServer, tempFile } from '../lib/server.mjs';

const RANGE = 'from=2012-01-01&to=2012-12-31';
// The region a change relabels, removes or renames: the pack's third.
const R = region(2);
const R_NAME = regionName(R);
const SOURCE = source(0);

// Pack A: the shipped pack with a referral source nobody uses.
function packA() {
  const p = loadDefaultPack();
  p.referral_sources.push({ id: 'walk_in_centre', name: 'Walk-in centre' });
  return p;
}
// Pack B: A with region R and a source relabelled, the unused source
// removed, a service added and a deadline made longer.
function packB() {
  const p = packA();
  p.pack.version = `${p.pack.version}-b`;
  p.regions[2].name = 'Eastern Region';
  p.referral_sources[0].name = `${p.referral_sources[0].name} (any agency)`;
  p.referral_sources = p.referral_sources.filter((s) => s.id !== 'walk_in_centre');
  p.services.push({ id: 'peer_mentoring', name: 'Peer mentoring' });
  p.deadlines[0].minutes += 60;
  return p;
}
// Pack C: B without region R (its offices and emergency departments gone with it).
function packC() {
  const p = packB();
  p.regions = p.regions.filter((r) => r.id !== R);
  p.emergency_departments = p.emergency_departments.filter((e) => e.region !== R);
  return p;
}
// Pack D: B with region R's id changed to R9.
function packD() {
  const p = packB();
  p.regions[2].id = 'R9';
  for (const o of p.regions[2].offices) o.region = 'R9';
  for (const e of p.emergency_departments) if (e.region === R) e.region = 'R9';
  return p;
}

const file = (name, p) => tempFile(`${name}.json`, JSON.stringify(p, null, 2));

describe(`changing the pack of a live database (${ENGINE})`, { timeout: 240_000 }, () => {
  let db;
  let admin;
  let analyst;
  const files = {};
  before(async () => {
    for (const [k, f] of Object.entries({ A: packA, B: packB, C: packC, D: packD })) files[k] = file(k, f());
    db = freshDb();
    await initDb(db, { pack: files.A });
    admin = await createUser(db, { username: 'pack-admin', role: 'admin' });
    analyst = await createUser(db, { username: 'pack-analyst', role: 'analyst' });
    await createUser(db, { username: 'pack-liaison', role: 'liaison', scope: R });
    const rows = [];
    for (let i = 0; i < 6; i++)
      rows.push({ referral_date: `2012-03-0${i + 1}`, source: SOURCE, town: townOf(R), region: R, age: 15, sex: 'F', vulnerabilities: '', trafficking_type: '', child_id: `P-${i}` });
    const r = await run(['import', 'referrals', tempFile('r3.csv', importCsv(rows)), '--db', db, '--pack', files.A], { db });
    assert.equal(r.code, 0, `import: ${r.stderr}`);
  });
  after(cleanup);

  async function withServer(pack, fn) {
    const server = await startServer({ db, pack });
    try {
      return await fn(await login(server.url, admin.username, admin.password), server);
    } finally {
      await stopServer(server);
    }
  }

  let recorded;
  test('the first start records the pack, audited with its digest', async () => {
    await withServer(files.A, async (as) => {
      const items = await auditRecords(as, 'pack.recorded');
      assert.equal(items.length, 1, JSON.stringify(items));
      recorded = /digest=([0-9a-f]{64})/.exec(items[0].detail)?.[1];
      assert.ok(recorded, items[0].detail);
      assert.equal((await auditRecords(as, 'pack.changed')).length, 0);
    });
  });

  test('pack check --db lists what a change of labels and new values changes, and allows it', async () => {
    const r = await run(['pack', 'check', files.B, '--db', db], { db });
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    for (const want of [
      `region ${R} is relabelled from "${R_NAME}" to "Eastern Region"`,
      'referral source walk_in_centre "Walk-in centre" is removed',
      'service peer_mentoring "Peer mentoring" is added',
      `deadline ${loadDefaultPack().deadlines[0].id} changes from`,
    ])
      assert.ok(r.stdout.includes(want), `stdout has "${want}":\n${r.stdout}`);
    assert.match(r.stdout, new RegExp(`digest ${recorded}`));
  });

  test('a start with it is allowed and audited with the old and new digests; figures show the new label', async () => {
    await withServer(files.B, async (as, server) => {
      const items = await auditRecords(as, 'pack.changed');
      assert.equal(items.length, 1, JSON.stringify(items));
      const m = /from=\S+ \S+ digest=([0-9a-f]{64}) to=\S+ \S+ digest=([0-9a-f]{64})/.exec(items[0].detail);
      assert.ok(m, items[0].detail);
      assert.equal(m[1], recorded, 'the old digest is the one recorded');
      assert.notEqual(m[2], recorded);
      const an = await login(server.url, analyst.username, analyst.password);
      const fig = await an.get(`/api/v1/stats/referrals?by=region&${RANGE}`);
      assert.equal(rowOf(fig, R).label, 'Eastern Region');
    });
    // The same pack again is no change.
    await withServer(files.B, async (as) => assert.equal((await auditRecords(as, 'pack.changed')).length, 1));
  });

  test('a record that carries a retired value still shows its label in figures', async () => {
    sql(db, `UPDATE referral SET source = 'walk_in_centre' WHERE child_key LIKE '%P-0%' OR region = '${R}'`);
    await withServer(files.B, async (_, server) => {
      const an = await login(server.url, analyst.username, analyst.password);
      const fig = await an.get(`/api/v1/stats/referrals?by=source&${RANGE}`);
      assert.equal(rowOf(fig, 'walk_in_centre').label, 'Walk-in centre');
    });
    sql(db, `UPDATE referral SET source = '${SOURCE}' WHERE source = 'walk_in_centre'`);
  });

  for (const [what, key, want] of [
    ['removes a region in use', 'C', `region ${R} "Eastern Region" is removed, but it is used by 6 referrals counted in figures, 1 user`],
    ['renames a region id in use', 'D', `region ${R} "Eastern Region" is renamed to R9, but it is used by 6 referrals counted in figures, 1 user`],
  ]) {
    test(`pack check --db, init and serve refuse a pack that ${what}, naming the uses`, async () => {
      const check = await run(['pack', 'check', files[key], '--db', db], { db });
      assert.equal(check.code, 1, `pack check exit code; stdout: ${check.stdout}`);
      assert.ok(check.stderr.includes(want), check.stderr);
      const init = await run(['init', '--db', db, '--pack', files[key]], { db });
      assert.equal(init.code, 1, `init exit code; stdout: ${init.stdout}`);
      assert.ok(init.stderr.includes(want), init.stderr);
      const serve = await run(['serve', '--db', db, '--pack', files[key], '--listen', '127.0.0.1:0'], { db });
      assert.equal(serve.code, 1, `serve exit code; stderr: ${serve.stderr}`);
      assert.ok(serve.stderr.includes(want), serve.stderr);
      // Nothing was recorded: the database still runs with B.
      const again = await run(['pack', 'check', files.B, '--db', db], { db });
      assert.match(again.stdout, /the same as the pack the database runs with/);
    });
  }
});
