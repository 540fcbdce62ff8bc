// HTTPS served by hartline itself (serve --tls-cert FILE --tls-key FILE),
// with a throwaway certificate made here by openssl: the pages and the API
// over TLS, Strict-Transport-Security and the Secure cookie only then, plain
// HTTP to the TLS port refused, and every wrong certificate or key named
// in words before the server starts.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createUser } from '../lib/auth.mjs';
import { cleanup, freshDb, initDb, run, startServer, stopServer, tempDir } from '../lib/server.mjs';

/** A self-signed certificate for 127.0.0.1 and its key, as files in dir. */
function makeCertificate(dir, name) {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=hartline test',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.chmodSync(key, 0o600);
  return { cert, key, pem: fs.readFileSync(cert, 'utf8') };
}

/** One request over HTTPS trusting ca alone: { status, headers, body }. */
function httpsRequest(url, ca, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers, timeout: 15_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Everything a plain-HTTP request to host:port gets back before the connection ends. */
function plainRequest(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    sock.setTimeout(15_000, () => sock.destroy(new Error('plain request: no end within 15 s')));
    sock.on('connect', () => sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    sock.on('data', (d) => (got = Buffer.concat([got, d])));
    sock.on('close', () => resolve(got));
    sock.on('error', (e) => (e.code === 'ECONNRESET' ? resolve(got) : reject(e)));
  });
}

function login(url, ca, user) {
  return httpsRequest(`${url}/api/v1/session`, ca, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
}

after(cleanup);

describe('HTTPS from hartline itself', { timeout: 300_000 }, () => {
  let dir;
  let good;
  let db;
  let server;
  let user;

  before(async () => {
    dir = tempDir('hartline-tls-');
    good = makeCertificate(dir, 'server');
    db = freshDb();
    await initDb(db);
    user = await createUser(db, { username: 'tls-analyst', role: 'analyst' });
    server = await startServer({ db, ca: good.pem, args: ['--tls-cert', good.cert, '--tls-key', good.key] });
  });

  after(() => stopServer(server));

  test('serves the API and the pages over HTTPS, with Strict-Transport-Security', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const listening = server.events().find((e) => e.event === 'listening');
    assert.equal(listening.fields.tls, 'on', listening.line);
    const health = await httpsRequest(`${server.url}/healthz`, good.pem);
    assert.equal(health.status, 200, health.body);
    assert.equal(JSON.parse(health.body).status, 'ok');
    assert.match(String(health.headers['strict-transport-security']), /^max-age=\d{7,}/);
    const page = await httpsRequest(`${server.url}/`, good.pem);
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
    assert.ok(page.headers['strict-transport-security'], 'the page carries Strict-Transport-Security too');
  });

  test('the session cookie is Secure, and works over HTTPS', async () => {
    const res = await login(server.url, good.pem, user);
    assert.equal(res.status, 201, res.body);
    const cookies = [].concat(res.headers['set-cookie'] || []);
    assert.equal(cookies.length, 1, JSON.stringify(res.headers));
    assert.match(cookies[0], /;\s*Secure(;|$)/, cookies[0]);
    assert.match(cookies[0], /;\s*HttpOnly(;|$)/, cookies[0]);
    // The CSRF token travels in the answer's body, never in a cookie.
    const { csrf_token: csrf } = JSON.parse(res.body);
    assert.ok(csrf);
    const pair = cookies[0].split(';')[0];
    const state = await httpsRequest(`${server.url}/api/v1/session`, good.pem, { headers: { cookie: pair } });
    assert.equal(state.status, 200, state.body);
    assert.equal(JSON.parse(state.body).user.username, user.username);
    const out = await httpsRequest(`${server.url}/api/v1/session`, good.pem, {
      method: 'DELETE',
      headers: { cookie: pair, 'x-csrf-token': csrf },
    });
    assert.equal(out.status < 300, true, out.body);
    for (const c of [].concat(out.headers['set-cookie'] || [])) assert.match(c, /;\s*Secure(;|$)/, c);
  });

  test('plain HTTP to the HTTPS port gets no page and no answer', async () => {
    const port = Number(new URL(server.url).port);
    const got = await plainRequest(port);
    assert.doesNotMatch(got.toString('latin1'), /HTTP\/1\.[01] \d{3}/, 'no HTTP answer over plain text');
    assert.doesNotMatch(got.toString('latin1'), /"status"/, 'no health report over plain text');
    // And the server goes on serving HTTPS.
    const health = await httpsRequest(`${server.url}/healthz`, good.pem);
    assert.equal(health.status, 200);
  });

  test('a client that does not trust the certificate is refused by the client, not served', async () => {
    const other = makeCertificate(dir, 'stranger');
    await assert.rejects(httpsRequest(`${server.url}/healthz`, other.pem), /certificate/i);
  });

  test('without TLS: no Strict-Transport-Security, and the cookie is not Secure', async () => {
    const plainDb = freshDb();
    await initDb(plainDb);
    const u = await createUser(plainDb, { username: 'plain-analyst', role: 'analyst' });
    const plain = await startServer({ db: plainDb });
    try {
      const health = await fetch(`${plain.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(health.headers.get('strict-transport-security'), null);
      const res = await fetch(`${plain.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: u.username, password: u.password }),
      });
      assert.equal(res.status, 201);
      assert.doesNotMatch(res.headers.get('set-cookie'), /Secure/);
      const listening = plain.events().find((e) => e.event === 'listening');
      assert.equal(listening.fields.tls, 'off');
    } finally {
      await stopServer(plain);
    }
  });

  describe('a wrong certificate or key stops the start with the problem in words', () => {
    async function serveWith(args) {
      const r = await run(['serve', '--db', db, '--listen', '127.0.0.1:0', ...args], { db });
      assert.equal(r.timedOut, false, 'hartline serve stopped by itself');
      return r;
    }

    test('a certificate file that is not there', async () => {
      const r = await serveWith(['--tls-cert', path.join(dir, 'missing.crt'), '--tls-key', good.key]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /--tls-cert \S+missing\.crt: there is no such file; give the path of the certificate file/);
    });

    test('a key that cannot be read', async () => {
      const r = await serveWith(['--tls-cert', good.cert, '--tls-key', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /--tls-key \S+: cannot be read \(Is a directory\)/);
    });

    test('the key of another certificate', async () => {
      const other = makeCertificate(dir, 'other');
      const r = await serveWith(['--tls-cert', good.cert, '--tls-key', other.key]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /--tls-key \S+other\.key is not the key of the certificate in --tls-cert \S+server\.crt; give the key the certificate was issued for/);
    });

    test('the files the wrong way round', async () => {
      const r = await serveWith(['--tls-cert', good.key, '--tls-key', good.cert]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /--tls-cert \S+server\.key: holds no certificate; give the certificate file, the one that begins with -----BEGIN CERTIFICATE-----/);
    });

    test('a key not given', async () => {
      const r = await serveWith(['--tls-cert', good.cert]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--tls-cert and --tls-key go together/);
    });

    test('a key locked with a passphrase', async () => {
      const locked = path.join(dir, 'locked.key');
      execFileSync('openssl', ['pkey', '-in', good.key, '-out', locked, '-aes256', '-passout', 'pass:secret'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const r = await serveWith(['--tls-cert', good.cert, '--tls-key', locked]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /--tls-key \S+locked\.key: the key is locked with a passphrase/);
    });
  });
});
