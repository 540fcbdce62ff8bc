// Nothing acknowledged is lost: a stream of intakes over many connections,
// the server killed (SIGKILL, no chance to flush anything) in the middle of
// it, and every report that was answered 201 is in the database when it
// starts again, with its audit record, and the audit chain verifies.
// Transactions share commits (the single writer); each is answered only
// once the commit it joined is durable.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { createUser, login, syntheticReport } from '../lib/auth.mjs';
import { cleanup, freshDb, initDb, run, sql, startServer, testClock } from '../lib/server.mjs';

after(cleanup);

const CONNECTIONS = 24;
const ACKNOWLEDGED_BEFORE_KILL = 150;

describe('a server killed during a stream of intakes', () => {
  test('loses no intake it acknowledged, and the audit chain verifies', async () => {
    const db = freshDb();
    const clock = testClock();
    await initDb(db, { env: clock.env });
    const worker = await createUser(db, { username: 'careline-durable', role: 'careline', env: clock.env });
    const server = await startServer({ db, env: clock.env });
    const session = await login(server.url, worker.username, worker.password);

    const acknowledged = [];
    let refused = 0;
    let stopping = false;
    let killed;
    const killedNow = new Promise((resolve) => { killed = resolve; });
    const body = JSON.stringify(syntheticReport(clock));
    const stream = async () => {
      while (!stopping) {
        let res;
        try {
          res = await fetch(`${server.url}/api/v1/intakes`, {
            method: 'POST',
            headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
            body,
          });
        } catch {
          return; // the server is gone
        }
        const text = await res.text().catch(() => null);
        if (res.status === 201 && text) {
          acknowledged.push(JSON.parse(text).id);
          if (acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL && !stopping) {
            stopping = true;
            server.proc.kill('SIGKILL');
            killed();
          }
        } else {
          refused++;
        }
      }
    };
    const streams = Array.from({ length: CONNECTIONS }, stream);
    await killedNow;
    await Promise.all(streams);
    await server.waitExit().catch(() => {});
    assert.equal(refused, 0, 'no intake was refused before the kill');
    assert.ok(acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL, `acknowledged ${acknowledged.length}`);

    const stored = new Set(sql(db, 'SELECT id FROM intake').trim().split('\n').filter(Boolean).map(Number));
    const lost = acknowledged.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `acknowledged but not stored after the kill (${acknowledged.length} acknowledged)`);
    const audited = new Set(sql(db, "SELECT object_id FROM audit WHERE action = 'intake.create'")
      .trim().split('\n').filter(Boolean).map(Number));
    assert.deepEqual(acknowledged.filter((id) => !audited.has(id)), [], 'each acknowledged intake has its audit record');

    const verify = await run(['audit', 'verify', '--db', db], { db, env: clock.env });
    assert.equal(verify.code, 0, `audit verify after the kill:\n${verify.stdout}\n${verify.stderr}`);

    // The server starts on what the kill left and goes on taking reports.
    const again = await startServer({ db, env: clock.env });
    const s2 = await login(again.url, worker.username, worker.password);
    const next = await s2.send('POST', '/api/v1/intakes', syntheticReport(clock), 201);
    assert.ok(!stored.has(next.id), 'a new intake after the restart');
    await again.stop();
  });
});
