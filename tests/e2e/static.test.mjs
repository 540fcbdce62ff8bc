// The web UI's files: types, security headers, and the bytes of web/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SOURCE_ROOT, mediaType, normContentType, startServer, stopAndClean } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => stopAndClean(server));

/** CSP directives as a map from name to the list of sources. */
function parseCsp(header) {
  const out = new Map();
  for (const part of (header || '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

const ASSETS = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { path: '/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
  { path: '/favicon.svg', file: 'favicon.svg', media: 'image/svg+xml' },
];

describe('web UI files', { timeout: 60_000 }, () => {
  test('GET / is HTML with a strict Content-Security-Policy and nosniff', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.equal(normContentType(res.headers.get('content-type')), 'text/html; charset=utf-8');
    const cspHeader = res.headers.get('content-security-policy');
    assert.ok(cspHeader, 'has a Content-Security-Policy header');
    const csp = parseCsp(cspHeader);
    assert.deepEqual(csp.get('default-src'), ["'self'"], `default-src 'self' in ${cspHeader}`);
    const scriptSrc = csp.get('script-src');
    assert.ok(scriptSrc && scriptSrc.includes("'self'"), `script-src 'self' in ${cspHeader}`);
    assert.ok(!scriptSrc.includes("'unsafe-inline'"), `no 'unsafe-inline' in script-src: ${cspHeader}`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /^\s*<!doctype html>/i);
  });

  for (const a of ASSETS) {
    test(`GET ${a.path} serves web/${a.file} as ${a.type || a.media}`, async () => {
      const res = await fetch(`${server.url}${a.path}`);
      assert.equal(res.status, 200);
      const ct = res.headers.get('content-type');
      if (a.type) assert.equal(normContentType(ct), a.type, `Content-Type: ${ct}`);
      else assert.equal(mediaType(ct), a.media, `Content-Type: ${ct}`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `nosniff on ${a.path}`);
      const body = Buffer.from(await res.arrayBuffer());
      const file = path.join(SOURCE_ROOT, 'web', a.file);
      assert.ok(
        body.equals(fs.readFileSync(file)),
        `${a.path} is the bytes of ${file} (a binary built before the file last changed fails here: rebuild)`);
    });
  }

  test('an unknown file answers 404', async () => {
    const res = await fetch(`${server.url}/no-such-file.js`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });
});
