// E-mail to HART and the region's liaisons when a report is accepted: it
// reaches a local SMTP sink (Debian's python3-aiosmtpd) without the child's
// name, and a sink that is down shows as a retried, visible failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { demoUsers, login } from '../lib/auth.mjs';
import { assertPagesWhole, assertProblem } from '../lib/http.mjs';
import { mailsIn, startSink } from '../lib/mail.mjs';
import { ENGINE, cleanup, freePort, freshDb, initDb, startServer, tempDir, until } from '../lib/server.mjs';
import { COMMERCIAL_SEX_CONCERNS, nth, region, source, town } from '../lib/pack.mjs';

const SOURCE_LE = source(1);

const CS_CONCERN_A = nth(COMMERCIAL_SEX_CONCERNS, 1);

const REGION_A = region(0);
const TOWN_A = town(0, 0, 0);

const CHILD = 'Zephyrine Quillfeather';

const REPORT = {
  received_at: '2026-11-28T03:10:00-05:00',
  channel: 'phone',
  reporter: { source: SOURCE_LE, name: 'Officer Synthetic' },
  children: [{ given_name: 'Zephyrine', family_name: 'Quillfeather', estimated_age: 15, town: TOWN_A }],
  narrative: `Synthetic narrative about ${CHILD}.`,
  concerns: [CS_CONCERN_A],
};

describe(`e-mail notifications (${ENGINE})`, { timeout: 120_000 }, () => {
  let sink;
  let server;
  let mailDir;
  let careline;
  let admin;

  before(async () => {
    const db = freshDb();
    await initDb(db);
    const demo = await demoUsers(db);
    mailDir = path.join(tempDir(), 'mail');
    const port = await freePort();
    sink = await startSink(mailDir, port);
    server = await startServer({ db, args: ['--smtp', `smtp://127.0.0.1:${port}`, '--mail-from', 'hartline@example.org'] });
    careline = await login(server.url, 'demo-careline', demo.byRole.careline.password);
    admin = await login(server.url, 'demo-admin', demo.byRole.admin.password);
  });

  after(async () => {
    try {
      if (server) assert.equal(await server.stop(), 0);
    } finally {
      if (sink) sink.kill();
      await cleanup();
    }
  });

  async function acceptReport() {
    const created = await careline.fetch('/api/v1/intakes', { method: 'POST', body: REPORT });
    assert.equal(created.status, 201, await created.clone().text());
    const { id, number } = await created.json();
    const decided = await careline.fetch(`/api/v1/intakes/${id}/disposition`, {
      method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 },
    });
    assert.equal(decided.status, 200, await decided.text());
    return { id, number };
  }

  test('accepting a report e-mails HART and the region\'s liaison with the number and a link, never the child', async () => {
    const { id, number } = await acceptReport();
    const mail = await until(() => {
      const m = mailsIn(mailDir).filter((x) => x.includes(number));
      return m.length >= 2 && m;
    }, 20_000, 'two e-mails');
    const to = mail.map((m) => /^To: (.*)$/m.exec(m)[1].trim()).sort();
    assert.deepEqual(to, ['demo-hart@example.org', 'demo-liaison@example.org']);
    for (const m of mail) {
      assert.match(m, new RegExp(`^Subject: .*${number}`, 'm'));
      assert.match(m, new RegExp(`/#intake/${id}`));
      for (const secret of ['Zephyrine', 'Quillfeather', 'Officer Synthetic', 'narrative']) {
        assert.ok(!m.includes(secret), `the e-mail does not hold "${secret}"`);
      }
    }
    const outbox = await admin.get('/api/v1/outbox?limit=500');
    assert.equal(outbox.smtp_configured, true);
    assert.ok(outbox.items.filter((m) => m.status === 'sent').length >= 2, JSON.stringify(outbox));
  });

  test('an account given case access e-mails HART only, without the set-up link', async () => {
    const made = await admin.send('POST', '/api/v1/users',
      { username: 'mail-liaison', role: 'liaison', scope: REGION_A, display_name: 'Mail Liaison', email: 'mail-liaison@example.org' }, 201);
    const mail = await until(() => {
      const m = mailsIn(mailDir).filter((x) => x.includes('mail-liaison'));
      return m.length >= 1 && m;
    }, 20_000, 'an e-mail about mail-liaison');
    assert.deepEqual(mail.map((m) => /^To: (.*)$/m.exec(m)[1].trim()), ['demo-hart@example.org']);
    assert.match(mail[0], /^Subject: hartline: an account was given case access/m);
    assert.match(mail[0], /demo-admin/);
    assert.ok(!mail[0].includes(made.setup_link.token), 'not the set-up link');
  });

  test('with the sink down, sending fails visibly for the administrator and is retried', async () => {
    sink.kill();
    await new Promise((r) => sink.once('exit', r));
    const { number } = await acceptReport();
    const failing = await until(async () => {
      const o = await admin.get('/api/v1/outbox?limit=500');
      const m = o.items.filter((x) => x.subject.includes(number) && x.last_error);
      return m.length >= 2 && m;
    }, 20_000, 'failed attempts in the outbox');
    for (const m of failing) {
      assert.equal(m.status, 'pending', 'to be tried again');
      assert.ok(m.attempts >= 1);
      assert.ok(m.next_attempt_at > m.created_at, 'a later attempt is scheduled');
    }
    // Other roles may not see the outbox.
    const res = await careline.fetch('/api/v1/outbox');
    assert.equal(res.status, 403);
  });

  test('the outbox is a page at a time: two by two with after, no message twice and none left out; the counts are of the whole outbox', async () => {
    const ids = await assertPagesWhole(admin, '/api/v1/outbox', { what: 'the outbox' });
    assert.ok(ids.length >= 4, JSON.stringify(ids));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    await assertPagesWhole(admin, '/api/v1/outbox?sort=created_at', { what: 'the outbox, oldest first' });
    const whole = await admin.get('/api/v1/outbox?limit=500');
    const one = await admin.get('/api/v1/outbox?limit=1');
    assert.equal(one.pending, whole.items.filter((m) => m.status === 'pending').length, 'pending counts every message, not the page');
    assert.equal(one.failed, whole.items.filter((m) => m.status === 'failed').length);
    await assertProblem(await admin.fetch('/api/v1/outbox?sort=subject'), 422, 'a sort the list has not');
  });
});
