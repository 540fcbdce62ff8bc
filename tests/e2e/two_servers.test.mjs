// Two servers on one PostgreSQL database, requests spread over both
// (docs/operations.md, "More than one server"): the identity registry of
// each follows the people recorded, merged and unmerged through the other
// (LISTEN/NOTIFY wakes its catch-up), the figures read on one count the
// referrals made on the other, a session and an Idempotency-Key hold on
// either, the deadline sweep sends each reminder once, one server at a
// time (an advisory lock), and a queue of e-mail both servers find due at
// once goes out once (each message claimed by one sender).
//
// SQLite is served by one server only: there the suite is skipped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Session, demoOnClock, login, readJson } from '../lib/auth.mjs';
import { mailsIn, startSink } from '../lib/mail.mjs';
import { ENGINE, MINUTE_MS, cleanup, freePort, loadDefaultPack, sql, startServer, tempDir, until } from '../lib/server.mjs';
import { CLOSURE_REASONS, concern, nth, source, town } from '../lib/pack.mjs';

const CLOSURE_TRANSFER = nth(CLOSURE_REASONS, 3);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const TOWN_A = town(0, 0, 0);

const INTAKES = '/api/v1/intakes';
const CASES = '/api/v1/cases';
const PERSONS = '/api/v1/persons';
const NOTIFICATIONS = '/api/v1/notifications';
const PACK = loadDefaultPack();
const minutesOf = (id) => PACK.deadlines.find((d) => d.id === id).minutes;
const REMINDER = minutesOf('reminder_before');
const LE = minutesOf('law_enforcement_report');
// The sweep's advisory lock (src/service/deadlines.c, SWEEP_LOCK_KEY).
const SWEEP_LOCK_KEY = '7521418695227211777';
// How long a change made through one server may take to show on the other.
const FOLLOW_MS = 5_000;

/**
 * A slow SMTP server on 127.0.0.1:port: it takes each message, into
 * messages, delayMs after its end, so that a queue takes a while to send.
 * Resolves the net.Server once it listens.
 */
function slowSink(port, delayMs, messages) {
  const server = net.createServer((c) => {
    let buf = '';
    let data = null;
    c.setEncoding('latin1');
    c.write('220 slow sink\r\n');
    c.on('data', (d) => {
      buf += d;
      for (;;) {
        if (data !== null) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          data += buf.slice(0, end);
          buf = buf.slice(end + 5);
          const message = data;
          data = null;
          setTimeout(() => { messages.push(message); c.write('250 taken\r\n'); }, delayMs);
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') c.write('250 slow sink\r\n');
        else if (verb === 'DATA') { data = ''; c.write('354 go on\r\n'); }
        else if (verb === 'QUIT') { c.end('221 bye\r\n'); return; }
        else c.write('250 ok\r\n');
      }
    });
    c.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const skip = ENGINE === 'postgresql'
  ? false
  : 'two servers share one database on PostgreSQL only (SQLite is served by one server): run with ' +
    "HARTLINE_TEST_ENGINE=postgresql inside pg_virtualenv, as make check's pg suite does";

describe(`two servers on one database (${ENGINE})`, { skip, timeout: 240_000 }, () => {
  let clock;
  let db;
  let demo;
  let sink;
  let mailDir;
  let smtpPort;
  const srv = {}; // a, b
  const as = {}; // sessions made on server a
  let serial = 0;

  /** Session s, sent to server x instead (the same token). */
  const on = (x, s) => Object.assign(Object.create(Session.prototype), s, { url: srv[x].url });

  /** A report of one child recorded through server x; accepted for HART unless accept is false. */
  async function report(x, given, family, { accept = true } = {}) {
    const careline = on(x, as.careline);
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: given, family_name: family, estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await careline.send('POST', INTAKES, body, 201);
    if (accept) {
      const { version } = await careline.get(`${INTAKES}/${id}`);
      await careline.send('POST', `${INTAKES}/${id}/disposition`, { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version });
    }
    return id;
  }

  /** A case of a new child, opened through server x: { caseId, person, number, version }. */
  async function childWithCase(x, given, family) {
    const c = await on(x, as.hart).send('POST', CASES, { intake_id: await report(x, given, family) }, 201);
    const kase = await on(x, as.hart).get(`${CASES}/${c.id}`);
    return { caseId: c.id, person: kase.child.person_id, number: c.number, version: kase.version };
  }

  /** The person ids server x's registry proposes for the name. */
  async function candidates(x, given, family) {
    const found = await on(x, as.careline).send('POST', `${PERSONS}/match`, { given_name: given, family_name: family, age: 15 });
    return found.candidates.map((c) => c.person_id);
  }

  /** Waits until pred(server x's candidates for the name) holds. */
  async function registryShows(x, given, family, pred, what) {
    let last;
    try {
      await until(async () => pred((last = await candidates(x, given, family))), FOLLOW_MS, what);
    } catch (e) {
      throw new Error(`${e.message}: server ${x} proposes ${JSON.stringify(last)}`);
    }
  }

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    mailDir = path.join(tempDir(), 'mail');
    smtpPort = await freePort();
    sink = await startSink(mailDir, smtpPort);
    const args = ['--sweep-seconds', '1', '--session-idle', '7d', '--session-max', '7d', '--smtp', `smtp://127.0.0.1:${smtpPort}`, '--mail-from', 'hartline@example.org'];
    srv.a = await startServer({ db, env: clock.env, args });
    srv.b = await startServer({ db, env: clock.env, args });
    for (const u of demo.users) as[u.role] = await login(srv.a.url, u.username, u.password);
  });
  after(async () => {
    try {
      for (const x of ['a', 'b']) {
        if (srv[x]) assert.equal(await srv[x].stop(), 0, `server ${x} exits 0 on SIGTERM\n${srv[x].describe().slice(-4000)}`);
      }
    } finally {
      sink?.kill();
      await cleanup();
    }
  });

  test('each server listens for the others\' writes', async () => {
    for (const x of ['a', 'b']) {
      await srv[x].waitForLog((e) => e.event === 'listen' && e.fields.state === 'listening', { what: `server ${x} listening` });
    }
  });

  test('a child recorded through A is found by name through B\'s registry', async () => {
    const k = await childWithCase('a', 'Quentin', 'Twoserverfound');
    // A knows at once: it wrote it.
    assert.ok((await candidates('a', 'Quentin', 'Twoserverfound')).includes(k.person), 'A finds its own child');
    await registryShows('b', 'Quentin', 'Twoserverfound', (ids) => ids.includes(k.person), 'B finds the child recorded through A');
    // ... and the case list's name search on B, through B's registry.
    const list = await on('b', as.hart).get(`${CASES}?q=${encodeURIComponent('Quentin Twoserverfound')}`);
    assert.deepEqual(list.items.map((c) => c.id), [k.caseId]);
  });

  test('a merge made through B shows in A, and its undo through A shows in B', async () => {
    const a = await childWithCase('a', 'Rosalind', 'Twoservermerge');
    const b = await childWithCase('a', 'Rosalyn', 'Twoservermergee');
    await on('a', as.hart).send('PATCH', `${CASES}/${b.caseId}`, { version: b.version, status: 'closed', closure_reason: CLOSURE_TRANSFER, close_anyway: 'Merged into the other record of the child.' });
    await registryShows('b', 'Rosalyn', 'Twoservermergee', (ids) => ids.includes(b.person), 'B knows the second record');
    await registryShows('a', 'Rosalyn', 'Twoservermergee', (ids) => ids.includes(b.person), 'A knows the second record');

    const reason = 'The school confirms it is one child under two spellings.';
    const merged = await on('b', as.hart).send('POST', `${PERSONS}/${a.person}/merge`, { other_id: b.person, reason }, 201);
    // The merged record's names find the kept child on A, and the merged record is gone from A's proposals.
    await registryShows('a', 'Rosalyn', 'Twoservermergee', (ids) => ids.includes(a.person) && !ids.includes(b.person),
      'A proposes the kept record for the merged one\'s names');

    await on('a', as.hart).send('POST', `${PERSONS}/merges/${merged.id}/undo`, { reason: 'Twins: two children after all, says the school.' });
    await registryShows('b', 'Rosalyn', 'Twoservermergee', (ids) => ids.includes(b.person),
      'B proposes the unmerged record again');
  });

  test('figures read on B count the referrals accepted through A', async () => {
    const year = clock.iso().slice(0, 4);
    const query = `by=year&from=${year}-01-01&to=${year}-12-31`;
    const total = async () => (await on('b', as.hart).get(`/api/v1/stats/referrals?${query}`)).total.value;
    const before = await total();
    for (let i = 0; i < 6; i++) await report('a', `Figure${i}`, `Twoserverfigures${i}`);
    assert.equal(await total(), before + 6, 'B counts the six referrals made through A');
  });

  test('a session made on A works on B, and a logout on B ends it on A', async () => {
    const u = demo.users.find((x) => x.role === 'analyst') || demo.users.find((x) => x.role === 'admin');
    const s = await login(srv.a.url, u.username, u.password);
    const me = await on('b', s).get('/api/v1/me');
    assert.equal(me.user.username, u.username);
    await on('b', s).logout();
    const res = await s.fetch('/api/v1/me');
    await res.arrayBuffer();
    assert.equal(res.status, 401, 'the session ended on B no longer works on A');
  });

  test('an intake retried on the other server with its Idempotency-Key is recorded once', async () => {
    serial++;
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Iris', family_name: `Twoserveridem${serial}`, estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const post = (x, key) => on(x, as.careline).fetch(INTAKES, { method: 'POST', body, headers: { 'idempotency-key': key } });
    const first = await readJson(await post('a', `two-servers-${serial}`), 201, 'the first submission, on A');
    const again = await readJson(await post('b', `two-servers-${serial}`), 200, 'the retry, on B');
    assert.deepEqual([again.id, again.number, again.replayed], [first.id, first.number, true]);

    // Sent to both at once: one report.
    const key = `two-servers-both-${serial}`;
    const both = await Promise.all(['a', 'b', 'a', 'b'].map(async (x) => {
      const res = await post(x, key);
      const j = await res.json();
      assert.ok([200, 201].includes(res.status), `${res.status} ${JSON.stringify(j)}`);
      return j.id;
    }));
    assert.equal(new Set(both).size, 1, `one report for four submissions: ${both}`);
  });

  test('the sweep, on both servers every second, sends the reminder once; a sweep under way elsewhere is left alone', async () => {
    const { caseId, number, version } = await childWithCase('a', 'Sweep', 'Twoserversweep');
    await on('a', as.hart).send('PATCH', `${CASES}/${caseId}`, { version, lead_user_id: as.liaison.user.id, victim_status: 'suspected', identified_at: clock.iso() });
    const due = Date.parse(clock.iso(LE * MINUTE_MS));
    const notes = async (s, kind) => (await s.get(NOTIFICATIONS)).items.filter((n) => n.kind === kind && n.text.includes(number));
    const mails = (what) => mailsIn(mailDir).filter((m) => m.includes(what) && m.includes(number));

    // Within the reminder window: both servers sweep every second.
    clock.set(due - (REMINDER - 1) * MINUTE_MS);
    await until(async () => (await notes(as.liaison, 'deadline_due_soon')).length > 0, 15_000, 'the due-soon notification');
    await until(() => mails('Due soon').length > 0, 15_000, 'the due-soon e-mail');
    // Both have swept several times since.
    for (const x of ['a', 'b']) {
      const n = srv[x].events().filter((e) => e.event === 'sweep').length;
      await srv[x].waitForLog(() => srv[x].events().filter((e) => e.event === 'sweep').length >= n + 3, { what: `three more sweeps on ${x}` });
    }
    assert.equal((await notes(as.liaison, 'deadline_due_soon')).length, 1, 'one reminder for the lead');
    assert.equal((await notes(on('b', as.hart), 'deadline_due_soon')).length, 1, 'one reminder for HART');
    const sent = mails('Due soon');
    const to = sent.map((m) => /^To: (.*)$/m.exec(m)?.[1]);
    assert.ok(sent.length > 0);
    assert.equal(new Set(to).size, sent.length, `one e-mail for each recipient: ${to}`);

    // While something else holds the sweep's lock neither server sweeps: the
    // overdue notice waits for it.
    const holder = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', db], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    holder.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    try {
      holder.stdin.write(`SELECT 'locked:' || pg_advisory_lock(${SWEEP_LOCK_KEY});\n`);
      await until(() => out.includes('locked:'), 10_000, 'the test holding the sweep lock');
      const skipped = (x) => srv[x].events().filter((e) => e.event === 'sweep' && e.fields.skipped === 'another_server').length;
      const before = { a: skipped('a'), b: skipped('b') };
      clock.set(due + MINUTE_MS);
      for (const x of ['a', 'b']) {
        await srv[x].waitForLog(() => skipped(x) >= before[x] + 2, { what: `server ${x} leaving the sweep to the lock's holder` });
      }
      assert.deepEqual(await notes(as.liaison, 'deadline_overdue'), [], 'no overdue notice while the lock is held');
    } finally {
      holder.stdin.end(`SELECT pg_advisory_unlock(${SWEEP_LOCK_KEY});\n`);
    }
    await until(async () => (await notes(as.liaison, 'deadline_overdue')).length > 0, 15_000, 'the overdue notice once the lock is free');
    await until(() => mails('Overdue').length > 0, 15_000, 'the overdue e-mail');
    for (const x of ['a', 'b']) {
      const n = srv[x].events().filter((e) => e.event === 'sweep').length;
      await srv[x].waitForLog(() => srv[x].events().filter((e) => e.event === 'sweep').length >= n + 2, { what: `two more sweeps on ${x}` });
    }
    assert.equal((await notes(as.liaison, 'deadline_overdue')).length, 1, 'one overdue notice');
    const overdue = mails('Overdue').map((m) => /^To: (.*)$/m.exec(m)?.[1]);
    assert.equal(new Set(overdue).size, overdue.length, `one overdue e-mail for each recipient: ${overdue}`);
  });

  test('a queue of e-mail due on both servers at once is sent once: each message claimed by one sender', async () => {
    // The sink down: the reminders of twenty cases are queued, tried and
    // put off a minute. Then both servers find all of them due at once.
    sink.kill();
    await until(() => new Promise((resolve) => {
      const c = net.connect(smtpPort, '127.0.0.1', () => { c.end(); resolve(false); });
      c.on('error', () => resolve(true));
    }), 10_000, 'the SMTP sink stopped');
    const cases = [];
    for (let i = 0; i < 20; i++) {
      const k = await childWithCase('a', `Queue${i}`, `Twoserverqueue${i}`);
      await on(i % 2 ? 'b' : 'a', as.hart).send('PATCH', `${CASES}/${k.caseId}`, { version: k.version, lead_user_id: as.liaison.user.id, victim_status: 'suspected', identified_at: clock.iso() });
      cases.push(k);
    }
    const queued = `FROM outbox WHERE object_type = 'case' AND object_id IN (${cases.map((k) => `'${k.caseId}'`).join(', ')})`;
    clock.set(Date.parse(clock.iso(LE * MINUTE_MS)) - (REMINDER - 1) * MINUTE_MS);
    let tried = 0;
    await until(() => {
      const [n, t] = sql(db, `SELECT count(*), count(*) FILTER (WHERE attempts >= 1) ${queued}`).trim().split('|').map(Number);
      tried = t;
      return n >= 40 && n === t;
    }, 30_000, 'every reminder of the twenty cases queued and tried once');
    const expected = tried;

    // A sender takes 100 ms a message: the two overlap for seconds.
    const messages = [];
    const slow = await slowSink(smtpPort, 100, messages);
    try {
      clock.advance(2 * MINUTE_MS);
      await until(() => Number(sql(db, `SELECT count(*) ${queued} AND status = 'sent'`).trim()) === expected, 60_000, 'every queued message sent');
      // Both senders have looked again since.
      await new Promise((r) => setTimeout(r, 2_500));
      const got = messages.filter((m) => cases.some((k) => m.includes(k.number)));
      const keys = got.map((m) => `${/^To: (.*)$/m.exec(m)?.[1]} ${/^Subject: (.*)$/m.exec(m)?.[1]}`);
      assert.equal(got.length, expected, `one e-mail for each queued message:\n${keys.sort().join('\n')}`);
      assert.equal(new Set(keys).size, expected);
    } finally {
      slow.close();
    }
  });
});
