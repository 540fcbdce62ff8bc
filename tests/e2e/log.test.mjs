// The server's log: one line per event, one `http` line per request.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { cleanup, startServer } from '../lib/server.mjs';

after(cleanup);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

describe('log', { timeout: 60_000 }, () => {
  test('each request is logged once as an http event with method, path, status and ms', async () => {
    const server = await startServer();
    let stopped = false;
    try {
      // Requests other than the harness's GET /healthz polls, each told apart
      // by method and path.
      const requests = [
        { method: 'GET', path: '/api/v1/config', status: 200 },
        { method: 'GET', path: '/app.css', status: 200 },
        { method: 'GET', path: '/api/v1/nothing', status: 404 },
        { method: 'DELETE', path: '/healthz', status: 405 },
        // Checking a pack needs an administrator: without a session, 401.
        { method: 'POST', path: '/api/v1/config/validate', status: 401, body: '{' },
      ];
      for (const r of requests) {
        const res = await fetch(`${server.url}${r.path}`, {
          method: r.method,
          headers: r.body ? { 'content-type': 'application/json' } : {},
          body: r.body,
        });
        await res.arrayBuffer();
        assert.equal(res.status, r.status, `${r.method} ${r.path}`);
      }
      // Once the server has exited its log is complete, so counting is exact.
      assert.equal(await server.stop(), 0);
      stopped = true;
      const events = server.events();
      for (const r of requests) {
        const lines = events.filter((e) => e.event === 'http' && e.fields.method === r.method && e.fields.path === r.path);
        assert.equal(lines.length, 1, `one http line for ${r.method} ${r.path}; log:\n${server.logs().join('\n')}`);
        const [e] = lines;
        assert.equal(e.fields.status, String(r.status), e.line);
        assert.match(e.fields.ms ?? '', /^\d+(?:\.\d+)?$/, `ms is a number: ${e.line}`);
        assert.match(e.time, RFC3339, `time is RFC 3339: ${e.line}`);
        assert.ok(['debug', 'info', 'warn', 'error'].includes(e.level), `level: ${e.line}`);
      }
    } finally {
      if (!stopped) await server.kill();
    }
  });

  test('every line on stderr is a log event: time, level, event', async () => {
    const server = await startServer();
    assert.equal(await server.stop(), 0);
    const lines = server.logs().filter((l) => l !== '');
    assert.ok(lines.length >= 2, 'at least listening and stopped');
    for (const line of lines) {
      const m = /^(\S+) (debug|info|warn|error) ([a-z][a-z0-9_.-]*)(?: |$)/.exec(line);
      assert.ok(m, `log line in the form "<time> <level> <event> key=value ...": ${JSON.stringify(line)}`);
      assert.match(m[1], RFC3339, line);
    }
    const listening = server.events().find((e) => e.event === 'listening');
    assert.equal(listening.fields.url.replace(/\/+$/, ''), server.url);
    assert.ok(server.events().some((e) => e.event === 'stopped'), 'logs stopped');
  });
});
