// Users and sessions for the end-to-end tests: create users with the CLI,
// log in over HTTP, send requests as someone.

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

import { concern, region, service, source, townOf } from './pack.mjs';
import { freshDb, initDb, mediaType, nextCodeTime, run, serverOf, startServer, testClock } from './server.mjs';

/** Every role, in the order the server lists them. */
export const ROLES = ['careline', 'hart', 'liaison', 'mdt', 'provider', 'trainer', 'analyst', 'admin'];

/** The demo's region (the pack's first), its MDT team and a provider of it, as `hartline demo` makes them. */
export const DEMO_REGION = region(0);
export const DEMO_TEAM = `mdt-${DEMO_REGION.toLowerCase()}`;
export const DEMO_PROVIDER = `harbor_light_${DEMO_REGION.toLowerCase()}`;

/** What `hartline demo` creates: one user per role. */
export const DEMO_USERS = [
  { username: 'demo-careline', role: 'careline', scope: null, display_name: 'Demo Hotline Worker' },
  { username: 'demo-hart', role: 'hart', scope: null, display_name: 'Demo HART Coordinator' },
  { username: 'demo-liaison', role: 'liaison', scope: DEMO_REGION, display_name: 'Demo Regional Liaison' },
  { username: 'demo-mdt', role: 'mdt', scope: DEMO_TEAM, display_name: 'Demo MDT Member' },
  { username: 'demo-provider', role: 'provider', scope: DEMO_PROVIDER, display_name: 'Demo Provider Staff' },
  { username: 'demo-trainer', role: 'trainer', scope: null, display_name: 'Demo Trainer' },
  { username: 'demo-analyst', role: 'analyst', scope: null, display_name: 'Demo Analyst' },
  { username: 'demo-admin', role: 'admin', scope: null, display_name: 'Demo Administrator' },
].map((u) => ({ ...u, email: `${u.username}@example.org` }));

/** A password the server accepts: long, random, on no list. */
export function newPassword() {
  return `Tq7-${randomBytes(12).toString('base64url')}-x9`;
}

const SCOPE_FLAG = { liaison: '--region', mdt: '--team', provider: '--provider' };

/**
 * Runs `hartline user add` (password on stdin) and throws unless it exits 0.
 * Resolves { username, password, role, scope, display_name, email, stdout }.
 * scope goes to --region, --team or --provider as the role needs.
 */
export async function createUser(db, { username, role = 'careline', scope, displayName, email, password, env } = {}) {
  assert.ok(username, 'createUser needs a username');
  password ??= newPassword();
  const args = ['user', 'add', username, '--role', role, '--db', db, '--password-stdin'];
  if (scope) args.push(SCOPE_FLAG[role] || '--region', scope);
  if (displayName) args.push('--display-name', displayName);
  if (email) args.push('--email', email);
  const r = await run(args, { db, env, input: `${password}\n` });
  if (r.code !== 0) {
    throw new Error(`hartline ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return { username, password, role, scope: scope ?? null, display_name: displayName ?? username, email: email ?? null, stdout: r.stdout };
}

/**
 * Parses the table `hartline demo` prints (USERNAME ROLE SCOPE PASSWORD)
 * into [{ username, role, scope, password }]; scope "-" is null.
 */
export function parseDemoTable(stdout) {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => /^\s*USERNAME\s+ROLE\s+SCOPE\s+PASSWORD\s*$/.test(l));
  if (head < 0) return [];
  const users = [];
  for (const line of lines.slice(head + 1)) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 4) {
      if (line.trim() === '') continue;
      break;
    }
    users.push({ username: f[0], role: f[1], scope: f[2] === '-' ? null : f[2], password: f[3] });
  }
  return users;
}

/**
 * Runs `hartline demo --db DB` and throws unless it exits 0 and prints a
 * password for every demo user. Resolves { stdout, users, byRole,
 * byName }, each user { username, role, scope, password, display_name,
 * email }.
 */
export async function demoUsers(db, { env } = {}) {
  const r = await run(['demo', '--db', db], { db, env });
  if (r.code !== 0) throw new Error(`hartline demo exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const printed = parseDemoTable(r.stdout);
  const users = DEMO_USERS.map((d) => {
    const p = printed.find((u) => u.username === d.username);
    if (!p) throw new Error(`hartline demo printed no password for ${d.username}:\n${r.stdout}`);
    return { ...d, password: p.password };
  });
  return {
    stdout: r.stdout,
    users,
    byRole: Object.fromEntries(users.map((u) => [u.role, u])),
    byName: Object.fromEntries(users.map((u) => [u.username, u])),
  };
}

/** POST /api/v1/session; resolves the response as is. */
export function postSession(url, body) {
  return fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The roles that give a second factor at every login. */
export const MFA_ROLES = ['careline', 'hart', 'liaison', 'mdt', 'provider'];

/** The bytes of a base32 (RFC 4648) text. */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${text}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA1, 6 digits, 30-second steps) of a base32 secret at ms. */
export function totp(secret, ms = Date.now()) {
  const step = Math.floor(ms / 1000 / 30);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}

// The authenticator secrets the harness enrolled, by database and user.
const secrets = new Map();
const secretKey = (url, username) => `${serverOf(url)?.db ?? url}\n${username}`;

/** The secret the harness enrolled for username on the server at url (or undefined). */
export function mfaSecretOf(url, username) {
  return secrets.get(secretKey(url, username));
}

/** Remembers the secret a test (or the browser helper) enrolled username with. */
export function rememberSecret(url, username, secret) {
  secrets.set(secretKey(url, username), secret);
}

// Codes for one server are made one at a time: each moves the server's
// code clock a step on, and a code must reach the server before the clock
// moves again.
const codeLocks = new Map();
export function withCodeLock(url, fn) {
  const prev = codeLocks.get(url) || Promise.resolve();
  const next = prev.then(fn, fn);
  codeLocks.set(url, next.catch(() => {}));
  return next;
}

/**
 * A fresh code for secret on the server at url: the server's code clock
 * is moved to the next step first. Call inside withCodeLock.
 */
export function freshCode(url, secret) {
  const server = serverOf(url);
  if (!server?.clock) return totp(secret);
  const t = nextCodeTime();
  server.clock.set(t);
  return totp(secret, t);
}

/**
 * Completes a login that answered mfa_required: enrols the user (and
 * remembers the secret) or sends a code. Resolves { body, setCookie } of
 * the full session.
 */
export function completeSecondFactor(url, username, partial) {
  return withCodeLock(url, async () => {
    const token = partial.token;
    let res;
    if (partial.next === 'enrol') {
      const e = await readJson(await request(url, '/api/v1/session/second-factor/enrolment', { method: 'POST', token }),
        201, `enrolment of ${username}`);
      secrets.set(secretKey(url, username), e.secret);
      res = await request(url, '/api/v1/session/second-factor/enrolment/confirm', {
        method: 'POST', token, body: { code: freshCode(url, e.secret) },
      });
    } else {
      const secret = secrets.get(secretKey(url, username));
      if (!secret) throw new Error(`${username} enrolled a second factor the harness does not know`);
      res = await request(url, '/api/v1/session/second-factor', { method: 'POST', token, body: { code: freshCode(url, secret) } });
    }
    const text = await res.text();
    if (res.status !== 201) throw new Error(`second factor of ${username}: ${res.status} ${text}`);
    return { body: JSON.parse(text), setCookie: res.headers.get('set-cookie') };
  });
}

/**
 * POST /api/v1/session, waiting out a 429 that only asks to try again in
 * a second or two (every hashing slot was taken).
 */
async function postSessionPatiently(url, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await postSession(url, body);
    const wait = Number(res.headers.get('retry-after'));
    if (res.status !== 429 || attempt >= 20 || !(wait <= 2)) return res;
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, wait * 1000 * (0.2 + Math.random() * 0.3)));
  }
}

/**
 * Logs in and resolves a Session; throws unless the server answers 201, or
 * 200 asking for a second factor that the harness then gives (enrolling
 * the user on its first login).
 */
export async function login(url, username, password) {
  const res = await postSessionPatiently(url, { username, password });
  const text = await res.text();
  if (res.status === 200) {
    const partial = JSON.parse(text);
    if (!partial.mfa_required) throw new Error(`login as ${username}: 200 without mfa_required: ${text}`);
    const done = await completeSecondFactor(url, username, partial);
    return new Session(url, done.body, done.setCookie);
  }
  if (res.status !== 201) throw new Error(`login as ${username}: ${res.status} ${text}`);
  const body = JSON.parse(text);
  return new Session(url, body, res.headers.get('set-cookie'));
}

/** Asserts res is JSON with the given status and resolves with the parsed body. */
export async function readJson(res, status, what = '') {
  const text = await res.text();
  const label = `${what}${what ? ': ' : ''}${res.status} ${text}`;
  assert.equal(res.status, status, `HTTP status (${label})`);
  assert.equal(mediaType(res.headers.get('content-type')), 'application/json', `content type (${label})`);
  return JSON.parse(text);
}

/**
 * Sends a request to url+path. opts: method, body (an object is sent as
 * JSON; a string as is, still labelled application/json), token (sent as
 * Authorization: Bearer), cookie (a session token sent as the cookie),
 * csrf (the X-CSRF-Token value), headers.
 */
export function request(url, path, { method = 'GET', body, token, cookie, csrf, headers = {} } = {}) {
  const h = { ...headers };
  if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = `hartline_session=${cookie}`;
  if (csrf) h['x-csrf-token'] = csrf;
  return fetch(`${url}${path}`, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A logged-in user: the token, the CSRF token and the user as login answered. */
export class Session {
  constructor(url, body, setCookie) {
    this.url = url;
    this.token = body.token;
    this.csrf = body.csrf_token;
    this.user = body.user;
    this.setCookie = setCookie;
  }

  /** A request with Authorization: Bearer (see request() for opts). */
  fetch(path, opts = {}) {
    return request(this.url, path, { ...opts, token: this.token });
  }

  /** A request with the session cookie and, unless opts.csrf is false, X-CSRF-Token. */
  cookieFetch(path, opts = {}) {
    const { csrf = true, ...rest } = opts;
    return request(this.url, path, { ...rest, cookie: this.token, csrf: csrf === true ? this.csrf : csrf || undefined });
  }

  /** GET path with the bearer token; asserts 200 JSON and resolves the body. */
  async get(path) {
    return readJson(await this.fetch(path), 200, `GET ${path}`);
  }

  /** Sends method path body with the bearer token; asserts status and resolves the JSON body. */
  async send(method, path, body, status = 200) {
    return readJson(await this.fetch(path, { method, body }), status, `${method} ${path}`);
  }

  /** DELETE /api/v1/session; asserts 204. */
  async logout() {
    const res = await this.fetch('/api/v1/session', { method: 'DELETE' });
    await res.arrayBuffer();
    assert.equal(res.status, 204, 'logout');
  }
}

/**
 * Adds a user as an administrator does (POST /api/v1/users, no password)
 * and sets its password through the set-up link the answer carries, as the
 * person would. Resolves { user, password, link }, user as GET answers it
 * once the password is set.
 */
export async function addUserWithLink(admin, body, password = newPassword()) {
  const made = await admin.send('POST', '/api/v1/users', body, 201);
  assert.ok(made.setup_link && made.setup_link.token, `a set-up link in ${JSON.stringify(made)}`);
  const res = await request(admin.url, '/api/v1/setup', { method: 'POST', body: { token: made.setup_link.token, password } });
  await readJson(res, 200, `set the password of ${body.username}`);
  return { user: await admin.get(`/api/v1/users/${made.id}`), password, link: made.setup_link };
}

/**
 * A fresh database with the demo users, made on a test clock started at
 * start (pass clock.env to the server too): { clock, db, demo }.
 */
export async function demoOnClock(start = '2026-11-28T15:00:00Z') {
  const clock = testClock(start);
  const db = freshDb();
  await initDb(db, { env: clock.env });
  const demo = await demoUsers(db, { env: clock.env });
  return { clock, db, demo };
}

/** A fresh database with the demo users and the synthetic children: { db, demo }. */
export async function demoDb() {
  const db = freshDb();
  await initDb(db);
  const demo = await demoUsers(db);
  return { db, demo };
}

/**
 * A fresh database with the demo users and the synthetic children (made
 * before the server starts, so that it loads them), and a server on it:
 * { demo, server }.
 */
export async function demoServer() {
  const { db, demo } = await demoDb();
  const server = await startServer({ db });
  return { demo, server };
}

/** Logs each of users in to server, into as[role], and each of extra into as[key] (returned). */
export async function loginEach(server, users, as = {}, extra = {}) {
  for (const u of users) as[u.role] = await login(server.url, u.username, u.password);
  for (const [k, u] of Object.entries(extra)) as[k] = await login(server.url, u.username, u.password);
  return as;
}

/** Audit records of an action, newest first, as admin (a Session) reads them. */
export async function auditRecords(admin, action, extra = '') {
  return (await admin.get(`/api/v1/audit?action=${action}&limit=500${extra}`)).items;
}

/**
 * What syntheticReport() holds, from the pack: its source, the child's
 * town (in REPORT.region) and its concern.
 */
export const REPORT = { source: source(0), region: region(0), town: townOf(region(0)), concern: concern(0) };

/**
 * A valid report, received ten minutes before clock's time, with a
 * 14-year-old in REPORT.town; overrides replace its top-level keys.
 */
export function syntheticReport(clock, overrides = {}) {
  return {
    received_at: clock.iso(-10 * 60_000),
    channel: 'phone',
    reporter: { source: REPORT.source, name: 'A school counselor' },
    children: [{ given_name: 'Alex', family_name: 'Doe', estimated_age: 14, town: REPORT.town }],
    narrative: 'A synthetic report.',
    concerns: [REPORT.concern],
    ...overrides,
  };
}

/**
 * Adds a provider to the directory as session (HART or an administrator),
 * so that provider users can be given its code as their scope. Resolves
 * the provider as POST /api/v1/providers answers it.
 */
export async function addProvider(session, code, overrides = {}) {
  const body = { code, name: `Provider ${code} (synthetic)`, services: [service(0)], regions: [region(0)], ...overrides };
  return session.send('POST', '/api/v1/providers', body, 201);
}
