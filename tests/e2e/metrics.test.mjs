// GET /metrics (docs/operations.md, "Metrics"): the Prometheus text format,
// every line parsed strictly; the request counters by route pattern and
// status move with the requests; the duties and the outbox agree with the
// database; and the page is refused (404 without a token, 403 with a wrong
// one) to an address that is not allowed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { demoOnClock, login, readJson, request } from '../lib/auth.mjs';
import { ENGINE, cleanup, freshDb, initDb, run, sql, startServer, tempDir } from '../lib/server.mjs';
import { concern, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const TOWN_A = town(0, 0, 0);

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/y;
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|Inf)|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function unescapeLabel(v) {
  return v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
}

function parseLabels(text, where) {
  const labels = {};
  let i = 0;
  while (i < text.length) {
    LABEL.lastIndex = i;
    const m = LABEL.exec(text);
    assert.ok(m, `${where}: a label at ${JSON.stringify(text.slice(i))}`);
    assert.ok(!(m[1] in labels), `${where}: label ${m[1]} twice`);
    labels[m[1]] = unescapeLabel(m[2]);
    i = LABEL.lastIndex;
    if (i < text.length) {
      assert.equal(text[i], ',', `${where}: labels are separated by commas`);
      i++;
      assert.ok(i < text.length, `${where}: no trailing comma`);
    }
  }
  return labels;
}

/**
 * The text exposition format, strictly: every line a HELP, a TYPE or a
 * sample; each family's HELP and TYPE once, before its samples; every
 * sample of a declared family (a histogram's _bucket, _sum and _count);
 * no series twice; histograms whole (le rising, buckets cumulative, +Inf
 * equal to _count, a _sum). Returns { types, samples: [{name, labels, value}] }.
 */
function parseExposition(text) {
  assert.ok(text.endsWith('\n'), 'the page ends with a newline');
  const types = new Map();
  const helps = new Set();
  const seenSamples = new Set();
  const samples = [];
  const lines = text.slice(0, -1).split('\n');
  for (const [n, line] of lines.entries()) {
    const where = `line ${n + 1} ${JSON.stringify(line)}`;
    let m;
    if (line.startsWith('#')) {
      if ((m = new RegExp(`^# HELP (${NAME}) (.+)$`).exec(line))) {
        assert.ok(!helps.has(m[1]), `${where}: HELP twice`);
        assert.ok(!samples.some((s) => familyOf(s.name, types) === m[1]), `${where}: HELP after its samples`);
        helps.add(m[1]);
      } else if ((m = new RegExp(`^# TYPE (${NAME}) (\\S+)$`).exec(line))) {
        assert.ok(TYPES.has(m[2]), `${where}: a type the format knows`);
        assert.ok(!types.has(m[1]), `${where}: TYPE twice`);
        assert.ok(!samples.some((s) => familyOf(s.name, types) === m[1]), `${where}: TYPE after its samples`);
        types.set(m[1], m[2]);
      } else {
        assert.fail(`${where}: a comment that is neither HELP nor TYPE`);
      }
      continue;
    }
    m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    assert.ok(m, `${where}: a sample is NAME{LABELS} VALUE`);
    assert.match(m[3], VALUE, `${where}: the value is a number`);
    const labels = m[2] === undefined ? {} : parseLabels(m[2], where);
    const family = familyOf(m[1], types);
    assert.ok(types.has(family), `${where}: ${m[1]} has a TYPE before it`);
    assert.ok(helps.has(family), `${where}: ${m[1]} has a HELP before it`);
    if (types.get(family) === 'counter') assert.match(m[1], /_total$/, `${where}: a counter's name ends in _total`);
    const key = `${m[1]}${JSON.stringify(Object.entries(labels).sort())}`;
    assert.ok(!seenSamples.has(key), `${where}: the same series twice`);
    seenSamples.add(key);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  for (const [family, type] of types) if (type === 'histogram') checkHistogram(family, samples);
  return { types, samples };
}

function familyOf(name, types) {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && types.get(base) === 'histogram' ? base : name;
}

function seriesKey(labels) {
  return JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
}

function checkHistogram(family, samples) {
  const series = new Map();
  for (const s of samples) {
    if (familyOf(s.name, new Map([[family, 'histogram']])) !== family) continue;
    const k = seriesKey(s.labels);
    if (!series.has(k)) series.set(k, { buckets: [], sum: null, count: null });
    const e = series.get(k);
    if (s.name === `${family}_bucket`) {
      assert.ok('le' in s.labels, `${family}_bucket ${k} has le`);
      e.buckets.push([s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value]);
    } else if (s.name === `${family}_sum`) e.sum = s.value;
    else if (s.name === `${family}_count`) e.count = s.value;
    else assert.fail(`${s.name}: a histogram has only _bucket, _sum and _count`);
  }
  for (const [k, e] of series) {
    assert.ok(e.buckets.length > 0 && e.sum !== null && e.count !== null, `${family} ${k}: buckets, _sum and _count`);
    for (let i = 1; i < e.buckets.length; i++) {
      assert.ok(e.buckets[i][0] > e.buckets[i - 1][0], `${family} ${k}: le rises`);
      assert.ok(e.buckets[i][1] >= e.buckets[i - 1][1], `${family} ${k}: buckets are cumulative`);
    }
    const last = e.buckets[e.buckets.length - 1];
    assert.equal(last[0], Infinity, `${family} ${k}: the last bucket is +Inf`);
    assert.equal(last[1], e.count, `${family} ${k}: +Inf equals _count`);
  }
}

async function scrape(url, headers = {}) {
  const res = await request(url, '/metrics', { headers });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(text);
}

function value(page, name, labels = {}) {
  const s = page.samples.find(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v) &&
      Object.keys(x.labels).length === Object.keys(labels).length);
  return s ? s.value : 0;
}

function requests(page, route, status, method = 'GET') {
  return value(page, 'hartline_http_requests_total', { method, route, status: String(status) });
}

/** A report accepted for HART, a case opened on it and its child identified: its duties open. */
async function openCase(clock, careline, hart, family) {
  const body = {
    received_at: clock.iso(-10 * 60_000),
    channel: 'phone',
    reporter: { source: SOURCE_A, name: 'A school counselor' },
    children: [{ given_name: 'Dana', family_name: family, estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report.',
    concerns: [CONCERN_A],
  };
  const { id } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'report');
  await readJson(await careline.fetch(`/api/v1/intakes/${id}/disposition`, {
    method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 },
  }), 200, 'accept');
  const c = await readJson(await hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'open a case');
  // A suspected victim, identified now: the law-enforcement report falls due.
  const body2 = { version: c.version, victim_status: 'suspected', identified_at: clock.iso() };
  return readJson(await hart.fetch(`/api/v1/cases/${c.id}`, { method: 'PATCH', body: body2 }), 200, 'identified');
}

describe(`GET /metrics (${ENGINE})`, { timeout: 180_000 }, () => {
  let server;
  let db;
  let clock;
  let demo;

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db, env: clock.env });
    const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    for (let i = 0; i < 2; i++) await openCase(clock, careline, hart, `Metricstest${i}`);
    // Two days on: some of the cases' duties are overdue by now, others not
    // yet. The counts are cached a few seconds: no scrape before this.
    clock.advance(2 * 24 * 3600_000);
  });

  after(async () => {
    try {
      if (server) assert.equal(await server.stop(), 0);
    } finally {
      await cleanup();
    }
  });

  test('the duties and the outbox are the database\'s counts at the server\'s time', async () => {
    const page = await scrape(server.url);
    const count = (where) => Number(sql(db, `SELECT count(*) FROM ${where}`).trim());
    const open = count('duty WHERE met_at IS NULL');
    const overdue = count(`duty WHERE met_at IS NULL AND due_at < '${clock.iso()}'`);
    assert.ok(open > 0 && overdue > 0 && overdue <= open, `the demo has open and overdue duties: ${open}, ${overdue}`);
    assert.equal(value(page, 'hartline_duties', { state: 'open' }), open);
    assert.equal(value(page, 'hartline_duties', { state: 'overdue' }), overdue);
    assert.equal(value(page, 'hartline_outbox_messages', { status: 'pending' }), count("outbox WHERE status = 'pending'"));
    assert.equal(value(page, 'hartline_outbox_messages', { status: 'failed' }), count("outbox WHERE status = 'failed'"));
  });

  test('the page parses strictly and holds every family', async () => {
    const page = await scrape(server.url);
    for (const [family, type] of [
      ['hartline_http_requests_total', 'counter'],
      ['hartline_http_request_duration_seconds', 'histogram'],
      ['hartline_db_writer_waiting', 'gauge'],
      ['hartline_db_commits_total', 'counter'],
      ['hartline_db_transactions_total', 'counter'],
      ['hartline_db_commits_failed_total', 'counter'],
      ['hartline_db_log_restarts_total', 'counter'],
      ['hartline_db_commit_batch_size', 'histogram'],
      ['hartline_duties', 'gauge'],
      ['hartline_outbox_messages', 'gauge'],
    ]) {
      assert.equal(page.types.get(family), type, family);
    }
    assert.ok(page.samples.some((s) => s.name === 'hartline_db_commit_batch_size_bucket' && s.labels.le === '1'));
  });

  test('the writer\'s commits and transactions move with each write, every transaction in one commit\'s batch', async () => {
    const before = await scrape(server.url);
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    const [first] = (await hart.get('/api/v1/cases?limit=1')).items;
    for (let i = 0; i < 3; i++) await hart.get(`/api/v1/cases/${first.id}`);
    const page = await scrape(server.url);
    const moved = (name) => value(page, name, {}) - value(before, name, {});
    // The login and each audited read of a case are transactions of their own.
    assert.ok(moved('hartline_db_transactions_total') >= 4, `transactions ${moved('hartline_db_transactions_total')}`);
    assert.ok(moved('hartline_db_commits_total') >= 1);
    assert.ok(moved('hartline_db_commits_total') <= moved('hartline_db_transactions_total'));
    assert.equal(value(page, 'hartline_db_commit_batch_size_count', {}), value(page, 'hartline_db_commits_total', {}) +
      value(page, 'hartline_db_commits_failed_total', {}), 'each commit is in the batch histogram once');
  });

  test('requests are counted by route pattern and status, never by the path with its ids', async () => {
    const before = await scrape(server.url);
    for (let i = 0; i < 3; i++) await (await fetch(`${server.url}/healthz`)).arrayBuffer();
    await (await request(server.url, '/api/v1/cases/987654')).arrayBuffer(); // no session: 401
    await (await request(server.url, '/no/such/page/123456')).arrayBuffer(); // no route: 404
    const admin = await login(server.url, demo.byRole.admin.username, demo.byRole.admin.password);
    await admin.get('/api/v1/users/1');
    const res = await admin.fetch('/api/v1/cases/1', { method: 'DELETE' }); // no such method: 405
    await res.arrayBuffer();
    assert.equal(res.status, 405);
    const page = await scrape(server.url);

    assert.equal(requests(page, '/healthz', 200) - requests(before, '/healthz', 200), 3);
    assert.equal(requests(page, '/api/v1/cases/{id}', 401) - requests(before, '/api/v1/cases/{id}', 401), 1);
    assert.equal(requests(page, '/api/v1/users/{id}', 200) - requests(before, '/api/v1/users/{id}', 200), 1);
    assert.equal(requests(page, 'none', 404, '') - requests(before, 'none', 404, ''), 1);
    assert.equal(requests(page, 'none', 405, '') - requests(before, 'none', 405, ''), 1);
    // The scrape before this one is counted too.
    assert.ok(requests(page, '/metrics', 200) >= 2);

    const hist = (p, route) => value(p, 'hartline_http_request_duration_seconds_count', { method: 'GET', route });
    assert.equal(hist(page, '/healthz') - hist(before, '/healthz'), 3, 'the latency histogram counts each request once');
    const routes = new Set(page.samples.filter((s) => 'route' in s.labels).map((s) => s.labels.route));
    for (const r of routes) {
      assert.ok(r === 'none' || r.startsWith('/'), r);
      assert.doesNotMatch(r, /\d{3,}/, `a route label is a pattern, not a path: ${r}`);
    }
  });

  test('a client\'s path never reaches a label, whatever it holds', async () => {
    await (await request(server.url, '/x%22y%5Cz%0Aw')).arrayBuffer();
    const page = await scrape(server.url); // parses strictly: nothing broke a line
    assert.ok(!page.samples.some((s) => Object.values(s.labels).some((v) => v.includes('x"y'))));
  });
});

describe(`GET /metrics, who may read it (${ENGINE})`, { timeout: 120_000 }, () => {
  let db;
  let tokenFile;
  const TOKEN = 'metrics-token-' + 'a1b2c3d4'.repeat(4);

  before(async () => {
    db = freshDb();
    await initDb(db);
    tokenFile = path.join(tempDir(), 'metrics.token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  });

  after(cleanup);

  const status = async (url, headers = {}) => {
    const res = await request(url, '/metrics', { headers });
    await res.arrayBuffer();
    return res.status;
  };

  test('from an address not allowed: 404 without a token, 403 with a wrong one, 200 with the token', async () => {
    const server = await startServer({ db, args: ['--metrics-allow', '10.0.0.0/8,192.0.2.7', '--metrics-token-file', tokenFile] });
    try {
      assert.equal(await status(server.url), 404);
      assert.equal(await status(server.url, { authorization: `Bearer ${TOKEN}x` }), 403);
      assert.equal(await status(server.url, { authorization: 'Bearer ' }), 404);
      assert.equal(await status(server.url, { authorization: `Bearer ${TOKEN}` }), 200);
      await scrape(server.url, { authorization: `Bearer ${TOKEN}` });
      // The refusals are counted like any answer.
      const page = await scrape(server.url, { authorization: `Bearer ${TOKEN}` });
      assert.equal(requests(page, '/metrics', 404), 2);
      assert.equal(requests(page, '/metrics', 403), 1);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('behind a proxy (--trust-proxy) the allowed addresses are the clients\', not the proxy\'s', async () => {
    const server = await startServer({ db, args: ['--trust-proxy'] });
    try {
      assert.equal(await status(server.url, { 'x-forwarded-for': '203.0.113.9' }), 404);
      assert.equal(await status(server.url, { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' }), 200);
      assert.equal(await status(server.url, { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }), 404);
      // Without a token file no bearer token opens it.
      assert.equal(await status(server.url, { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${TOKEN}` }), 403);
      assert.equal(await status(server.url), 200, 'the default: 127.0.0.1 may');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('a wrong allow list or a token file others may read stops the server before it starts', async () => {
    const bad = await run(['serve', '--db', db, '--listen', '127.0.0.1:0', '--metrics-allow', '10.0.0.0/33'], { db });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--metrics-allow: 10\.0\.0\.0\/33 is not an address or a network/);
    const open = path.join(tempDir(), 'open.token');
    fs.writeFileSync(open, `${TOKEN}\n`, { mode: 0o644 });
    const loose = await run(['serve', '--db', db, '--listen', '127.0.0.1:0', '--metrics-token-file', open], { db });
    assert.equal(loose.code, 2, loose.stderr);
    assert.match(loose.stderr, /group or others may read it; run: chmod 600/);
    const short = path.join(tempDir(), 'short.token');
    fs.writeFileSync(short, 'short\n', { mode: 0o600 });
    const weak = await run(['serve', '--db', db, '--listen', '127.0.0.1:0', '--metrics-token-file', short], { db });
    assert.equal(weak.code, 2, weak.stderr);
    assert.match(weak.stderr, /at least 16 characters/);
  });
});
