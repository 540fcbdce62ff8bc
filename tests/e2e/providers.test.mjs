// The provider directory: adding and changing providers, the search every
// signed-in user may use, the public CSV export, provider users and the
// offers of rapid response dispatch (docs/recovery.md, "Providers").

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES, auditRecords, createUser, demoOnClock, login, loginEach, readJson } from '../lib/auth.mjs';
import { assertFieldError, assertProblem, errorsOf } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, loadDefaultPack, run, startServer, stopServer } from '../lib/server.mjs';
import { FAST_ANSWER_SERVICES, POPULATIONS, concern, nameOf, nth, region, service, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const SERVICE_A = service(0);
const SERVICE_B = service(3);
const SERVICE_C = service(4);
const FAST_SERVICE_A = FAST_ANSWER_SERVICES[0].service;
const POPULATION_A = nth(POPULATIONS, 0);
const POPULATION_B = nth(POPULATIONS, 1);
const POPULATION_C = nth(POPULATIONS, 2);

const REGION_A = region(0);
const REGION_B = region(1);
const REGION_C = region(2);
const REGION_E = region(4);
const REGION_F = region(5);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const PROVIDERS = '/api/v1/providers';
const PACK = loadDefaultPack();
const SERVICES = PACK.services.map((s) => s.id);
const REGIONS = PACK.regions.map((r) => r.id);
const RAPID = FAST_SERVICE_A;

/** A valid body; overrides replace its keys. */
function providerBody(code, overrides = {}) {
  return {
    code,
    name: `Testing Provider ${code}`,
    description: 'A synthetic provider for the tests.',
    services: [SERVICE_A, SERVICE_C],
    regions: [REGION_B],
    populations: [POPULATION_A, POPULATION_C],
    languages: ['English', 'Spanish'],
    age_min: 12,
    age_max: 18,
    capacity: 6,
    openings: 2,
    phone: '203-555-0142',
    email: 'intake@example.org',
    website: 'https://provider.example.org',
    address: '1 Example Street, Hartford',
    staff: [{ name: 'Sam Staffmember', role: 'Program director', phone: '203-555-0143', email: 'sam.staff@example.org' }],
    informed_status: 'informed',
    informed_basis: 'Day 1 and Day 2 training, 3 staff',
    informed_until: '2027-03-12',
    ...overrides,
  };
}

describe(`provider directory (${ENGINE})`, { timeout: 180_000 }, () => {
  let db;
  let clock;
  let server;
  const as = {};
  const made = {};

  const create = (body, s = as.hart) => s.fetch(PROVIDERS, { method: 'POST', body });
  async function add(code, overrides, s = as.hart) {
    const p = await readJson(await create(providerBody(code, overrides), s), 201, `add ${code}`);
    made[code] = p;
    return p;
  }
  const search = (query, s = as.careline) => s.get(`${PROVIDERS}?${new URLSearchParams(query)}`);
  async function all(query, s = as.careline) {
    const items = [];
    let after = null;
    for (let i = 0; i < 100; i++) {
      const page = await search({ ...query, ...(after ? { after } : {}) }, s);
      items.push(...page.items);
      if (!page.next) return items;
      after = page.next;
    }
    throw new Error('no end of pages');
  }

  before(async () => {
    let demo;
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
  });
  after(() => stopServer(server));

  test('HART adds a provider: 201 with the whole document; the administrator may too; no one else', async () => {
    const res = await create(providerBody('test_alpha'));
    const p = await readJson(res, 201, 'add');
    made.test_alpha = p;
    assert.equal(res.headers.get('location'), `${PROVIDERS}/${p.id}`);
    assert.ok(Number.isInteger(p.id));
    assert.equal(p.version, 1);
    assert.equal(p.active, true);
    assert.deepEqual([p.code, p.name, p.age_min, p.age_max, p.capacity, p.openings], ['test_alpha', 'Testing Provider test_alpha', 12, 18, 6, 2]);
    assert.deepEqual(p.services, [SERVICE_A, SERVICE_C]);
    assert.deepEqual(p.regions, [REGION_B]);
    assert.deepEqual(p.populations.sort(), [POPULATION_A, POPULATION_C]);
    assert.deepEqual(p.languages.sort(), ['English', 'Spanish']);
    assert.deepEqual([p.informed_status, p.informed_basis, p.informed_until], ['informed', 'Day 1 and Day 2 training, 3 staff', '2027-03-12']);
    assert.equal(p.staff[0].name, 'Sam Staffmember');
    const minimal = await readJson(await create({ code: 'test_minimal', name: 'Minimal (synthetic)', services: [SERVICE_A], regions: [REGION_A] }, as.admin), 201, 'admin adds');
    assert.equal(minimal.informed_status, 'not_informed');
    assert.deepEqual([minimal.populations, minimal.languages, minimal.openings], [[], [], null]);
    for (const role of ROLES.filter((r) => r !== 'hart' && r !== 'admin')) {
      await assertProblem(await create(providerBody(`test_by_${role}`), as[role]), 403, `${role} adds a provider`);
    }
    const items = await all({ q: 'test_by_' });
    assert.equal(items.length, 0, 'nothing stored by a refused role');
    const audit = await auditRecords(as.admin, 'provider.create');
    assert.ok(audit.some((a) => a.object_id === String(p.id)), 'the create is audited');
  });

  test('a code taken is 409; bad fields are 422, every one named', async () => {
    const taken = await assertProblem(await create(providerBody('test_alpha')), 409, 'code taken');
    assert.match(taken.detail, /code/);
    // Every field the form can get wrong, in one answer.
    const res = await create({
      code: 'Bad Code', name: 'Two\nlines', services: ['astrology'], regions: [], populations: ['aliens'], languages: [''],
      age_min: 19, age_max: 14, capacity: 2, openings: 3, phone: '12', email: 'not-mail', website: 'a\nb',
      informed_until: '2027-02-30', staff: [{ role: 'x' }],
    });
    const errs = errorsOf(await assertProblem(res, 422, 'bad fields'), { typed: true });
    for (const f of ['code', 'name', 'services[0]', 'regions', 'populations[0]', 'languages[0]', 'age_max', 'openings', 'phone', 'email',
      'website', 'informed_until', 'staff[0].name']) {
      assert.ok(errs[f], `${f} named in ${JSON.stringify(errs)}`);
    }
    assert.match(errs.openings[0], /^Openings: /, 'in the form\'s words');
    // What the declared rules refuse is named before the handler runs.
    const typed = errorsOf(await assertProblem(await create({ code: 'x', name: '', services: SERVICE_A, regions: [REGION_A], informed_status: 'sort_of', capacity: 'six' }), 422, 'types'));
    for (const f of ['name', 'services', 'informed_status', 'capacity']) assert.ok(typed[f], `${f} named in ${JSON.stringify(typed)}`);
    await assertFieldError(await create(providerBody('test_dup', { services: [SERVICE_A, SERVICE_A] })), 'services', 'a service twice');
    await assertFieldError(await create(providerBody('test_age', { age_min: 26 })), 'age_min', 'age over 25');
    await assertFieldError(await create(providerBody('test_neg', { openings: -1 })), 'openings', 'negative openings');
    const { services: _, ...noServices } = providerBody('test_noserv');
    await assertFieldError(await create(noServices), 'services', 'no services');
    assert.equal((await all({ q: 'test_' })).length, 2, 'nothing stored by a refusal');
  });

  test('GET answers every role; staff only to HART, the administrator and the provider\'s own users, and that read is audited', async () => {
    const id = made.test_alpha.id;
    for (const role of ROLES) {
      const p = await as[role].get(`${PROVIDERS}/${id}`);
      assert.equal(p.code, 'test_alpha', role);
      assert.equal('staff' in p, role === 'hart' || role === 'admin', `${role} and staff`);
    }
    const before = (await auditRecords(as.admin, 'provider.staff_read')).length;
    await as.hart.get(`${PROVIDERS}/${id}`);
    assert.equal((await auditRecords(as.admin, 'provider.staff_read')).length, before + 1);
    const own = await createUser(db, { username: 'alpha-staff', role: 'provider', scope: 'test_alpha', env: clock.env });
    const s = await login(server.url, own.username, own.password);
    assert.equal((await s.get(`${PROVIDERS}/${id}`)).staff[0].email, 'sam.staff@example.org');
    const me = await s.get('/api/v1/me');
    assert.deepEqual(me.user.provider, { id, code: 'test_alpha', name: 'Testing Provider test_alpha' });
    assert.equal((await as.hart.fetch(`${PROVIDERS}/99999999`)).status, 404);
  });

  test('PATCH changes what is sent (lists replace), needs the current version (409 stale-version), and checks the fields together', async () => {
    const path = `${PROVIDERS}/${made.test_alpha.id}`;
    const p = await as.hart.send('PATCH', path, { version: 1, openings: 5, capacity: 8, regions: [REGION_B, REGION_C], staff: null });
    assert.deepEqual([p.version, p.openings, p.capacity, p.regions], [2, 5, 8, [REGION_B, REGION_C]]);
    assert.deepEqual(p.services, [SERVICE_A, SERVICE_C], 'a list not sent is kept');
    assert.deepEqual(p.staff, [], 'staff cleared');
    const stale = await assertProblem(await as.hart.fetch(path, { method: 'PATCH', body: { version: 1, openings: 0 } }), 409, 'stale');
    assert.equal(stale.type, 'urn:hartline:problem:stale-version');
    await assertFieldError(await as.hart.fetch(path, { method: 'PATCH', body: { version: 2, openings: 9 } }), 'openings', 'more openings than capacity');
    await assertFieldError(await as.hart.fetch(path, { method: 'PATCH', body: { version: 2, age_min: 19 } }), 'age_max', 'youngest above oldest');
    await assertFieldError(await as.hart.fetch(path, { method: 'PATCH', body: { version: 2, services: [] } }), 'services', 'no services');
    await assertFieldError(await as.hart.fetch(path, { method: 'PATCH', body: { openings: 1 } }), 'version', 'no version');
    // The code links the agency's users to it: it never changes.
    for (const code of ['test_minimal', 'test_renamed']) {
      const p422 = await assertProblem(await as.hart.fetch(path, { method: 'PATCH', body: { version: 2, code } }), 422, `code ${code}`);
      assert.deepEqual(errorsOf(p422).code, ["The code cannot be changed; it is how the agency's users are linked to it."]);
    }
    await assertProblem(await as.liaison.fetch(path, { method: 'PATCH', body: { version: 2, openings: 1 } }), 403, 'liaison');
    const now = await as.careline.get(path);
    assert.deepEqual([now.version, now.openings], [2, 5], 'unchanged by the refusals');
    assert.ok((await auditRecords(as.admin, 'provider.update')).some((a) => a.object_id === String(made.test_alpha.id)));
  });

  test('search: by service, region, population, age, openings and name; keyset pages; inactive hidden but for managers', async () => {
    await add('test_beta', { name: 'Beta Haven (test)', services: [RAPID, SERVICE_A], regions: [REGION_E], populations: [POPULATION_B], age_min: 14, age_max: 21, openings: 0 });
    await add('test_gamma', { name: 'Gamma Place (test)', services: [SERVICE_B], regions: [REGION_E, REGION_F], populations: [POPULATION_A], age_min: 8, age_max: 13, openings: 4 });
    const codes = (items) => items.map((p) => p.code).filter((c) => c.startsWith('test_')).sort();
    assert.deepEqual(codes(await all({ service: SERVICE_A, region: REGION_E })), ['test_beta']);
    assert.deepEqual(codes(await all({ region: REGION_E })), ['test_beta', 'test_gamma']);
    assert.deepEqual(codes(await all({ region: REGION_E, population: POPULATION_A })), ['test_gamma']);
    assert.deepEqual(codes(await all({ region: REGION_E, age: '20' })), ['test_beta']);
    assert.deepEqual(codes(await all({ region: REGION_E, open: 'true' })), ['test_gamma']);
    assert.deepEqual(codes(await all({ q: 'HAVEN' })), ['test_beta']);
    for (const s of SERVICES) {
      for (const r of REGIONS) {
        const found = await all({ service: s, region: r });
        assert.ok(found.every((p) => p.services.includes(s) && p.regions.includes(r)), `${s} in ${r}`);
      }
    }

    const everyone = await all({ limit: '500' });
    const paged = await all({ limit: '4' });
    assert.deepEqual(paged.map((p) => p.id), everyone.map((p) => p.id), 'pages of 4 walk the same list');
    assert.equal(new Set(paged.map((p) => p.id)).size, paged.length, 'no provider twice');
    const names = everyone.map((p) => p.name.toLowerCase());
    assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'by name');
    const byOpenings = await all({ sort: 'openings', limit: '3' });
    assert.equal(byOpenings.length, everyone.length);
    for (let i = 1; i < byOpenings.length; i++) {
      const [a, b] = [byOpenings[i - 1], byOpenings[i]];
      assert.ok((a.openings ?? 0) > (b.openings ?? 0) || ((a.openings ?? 0) === (b.openings ?? 0) && a.id < b.id), `openings order at ${i}`);
    }
    const first = await search({ limit: '2' });
    assert.equal(first.items.length, 2);
    assert.equal(typeof first.next, 'string');
    assert.equal((await search({ limit: '500' })).next, null);
    assert.ok(!('staff' in first.items[0]), 'no staff in a search');

    for (const [k, v] of [['service', 'astrology'], ['region', 'R99'], ['population', 'aliens'], ['age', '30'], ['open', 'maybe'], ['sort', 'size'], ['limit', '0'], ['after', 'nope']]) {
      await assertFieldError(await as.careline.fetch(`${PROVIDERS}?${k}=${v}`), k, `${k}=${v}`);
    }

    const gamma = made.test_gamma;
    await as.admin.send('PATCH', `${PROVIDERS}/${gamma.id}`, { version: gamma.version, active: false });
    assert.deepEqual(codes(await all({ region: REGION_F })), [], 'inactive hidden');
    assert.deepEqual(codes(await all({ region: REGION_F, active: 'all' }, as.hart)), ['test_gamma']);
    await assertProblem(await as.careline.fetch(`${PROVIDERS}?active=all`), 403, 'active=all is for managers');
    assert.equal((await as.careline.fetch(`${PROVIDERS}/${gamma.id}`)).status, 404, 'an inactive provider is out of the directory');
    assert.equal((await as.hart.get(`${PROVIDERS}/${gamma.id}`)).active, false);
  });

  test('the CSV export: every active provider, public fields, no staff, formulas disarmed', async () => {
    await add('test_formula', { name: '=HYPERLINK("http://evil.example","x")', description: '+1, "quoted"', staff: [{ name: 'Hidden Staffer', role: 'Director', email: 'hidden.staffer@example.org' }] });
    const res = await as.liaison.fetch(`${PROVIDERS}/export.csv`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv/);
    assert.match(res.headers.get('content-disposition'), /attachment; filename="provider-directory\.csv"/);
    const text = await res.text();
    assert.ok((await auditRecords(as.admin, 'provider.export')).some((a) => a.detail.startsWith('format=csv count=')), 'the export is audited');
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'code,name,description,services,regions,populations,languages,age_min,age_max,capacity,openings,phone,email,website,address,trafficking_informed,informed_basis,informed_until');
    assert.ok(!/Hidden Staffer|hidden\.staffer|Sam Staffmember|sam\.staff/.test(text), 'no staff in the export');
    const line = lines.find((l) => l.startsWith('test_formula,'));
    assert.ok(line, 'the provider is there');
    assert.ok(line.startsWith('test_formula,"\'=HYPERLINK(""http://evil.example"",""x"")","\'+1, ""quoted"""'), line);
    assert.ok(line.includes(`${nameOf('services', SERVICE_A)}; ${nameOf('services', SERVICE_C)}`), 'services by their names');
    assert.ok(!text.includes('test_gamma'), 'inactive providers are not exported');
    assert.equal(lines.filter((l) => l).length - 1, (await all({ limit: '500' })).length, 'one line per active provider');
  });

  test('provider users: the scope must be a provider\'s code, by the API and the command line', async () => {
    const body = { username: 'prov-bad', role: 'provider', scope: 'no_such_agency', display_name: 'Prov Bad', email: 'prov.bad@example.org' };
    const p = await assertProblem(await as.admin.fetch('/api/v1/users', { method: 'POST', body }), 422, 'unknown code');
    const errs = errorsOf(p);
    assert.match(errs.scope.join(' '), /no provider has the code "no_such_agency"/);
    const ok = await readJson(await as.admin.fetch('/api/v1/users', { method: 'POST', body: { ...body, username: 'prov-good', scope: 'test_beta' } }), 201, 'a known code');
    assert.equal(ok.scope, 'test_beta');
    const r = await run(['user', 'add', 'prov-cli', '--role', 'provider', '--provider', 'nowhere_inc', '--db', db, '--password-stdin'], { db, env: clock.env, input: 'Tq7-a-long-enough-Passw0rd-x9\n' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no provider has the code "nowhere_inc"/);
    const { items: users } = await as.admin.get('/api/v1/users?limit=500');
    assert.ok(!users.some((u) => u.username === 'prov-bad' || u.username === 'prov-cli'), 'neither was stored');
  });

  test('rapid response dispatch: the region\'s rapid providers, openings first then by name, before and with the request', async () => {
    await add('test_rapid_a', { name: 'Aardvark Rapid (test)', services: [RAPID], regions: [REGION_A], openings: 0 });
    await add('test_rapid_z', { name: 'Zebra Rapid (test)', services: [RAPID], regions: [REGION_A], openings: 3 });
    await add('test_rapid_r2', { name: 'Elsewhere Rapid (test)', services: [RAPID], regions: [REGION_B], capacity: 10, openings: 9 });
    await add('test_norapid', { name: 'Not Rapid (test)', services: [SERVICE_A], regions: [REGION_A], capacity: 10, openings: 9 });
    const intake = {
      received_at: clock.iso(-10 * MINUTE_MS), channel: 'phone', reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Rowan', family_name: 'Dispatchtest', town: TOWN_A, estimated_age: 15 }],
      narrative: 'A synthetic report.', concerns: [CONCERN_A],
    };
    const { id: intakeId } = await readJson(await as.careline.fetch('/api/v1/intakes', { method: 'POST', body: intake }), 201, 'report');
    await readJson(await as.careline.fetch(`/api/v1/intakes/${intakeId}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    const c = await readJson(await as.hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: intakeId } }), 201, 'case');
    const got = await as.hart.get(`/api/v1/cases/${c.id}/rapid-offers`);
    assert.equal(got.region, REGION_A);
    const offers = got.offers;
    assert.ok((await auditRecords(as.admin, 'case.rapid_offers')).some((a) => a.object_id === String(c.id)), 'the offers read is audited');
    const codes = offers.map((o) => o.code);
    assert.ok(codes.includes('test_rapid_a') && codes.includes('test_rapid_z'));
    assert.ok(!codes.includes('test_rapid_r2') && !codes.includes('test_norapid'), 'only the region\'s rapid providers');
    assert.ok(offers.length <= 20);
    const key = (o) => [o.openings > 0 ? 0 : 1, o.name.toLowerCase()];
    for (let i = 1; i < offers.length; i++) {
      const [a, b] = [key(offers[i - 1]), key(offers[i])];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), `order at ${i}: ${JSON.stringify(offers)}`);
    }
    assert.ok(codes.indexOf('test_rapid_z') < codes.indexOf('test_rapid_a'), 'openings first');
    assert.deepEqual(Object.keys(offers[0]).sort(), ['code', 'id', 'name', 'openings', 'phone']);
    const rr = await readJson(await as.hart.fetch(`/api/v1/cases/${c.id}/rapid-responses`, { method: 'POST', body: { responder: 'Youth advocate A' } }), 201, 'request');
    assert.deepEqual(rr.offers, offers, 'the request answers the same offers');
    assert.equal((await as.liaison.get(`/api/v1/cases/${c.id}/rapid-offers`)).offers.length, offers.length, 'the region\'s liaison');
    for (const role of ['careline', 'provider', 'trainer', 'analyst', 'admin']) {
      assert.equal((await as[role].fetch(`/api/v1/cases/${c.id}/rapid-offers`)).status, 403, role);
    }
  });
});
