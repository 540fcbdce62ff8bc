// The reverse-proxy recipe of docs/operations.md ("Behind nginx"), as
// shipped in dist/nginx-hartline.conf: nginx runs it in front of hartline
// with a throwaway certificate, on free ports of this machine, and the
// browser's view is checked through it.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createUser } from '../lib/auth.mjs';
import { SOURCE_ROOT, cleanup, freePort, freshDb, initDb, startServer, stopServer, tempDir, until } from '../lib/server.mjs';

const RECIPE = path.join(SOURCE_ROOT, 'dist', 'nginx-hartline.conf');

function request(mod, url, opts = {}, body) {
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { timeout: 15_000, ...opts }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** s with from replaced by to, which must be there. */
function swap(s, from, to) {
  assert.ok(s.includes(from), `the recipe holds ${JSON.stringify(from)}`);
  return s.split(from).join(to);
}

after(cleanup);

describe('behind nginx, as docs/operations.md says', { timeout: 300_000 }, () => {
  let dir;
  let ca;
  let server;
  let nginx;
  let httpsUrl;
  let httpPort;
  let user;
  let nginxBin;
  let nginxErr = '';

  before(async () => {
    // nginx lives in /usr/sbin, which a CI shell's PATH may leave out.
    nginxBin = ['/usr/sbin/nginx', '/sbin/nginx', 'nginx'].find((p) => !p.includes('/') || fs.existsSync(p));
    const found = spawnSync(nginxBin, ['-v'], { encoding: 'utf8' });
    assert.equal(found.error, undefined, `nginx is installed (scripts/install-deps installs it for this test): ${found.error}`);
    dir = tempDir('hartline-nginx-');
    const cert = path.join(dir, 'tls.crt');
    const key = path.join(dir, 'tls.key');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=hartline.example.org',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:hartline.example.org',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    ca = fs.readFileSync(cert, 'utf8');

    const db = freshDb();
    await initDb(db);
    user = await createUser(db, { username: 'proxied-analyst', role: 'analyst' });
    server = await startServer({ db, args: ['--cookie-secure', '--trust-proxy'] });

    // The recipe on this machine's free ports (IPv4 only), with the test's
    // certificate and hartline's port.
    httpPort = await freePort();
    let httpsPort = await freePort();
    while (httpsPort === httpPort) httpsPort = await freePort();
    let site = fs.readFileSync(RECIPE, 'utf8');
    site = swap(site, '    listen 80;\n', `    listen 127.0.0.1:${httpPort};\n`);
    site = swap(site, '    listen [::]:80;\n', '');
    site = swap(site, '    listen 443 ssl http2;\n', `    listen 127.0.0.1:${httpsPort} ssl http2;\n`);
    site = swap(site, '    listen [::]:443 ssl http2;\n', '');
    site = swap(site, '/etc/letsencrypt/live/hartline.example.org/fullchain.pem', cert);
    site = swap(site, '/etc/letsencrypt/live/hartline.example.org/privkey.pem', key);
    site = swap(site, 'proxy_pass http://127.0.0.1:8080;', `proxy_pass ${server.url};`);
    fs.writeFileSync(path.join(dir, 'hartline.conf'), site);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
    for (const t of temp) fs.mkdirSync(path.join(dir, t));
    fs.writeFileSync(path.join(dir, 'nginx.conf'), [
      'daemon off;',
      'worker_processes 1;',
      process.getuid && process.getuid() === 0 ? 'user root;' : '',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      ...temp.map((t) => `  ${t}_temp_path ${dir}/${t};`),
      `  include ${dir}/hartline.conf;`,
      '}',
      '',
    ].join('\n'));
    const check = spawnSync(nginxBin, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `nginx -t on the recipe:\n${check.stderr}`);
    nginx = spawn(nginxBin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr.setEncoding('utf8').on('data', (d) => (nginxErr += d));
    httpsUrl = `https://127.0.0.1:${httpsPort}`;
    let last = 'no answer yet';
    try {
      await until(async () => {
        try {
          const res = await request(https, `${httpsUrl}/healthz`, { ca });
          last = `status ${res.status}: ${res.body.slice(0, 200)}`;
          return res.status === 200;
        } catch (err) {
          last = String(err);
          return false;
        }
      }, 30_000, `nginx answering on ${httpsUrl}`);
    } catch (err) {
      let log = '';
      try {
        log = fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
      } catch {
        /* nginx never opened it */
      }
      throw new Error(`${err.message}; last: ${last}; nginx exit ${nginx.exitCode}; stderr: ${nginxErr}; error.log: ${log}`);
    }
  });

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((resolve) => nginx.on('close', resolve));
      nginx.kill('SIGQUIT');
      await gone;
    }
    await stopServer(server);
  });

  test('HTTPS through nginx reaches hartline, with Strict-Transport-Security', async () => {
    const res = await request(https, `${httpsUrl}/healthz`, { ca });
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).status, 'ok');
    assert.match(String(res.headers['strict-transport-security']), /^max-age=\d+/);
  });

  test('the session cookie is Secure, and a session works through the proxy', async () => {
    const body = JSON.stringify({ username: user.username, password: user.password });
    const res = await request(https, `${httpsUrl}/api/v1/session`, {
      ca, method: 'POST', headers: { 'content-type': 'application/json' },
    }, body);
    assert.equal(res.status, 201, res.body);
    const cookie = [].concat(res.headers['set-cookie'])[0];
    assert.match(cookie, /;\s*Secure(;|$)/, cookie);
    const state = await request(https, `${httpsUrl}/api/v1/session`, { ca, headers: { cookie: cookie.split(';')[0] } });
    assert.equal(JSON.parse(state.body).user.username, user.username);
  });

  test('hartline records the address nginx saw, not one the client wrote', async () => {
    const res = await request(https, `${httpsUrl}/api/v1/session?from-proxy-test`, {
      ca, headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    assert.equal(res.status, 200, res.body);
    const line = await server.waitForLog((e) => e.event === 'http' && e.fields.path === '/api/v1/session' && e.fields.method === 'GET',
      { what: 'the request through nginx in the log' });
    const all = server.events().filter((e) => e.event === 'http');
    assert.ok(all.every((e) => e.fields.client !== '203.0.113.9'), 'no request logged with the address the client wrote');
    assert.equal(line.fields.client, '127.0.0.1', line.line);
  });

  test('plain HTTP is sent to HTTPS', async () => {
    const res = await request(http, `http://127.0.0.1:${httpPort}/cases`, { headers: { host: 'hartline.example.org' } });
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, 'https://hartline.example.org/cases');
  });

  test('docs/operations.md shows the recipe as shipped', () => {
    const doc = fs.readFileSync(path.join(SOURCE_ROOT, 'docs', 'operations.md'), 'utf8');
    const recipe = fs.readFileSync(RECIPE, 'utf8');
    assert.ok(doc.includes(`\`\`\`nginx\n${recipe}\`\`\``), 'the nginx block in docs/operations.md is dist/nginx-hartline.conf');
  });
});
