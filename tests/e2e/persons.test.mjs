// Persons: "is this child known?" through POST /api/v1/persons/match on the
// demo registry (2,003 synthetic children) — who may ask, what a candidate
// shows, nicknames, swapped birth dates and aliases, validation, the audit
// of every lookup and of every candidate shown, names sealed at rest, and
// key rotation.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { auditRecords, demoOnClock, loginEach, readJson } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import { ENGINE, cleanup, dbBytes, run, startServer, stopServer } from '../lib/server.mjs';
import { TOWNS, concern, source } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

// The towns the demo registry gives Katherine Smith, Tyler O'Brien and
// Jasmine Rivera-Lopez, read
// back before the tests (the demo places its people in the pack's towns).
let TOWN_D;
let TOWN_E;
let TOWN_J;

after(cleanup);

const MATCH = '/api/v1/persons/match';
const CANDIDATE_KEYS = ['age', 'band', 'dob', 'explanation', 'family_name', 'given_name', 'person_id', 'probability', 'sex', 'town'];
const REASON_KEYS = ['field', 'level', 'text', 'weight'];

describe(`persons match (${ENGINE})`, { timeout: 60_000 }, () => {
  let db;
  let clock;
  let server;
  let demo;
  const as = {}; // role -> Session

  async function loginAll() {
    await loginEach(server, demo.users, as);
  }

  /** POST /api/v1/persons/match as a session (or with no session when s is null). */
  function ask(s, body) {
    if (!s) return fetch(`${server.url}${MATCH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return s.fetch(MATCH, { method: 'POST', body });
  }

  /** A search that must answer 200; resolves the body. */
  async function search(body, s = as.careline) {
    return readJson(await ask(s, body), 200, `search ${JSON.stringify(body)}`);
  }

  const describeHit = (c) => c && `${c.given_name} ${c.family_name} ${c.dob ?? `age ${c.age}`} ${c.town} p=${c.probability}`;

  function assertKatherineFirst(body, what) {
    const first = body.candidates[0];
    assert.ok(first, `${what}: no candidates`);
    assert.deepEqual(
      { given_name: first.given_name, family_name: first.family_name, dob: first.dob },
      { given_name: 'Katherine', family_name: 'Smith', dob: '2011-03-04' },
      `${what}: first candidate is ${describeHit(first)}; all: ${body.candidates.map(describeHit).join('; ')}`);
    return first;
  }

  /** Audit records of an action, newest first (admin). */
  const auditOf = (action, extra) => auditRecords(as.admin, action, extra);

  before(async () => {
    // Ages and "in the future" are on the test clock's date.
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db, env: clock.env });
    await loginAll();
    clock.check((await as.admin.get('/api/v1/audit?action=user.create&limit=1')).items[0].at, 'the time of a demo user.create record');
    const townOfDemo = async (body) => {
      const hit = (await search(body, as.hart)).candidates.find((c) => c.given_name === body.given_name && c.family_name === body.family_name);
      assert.ok(hit, `the demo registry holds ${body.given_name} ${body.family_name}`);
      return hit.town;
    };
    TOWN_D = await townOfDemo({ given_name: 'Katherine', family_name: 'Smith', dob: '2011-03-04' });
    TOWN_E = await townOfDemo({ given_name: 'Tyler', family_name: "O'Brien", age: 15 });
    TOWN_J = await townOfDemo({ given_name: 'Jasmine', family_name: 'Rivera-Lopez', dob: '2010-07-19' });
  });
  after(() => stopServer(server));

  test('the demo registry\'s children live in towns of the pack', () => {
    for (const t of [TOWN_D, TOWN_E, TOWN_J]) assert.ok(TOWNS.includes(t), `${t} is a town of the pack`);
  });

  test('careline, hart and liaison may search; mdt, provider, trainer, analyst and admin get 403 and the denial is audited', async () => {
    for (const role of ['careline', 'hart', 'liaison']) {
      const body = await search({ given_name: 'Jasmine', family_name: 'Rivera-Lopez' }, as[role]);
      assert.ok(Array.isArray(body.candidates), role);
      assert.equal(body.registry_size, 2003, `${role}: the demo registry`);
    }
    for (const role of ['mdt', 'provider', 'trainer', 'analyst', 'admin']) {
      const before = await auditOf('permission.denied', `&actor=demo-${role}`);
      await assertProblem(await ask(as[role], { given_name: 'Jasmine', family_name: 'Rivera-Lopez' }), 403, role);
      const denied = await auditOf('permission.denied', `&actor=demo-${role}`);
      assert.equal(denied.length, before.length + 1, `${role}: one denial recorded`);
      assert.match(denied[0].detail, /persons\.match/, `${role}: the denial names the permission`);
    }
  });

  test('without a session the search is 401', async () => {
    await assertProblem(await ask(null, { given_name: 'Katie', family_name: 'Smyth', age: 15 }), 401);
  });

  test('"Katie Smyth", about 15, finds Katherine Smith first, and the explanation says "nickname"', async () => {
    const body = await search({ given_name: 'Katie', family_name: 'Smyth', age: 15 });
    const kat = assertKatherineFirst(body, 'Katie Smyth 15');
    assert.equal(kat.age, 15);
    assert.equal(kat.sex, 'F');
    assert.equal(kat.town, TOWN_D);
    const nick = kat.explanation.find((e) => e.level === 'nickname');
    assert.ok(nick, `an explanation entry of level "nickname": ${JSON.stringify(kat.explanation)}`);
    assert.equal(nick.field, 'given name');
    assert.match(nick.text, /Katie for Katherine/);
    assert.ok(nick.weight > 0, 'a nickname counts for the match');
  });

  test('"Kathryn Smith" born 2011-04-03, F, Hartford finds Katherine first as "likely": day and month swapped', async () => {
    const body = await search({ given_name: 'Kathryn', family_name: 'Smith', dob: '2011-04-03', sex: 'F', town: TOWN_D });
    const kat = assertKatherineFirst(body, 'Kathryn Smith 2011-04-03');
    assert.equal(kat.band, 'likely');
    assert.ok(kat.probability >= 0.95, `probability ${kat.probability}`);
    const dob = kat.explanation.find((e) => e.field === 'birth date');
    assert.ok(dob, `a birth date entry: ${JSON.stringify(kat.explanation)}`);
    assert.equal(dob.level, 'day and month swapped');
    assert.match(dob.text, /day and month swapped/);
  });

  test('"Kat Jones", an alias, finds Katherine Smith, shown under her own name', async () => {
    const body = await search({ given_name: 'Kat', family_name: 'Jones' });
    assertKatherineFirst(body, 'Kat Jones');
    const ids = body.candidates.map((c) => c.person_id);
    assert.equal(new Set(ids).size, ids.length, 'a person is listed once, aliases or not');
    const why = body.candidates[0].explanation.find((e) => e.field === 'alias');
    assert.ok(why, `the explanation says an alias was matched: ${JSON.stringify(body.candidates[0].explanation)}`);
    assert.match(why.text, /alias on file "kat jones"/);
  });

  test('"Jasmine Rivera" without a birth date, and a rare family name alone, still find the child', async () => {
    const j = await search({ given_name: 'Jasmine', family_name: 'Rivera' });
    assert.equal(`${j.candidates[0]?.given_name} ${j.candidates[0]?.family_name}`, 'Jasmine Rivera-Lopez', JSON.stringify(j));
    const t = await search({ family_name: "O'Brien" });
    assert.ok(t.candidates.some((c) => c.given_name === 'Tyler'), JSON.stringify(t));
  });

  test('"Smith" alone, or Smith and F, is never a new child: the Smiths are listed by page, with what would tell', async () => {
    for (const q of [{ family_name: 'Smith' }, { family_name: 'Smith', sex: 'F' }]) {
      const body = await search(q);
      assert.notEqual(body.verdict, 'new', `${JSON.stringify(q)}: ${JSON.stringify(body)}`);
      assert.equal(body.verdict, 'candidates');
      assert.deepEqual(body.needed, ['given_name', 'dob']);
      assert.equal(body.candidates.length, Math.min(10, body.total), 'ten a page');
      const all = [];
      for (let offset = 0; offset < body.total; offset += 50) all.push(...(await search({ ...q, limit: 50, offset })).candidates);
      assert.equal(all.length, body.total);
      assert.equal(new Set(all.map((c) => c.person_id)).size, all.length, 'each child once');
      const names = all.map((c) => `${c.given_name} ${c.family_name}`);
      for (const n of ['Katherine Smith', 'Leah Smith']) assert.ok(names.includes(n), `${JSON.stringify(q)} lists ${n}: ${names}`);
      assert.ok(all.every((c) => c.family_name === 'Smith' && (!q.sex || c.sex === 'F')), JSON.stringify(all.map((c) => [c.family_name, c.sex])));
    }
    // A page at a time.
    const first = await search({ family_name: 'Smith', limit: 1 });
    assert.equal(first.candidates.length, 1);
    assert.ok(first.total >= 2);
    const second = await search({ family_name: 'Smith', limit: 1, offset: 1 });
    assert.equal(second.offset, 1);
    assert.notEqual(second.candidates[0].person_id, first.candidates[0].person_id);
    // A family name nobody has: not enough to tell, never "new".
    const none = await search({ family_name: 'Quorvaxlin' });
    assert.equal(none.verdict, 'too_thin');
    assert.deepEqual(none.candidates, []);
    assert.deepEqual(none.needed, ['given_name', 'dob']);
    // A full name and birth date with no match is a new child.
    const fresh = await search({ given_name: 'Zebulon', family_name: 'Quorvaxlin', dob: '2012-05-06' });
    assert.equal(fresh.verdict, 'new');
    assert.deepEqual(fresh.needed, []);
    await assertProblem(await ask(as.careline, { family_name: 'Smith', limit: 0 }), 422, 'a limit of 0');
    // The listing is audited like a search: one person.match, a person.read for each child shown, no other.
    const before = (await auditOf('person.read')).length;
    const page = await search({ family_name: 'Smith', limit: 3 }, as.hart);
    const [m] = await auditOf('person.match', '&actor=demo-hart');
    assert.equal(m.detail, 'by_family=3');
    const reads = (await auditOf('person.read')).slice(0, (await auditOf('person.read')).length - before);
    assert.deepEqual(reads.map((r) => Number(r.object_id)).sort((a, b) => a - b), page.candidates.map((c) => c.person_id).sort((a, b) => a - b));
    // A family name only an alias has: the child is listed under her own name, and the reason says so.
    const jones = [];
    const { total } = await search({ family_name: 'Jones' });
    for (let offset = 0; offset < total; offset += 50) jones.push(...(await search({ family_name: 'Jones', limit: 50, offset })).candidates);
    const kat = jones.find((c) => c.given_name === 'Katherine' && c.family_name === 'Smith');
    assert.ok(kat, `Katherine Smith, alias Kat Jones, is among the ${total} Joneses`);
    assert.equal(kat.explanation[0].field, 'alias', JSON.stringify(kat.explanation));
    assert.ok(jones.filter((c) => c.family_name === 'Jones').every((c) => c.explanation[0].field === 'family_name'));
  });

  test('a reported child known only by a common family name is not a new child on the report either', async () => {
    const report = async (child) => readJson(await as.careline.fetch('/api/v1/intakes', {
      method: 'POST',
      body: { received_at: clock.iso(-600_000), channel: 'phone', reporter: { source: SOURCE_A }, children: [child], narrative: 'A synthetic report.', concerns: [CONCERN_A] },
    }), 201, 'record a report');
    const smith = await report({ family_name: 'Smith', town: TOWN_D });
    const c1 = await as.careline.get(`/api/v1/intakes/${smith.id}/children/0/candidates`);
    assert.equal(c1.verdict, 'candidates');
    assert.equal(c1.by_family, true);
    assert.ok(c1.total > c1.candidates.length && c1.candidates.length === 10, `${c1.total} Smiths, the first 10 shown`);
    const nobody = await report({ family_name: 'Quorvaxlin', town: TOWN_D });
    const c2 = await as.careline.get(`/api/v1/intakes/${nobody.id}/children/0/candidates`);
    assert.equal(c2.verdict, 'too_thin');
    assert.deepEqual(c2.candidates, []);
    const full = await report({ given_name: 'Zebulon', family_name: 'Quorvaxlin', estimated_age: 12, town: TOWN_D });
    assert.equal((await as.careline.get(`/api/v1/intakes/${full.id}/children/0/candidates`)).verdict, 'new');
  });

  test('"Jasmine Rivera" born 2010-07-19 finds Jasmine Rivera-Lopez first: part of a compound name', async () => {
    const { candidates } = await search({ given_name: 'Jasmine', family_name: 'Rivera', dob: '2010-07-19' });
    const first = candidates[0];
    assert.equal(`${first?.given_name} ${first?.family_name} ${first?.dob} ${first?.town}`, `Jasmine Rivera-Lopez 2010-07-19 ${TOWN_J}`,
      candidates.map(describeHit).join('; '));
    assert.equal(first.explanation.find((e) => e.field === 'family name')?.level, 'same apart from spacing, or a compound part', JSON.stringify(first.explanation));
  });

  test('a candidate carries exactly person_id, given_name, family_name, dob, age, sex, town, probability, band and explanation', async () => {
    for (const q of [
      { given_name: 'Katie', family_name: 'Smyth', age: 15 },
      { given_name: 'Tyler', family_name: "O'Brien", age: 15 },
      { family_name: 'Smith', town: TOWN_D },
    ]) {
      const body = await search(q);
      assert.deepEqual(Object.keys(body).sort(), ['by_family', 'candidates', 'limit', 'needed', 'offset', 'registry_size', 'total', 'verdict']);
      assert.ok(body.candidates.length > 0, JSON.stringify(q));
      for (const c of body.candidates) {
        assert.deepEqual(Object.keys(c).sort(), CANDIDATE_KEYS, `keys of ${describeHit(c)}`);
        assert.ok(Number.isInteger(c.person_id) && c.person_id > 0);
        assert.equal(typeof c.given_name, 'string');
        assert.equal(typeof c.family_name, 'string');
        assert.ok(c.dob === null || /^\d{4}-\d{2}-\d{2}$/.test(c.dob), `dob ${c.dob}`);
        assert.ok(c.age === null || (Number.isInteger(c.age) && c.age >= 0 && c.age <= 26), `age ${c.age}`);
        assert.ok(Array.isArray(c.explanation) && c.explanation.length > 0);
        for (const e of c.explanation) {
          assert.deepEqual(Object.keys(e).sort(), REASON_KEYS);
          assert.equal(typeof e.weight, 'number');
        }
      }
    }
    // Tyler O'Brien is known by an age only: no birth date, his age now.
    const tyler = (await search({ given_name: 'Tyler', family_name: "O'Brien", age: 15 })).candidates[0];
    assert.deepEqual(
      { given_name: tyler.given_name, family_name: tyler.family_name, dob: tyler.dob, age: tyler.age, sex: tyler.sex, town: tyler.town },
      { given_name: 'Tyler', family_name: "O'Brien", dob: null, age: 15, sex: 'M', town: TOWN_E });
    const kat = (await search({ given_name: 'Kat', family_name: 'Jones' })).candidates.find((c) => c.given_name === 'Katherine');
    assert.ok(kat && !JSON.stringify(kat).includes('Kat Jones'), 'the alias is not shown');
  });

  test('at most 10 candidates, most probable first, each banded by its probability', async () => {
    for (const q of [
      { family_name: 'Smith', age: 15 },
      { family_name: 'Smith', dob: '2011-03-04' },
      { given_name: 'Jasmine', family_name: 'Rivera', dob: '2010-07-19' },
    ]) {
      const { candidates } = await search(q);
      assert.ok(candidates.length >= 1 && candidates.length <= 10, `${JSON.stringify(q)}: ${candidates.length} candidates`);
      const p = candidates.map((c) => c.probability);
      assert.deepEqual(p, [...p].sort((a, b) => b - a), `${JSON.stringify(q)}: sorted by probability`);
      for (const c of candidates) {
        assert.ok(c.probability >= 0.01 && c.probability <= 1, `probability ${c.probability}`);
        assert.equal(c.band, c.probability >= 0.95 ? 'likely' : c.probability >= 0.5 ? 'possible' : 'unlikely');
      }
      const ids = candidates.map((c) => c.person_id);
      assert.equal(new Set(ids).size, ids.length, 'no one twice');
    }
    // The demo registry holds ten Smiths born in 2011 and another child born
    // on 2011-03-04: more than ten candidates, ten shown.
    assert.equal((await search({ family_name: 'Smith', dob: '2011-03-04' })).candidates.length, 10);
  });

  test('422 for a birth date in the future, no name at all, an unknown field, and an age of 40', async () => {
    const cases = [
      { what: 'a birth date in the future', body: { given_name: 'Katie', family_name: 'Smith', dob: '2026-12-25' }, field: 'dob' },
      { what: 'a birth date that is no date', body: { given_name: 'Katie', dob: '2011-02-30' }, field: 'dob' },
      { what: 'no name at all', body: { dob: '2011-03-04', town: TOWN_D }, field: 'given_name' },
      { what: 'empty names', body: { given_name: '', family_name: null, age: 15 }, field: 'given_name' },
      { what: 'an unknown field', body: { given_name: 'Katie', address: '12 Main St' }, field: 'address' },
      { what: 'an age of 40', body: { given_name: 'Katie', age: 40 }, field: 'age' },
      { what: 'an age that is not a number', body: { given_name: 'Katie', age: '15' }, field: 'age' },
      { what: 'a birth date and an age together', body: { given_name: 'Jo', family_name: 'Smith', dob: '2011-02-03', age: 4 }, field: 'age' },
      { what: 'a sex that is not F, M or X', body: { given_name: 'Katie', family_name: 'Smith', sex: 'Q' }, field: 'sex' },
      { what: 'a given name alone', body: { given_name: 'Jasmine' }, field: 'family_name' },
    ];
    for (const c of cases) {
      const p = await assertProblem(await ask(as.careline, c.body), 422, c.what);
      assert.equal(p.type, 'urn:hartline:problem:validation', c.what);
      assert.ok(Array.isArray(p.errors) && p.errors.some((e) => e.field === c.field), `${c.what}: an error for ${c.field}: ${JSON.stringify(p.errors)}`);
    }
    // Today is not in the future.
    await search({ given_name: 'Katie', dob: '2026-11-28' });
  });

  test('every search is audited as person.match, with one person.read per candidate shown', async () => {
    const last = async (action) => (await auditOf(action))[0]?.seq ?? 0;
    const since = Math.max(await last('person.match'), await last('person.read'));
    const body = await search({ given_name: 'Katie', family_name: 'Smyth', age: 15 }, as.hart);
    const shown = body.candidates.map((c) => String(c.person_id));
    assert.ok(shown.length >= 1);

    const matches = (await auditOf('person.match')).filter((r) => r.seq > since);
    assert.equal(matches.length, 1, `one person.match: ${JSON.stringify(matches)}`);
    assert.equal(matches[0].actor, 'demo-hart');
    assert.equal(matches[0].detail, `candidates=${shown.length}`);

    const reads = (await auditOf('person.read')).filter((r) => r.seq > since);
    assert.deepEqual(reads.map((r) => r.object_id).sort(), [...shown].sort(), 'a person.read for each candidate shown, and no other');
    for (const r of reads) {
      assert.equal(r.actor, 'demo-hart');
      assert.equal(r.object_type, 'person');
      assert.equal(r.detail, 'via=match');
    }

    // A search that finds no one is still a search.
    const none = await search({ given_name: 'Xqzzyv', family_name: 'Wrrbkl' }, as.hart);
    assert.equal(none.candidates.length, 0);
    const after = (await auditOf('person.match')).filter((r) => r.seq > since);
    assert.equal(after.length, 2);
    assert.equal(after[0].detail, 'candidates=0');
    assert.equal((await auditOf('person.read')).filter((r) => r.seq > since).length, shown.length);
  });

  function assertSealed(what) {
    const bytes = dbBytes(db);
    assert.ok(bytes.length > 0, `${what}: read the stored bytes`);
    assert.ok(bytes.includes(TOWN_E) && bytes.includes('demo-careline'), `${what}: the towns and usernames are there in clear, so the right bytes were read`);
    for (const secret of ['Katherine', 'Rivera-Lopez', '2011-03-04', 'Kat Jones', "O'Brien"]) {
      assert.ok(!bytes.includes(secret), `${what}: "${secret}" is not stored in clear`);
    }
  }

  test(`the ${ENGINE === 'sqlite' ? 'database file' : 'pg_dump'} holds no name, alias or birth date in clear`, () => {
    assertSealed('after demo and searches');
  });

  test('after key rotate and a restart the search still finds Katherine, and the names stay sealed', async () => {
    assert.equal(await server.stop(), 0);
    server = null;
    const r = await run(['key', 'rotate', '--db', db], { db, env: clock.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^key 2 is now current\b/);
    server = await startServer({ db, env: clock.env });
    await loginAll();
    const body = await search({ given_name: 'Katie', family_name: 'Smyth', age: 15 });
    assert.equal(body.registry_size, 2003);
    assertKatherineFirst(body, 'after key rotate');
    assertKatherineFirst(await search({ given_name: 'Kat', family_name: 'Jones' }), 'the alias after key rotate');
    assertSealed('after key rotate');
  });
});
