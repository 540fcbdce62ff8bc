// Training: the sign-in sheet import (docs/training.md, "Sign-in sheet
// import"): a bad file refused whole with its lines named, a dry run that
// writes nothing, the same file twice refused, and a provider becoming
// trafficking-informed after the import of a Day 2 sheet.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoOnClock, loginEach } from '../lib/auth.mjs';
import { ENGINE, cleanup, startServer, stopServer } from '../lib/server.mjs';
import { AUDIENCES, COURSE_IDS, nameOf, nth, region } from '../lib/pack.mjs';

const COURSE_A = nth(COURSE_IDS, 0);
const COURSE_B = nth(COURSE_IDS, 1);

const REGION_A = region(0);

after(cleanup);

const T = '/api/v1/training';
const HEADER = 'name,email,organisation,role,audience,attended,completed\n';

describe(`training sign-in sheet import (${ENGINE})`, { timeout: 240_000 }, () => {
  let server;
  const as = {};

  const schedule = async (course, day) =>
    as.trainer.send('POST', `${T}/sessions`, {
      course, capacity: 1, starts_at: `${day}T13:00:00Z`, ends_at: `${day}T20:00:00Z`, region: REGION_A, place: 'Academy',
    }, 201);
  const sheet = async (sid, csv, dry = false, who = 'trainer') => {
    const res = await as[who].fetch(`${T}/sessions/${sid}/imports${dry ? '?dry_run=true' : ''}`, {
      method: 'POST', body: csv, headers: { 'content-type': 'text/csv' },
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, text };
  };

  before(async () => {
    const { clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z');
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
  });
  after(() => stopServer(server));

  test('a bad file is refused whole with every line named; nothing is written', async () => {
    const s = await schedule(COURSE_A, '2026-11-03');
    const before = await as.trainer.get(`${T}/trainees?limit=500`);
    const r = await sheet(s.id, `${HEADER}Good Person,good.person@example.org,,,${nth(AUDIENCES, 0)},yes,yes\n`
      + `,not-an-address,,,nobody,maybe,\nLate Person,,,,${nth(AUDIENCES, 0)},no,yes\n`);
    assert.equal(r.status, 422, r.text);
    const at = (line, column) => r.json.errors.find((e) => e.line === line && e.column === column);
    assert.ok(at(3, 'name') && at(3, 'email') && at(3, 'audience') && at(3, 'attended'), r.text);
    assert.match(at(4, 'completed').reason, /without attending/);
    assert.ok(!r.json.errors.some((e) => e.line === 2));
    const now = await as.trainer.get(`${T}/trainees?limit=500`);
    assert.equal(now.items.length, before.items.length);
    assert.equal((await as.trainer.get(`${T}/sessions/${s.id}`)).registrations.length, 0);
    assert.equal((await sheet(s.id, `${HEADER}A,,,,${nth(AUDIENCES, 0)},yes,\n`, false, 'hart')).status, 403);
    assert.equal((await sheet(999999, `${HEADER}A,,,,${nth(AUDIENCES, 0)},yes,\n`)).status, 404);
  });

  test('a provider becomes trafficking-informed after the import of a Day 2 sheet', async () => {
    const list = await as.hart.get('/api/v1/providers?limit=500');
    let provider;
    for (const p of list.items) {
      const full = await as.hart.get(`/api/v1/providers/${p.id}`);
      if (full.informed_status !== 'informed') { provider = full; break; }
    }
    assert.ok(provider, 'a provider not yet informed');
    const staff = `Quinn Importer,quinn.importer@example.org,${provider.code},Clinical supervisor,${nth(AUDIENCES, 7)},yes,yes\n`
      + `Rowan Importer,rowan.importer@example.org,${provider.name},Youth worker,${nameOf('training_audiences', nth(AUDIENCES, 7))},yes,yes\n`;
    const day1 = await schedule(COURSE_A, '2026-11-04');
    const dry = await sheet(day1.id, HEADER + staff, true);
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.json.created, 2);
    assert.equal(dry.json.certificates, 2);
    assert.equal(dry.json.import_id, null);
    assert.equal((await as.trainer.get(`${T}/sessions/${day1.id}`)).registrations.length, 0);
    const first = await sheet(day1.id, HEADER + staff);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.registered, 2); // the session holds one: the sheet records what happened
    const again = await sheet(day1.id, HEADER + staff);
    assert.equal(again.status, 409, again.text);
    assert.equal(again.json.earlier_import_id, first.json.import_id);
    assert.notEqual((await as.hart.get(`/api/v1/providers/${provider.id}`)).informed_status, 'informed');

    // Day 2: the same people, found by e-mail, not made again.
    const day2 = await schedule(COURSE_B, '2026-11-05');
    const second = await sheet(day2.id, HEADER + staff.replace(/Clinical supervisor/, 'Supervisor'));
    assert.equal(second.status, 201, second.text);
    assert.equal(second.json.matched, 2);
    assert.equal(second.json.created, 0);
    assert.deepEqual(second.json.lines.map((l) => l.found), ['email', 'email']);
    const after = await as.hart.get(`/api/v1/providers/${provider.id}`);
    assert.equal(after.informed_status, 'informed', JSON.stringify(after));
  });
});
