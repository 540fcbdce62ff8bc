// Graceful stop: on SIGTERM or SIGINT the server stops accepting, lets the
// requests in flight finish, logs `stopped` and exits 0.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';

import { createUser, login } from '../lib/auth.mjs';
import { RawConnection } from '../lib/http.mjs';
import { PACK_ID } from '../lib/pack.mjs';
import { DEFAULT_PACK_PATH, cleanup, freshDb, initDb, startServer } from '../lib/server.mjs';

after(cleanup);

// How long a probe connection may sit unanswered before it counts as getting
// no service. Only the probes wait like this: they tell "not yet" from "never".
const PROBE_MS = 1000;

/**
 * Opens new connections until one is refused or gets no service, and says
 * which. Each probe that is still served means the server has not yet taken
 * the signal, and the next probe follows at once.
 */
async function untilNotServing(url, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let served = 0;
  for (;;) {
    let conn;
    try {
      conn = await RawConnection.open(url, PROBE_MS);
    } catch (e) {
      if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET') return `refused (${e.code})`;
      if (/timed out/.test(e.message)) return 'no service (connect timed out)';
      throw e;
    }
    try {
      await conn.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n').catch(() => {});
      const res = await conn.response({ timeout: PROBE_MS }).catch((e) => e);
      if (res instanceof Error) return `no service (${res.message.split(';')[0]})`;
      served++;
    } finally {
      conn.destroy();
    }
    if (Date.now() > deadline) {
      throw new Error(`new connections were still served ${timeout} ms after the signal (${served} probes answered)`);
    }
  }
}

function headEnd(buf) {
  const i = buf.indexOf('\r\n\r\n');
  return i < 0 ? null : buf.subarray(0, i).toString('latin1');
}

describe('graceful stop', { timeout: 60_000 }, () => {
  test('SIGTERM lets a request in flight finish, refuses new connections, logs stopped and exits 0', async (t) => {
    // Checking a pack needs an administrator's session.
    const db = freshDb();
    await initDb(db);
    const admin = await createUser(db, { username: 'stop-admin', role: 'admin' });
    const server = await startServer({ db });
    const { token } = await login(server.url, admin.username, admin.password);
    const { port } = new URL(server.url);
    const body = fs.readFileSync(DEFAULT_PACK_PATH);
    const half = Math.floor(body.length / 2);
    const conn = await RawConnection.open(server.url);
    try {
      await conn.write(
        'POST /api/v1/config/validate HTTP/1.1\r\n' +
          `Host: 127.0.0.1:${port}\r\n` +
          'Content-Type: application/json\r\n' +
          `Authorization: Bearer ${token}\r\n` +
          `Content-Length: ${body.length}\r\n` +
          'Expect: 100-continue\r\n' +
          'Connection: close\r\n' +
          '\r\n');
      // "100 Continue" says the server has read the headers and taken the
      // request: from here on it is in flight.
      await conn.waitFor(
        (buf) => {
          const head = headEnd(buf);
          if (head === null) return null;
          if (!/^HTTP\/1\.1 100\b/.test(head)) throw new Error(`expected 100 Continue, got ${JSON.stringify(buf.toString('latin1'))}`);
          return true;
        },
        { what: '100 Continue' });
      await conn.write(body.subarray(0, half));

      server.proc.kill('SIGTERM');
      const how = await untilNotServing(server.url);
      t.diagnostic(`after SIGTERM a new connection was ${how}`);
      assert.equal(server.exitCode, undefined, `the server exited with a request in flight (${how})\n${server.describe()}`);

      await conn.write(body.subarray(half));
      const res = await conn.response();
      assert.equal(res.status, 200, `the request in flight is answered: ${res.status} ${res.body}`);
      const r = JSON.parse(res.body);
      assert.equal(r.valid, true);
      assert.equal(r.id, PACK_ID);

      assert.equal(await server.waitExit(), 0, 'exit code');
      const events = server.events();
      assert.ok(events.some((e) => e.event === 'stopped'), `logs stopped:\n${server.logs().join('\n')}`);
      assert.ok(
        events.some((e) => e.event === 'http' && e.fields.path === '/api/v1/config/validate' && e.fields.status === '200'),
        `logs the request in flight:\n${server.logs().join('\n')}`);
      await assert.rejects(RawConnection.open(server.url), { code: 'ECONNREFUSED' });
    } finally {
      conn.destroy();
      await server.kill();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT']) {
    test(`${signal} stops an idle server: stopped is logged and the exit code is 0`, async () => {
      const server = await startServer();
      try {
        assert.equal(await server.stop(signal), 0);
        const events = server.events();
        const stopped = events.findIndex((e) => e.event === 'stopped');
        assert.ok(stopped >= 0, `logs stopped:\n${server.logs().join('\n')}`);
        assert.ok(stopped > events.findIndex((e) => e.event === 'listening'), 'stopped comes after listening');
      } finally {
        await server.kill();
      }
    });
  }
});
