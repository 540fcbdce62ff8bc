// What the server refuses to take in: a NUL anywhere (a JSON string or key
// at any depth, the path, the query, a header) is refused and nothing is
// stored or cut short; a record's number in a path has one spelling; a
// reused Idempotency-Key with a different report is refused; the
// reporter's telephone and e-mail are checked like everyone else's.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { demoOnClock, login, loginEach, postSession, readJson, syntheticReport } from '../lib/auth.mjs';
import { assertProblemStatus } from '../lib/http.mjs';
import { ENGINE, cleanup, sql, startServer, stopServer } from '../lib/server.mjs';
import { MDT_ROLES, concern, nth, region, source } from '../lib/pack.mjs';

const MEMBER_ROLE = nth(MDT_ROLES, 2);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const REGION_A = region(0);

after(cleanup);

const INTAKES = '/api/v1/intakes';
const DRAFT = '/api/v1/drafts/intake';
const NUL_REASON = /hidden character/;

/** The errors of a 422 problem as { field: [reason, ...] }. */
async function fieldErrors(res, what) {
  const p = await assertProblemStatus(res, 422, { type: 'validation', what });
  assert.ok(Array.isArray(p.errors) && p.errors.length, `${what}: a 422 lists its errors: ${JSON.stringify(p)}`);
  const out = {};
  for (const e of p.errors) (out[e.field] ??= []).push(e.reason);
  return out;
}

/** Asserts a 422 naming exactly field, for a NUL. */
async function assertNulRefused(res, field, what) {
  const errs = await fieldErrors(res, what);
  assert.deepEqual(Object.keys(errs), [field], `${what}: the field named: ${JSON.stringify(errs)}`);
  assert.match(errs[field][0], NUL_REASON, what);
}

describe(`input the server refuses (${ENGINE})`, { timeout: 90_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  const as = {};

  const report = (overrides) => syntheticReport(clock, overrides);
  const post = (body, headers = {}) => as.careline.fetch(INTAKES, { method: 'POST', body, headers });
  const count = () => Number(sql(db, 'SELECT count(*) FROM intake').trim());

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
  });
  after(() => stopServer(server));

  describe('a NUL inside a JSON body', () => {
    test('in one alias of a child refuses the whole report, naming the alias, and stores nothing', async () => {
      const before = count();
      const body = report({ children: [{ given_name: 'Alex', estimated_age: 14, aliases: ['Good Alias', 'bad\u0000alias'] }] });
      await assertNulRefused(await post(body), 'children[0].aliases[1]', 'a NUL in an alias');
      assert.equal(count(), before, 'no report was stored');
      // The same report without the NUL keeps both aliases.
      const clean = report({ children: [{ given_name: 'Alex', estimated_age: 14, aliases: ['Good Alias', 'badalias'] }] });
      const { id } = await readJson(await post(clean), 201, 'the same report without the NUL');
      assert.deepEqual((await as.careline.get(`${INTAKES}/${id}`)).children[0].aliases, ['Good Alias', 'badalias']);
    });

    test('in nested values, in keys and at the top is named by its path', async () => {
      const rows = [
        [report({ narrative: 'before\u0000after' }), 'narrative'],
        [report({ reporter: { source: SOURCE_A, name: 'A\u0000B' } }), 'reporter.name'],
        [report({ concerns: [CONCERN_A, 'x\u0000'] }), 'concerns[1]'],
        [report({ children: [{ given_name: 'A', estimated_age: 3 }, { given_name: 'B\u0000', estimated_age: 4 }] }), 'children[1].given_name'],
      ];
      for (const [body, field] of rows) await assertNulRefused(await post(body), field, `NUL in ${field}`);
      // A key: JSON.stringify writes it as \u0000, and the field is named as written.
      const keyed = JSON.stringify(report()).replace('"reporter":{', '"reporter":{"na\\u0000me":"x",');
      await assertNulRefused(await post(keyed), 'reporter.na\\u0000me', 'a NUL in a key');
      await assertNulRefused(await post('["just\\u0000text"]'), '[0]', 'a NUL in a list at the top');
      // An escaped backslash followed by u0000 is text, not a NUL.
      const text = await readJson(await post(report({ narrative: 'a \\u0000 b' })), 201, 'the text \\u0000 is no NUL');
      assert.equal((await as.careline.get(`${INTAKES}/${text.id}`)).narrative, 'a \\u0000 b');
    });

    test('in a draft is refused and the draft before it stays readable', async () => {
      await readJson(await as.careline.fetch(DRAFT, { method: 'PUT', body: { n: 'kept' } }), 200, 'a good draft');
      await assertNulRefused(await as.careline.fetch(DRAFT, { method: 'PUT', body: { n: 'a\u0000b' } }), 'n', 'a NUL in a draft');
      await assertNulRefused(await as.careline.fetch(DRAFT, { method: 'PUT', body: { list: [{ deep: ['x\u0000'] }] } }), 'list[0].deep[0]', 'a deep NUL in a draft');
      const got = await as.careline.get(DRAFT);
      assert.deepEqual(got.body, { n: 'kept' });
    });

    test('in the login username or password is refused, not cut to a real account', async () => {
      const careline = demo.users.find((u) => u.role === 'careline');
      await assertNulRefused(await postSession(server.url, { username: `${careline.username}\u0000junk`, password: careline.password }), 'username', 'a NUL in the username');
      await assertNulRefused(await postSession(server.url, { username: careline.username, password: `${careline.password}\u0000junk` }), 'password', 'a NUL in the password');
      // Neither counted as a failed login: the account still logs in.
      await login(server.url, careline.username, careline.password);
    });
  });

  describe('a NUL in the address', () => {
    test('in the path is refused with 400, never answered with the record before it', async () => {
      const { id } = await readJson(await post(report()), 201, 'a report');
      await readJson(await as.careline.fetch(`${INTAKES}/${id}`), 200, 'the report itself');
      for (const path of [`${INTAKES}/${id}%00junk`, `${INTAKES}/${id}%00`, '/api/v1/users/1%00junk', '/api/v1/cases/1%00junk', '/api/v1/me%00', '/%00index.html']) {
        const s = path.startsWith('/api/v1/users') ? as.admin : as.careline;
        await assertProblemStatus(await s.fetch(path), 400, { type: 'bad-path', what: path });
      }
      // %2500 is the text "%00", not a NUL: an unknown record.
      await assertProblemStatus(await as.careline.fetch(`${INTAKES}/${id}%2500`), 404, { what: '%2500' });
    });

    test('in a query argument or its name is refused with 422 naming it', async () => {
      await readJson(await as.careline.fetch(`${INTAKES}?status=all`), 200, 'the plain query');
      await assertNulRefused(await as.careline.fetch(`${INTAKES}?status=all%00junk`), 'status', 'a NUL in a value');
      await assertNulRefused(await as.careline.fetch(`${INTAKES}?limit=5&status=%00`), 'status', 'a lone NUL');
      await assertNulRefused(await as.careline.fetch(`${INTAKES}?sta%00tus=all`), 'sta', 'a NUL in a name');
    });
  });

  test('a record number in the path has one spelling: any other is not found', async () => {
    const { id } = await readJson(await post(report()), 201, 'a report');
    for (const seg of [`${id}junk`, `0${id}`, `00${id}`, `+${id}`, `%20${id}`, `${id}%20`, `%09${id}`, `-${id}`, `${id}.0`, '0x1', '99999999999999999999', '9223372036854775808', '0', '']) {
      const res = await as.careline.fetch(`${INTAKES}/${seg}`);
      await res.arrayBuffer();
      assert.ok([400, 404].includes(res.status), `/intakes/${seg}: ${res.status}`);
    }
    for (const seg of [`0${id}`, `+${id}`]) {
      const res = await as.admin.fetch(`/api/v1/users/${seg.replace(String(id), '1')}`);
      await res.arrayBuffer();
      assert.equal(res.status, 404, `/users/${seg}`);
    }
  });

  describe('Idempotency-Key', () => {
    test('the same key and the same report replays; a different report is refused and nothing is stored', async () => {
      const key = randomUUID();
      const body = report({ narrative: 'First report.' });
      const first = await readJson(await post(body, { 'idempotency-key': key }), 201, 'first');
      // The same members in another order are the same report.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const again = await post(reordered, { 'idempotency-key': key });
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal((await readJson(again, 200, 'replay')).id, first.id);
      const before = count();
      const other = await post(report({ narrative: 'A different report.' }), { 'idempotency-key': key });
      const p = await assertProblemStatus(other, 422, { type: 'idempotency-mismatch', what: 'a different report' });
      assert.ok(p.title && !/idempotency/i.test(p.title), `a plain title: ${p.title}`);
      assert.equal(count(), before, 'nothing stored');
      assert.equal((await as.careline.get(`${INTAKES}/${first.id}`)).narrative, 'First report.');
      // The key is another user's own: the same key from them records their report.
      const hart = await readJson(await as.hart.fetch(INTAKES, { method: 'POST', body: report({ narrative: 'HART' }), headers: { 'idempotency-key': key } }), 201, 'another user');
      assert.notEqual(hart.id, first.id);
    });

    test('five different reports under one key at once record one and refuse the others', async () => {
      const key = randomUUID();
      const before = count();
      const all = await Promise.all([1, 2, 3, 4, 5].map((n) => post(report({ narrative: `Report ${n}.` }), { 'idempotency-key': key })));
      const statuses = all.map((r) => r.status).sort();
      await Promise.all(all.map((r) => r.arrayBuffer()));
      assert.deepEqual(statuses, [201, 422, 422, 422, 422]);
      assert.equal(count(), before + 1);
    });

    test('the digest kept with the key is sealed: neither the report nor its hash is in clear', async () => {
      const key = randomUUID();
      const { id } = await readJson(await post(report({ narrative: 'Sealed digest.' }), { 'idempotency-key': key }), 201, 'a report');
      const hex = sql(db, ENGINE === 'sqlite'
        ? `SELECT hex(idempotency_digest) FROM intake WHERE id = ${id}`
        : `SELECT encode(idempotency_digest, 'hex') FROM intake WHERE id = ${id}`).trim();
      assert.ok(hex.length > 2 * 64, `a sealed value, longer than a bare digest: ${hex}`);
      assert.ok(!Buffer.from(hex, 'hex').toString('latin1').includes('Sealed digest'), 'no report text');
    });
  });

  describe("the reporter's telephone and e-mail", () => {
    test('are checked, with a message that names the field and says what to enter', async () => {
      const before = count();
      const res = await post(report({ reporter: { source: SOURCE_A, name: 'A', phone: 'abc', email: 'not-an-email' } }));
      const errs = await fieldErrors(res, 'a bad telephone and e-mail');
      assert.match(errs['reporter.phone'][0], /^Reporter's telephone .*: enter /);
      assert.match(errs['reporter.email'][0], /^Reporter's e-mail .*: enter /);
      for (const phone of ['12', '+', '555-0100 ext', '(860 555 0100', '1234567890123456', 'x12', '860-555-0100 x', '860 555 0100 x1234567', 'call 860 555 0100']) {
        const e = await fieldErrors(await post(report({ reporter: { source: SOURCE_A, phone } })), phone);
        assert.ok(e['reporter.phone'], `${phone}: ${JSON.stringify(e)}`);
      }
      for (const email of ['a@b', '@example.org', 'a@@example.org', 'a b@example.org', 'a@example..org', 'a@.example.org', 'a.@example.org']) {
        const e = await fieldErrors(await post(report({ reporter: { source: SOURCE_A, email } })), email);
        assert.ok(e['reporter.email'], `${email}: ${JSON.stringify(e)}`);
      }
      assert.equal(count(), before, 'nothing stored');
    });

    test('are checked by the same rule, with the same message, for contacts and team members', async () => {
      const contact = await as.hart.fetch('/api/v1/contacts', { method: 'POST', body: { name: 'Lee Example', kind: 'other', phone: '12', email: 'lee@example' } });
      const c = await fieldErrors(contact, 'a contact');
      assert.match(c.phone[0], /^Telephone is not a telephone number: enter /);
      assert.match(c.email[0], /^E-mail is not an e-mail address: enter /);
      const team = await readJson(await as.hart.fetch('/api/v1/teams', { method: 'POST', body: { code: 'mdt-input', name: 'Team Input', region: REGION_A } }), 201, 'a team');
      const member = await as.hart.fetch(`/api/v1/teams/${team.id}/members`, {
        method: 'POST',
        body: { name: 'Det. Example', agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, phone: 'call the desk', email: 'det at example.org' },
      });
      const m = await fieldErrors(member, 'a team member');
      assert.match(m.phone[0], /^Member's telephone is not a telephone number: enter /);
      assert.match(m.email[0], /^Member's e-mail is not an e-mail address: enter /);
    });

    test('as people write them are kept', async () => {
      const reporter = { source: SOURCE_A, name: 'A', phone: '+1 (860) 555-0100 x12', email: 'first.last+tag@mail.example.org' };
      const { id } = await readJson(await post(report({ reporter })), 201, 'good contact details');
      assert.deepEqual((await as.careline.get(`${INTAKES}/${id}`)).reporter, reporter);
      for (const phone of ['860.555.0100', '911', '+44 20 7946 0958', '(860) 555-0100 ext. 4', '860-555-0100 #7']) {
        await readJson(await post(report({ reporter: { source: SOURCE_A, phone } })), 201, phone);
      }
    });
  });
});
