// Lists: the one convention (limit, after, sort; {items, next}), keyset
// pages with no row twice and none skipped while rows are added between
// pages, sorting, filters, and finding cases and reports by number or by
// the child's name through the identity registry ("Katie Smyth" finds
// Katherine Smith), within each role's scope.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUser, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertPagesWhole, assertProblem } from '../lib/http.mjs';
import { ENGINE, cleanup, startServer, stopServer } from '../lib/server.mjs';
import { RELIEF_OFFENCES, concern, nth, region, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const OFFENCE_A = nth(RELIEF_OFFENCES, 0);
const OFFENCE_B = nth(RELIEF_OFFENCES, 1);
const OFFENCE_C = nth(RELIEF_OFFENCES, 2);
const OFFENCE_D = nth(RELIEF_OFFENCES, 3);

const REGION_A = region(0);
const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';

describe(`lists (${ENGINE})`, { timeout: 300_000 }, () => {
  let clock;
  let server;
  const as = {};
  let katherine; // Katherine Smith's person id (the demo registry)
  let katherineCase; // her case, in R1
  const opened = []; // cases opened here: { id, number, region, person }
  let nextPerson = 1;

  /** Opens a case directly for the next demo child without one; region R1 unless told. */
  async function openNext(region = REGION_A) {
    for (;;) {
      const person = nextPerson++;
      if (person === katherine) continue;
      const res = await as.hart.fetch(CASES, { method: 'POST', body: { person_id: person, region } });
      if (res.status === 201) {
        const c = await res.json();
        opened.push({ ...c, region, person });
        return c;
      }
      await res.body?.cancel();
      assert.ok(res.status === 409 || res.status === 404 || res.status === 422, `open a case for person ${person}: ${res.status}`);
    }
  }

  /** Every page of a list, following next; resolves the rows in order and the number of pages. */
  async function allPages(s, path, between) {
    const rows = [];
    let after = null;
    let pages = 0;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const body = await s.get(`${path}${after ? `${sep}after=${encodeURIComponent(after)}` : ''}`);
      assert.deepEqual(Object.keys(body).filter((k) => k !== 'deadline_minutes').sort(), ['items', 'next'], path);
      rows.push(...body.items);
      after = body.next;
      pages++;
      if (between && after) await between(pages);
    } while (after);
    return { rows, pages };
  }

  before(async () => {
    let db;
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const extra = { liaisonR4: await createUser(db, { username: 'list-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }) };
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as, extra);
    const match = await readJson(await as.careline.fetch('/api/v1/persons/match', {
      method: 'POST', body: { given_name: 'Katherine', family_name: 'Smith', dob: '2011-03-04' },
    }), 200, 'find Katherine Smith');
    katherine = match.candidates[0].person_id;
    katherineCase = await readJson(await as.hart.fetch(CASES, { method: 'POST', body: { person_id: katherine, region: REGION_A } }), 201, 'her case');
    for (let i = 0; i < 120; i++) await openNext(i % 4 === 0 ? REGION_D : REGION_A);
  });
  after(() => stopServer(server));

  test('the convention: 50 rows unless asked, at most 500, {items, next}; a bad limit, sort or cursor is refused in plain words', async () => {
    const first = await as.hart.get(`${CASES}?status=all`);
    assert.equal(first.items.length, 50);
    assert.equal(typeof first.next, 'string');
    assert.equal((await as.hart.get(`${CASES}?status=all&limit=500`)).next, null, 'every case in one page of 500');
    await assertFieldError(await as.hart.fetch(`${CASES}?limit=501`), 'limit', 'over 500');
    await assertFieldError(await as.hart.fetch(`${CASES}?limit=0`), 'limit', 'zero');
    const sort = await as.hart.fetch(`${CASES}?sort=child_name`);
    const body = await sort.clone().json();
    await assertFieldError(sort, 'sort', 'a column that is not sortable');
    const msg = body.errors.find((e) => e.field === 'sort').reason;
    assert.match(msg, /opened_at, number, status, region or id/);
    for (const garbage of ['x', '!!!', 'AAAA', Buffer.from('cases\n-opened_at\nnot-an-id\nkey').toString('base64url'), 'a'.repeat(2000)]) {
      const res = await as.hart.fetch(`${CASES}?after=${encodeURIComponent(garbage)}`);
      const b = await res.clone().json();
      await assertFieldError(res, 'after', `garbage cursor ${garbage.slice(0, 20)}`);
      assert.match(b.errors.find((e) => e.field === 'after').reason, /start again from the first page/);
      assert.doesNotMatch(b.errors.find((e) => e.field === 'after').reason, /base64|cursor|string|JSON/i);
    }
    // A cursor of another order or another list is not a page of this one.
    await assertFieldError(await as.hart.fetch(`${CASES}?status=all&sort=number&after=${first.next}`), 'after', 'another order');
    await assertFieldError(await as.careline.fetch(`${INTAKES}?status=all&after=${first.next}`), 'after', 'another list');
  });

  for (const sort of ['-opened_at', 'number', '-number', 'status', 'region', '-region', 'id']) {
    test(`sorted by ${sort}: pages of 7 in a stable order, no case twice and none skipped while cases are opened between pages`, async () => {
      const before = (await as.hart.get(`${CASES}?status=all&limit=500&sort=${sort}`)).items;
      const added = [];
      const { rows, pages } = await allPages(as.hart, `${CASES}?status=all&limit=7&sort=${sort}`, async (n) => {
        if (n % 5 === 0) added.push(await openNext());
      });
      assert.ok(pages > 10, `${pages} pages`);
      const ids = rows.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'no case twice');
      for (const c of before) assert.ok(ids.includes(c.id), `case ${c.number} is on a page`);
      const desc = sort.startsWith('-');
      const col = desc ? sort.slice(1) : sort;
      const key = (r) => (col === 'id' ? r.id : r[col]);
      for (let i = 1; i < rows.length; i++) {
        const a = key(rows[i - 1]);
        const b = key(rows[i]);
        const inOrder = a === b ? (desc ? rows[i - 1].id > rows[i].id : rows[i - 1].id < rows[i].id) : desc ? a > b : a < b;
        assert.ok(inOrder, `rows ${i - 1} and ${i} in ${sort} order: ${a}/${rows[i - 1].id}, ${b}/${rows[i].id}`);
      }
      assert.ok(added.length > 0);
    });
  }

  test('filters: status, region, opened dates, lead worker, the whole number in any case', async () => {
    const all = (await as.hart.get(`${CASES}?status=all&limit=500`)).items;
    const r4 = (await as.hart.get(`${CASES}?status=all&region=${REGION_D}&limit=500`)).items;
    assert.ok(r4.length > 10);
    assert.deepEqual(r4.map((c) => c.id).sort(), all.filter((c) => c.region === REGION_D).map((c) => c.id).sort());
    const open = (await as.hart.get(`${CASES}?status=open&limit=500`)).items;
    assert.ok(open.every((c) => c.status !== 'closed'));
    assert.deepEqual((await as.hart.get(`${CASES}?status=open&limit=500`)).items.map((c) => c.id), open.map((c) => c.id));
    const byStatus = (await as.hart.get(`${CASES}?status=open&limit=500`)).items;
    assert.ok(byStatus.length > 0);
    await assertFieldError(await as.hart.fetch(`${CASES}?status=nonsense`), 'status', 'an unknown status');
    const today = clock.iso(0).slice(0, 10);
    assert.equal((await as.hart.get(`${CASES}?status=all&opened_from=${today}&opened_to=${today}&limit=500`)).items.length, all.length, 'all opened today');
    assert.equal((await as.hart.get(`${CASES}?status=all&opened_to=2020-01-01&limit=500`)).items.length, 0, 'none before 2020');
    await assertFieldError(await as.hart.fetch(`${CASES}?opened_from=28/11/2026`), 'opened_from', 'a date in another form');
    await assertFieldError(await as.hart.fetch(`${CASES}?opened_to=2026-02-30`), 'opened_to', 'no such day');
    // The lead worker: the cases one worker leads.
    const me = (await as.hart.get('/api/v1/me')).user;
    const led = opened[5];
    const { version } = await as.hart.get(`${CASES}/${led.id}`);
    await readJson(await as.hart.fetch(`${CASES}/${led.id}`, { method: 'PATCH', body: { version, lead_user_id: me.id } }), 200, 'lead');
    assert.deepEqual((await as.hart.get(`${CASES}?status=all&lead=${me.id}`)).items.map((c) => c.id), [led.id], 'the cases I lead');
    await assertFieldError(await as.hart.fetch(`${CASES}?lead=someone`), 'lead', 'a lead that is not a user id');
    const one = opened[3];
    const byNumber = (await as.hart.get(`${CASES}?status=all&q=${one.number.toLowerCase()}`)).items;
    assert.deepEqual(byNumber.map((c) => c.id), [one.id], 'the number, in any case');
    assert.equal((await as.hart.get(`${CASES}?status=all&q=${one.number.slice(0, -1)}`)).items.length, 0, 'a number is looked up whole');
    assert.equal((await as.hart.get(`${CASES}?status=all&q=${encodeURIComponent('%')}`)).items.length, 0, 'a wildcard is only a character');
  });

  test('"Katie Smyth" finds the case of Katherine Smith (nickname and spelling), and the search is audited without the name', async () => {
    for (const q of ['Katie Smyth', 'katherine smith', 'Kathy Smith']) {
      const found = (await as.hart.get(`${CASES}?status=all&q=${encodeURIComponent(q)}`)).items;
      assert.ok(found.some((c) => c.id === katherineCase.id), `${q}: ${found.map((c) => `${c.number} ${c.child?.given_name} ${c.child?.family_name}`).join('; ')}`);
      assert.ok(found.length < 20, `${q}: a handful, not the list (${found.length})`);
    }
    const none = (await as.hart.get(`${CASES}?status=all&q=${encodeURIComponent('Zebediah Quux')}`)).items;
    assert.ok(!none.some((c) => c.id === katherineCase.id));
    const audit = (await as.admin.get('/api/v1/audit?action=case.list&limit=5')).items;
    assert.match(audit[0].detail, /search=yes/);
    assert.doesNotMatch(JSON.stringify(audit), /Smyth|Katie|Kathy/);
  });

  test('a liaison finds by name only in its own region; another region\'s liaison finds nothing, and asking for that region is 403', async () => {
    const mine = (await as.liaison.get(`${CASES}?status=all&q=${encodeURIComponent('Katie Smyth')}`)).items;
    assert.ok(mine.some((c) => c.id === katherineCase.id), 'the R1 liaison');
    const other = (await as.liaisonR4.get(`${CASES}?status=all&q=${encodeURIComponent('Katie Smyth')}&limit=500`)).items;
    assert.ok(!other.some((c) => c.id === katherineCase.id), 'the R4 liaison does not find the R1 case');
    assert.ok(other.every((c) => c.region === REGION_D));
    const all = (await as.liaisonR4.get(`${CASES}?status=all&limit=500`)).items;
    assert.ok(all.length > 0 && all.every((c) => c.region === REGION_D), 'every page of the R4 liaison is R4');
    await assertProblem(await as.liaisonR4.fetch(`${CASES}?region=${REGION_A}&q=${encodeURIComponent('Katie Smyth')}`), 403, 'R4 liaison, R1 search');
    const mdt = (await as.mdt.get(`${CASES}?status=all&q=${encodeURIComponent('Katie Smyth')}`)).items;
    assert.ok(!mdt.some((c) => c.id === katherineCase.id), 'an MDT member finds only cases its team reviews');
    for (const role of ['careline', 'provider', 'trainer', 'analyst', 'admin']) {
      await assertProblem(await as[role].fetch(`${CASES}?q=${encodeURIComponent('Katie Smyth')}`), 403, role);
    }
  });

  test('reports: paged and sorted the same way, and a report of a child linked to Katherine Smith is found by "Katie Smyth"', async () => {
    const body = {
      received_at: clock.iso(-60_000), channel: 'phone', reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Katie', family_name: 'Smyth', estimated_age: 15, town: TOWN_A }],
      narrative: 'A synthetic report.', concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch(INTAKES, { method: 'POST', body }), 201, 'a report of Katie Smyth');
    const unlinked = (await as.careline.get(`${INTAKES}?status=all&q=${encodeURIComponent('Katie Smyth')}&limit=500`)).items;
    assert.ok(!unlinked.some((r) => r.id === id), 'a child not yet linked to a known child is not found by name');
    await readJson(await as.careline.fetch(`${INTAKES}/${id}/children/0/link`, { method: 'POST', body: { person_id: katherine } }), 200, 'link her');
    for (const q of ['Katie Smyth', 'Katherine Smith']) {
      const found = (await as.careline.get(`${INTAKES}?status=all&q=${encodeURIComponent(q)}`)).items;
      assert.ok(found.some((r) => r.id === id), q);
    }
    const { number } = await as.careline.get(`${INTAKES}/${id}`);
    assert.deepEqual((await as.careline.get(`${INTAKES}?status=all&q=${number}`)).items.map((r) => r.id), [id]);
    const r4 = (await as.liaisonR4.get(`${INTAKES}?status=all&q=${encodeURIComponent('Katie Smyth')}`)).items;
    assert.ok(!r4.some((r) => r.id === id), 'the R4 liaison does not find the R1 report');
    for (const sort of ['received_at', '-received_at', 'number', '-id']) {
      const whole = (await as.careline.get(`${INTAKES}?status=all&limit=500&sort=${sort}`)).items.map((r) => r.id);
      const { rows } = await allPages(as.careline, `${INTAKES}?status=all&limit=3&sort=${sort}`);
      assert.deepEqual(rows.map((r) => r.id), whole, `${sort}: the pages are the list`);
    }
    await assertFieldError(await as.careline.fetch(`${INTAKES}?sort=region`), 'sort', 'reports are not sorted by region');
  });
  test('a case restricted by relief granted is never found by its child\'s name, but its number still lists it as restricted', async () => {
    const before = (await as.hart.get(`${CASES}?status=all&q=${encodeURIComponent('Katie Smyth')}`)).items;
    assert.ok(before.some((c) => c.id === katherineCase.id));
    const r = await as.hart.send('POST', `/api/v1/persons/${katherine}/relief`, {
      court: 'Superior Court, Juvenile Matters, Bridgeport', offence: OFFENCE_A, relief_kind: 'vacatur',
      links: [{ kind: 'case', id: katherineCase.id }],
    }, 201);
    const filed = await as.hart.send('PATCH', `/api/v1/relief/${r.id}`, { version: 1, status: 'petition_filed', petition_filed_on: '2026-11-20' });
    await as.hart.send('PATCH', `/api/v1/relief/${filed.id}`, { version: filed.version, status: 'granted', outcome: 'Vacated.' });
    for (const q of ['Katie Smyth', 'Katherine Smith']) {
      const found = (await as.hart.get(`${CASES}?status=all&q=${encodeURIComponent(q)}`)).items;
      assert.ok(!found.some((c) => c.id === katherineCase.id), `${q}: not by the name`);
    }
    const byNumber = (await as.hart.get(`${CASES}?status=all&q=${katherineCase.number}`)).items;
    assert.deepEqual(byNumber.map((c) => [c.id, c.restricted, c.child?.given_name]), [[katherineCase.id, true, undefined]], 'by number: listed, restricted, no name');
  });
  test('a child\'s record relief is a page at a time, oldest first: two by two with after, none twice and none left out', async () => {
    for (const offence of [OFFENCE_B, OFFENCE_C, OFFENCE_D]) {
      await as.hart.send('POST', `/api/v1/persons/${katherine}/relief`, {
        court: 'Superior Court, Juvenile Matters, Bridgeport', offence, relief_kind: 'vacatur',
      }, 201);
    }
    const ids = await assertPagesWhole(as.hart, `/api/v1/persons/${katherine}/relief`, { what: 'the relief records' });
    assert.ok(ids.length >= 4, JSON.stringify(ids));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'oldest first');
    await assertFieldError(await as.hart.fetch(`/api/v1/persons/${katherine}/relief?sort=-id`), 'sort', 'the one order');
  });
});
