// A worker's unsaved report is kept on the server, sealed, one per worker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { demoUsers, login } from '../lib/auth.mjs';
import { ENGINE, dbBytes, freshDb, initDb, startServer, stopAndClean } from '../lib/server.mjs';

describe(`drafts (${ENGINE})`, { timeout: 60_000 }, () => {
  let db, server, careline, hart, analyst;

  before(async () => {
    db = freshDb();
    await initDb(db);
    const demo = await demoUsers(db);
    server = await startServer({ db });
    careline = await login(server.url, 'demo-careline', demo.byRole.careline.password);
    hart = await login(server.url, 'demo-hart', demo.byRole.hart.password);
    analyst = await login(server.url, 'demo-analyst', demo.byRole.analyst.password);
  });

  after(() => stopAndClean(server));

  test('a draft is saved, read back, replaced and discarded, each worker their own', async () => {
    // No draft yet: 200, with none, so that a page asking as it loads meets no error.
    let res = await careline.fetch('/api/v1/drafts/intake');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { kind: 'intake', body: null, updated_at: null });
    const draft = { children: [{ given_name: 'Wenceslava', family_name: 'Draftly' }], narrative: 'half a call' };
    res = await careline.fetch('/api/v1/drafts/intake', { method: 'PUT', body: draft });
    assert.equal(res.status, 200, await res.clone().text());
    const got = await careline.get('/api/v1/drafts/intake');
    assert.deepEqual(got.body, draft);
    assert.equal(got.kind, 'intake');
    assert.equal((await hart.get('/api/v1/drafts/intake')).body, null, 'another worker does not see it');
    res = await careline.fetch('/api/v1/drafts/intake', { method: 'PUT', body: { narrative: 'second' } });
    assert.equal(res.status, 200);
    assert.deepEqual((await careline.get('/api/v1/drafts/intake')).body, { narrative: 'second' });
    res = await careline.fetch('/api/v1/drafts/intake', { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal((await careline.get('/api/v1/drafts/intake')).body, null);
    assert.equal((await careline.fetch('/api/v1/drafts/case')).status, 404, 'no such kind of draft');
  });

  test('a draft is sealed at rest', async () => {
    await careline.fetch('/api/v1/drafts/intake', { method: 'PUT', body: { children: [{ given_name: 'Wenceslava' }] } });
    assert.ok(!dbBytes(db).includes('Wenceslava'), 'the name is not in the database in clear');
  });

  test('a draft must be an object, of a known kind, and only for those who record reports', async () => {
    assert.equal((await careline.fetch('/api/v1/drafts/intake', { method: 'PUT', body: [1, 2] })).status, 422);
    assert.equal((await careline.fetch('/api/v1/drafts/case', { method: 'PUT', body: {} })).status, 404);
    assert.equal((await analyst.fetch('/api/v1/drafts/intake', { method: 'PUT', body: {} })).status, 403);
  });
});
