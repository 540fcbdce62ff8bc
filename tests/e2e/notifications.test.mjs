// Notifications: "Mark all read" marks every unread notification of the
// caller, and no one else's (docs/careline.md, "Notifications").

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUser, demoUsers, login, loginEach } from '../lib/auth.mjs';
import { ENGINE, cleanup, freshDb, initDb, startServer, stopServer } from '../lib/server.mjs';
import { region } from '../lib/pack.mjs';

const REGION_B = region(1);

after(cleanup);

const NOTIFICATIONS = '/api/v1/notifications';

describe(`notifications: mark all read (${ENGINE})`, { timeout: 120_000 }, () => {
  let server;
  const as = {};
  let other;

  before(async () => {
    const db = freshDb();
    await initDb(db);
    const demo = await demoUsers(db);
    const otherHart = await createUser(db, { username: 'notes-hart-2', role: 'hart' });
    server = await startServer({ db });
    await loginEach(server, demo.users, as);
    other = await login(server.url, otherHart.username, otherHart.password);
    // Three accounts given case access: each HART coordinator is told of each.
    for (const [i, role] of ['careline', 'liaison', 'careline'].entries()) {
      const body = { username: `notes-new-${i}`, display_name: `New ${i}`, role };
      if (role === 'liaison') body.scope = REGION_B;
      const res = await as.admin.fetch('/api/v1/users', { method: 'POST', body });
      assert.equal(res.status, 201, await res.text());
    }
  });
  after(() => stopServer(server));

  test('every unread notification of the caller is marked read at once; another\'s stay unread', async () => {
    const mine = await as.hart.get(NOTIFICATIONS);
    assert.ok(mine.unread >= 3, JSON.stringify(mine));
    const theirs = (await other.get(NOTIFICATIONS)).unread;
    assert.ok(theirs >= 3);
    const r = await as.hart.send('POST', `${NOTIFICATIONS}/read`);
    assert.equal(r.marked, mine.unread);
    assert.equal(r.unread, 0);
    const after = await as.hart.get(NOTIFICATIONS);
    assert.equal(after.unread, 0);
    assert.ok(after.items.every((n) => n.read_at), 'each has its time read');
    assert.equal((await other.get(NOTIFICATIONS)).unread, theirs, 'another coordinator\'s stay unread');
    assert.equal((await as.hart.send('POST', `${NOTIFICATIONS}/read`)).marked, 0, 'none left: nothing marked');
  });

  test('nobody without a session marks anything', async () => {
    const res = await fetch(`${server.url}${NOTIFICATIONS}/read`, { method: 'POST' });
    assert.equal(res.status, 401);
  });
});
