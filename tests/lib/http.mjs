// HTTP helpers for the end-to-end tests.

import assert from 'node:assert/strict';
import net from 'node:net';

import { mediaType } from './server.mjs';

export const PROBLEM_TYPE = /^urn:hartline:problem:[a-z0-9]+(?:[-_.][a-z0-9]+)*$/;

/**
 * The status, the problem media type and a JSON body, which every problem
 * has: { body, label }, the label naming the answer in messages.
 */
async function problemOf(res, status, what) {
  const text = await res.text();
  const label = `${what}${what ? ': ' : ''}${res.status} ${text}`;
  assert.equal(res.status, status, `HTTP status (${label})`);
  assert.equal(mediaType(res.headers.get('content-type')), 'application/problem+json', `content type (${label})`);
  try {
    return { body: JSON.parse(text), label };
  } catch (e) {
    assert.fail(`problem body is not JSON (${label}): ${e.message}`);
  }
}

/**
 * Asserts that res is an application/problem+json answer with the given
 * status, and resolves with its parsed body.
 */
export async function assertProblem(res, status, what = '') {
  const { body, label } = await problemOf(res, status, what);
  assert.equal(typeof body, 'object', label);
  assert.match(String(body.type), PROBLEM_TYPE, `problem type (${label})`);
  assert.equal(typeof body.title, 'string', `problem title (${label})`);
  assert.ok(body.title.length > 0, `problem title is empty (${label})`);
  assert.equal(body.status, status, `problem status equals the HTTP status (${label})`);
  assert.equal(typeof body.detail, 'string', `problem detail (${label})`);
  return body;
}

/** The methods named in an Allow header, upper-cased. */
export function allowedMethods(res) {
  const allow = res.headers.get('allow');
  assert.ok(allow, `405 without an Allow header (headers: ${JSON.stringify(Object.fromEntries(res.headers))})`);
  return new Set(
    allow
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean));
}

/**
 * Parses one HTTP/1.1 response (status line, headers, body by
 * Content-Length, or up to the end of the stream) out of buf. Returns null
 * when buf does not yet hold a whole response (or, with ended, whatever it
 * holds). Interim 1xx responses are skipped.
 */
export function parseResponse(buf, ended = false) {
  let start = 0;
  for (;;) {
    const headEnd = buf.indexOf('\r\n\r\n', start);
    if (headEnd < 0) return null;
    const head = buf.subarray(start, headEnd).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head[0])}`);
    const status = Number(m[1]);
    const headers = {};
    for (const h of head.slice(1)) {
      const i = h.indexOf(':');
      if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      start = bodyStart;
      continue;
    }
    if (headers['content-length'] !== undefined) {
      const len = Number(headers['content-length']);
      if (buf.length - bodyStart < len) return ended ? { status, headers, body: buf.subarray(bodyStart).toString('utf8'), truncated: true } : null;
      return { status, headers, body: buf.subarray(bodyStart, bodyStart + len).toString('utf8') };
    }
    if (/chunked/i.test(headers['transfer-encoding'] || '')) {
      const body = dechunk(buf.subarray(bodyStart));
      if (body === null) return ended ? { status, headers, body: '', truncated: true } : null;
      return { status, headers, body };
    }
    if (!ended) return null;
    return { status, headers, body: buf.subarray(bodyStart).toString('utf8') };
  }
}

function dechunk(buf) {
  const parts = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(i, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}

/**
 * A raw TCP connection to a server URL with helpers to wait for bytes. Used
 * where fetch cannot express the test (a request sent in pieces).
 */
export class RawConnection {
  static open(url, timeout = 10_000) {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: hostname, port: Number(port) });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${url} timed out`));
      }, timeout);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.off('error', reject);
        resolve(new RawConnection(sock));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.ended = false;
    this.error = null;
    this._notify = () => {};
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this._notify();
    });
    sock.on('end', () => {
      this.ended = true;
      this._notify();
    });
    sock.on('close', () => {
      this.ended = true;
      this._notify();
    });
    sock.on('error', (e) => {
      this.error = e;
      this.ended = true;
      this._notify();
    });
  }

  write(data) {
    return new Promise((resolve, reject) => this.sock.write(data, (e) => (e ? reject(e) : resolve())));
  }

  /** Resolves with check(buf, ended) once it returns non-null; rejects on timeout. */
  waitFor(check, { timeout = 10_000, what = 'data' } = {}) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._notify = () => {};
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; received ${JSON.stringify(this.buf.toString('latin1'))}`));
      }, timeout);
      this._notify = () => {
        let r;
        try {
          r = check(this.buf, this.ended);
        } catch (e) {
          clearTimeout(timer);
          this._notify = () => {};
          reject(e);
          return;
        }
        if (r !== null && r !== undefined) {
          clearTimeout(timer);
          this._notify = () => {};
          resolve(r);
        } else if (this.ended) {
          clearTimeout(timer);
          this._notify = () => {};
          reject(new Error(`connection closed while waiting for ${what}${this.error ? ` (${this.error.code || this.error.message})` : ''}; received ${JSON.stringify(this.buf.toString('latin1'))}`));
        }
      };
      this._notify();
    });
  }

  /** Resolves with the next whole response on this connection. */
  response(opts = {}) {
    return this.waitFor((buf, ended) => parseResponse(buf, ended), { what: 'an HTTP response', ...opts });
  }

  destroy() {
    this.sock.destroy();
  }
}

/**
 * Like assertProblem, but detail may be absent (it is optional in a
 * problem); with type (a full urn or the part after
 * `urn:hartline:problem:`), checks the problem type too. Resolves with the
 * parsed body.
 */
export async function assertProblemStatus(res, status, { type, what = '' } = {}) {
  const { body, label } = await problemOf(res, status, what);
  assert.match(String(body.type), PROBLEM_TYPE, `problem type (${label})`);
  if (type) {
    const want = type.startsWith('urn:') ? type : `urn:hartline:problem:${type}`;
    assert.equal(body.type, want, `problem type (${label})`);
  }
  assert.equal(typeof body.title, 'string', `problem title (${label})`);
  assert.equal(body.status, status, `problem status equals the HTTP status (${label})`);
  if (body.detail !== undefined) assert.equal(typeof body.detail, 'string', `problem detail (${label})`);
  return body;
}

/**
 * The errors of a 422 problem as { field: [reason, ...] }; with { typed },
 * each field and reason must also be a string.
 */
export function errorsOf(problem, { typed = false } = {}) {
  assert.ok(Array.isArray(problem.errors), `a 422 lists its errors: ${JSON.stringify(problem)}`);
  const out = {};
  for (const e of problem.errors) {
    if (typed) {
      assert.equal(typeof e.field, 'string', JSON.stringify(e));
      assert.equal(typeof e.reason, 'string', JSON.stringify(e));
    }
    (out[e.field] ??= []).push(e.reason);
  }
  return out;
}

/** Asserts a 422 naming the field (a path, or a path inside the field). */
export async function assertFieldError(res, field, what) {
  const errs = errorsOf(await assertProblem(res, 422, what));
  assert.ok(Object.keys(errs).some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`)),
    `${what}: an error for ${field} in ${JSON.stringify(errs)}`);
}

/**
 * Page through a list of the list convention (docs/openapi.yaml, "Page"):
 * `limit` rows at a time, each page after the `next` of the one before,
 * until `next` is null. Checks that no row comes twice and that the pages
 * together are the whole list as one page of 500 answers it (no gap).
 * `path` may carry its own query (filters, sort). Returns the ids.
 */
export async function assertPagesWhole(s, path, { limit = 2, key = 'id', what = path } = {}) {
  const sep = path.includes('?') ? '&' : '?';
  const whole = await s.get(`${path}${sep}limit=500`);
  assert.equal(whole.next, null, `${what}: one page of 500 holds the list`);
  const seen = [];
  let after = null;
  for (let n = 0; n < 1000; n++) {
    const q = `${path}${sep}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const page = await s.get(q);
    assert.ok(page.items.length <= limit, `${what}: at most ${limit} a page`);
    for (const i of page.items) {
      assert.ok(!seen.includes(i[key]), `${what}: ${i[key]} answered twice`);
      seen.push(i[key]);
    }
    if (page.next === null) break;
    assert.equal(typeof page.next, 'string', `${what}: next is a cursor or null`);
    assert.equal(page.items.length, limit, `${what}: a page before the last is full`);
    after = page.next;
  }
  assert.deepEqual(seen, whole.items.map((i) => i[key]), `${what}: the pages are the whole list, in its order`);
  const garbled = await s.fetch(`${path}${sep}after=${encodeURIComponent('not-a-cursor!')}`);
  const p = await assertProblem(garbled, 422, `${what}: a garbled after`);
  const errs = errorsOf(p);
  assert.ok('after' in errs, `${what}: the error names after: ${JSON.stringify(p)}`);
  assert.match(errs.after.join(" "), /start again from the first page/);
  return seen;
}
