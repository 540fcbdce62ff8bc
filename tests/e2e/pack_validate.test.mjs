// Checking a new pack on a running server (docs/packs.md, "Checking a
// change before a restart"): POST /api/v1/config/validate answers, for a
// pack that checks ok, how it compares with the pack the server runs: each
// change in words, and each value in use it would remove or rename with its
// uses (a restart with it would be refused). Only an administrator may ask.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES, addProvider, createUser, login } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import { ENGINE, cleanup, freshDb, initDb, loadDefaultPack, startServer, stopServer } from '../lib/server.mjs';

describe(`POST /api/v1/config/validate compares with the running pack (${ENGINE})`, { timeout: 120_000 }, () => {
  let server;
  let admin;
  const users = {};
  const running = loadDefaultPack();
  // The last region: a liaison works in it, so it is in use.
  const used = running.regions[running.regions.length - 1];

  before(async () => {
    const db = freshDb();
    await initDb(db);
    for (const role of ROLES.filter((x) => x !== 'provider'))
      users[role] = await createUser(db, { username: `validate-${role}`, role, scope: role === 'liaison' ? used.id : role === 'mdt' ? 'mdt-x' : undefined });
    server = await startServer({ db });
    admin = await login(server.url, users.admin.username, users.admin.password);
    // A provider user's scope is a provider in the directory (in the first region).
    await addProvider(admin, 'validate_agency');
    users.provider = await createUser(db, { username: 'validate-provider', role: 'provider', scope: 'validate_agency' });
  });
  after(async () => {
    if (server) await stopServer(server);
    await cleanup();
  });

  const validate = (pack) => admin.send('POST', '/api/v1/config/validate', pack);

  test('the running pack itself is the same, with no change', async () => {
    const b = await validate(loadDefaultPack());
    assert.equal(b.valid, true);
    assert.equal(b.comparison.recorded, true);
    assert.equal(b.comparison.same, true);
    assert.equal(b.comparison.refused, false);
    assert.deepEqual(b.comparison.changes, []);
    assert.equal(b.comparison.running_id, running.pack.id);
  });

  test('a relabel is listed as a change that is allowed', async () => {
    const p = loadDefaultPack();
    p.regions[0].name = 'Renamed on paper';
    const b = await validate(p);
    assert.equal(b.comparison.same, false);
    assert.equal(b.comparison.refused, false);
    assert.deepEqual(b.comparison.problems, []);
    const c = b.comparison.changes.find((x) => x.list === 'regions' && x.id === running.regions[0].id);
    assert.ok(c, JSON.stringify(b.comparison.changes));
    assert.equal(c.change, 'relabelled');
    assert.equal(c.new_label, 'Renamed on paper');
    assert.equal(c.refused, false);
    assert.equal(c.used_by, undefined);
    assert.equal(c.text, `region ${running.regions[0].id} is relabelled from "${running.regions[0].name}" to "Renamed on paper"`);
  });

  test('a removed region in use is listed with its uses, and the restart would be refused', async () => {
    const p = loadDefaultPack();
    p.regions = p.regions.filter((r) => r.id !== used.id);
    p.emergency_departments = (p.emergency_departments || []).filter((e) => e.region !== used.id);
    const b = await validate(p);
    assert.equal(b.valid, true);
    assert.equal(b.comparison.refused, true);
    const c = b.comparison.changes.find((x) => x.list === 'regions' && x.id === used.id);
    assert.ok(c, JSON.stringify(b.comparison.changes));
    assert.equal(c.change, 'removed');
    assert.equal(c.refused, true);
    assert.equal(c.used_by, '1 user');
    assert.deepEqual(b.comparison.problems, [`region ${used.id} "${used.name}" is removed, but it is used by 1 user`]);
  });

  test('a renamed region id in use is listed with its uses; an unused value removed is allowed', async () => {
    const p = loadDefaultPack();
    const r = p.regions.find((x) => x.id === used.id);
    r.id = `${used.id}X`;
    for (const o of r.offices) if (o.region) o.region = r.id;
    for (const e of p.emergency_departments || []) if (e.region === used.id) e.region = r.id;
    const gone = p.services.pop();
    const b = await validate(p);
    assert.equal(b.comparison.refused, true);
    const c = b.comparison.changes.find((x) => x.list === 'regions' && x.id === used.id);
    assert.equal(c.renamed_to, r.id);
    assert.equal(c.used_by, '1 user');
    assert.match(c.text, new RegExp(`is renamed to ${r.id}`));
    const s = b.comparison.changes.find((x) => x.list === 'services' && x.id === gone.id);
    assert.ok(s, JSON.stringify(b.comparison.changes));
    assert.equal(s.change, 'removed');
    assert.equal(s.refused, false);
    assert.equal(b.comparison.problems.length, 1, JSON.stringify(b.comparison.problems));
  });

  test('every role but the administrator gets 403, whatever the pack', async () => {
    for (const role of ROLES.filter((x) => x !== 'admin')) {
      const s = await login(server.url, users[role].username, users[role].password);
      const res = await s.fetch('/api/v1/config/validate', { method: 'POST', body: loadDefaultPack() });
      await assertProblem(res, 403, role);
    }
    const res = await fetch(`${server.url}/api/v1/config/validate`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(loadDefaultPack()),
    });
    await assertProblem(res, 401, 'no session');
  });
});
