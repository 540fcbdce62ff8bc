// Time zones (docs/cases.md, "Time zones"): deadlines, the sweep, figures
// and the dates people read follow the pack's time_zone, across a change of
// offset in each direction. A 24-hour duty that spans the change is due 24
// real hours later; the sweep compares instants; a plan's review date ends
// at midnight on the agency's calendar; a report at 23:30 on a month's last
// day counts in that month. Run on the shipped pack (New York's clocks) and
// on a copy of it whose time_zone is America/Chicago, written here.
//
// The United States moves its clocks at 02:00 local time on the second
// Sunday of March and the first Sunday of November: in 2027 on March 14
// (spring forward) and November 7 (fall back). The instants below are
// written out by hand from those rules, not computed by the code under test.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createUser, login, readJson } from '../lib/auth.mjs';
import { DEFAULT_PACK_PATH, ENGINE, MINUTE_MS, freshDb, initDb, run, startServer, stopServer, tempDir, testClock, until } from '../lib/server.mjs';

const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const shipped = JSON.parse(fs.readFileSync(DEFAULT_PACK_PATH, 'utf8'));

/** The shipped pack, and a copy of it on Chicago's clocks (in a temp dir). */
function packs() {
  const chicago = structuredClone(shipped);
  chicago.pack.time_zone = 'America/Chicago';
  const file = path.join(tempDir('hartline-tz-pack-'), 'chicago.json');
  fs.writeFileSync(file, JSON.stringify(chicago, null, 2));
  return [
    { name: shipped.pack.time_zone, file: DEFAULT_PACK_PATH, pack: shipped },
    { name: 'America/Chicago', file, pack: chicago },
  ];
}

// Hours east of UTC, standard and daylight time, and the zones' short names.
const ZONES = {
  'America/New_York': { std: -5, dst: -4, stdName: 'EST', dstName: 'EDT' },
  'America/Chicago': { std: -6, dst: -5, stdName: 'CST', dstName: 'CDT' },
};

/** The instant a wall clock at offset (hours east of UTC) shows "YYYY-MM-DDTHH:MM". */
const wall = (local, offset) => new Date(Date.parse(`${local}:00Z`) - offset * HOUR_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');

for (const P of packs()) {
  const Z = ZONES[P.name];
  assert.ok(Z, `the test knows the offsets of ${P.name}`);
  const region = P.pack.regions[0];
  const town = region.offices.find((o) => o.towns && o.towns.length).towns[0];

  describe(`time zones: ${P.name} (${ENGINE})`, { timeout: 180_000 }, () => {
    let clock;
    let db;
    let server;
    const as = {};
    let serial = 0;

    before(async () => {
      clock = testClock(wall('2027-02-28T23:45', Z.std));
      db = freshDb();
      await initDb(db, { pack: P.file, env: clock.env });
      for (const role of ['careline', 'hart']) {
        const u = await createUser(db, { username: `tz-${role}`, role, env: clock.env });
        as[role] = u;
      }
      server = await startServer({ db, pack: P.file, env: clock.env, args: ['--session-idle', '365d', '--session-max', '365d'] });
      for (const role of ['careline', 'hart']) as[role] = await login(server.url, as[role].username, as[role].password);
    });
    after(() => stopServer(server));

    /** A hotline report received at receivedAt, accepted for HART: its id. */
    async function report(receivedAt) {
      serial++;
      const body = {
        received_at: receivedAt,
        channel: 'phone',
        reporter: { source: P.pack.referral_sources[0].id, name: 'A school counselor' },
        children: [{ given_name: 'Sam', family_name: `Zonetest${serial}`, estimated_age: 15, town }],
        narrative: 'A synthetic report.',
        concerns: [P.pack.vulnerabilities[0].id],
      };
      const { id } = await readJson(await as.careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, `record a report received ${receivedAt}`);
      await readJson(await as.careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
      return id;
    }
    /** `hartline deadlines sweep`; on PostgreSQL the server's own sweep may hold the turn: then again. */
    const sweep = async () => {
      for (let i = 0; ; i++) {
        const r = await run(['deadlines', 'sweep', '--db', db, '--pack', P.file], { db, env: clock.env });
        if (r.code !== 0 && i < 3 && /try again/.test(r.stderr)) continue;
        assert.equal(r.code, 0, `hartline deadlines sweep: ${r.stdout}\n${r.stderr}`);
        return;
      }
    };
    const dutiesOf = async (caseId) => (await as.hart.get(`/api/v1/deadlines?case=${caseId}&limit=500`)).items;
    const overdueNotes = async (number) => (await as.hart.get('/api/v1/notifications')).items.filter((n) => n.kind === 'deadline_overdue' && n.text.includes(number));
    const months = async (from, to) => {
      const fig = await readJson(await as.hart.fetch(`/api/v1/stats/referrals?by=month&from=${from}&to=${to}`), 200, 'referrals by month');
      return Object.fromEntries(fig.rows.map((r) => [r.key, r.cells[0].value]));
    };

    /**
     * A report at startLocal (the day before a change, at offset `before`)
     * whose child is identified then: the 24-hour report to law enforcement
     * spans the change and is due at dueLocal on the clocks after it.
     */
    async function spanningDuty(startLocal, before, dueLocal, afterOff, afterName) {
      const start = clock.set(wall(startLocal, before));
      const c = await readJson(await as.hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: await report(clock.iso(-10 * MINUTE_MS)) } }), 201, 'open a case');
      await readJson(await as.hart.fetch(`/api/v1/cases/${c.id}`, { method: 'PATCH', body: { version: c.version, victim_status: 'suspected', identified_at: start } }), 200, 'identify');
      const duty = (await dutiesOf(c.id)).find((d) => d.kind === 'law_enforcement_report');
      assert.ok(duty, 'the 24-hour report to law enforcement is a duty');
      const due = wall(dueLocal, afterOff);
      assert.equal(duty.starts_at, start);
      assert.equal(duty.due_at, due, `due ${dueLocal} on the clocks after the change`);
      assert.equal(Date.parse(duty.due_at) - Date.parse(start), DAY_MS, '24 real hours after it started');

      // The sweep compares instants: one minute before, open and not told;
      // one minute after, overdue, and told once.
      clock.set(Date.parse(due) - MINUTE_MS);
      await sweep();
      let d = (await dutiesOf(c.id)).find((x) => x.id === duty.id);
      assert.equal(d.status, 'open', 'at 23 h 59 min the duty is still open');
      assert.equal(d.minutes_left, 1);
      assert.deepEqual(await overdueNotes(c.number), [], 'no overdue notice at 23 h 59 min');
      clock.set(Date.parse(due) + MINUTE_MS);
      await sweep();
      d = (await dutiesOf(c.id)).find((x) => x.id === duty.id);
      assert.equal(d.status, 'overdue', 'at 24 h 01 min the duty is overdue');
      const notes = await until(async () => {
        const n = await overdueNotes(c.number);
        return n.length ? n : null;
      }, 15_000, 'the overdue notice');
      assert.equal(notes.length, 1);
      // The notice gives the due time on the agency's clock, as a person reads it.
      const [, hm] = /T(\d\d:\d\d)$/.exec(dueLocal);
      const h = Number(hm.slice(0, 2));
      const words = `${h % 12 || 12}:${hm.slice(3)} ${h < 12 ? 'AM' : 'PM'} ${afterName}`;
      assert.match(notes[0].text, new RegExp(`was due [A-Z][a-z]{2} \\d+, 2027, ${words}\\)`), notes[0].text);
      assert.ok(!notes[0].text.includes(due), 'not the UTC time');
      return c;
    }

    /**
     * A plan written with a review date: its duty falls due at the end of
     * that day on the agency's calendar (days follow the calendar, not 24-hour steps).
     */
    async function planReview(c, reviewAt, dueUtc) {
      const body = { version: 0, review_at: reviewAt, goals: [{ goal: 'Meets a mentor weekly', services: [P.pack.services[0].id], responsible: 'Mentoring agency' }] };
      const v = await as.hart.send('PUT', `/api/v1/cases/${c.id}/plans/safety`, body, 201);
      assert.equal(v.review_at, reviewAt);
      const duty = (await dutiesOf(c.id)).find((d) => d.kind === 'plan_review');
      assert.ok(duty, 'the review is a duty');
      assert.equal(duty.due_at, dueUtc, `the review falls due at the end of ${reviewAt} on the agency's clocks`);
    }

    test('spring forward: a 24-hour duty, the sweep, a review date and the months', async () => {
      // 23:30 on February 28 (standard time): February here, March in UTC.
      await report(wall('2027-02-28T23:30', Z.std));
      const c = await spanningDuty('2027-03-13T12:00', Z.std, '2027-03-14T13:00', Z.dst, Z.dstName);
      // The review date is the day of the change, 23 hours long.
      await planReview(c, '2027-03-14', wall('2027-03-14T23:59', Z.dst).replace(/:00Z$/, ':59Z'));
      // 23:30 on March 31 (daylight time): March here, April in UTC.
      clock.set(wall('2027-03-31T23:45', Z.dst));
      await report(wall('2027-03-31T23:30', Z.dst));
      clock.set(wall('2027-04-01T00:15', Z.dst));
      await report(wall('2027-04-01T00:10', Z.dst));
      assert.deepEqual(await months('2027-02-01', '2027-04-30'), { '2027-02': 1, '2027-03': 2, '2027-04': 1 });
    });

    test('fall back: a 24-hour duty, the sweep, a review date and the months', async () => {
      clock.set(wall('2027-10-31T23:45', Z.dst));
      // 23:30 on October 31 (daylight time): October here, November in UTC.
      await report(wall('2027-10-31T23:30', Z.dst));
      const c = await spanningDuty('2027-11-06T12:00', Z.dst, '2027-11-07T11:00', Z.std, Z.stdName);
      // The review date is the day of the change, 25 hours long.
      await planReview(c, '2027-11-07', wall('2027-11-07T23:59', Z.std).replace(/:00Z$/, ':59Z'));
      // 23:30 on November 30 (standard time): November here, December in UTC.
      clock.set(wall('2027-11-30T23:45', Z.std));
      await report(wall('2027-11-30T23:30', Z.std));
      assert.deepEqual(await months('2027-10-01', '2027-12-31'), { '2027-10': 1, '2027-11': 2, '2027-12': 0 });
    });

    test('the page is told the zone it shows dates in', async () => {
      const config = await as.careline.get('/api/v1/config');
      assert.equal(config.pack.time_zone, P.name);
    });
  });
}
