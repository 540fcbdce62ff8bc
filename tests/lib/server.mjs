// Test harness: runs the real hartline binary.
//
// Environment:
//   HARTLINE_BIN          path of the binary under test (required)
//   HARTLINE_SOURCE_ROOT  the source tree (default: two levels up from here)
//   HARTLINE_TEST_ENGINE  sqlite (default) or postgresql; for postgresql the
//                         tests run inside pg_virtualenv, which sets PGHOST,
//                         PGPORT, PGUSER, PGPASSWORD for a throwaway cluster.
//   HARTLINE_TEST_PACK    the jurisdiction pack to run on (default
//                         packs/connecticut.json, the built-in one): given as
//                         --pack to every command that takes it, unless the
//                         test gives its own (tests/lib/pack.mjs).
//
// Every database, temporary directory and server made here is recorded, and
// cleanup() (call it from an `after` hook) stops the servers, drops the
// databases and removes the directories. A server still running when the
// process exits is killed.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { PACK_GIVEN, PACK_PATH } from './pack.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BIN = process.env.HARTLINE_BIN;
if (!BIN) {
  throw new Error(
    'HARTLINE_BIN is not set: point it at the hartline binary to test, ' +
      'e.g. HARTLINE_BIN=$PWD/build/hartline node --test tests/e2e/');
}
try {
  fs.accessSync(BIN, fs.constants.X_OK);
} catch (e) {
  throw new Error(`HARTLINE_BIN=${BIN} is not an executable file: ${e.message}`);
}

export const SOURCE_ROOT = path.resolve(process.env.HARTLINE_SOURCE_ROOT || path.join(here, '..', '..'));

export const ENGINE = process.env.HARTLINE_TEST_ENGINE || 'sqlite';
if (ENGINE !== 'sqlite' && ENGINE !== 'postgresql') {
  throw new Error(`HARTLINE_TEST_ENGINE must be sqlite or postgresql, not ${JSON.stringify(ENGINE)}`);
}
if (ENGINE === 'postgresql' && !process.env.PGHOST && !process.env.PGPORT) {
  throw new Error(
    'HARTLINE_TEST_ENGINE=postgresql needs a throwaway cluster: run the tests inside ' +
      "pg_virtualenv, e.g. pg_virtualenv sh -c 'HARTLINE_TEST_ENGINE=postgresql node --test tests/e2e/'");
}

/** The pack the tests run on (HARTLINE_TEST_PACK), as a path and as parsed JSON. */
export const DEFAULT_PACK_PATH = PACK_PATH;
export function loadDefaultPack() {
  return JSON.parse(fs.readFileSync(DEFAULT_PACK_PATH, 'utf8'));
}

// Which commands take --pack, asked of the binary itself (its --help), once
// each: a command that learns the option gets the test pack without a
// change here.
const takesPackCache = new Map();
function takesPack(command) {
  if (!takesPackCache.has(command)) {
    let help = '';
    try {
      help = execFileSync(BIN, [command, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      help = `${e.stdout || ''}`;
    }
    takesPackCache.set(command, /^\s*--pack\b/m.test(help));
  }
  return takesPackCache.get(command);
}

/**
 * args with `--pack HARTLINE_TEST_PACK` added when that is set, the command
 * takes --pack and the test gave none.
 */
export function withTestPack(args) {
  if (!PACK_GIVEN || args.length === 0 || args[0].startsWith('-')) return args;
  if (args.some((a) => a === '--pack' || a.startsWith('--pack='))) return args;
  if (args.includes('--help') || args[0] === 'help' || !takesPack(args[0])) return args;
  // Before the first option: an option the test leaves without its value
  // stays last, as the test wrote it.
  let at = args.findIndex((a, i) => i > 0 && a.startsWith('-'));
  if (at < 0) at = args.length;
  return [...args.slice(0, at), '--pack', PACK_PATH, ...args.slice(at)];
}

// Time limits. Generous so that a sanitizer build on a slow machine passes;
// they only bound a hang, they never pace a test.
export const START_TIMEOUT_MS = 15_000;
export const STOP_TIMEOUT_MS = 15_000;
export const RUN_TIMEOUT_MS = 30_000;

const tempDirs = [];
const databases = []; // { url, engine, name }
const dirOfDb = new Map(); // url -> temp directory used as the working directory
const servers = new Set();

/** A fresh temporary directory, removed by cleanup(). */
export function tempDir(prefix = 'hartline-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Writes a file into a fresh temporary directory and returns its path. */
export function tempFile(name, content) {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, content);
  return file;
}

/**
 * A fresh, empty database on the engine under test; returns its URL (a
 * SQLite file path or a postgresql:// URL). Nothing is created in it: run
 * `hartline init` before serving it.
 */
export function freshDb() {
  const dir = tempDir('hartline-db-');
  let url;
  if (ENGINE === 'sqlite') {
    url = path.join(dir, 'hartline.db');
    databases.push({ url, engine: 'sqlite' });
  } else {
    const name = `hartline_test_${process.pid}_${databases.length}_${randomBytes(4).toString('hex')}`;
    execFileSync('createdb', [name], { stdio: ['ignore', 'ignore', 'pipe'] });
    url = postgresUrl(name);
    databases.push({ url, engine: 'postgresql', name });
  }
  dirOfDb.set(url, dir);
  return url;
}

function postgresUrl(dbname) {
  const e = encodeURIComponent;
  const user = process.env.PGUSER || os.userInfo().username;
  const password = process.env.PGPASSWORD;
  const host = process.env.PGHOST || 'localhost';
  const port = process.env.PGPORT || '5432';
  const auth = password !== undefined ? `${e(user)}:${e(password)}@` : `${e(user)}@`;
  if (host.startsWith('/')) {
    // A Unix socket directory goes in the query string.
    return `postgresql://${auth}/${e(dbname)}?host=${e(host)}&port=${e(port)}`;
  }
  const h = host.includes(':') ? `[${host}]` : host;
  return `postgresql://${auth}${h}:${e(port)}/${e(dbname)}`;
}

// The binary runs in the database's temporary directory, so that whatever it
// writes beside the database (a key file, say) goes away with it.
function cwdFor(db) {
  return (db && dirOfDb.get(db)) || tempDir('hartline-cwd-');
}

function childEnv(extra, cwd) {
  const env = { ...process.env };
  // Settings of the binary itself must come from the test, not the caller.
  delete env.HARTLINE_DB;
  delete env.HARTLINE_LOG;
  delete env.HARTLINE_KEY_FILE;
  // A SQLite database keeps its key file beside it; a PostgreSQL one needs
  // it named: the working directory is the database's own.
  if (ENGINE === 'postgresql' && cwd) env.HARTLINE_KEY_FILE = path.join(cwd, 'hartline.key');
  return { ...env, ...extra };
}

/** The key file that belongs to db (created by `hartline init`). */
export function keyFileOf(db) {
  if (ENGINE === 'postgresql') return path.join(cwdFor(db), 'hartline.key');
  return path.join(path.dirname(db), 'hartline.key');
}

/** The audit chain's head file of db: beside its key file. */
export function auditHeadFileOf(db) {
  return path.join(path.dirname(keyFileOf(db)), 'hartline.audit-head');
}

/**
 * A copy of db (schema, rows and key file) as a new database, removed by
 * cleanup() like the others. Copy only a database no server is writing.
 */
export function cloneDb(db) {
  const dir = tempDir('hartline-db-');
  let url;
  if (ENGINE === 'sqlite') {
    url = path.join(dir, 'hartline.db');
    for (const suffix of ['', '-wal']) {
      if (fs.existsSync(db + suffix)) fs.copyFileSync(db + suffix, url + suffix);
    }
    databases.push({ url, engine: 'sqlite' });
  } else {
    const source = databases.find((d) => d.url === db);
    if (!source) throw new Error(`cloneDb: ${db} was not made by freshDb()`);
    const name = `hartline_test_${process.pid}_${databases.length}_${randomBytes(4).toString('hex')}`;
    execFileSync('createdb', ['-T', source.name, name], { stdio: ['ignore', 'ignore', 'pipe'] });
    url = postgresUrl(name);
    databases.push({ url, engine: 'postgresql', name });
  }
  dirOfDb.set(url, dir);
  const key = keyFileOf(db);
  if (fs.existsSync(key)) {
    fs.copyFileSync(key, keyFileOf(url));
    fs.chmodSync(keyFileOf(url), 0o600);
  }
  // The audit chain's head file lives beside the key file and goes with it.
  const head = auditHeadFileOf(db);
  if (fs.existsSync(head)) {
    fs.copyFileSync(head, auditHeadFileOf(url));
    fs.chmodSync(auditHeadFileOf(url), 0o600);
  }
  return url;
}

/**
 * Runs one SQL statement on db with the engine's own client (sqlite3 or
 * psql) and returns what it printed: rows one a line, columns separated by
 * `|`. Throws when the client fails.
 */
export function sql(db, statement) {
  if (ENGINE === 'sqlite') {
    return execFileSync('sqlite3', ['-batch', db, statement], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
  return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', db, '-c', statement], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The stored bytes of db, to look for what must not be there in clear: the
 * SQLite file and its -wal file, or a pg_dump of the PostgreSQL database.
 */
export function dbBytes(db) {
  if (ENGINE === 'sqlite') {
    return Buffer.concat(['', '-wal', '-journal'].filter((s) => fs.existsSync(db + s)).map((s) => fs.readFileSync(db + s)));
  }
  return execFileSync('pg_dump', ['--no-owner', db], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
}

/**
 * A clock for the test build of hartline, which reads now() from the file
 * named by HARTLINE_TEST_NOW_FILE whenever that file changes. Pass
 * clock.env to startServer (or run) and move the time with set() or
 * advance(); each write gives the file a new modification time, so the
 * server sees it at once without anyone sleeping.
 */
export function testClock(start = '2026-11-28T03:00:00Z') {
  return new TestClock(path.join(tempDir('hartline-clock-'), 'now'), start);
}

/**
 * The clock of one-time codes alone (HARTLINE_TEST_CODE_NOW_FILE): the
 * harness moves it a 30-second step on for every code it sends, so the
 * same user can log in many times a minute although the server accepts
 * each step's code once. startServer gives every server one.
 */
export function codeClock(start = Date.now()) {
  return new TestClock(path.join(tempDir('hartline-codes-'), 'now'), start, 'HARTLINE_TEST_CODE_NOW_FILE');
}

const codeClocks = new Map(); // server url -> { clock, db }

/** The code clock and database of the server at url, if startServer made it. */
export function serverOf(url) {
  return codeClocks.get(String(url).replace(/\/+$/, '')) || null;
}

// One time for every code this process sends, whatever the server: a step
// is never used twice, even by two servers on one database.
let codeTimeMs = Math.floor(Date.now() / 30_000) * 30_000;

/** The time of the next code: one step after the last one handed out. */
export function nextCodeTime() {
  codeTimeMs += 30_000;
  return codeTimeMs;
}

class TestClock {
  constructor(file, start, envName = 'HARTLINE_TEST_NOW_FILE') {
    this.file = file;
    this.env = { [envName]: file };
    this.ms = null;
    this._writes = 0;
    this.set(start);
  }

  /** Sets the time: an RFC 3339 string, a Date or milliseconds since 1970. Returns it as RFC 3339. */
  set(t) {
    const ms = typeof t === 'number' ? t : new Date(t).getTime();
    if (!Number.isFinite(ms)) throw new Error(`testClock.set: not a time: ${t}`);
    const text = isoSeconds(ms);
    // Written beside and renamed, so the server never reads half a file;
    // the modification time is one nobody else uses, so it always differs.
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, `${text}\n`);
    this._writes++;
    const stamp = 1_000_000_000 + this._writes;
    fs.utimesSync(tmp, stamp, stamp);
    fs.renameSync(tmp, this.file);
    this.ms = ms;
    return text;
  }

  /** Moves the time on by ms milliseconds; returns the new time as RFC 3339. */
  advance(ms) {
    return this.set(this.ms + ms);
  }

  /** The current time as RFC 3339, plus offsetMs. */
  iso(offsetMs = 0) {
    return isoSeconds(this.ms + offsetMs);
  }

  /**
   * Throws a clear error unless observed (a time the binary wrote, such as
   * an audit record's `at`) is the clock's time: a binary built without
   * -Dtest_hooks=true ignores HARTLINE_TEST_NOW_FILE.
   */
  check(observed, what = 'a time hartline wrote') {
    if (observed === this.iso()) return;
    throw new Error(
      `${what} is ${observed}, not the test clock's ${this.iso()}: HARTLINE_BIN=${BIN} ignores ` +
        'HARTLINE_TEST_NOW_FILE. Build it with the test hooks: meson configure build-check -Dtest_hooks=true && ninja -C build-check');
  }
}

function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const MINUTE_MS = 60_000;

/**
 * Runs `hartline ARGS` to completion: resolves { code, signal, stdout, stderr }.
 * A run that outlives opts.timeout is killed (code null, signal SIGKILL,
 * timedOut true).
 */
export function run(args, opts = {}) {
  const { env = {}, cwd, db, timeout = RUN_TIMEOUT_MS, input } = opts;
  const dir = cwd || cwdFor(db ?? findDbArg(args, env));
  args = withTestPack(args);
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, {
      cwd: dir,
      env: childEnv(env, dir),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    if (input !== undefined) proc.stdin.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeout);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function findDbArg(args, env) {
  const i = args.indexOf('--db');
  if (i >= 0 && i + 1 < args.length) return args[i + 1];
  return env.HARTLINE_DB;
}

/** Runs `hartline init --db DB [--pack PACK]` and throws unless it exits 0. */
export async function initDb(db, { pack, env } = {}) {
  const args = ['init', '--db', db];
  if (pack) args.push('--pack', pack);
  const r = await run(args, { env, db });
  if (r.code !== 0) {
    throw new Error(`hartline ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

/**
 * Parses one log line `<RFC3339 time> <level> <event> key=value ...`.
 * Values may be double-quoted with backslash escapes. Returns null for a
 * line that is not in that form.
 */
export function parseLogLine(line) {
  const m = /^(\S+) (\S+) (\S+)(?: (.*))?$/.exec(line);
  if (!m) return null;
  const fields = {};
  const rest = m[4] || '';
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let f;
  while ((f = re.exec(rest)) !== null) {
    let v = f[2];
    if (v.startsWith('"')) {
      try {
        v = JSON.parse(v);
      } catch {
        v = v.slice(1, -1);
      }
    }
    fields[f[1]] = v;
  }
  return { line, time: m[1], level: m[2], event: m[3], fields };
}

/**
 * Starts `hartline serve` on an ephemeral loopback port and resolves once it
 * has logged `listening` and answered /healthz.
 *
 * opts.db       database URL; when absent a fresh one is made and initialised
 *               (with opts.pack, if any)
 * opts.dbFromEnv pass the database as HARTLINE_DB instead of --db
 * opts.pack     --pack FILE
 * opts.maxBody  --max-body BYTES
 * opts.env      extra environment
 * opts.args     extra arguments
 * opts.ca       the certificate (text) a server given --tls-cert is checked
 *               against: its url is then https://
 *
 * Resolves { url, proc, db, logs(), events(), waitForLog(pred), stop(signal) }.
 */
export async function startServer(opts = {}) {
  let { db } = opts;
  if (!db) {
    db = freshDb();
    await initDb(db, { pack: opts.pack, env: opts.env });
  }
  const args = ['serve'];
  const env = { ...(opts.env || {}) };
  let codes = null;
  if (!('HARTLINE_TEST_CODE_NOW_FILE' in env)) {
    codes = codeClock(codeTimeMs);
    Object.assign(env, codes.env);
  }
  if (opts.dbFromEnv) env.HARTLINE_DB = db;
  else args.push('--db', db);
  args.push('--listen', '127.0.0.1:0');
  if (opts.pack) args.push('--pack', opts.pack);
  if (opts.maxBody !== undefined) args.push('--max-body', String(opts.maxBody));
  if (opts.args) args.push(...opts.args);

  const dir = cwdFor(db);
  const proc = spawn(BIN, withTestPack(args), { cwd: dir, env: childEnv(env, dir), stdio: ['ignore', 'pipe', 'pipe'] });
  const server = new Server(proc, db, args);
  servers.add(server);
  try {
    const listening = await server.waitForLog((e) => e.event === 'listening' && e.fields.url, {
      timeout: START_TIMEOUT_MS,
      what: 'the `listening` log line',
    });
    server.url = listening.fields.url.replace(/\/+$/, '');
    server.ca = opts.ca || null;
    if (!(opts.ca ? /^https:\/\/127\.0\.0\.1:\d+$/ : /^http:\/\/127\.0\.0\.1:\d+$/).test(server.url)) {
      throw new Error(`listening line has an unexpected url: ${listening.line}`);
    }
    await server.waitHealthy();
    codeClocks.set(server.url, { clock: codes, db });
  } catch (e) {
    await server.kill();
    throw e;
  }
  return server;
}

/** The status of a GET of url over HTTPS, trusting the certificate ca alone. */
function httpsStatus(url, ca, timeout) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

class Server {
  constructor(proc, db, args) {
    this.proc = proc;
    this.db = db;
    this.args = args;
    this.url = null;
    this.stdout = '';
    this.exitCode = undefined; // set when the process has exited
    this.exitSignal = null;
    this._lines = [];
    this._partial = '';
    this._waiters = new Set();
    this.exited = new Promise((resolve) => {
      proc.on('close', (code, signal) => {
        if (this._partial) this._push(this._partial);
        this._partial = '';
        this.exitCode = code;
        this.exitSignal = signal;
        servers.delete(this);
        for (const w of this._waiters) w.onExit();
        resolve(code);
      });
    });
    proc.on('error', (e) => {
      this._spawnError = e;
    });
    proc.stdout.setEncoding('utf8').on('data', (d) => (this.stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d) => {
      const parts = (this._partial + d).split('\n');
      this._partial = parts.pop();
      for (const p of parts) this._push(p);
    });
  }

  _push(line) {
    this._lines.push(line);
    const ev = parseLogLine(line);
    if (!ev) return;
    for (const w of this._waiters) w.onEvent(ev);
  }

  /** The lines the server wrote on stderr so far. */
  logs() {
    return this._lines.slice();
  }

  /** The parsed log lines so far. */
  events() {
    return this._lines.map(parseLogLine).filter(Boolean);
  }

  /** Resolves with the first log event (past or future) for which pred holds. */
  waitForLog(pred, { timeout = START_TIMEOUT_MS, what = 'a log line' } = {}) {
    const seen = this.events().find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        onEvent: (ev) => {
          if (pred(ev)) done(null, ev);
        },
        onExit: () =>
          done(new Error(`hartline exited (${this.exitCode ?? this.exitSignal}) before ${what}\n${this.describe()}`)),
      };
      const timer = setTimeout(() => done(new Error(`timed out after ${timeout} ms waiting for ${what}\n${this.describe()}`)), timeout);
      const done = (err, ev) => {
        clearTimeout(timer);
        this._waiters.delete(w);
        if (err) reject(err);
        else resolve(ev);
      };
      if (this.exitCode !== undefined) return w.onExit();
      this._waiters.add(w);
    });
  }

  async waitHealthy(timeout = START_TIMEOUT_MS) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      if (this.exitCode !== undefined) {
        throw new Error(`hartline exited (${this.exitCode ?? this.exitSignal}) before /healthz answered\n${this.describe()}`);
      }
      try {
        const status = this.ca
          ? await httpsStatus(`${this.url}/healthz`, this.ca, Math.max(1, deadline - Date.now()))
          : await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) })
            .then(async (res) => (await res.arrayBuffer(), res.status));
        if (status === 200) return;
        last = `status ${status}`;
      } catch (e) {
        last = e.message;
      }
      if (Date.now() >= deadline) {
        throw new Error(`/healthz did not answer 200 within ${timeout} ms (last: ${last})\n${this.describe()}`);
      }
      await new Promise((r) => setTimeout(r, 20)); // poll interval, not a wait for readiness
    }
  }

  describe() {
    return `command: ${BIN} ${this.args.join(' ')}\nstderr:\n${this._lines.concat(this._partial ? [this._partial] : []).join('\n')}`;
  }

  /** Sends signal (SIGTERM by default) and resolves with the exit code. */
  async stop(signal = 'SIGTERM', timeout = STOP_TIMEOUT_MS) {
    if (this.exitCode !== undefined) return this.exitCode;
    this.proc.kill(signal);
    return this.waitExit(timeout);
  }

  /**
   * Resolves with the exit code once the process exits on its own (after a
   * signal the test sent itself); kills it and throws after timeout.
   */
  async waitExit(timeout = STOP_TIMEOUT_MS) {
    if (this.exitCode !== undefined) return this.exitCode;
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeout);
    });
    const r = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      await this.kill();
      throw new Error(`hartline did not exit within ${timeout} ms\n${this.describe()}`);
    }
    return r;
  }

  /** Kills the process outright (for cleanup after a failure). */
  async kill() {
    if (this.exitCode !== undefined) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Stops every server still running, drops the databases and removes the
 * temporary directories made so far. Call it from `after`.
 */
export async function cleanup() {
  await Promise.all([...servers].map((s) => s.kill()));
  for (const db of databases.splice(0)) {
    if (db.engine === 'postgresql') {
      try {
        execFileSync('dropdb', ['--if-exists', db.name], { stdio: 'ignore' });
      } catch {
        // The cluster goes away with pg_virtualenv anyway.
      }
    }
  }
  dirOfDb.clear();
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A TCP port on 127.0.0.1 that nothing listens on just now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Polls fn until it returns a truthy value, at most ms. */
export async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * For `after`: stops the server, if it started, and fails the test run
 * unless it exits 0 on SIGTERM, with the end of its output to say why.
 */
export async function stopServer(server) {
  if (server) assert.equal(await server.stop(), 0, `hartline serve exits 0 on SIGTERM\n${server.describe().slice(-4000)}`);
}

/** stopServer for each server, then cleanup(), even when a stop failed. */
export async function stopAndClean(...list) {
  try {
    for (const server of list) await stopServer(server);
  } finally {
    await cleanup();
  }
}

process.on('exit', () => {
  for (const s of servers) {
    try {
      s.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType) {
  return (contentType || '').split(';')[0].trim().toLowerCase();
}

/** A Content-Type value normalised for comparison: `text/html; charset=utf-8`. */
export function normContentType(contentType) {
  return (contentType || '')
    .split(';')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map((s) => s.replace(/\s*=\s*"?([^"]*)"?$/, '=$1'))
    .join('; ');
}
