// packs/schema.json: the shipped pack is valid under it, a pack it refuses
// `hartline pack check` refuses too, and docs/packs.md documents every key
// it describes. (tests/unit/test_pack_schema.c keeps its keys and the
// loader's the same.) `pack check` and POST /api/v1/config/validate list
// every problem with its path and summarise what a good pack defines.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createUser, login } from '../lib/auth.mjs';
import { assertProblem } from '../lib/http.mjs';
import { schemaPaths, validate } from '../lib/jsonschema.mjs';
import { DEFAULT_PACK_PATH, ENGINE, SOURCE_ROOT, cleanup, freshDb, initDb, loadDefaultPack, run, startServer, tempDir, tempFile } from '../lib/server.mjs';

const schema = JSON.parse(fs.readFileSync(path.join(SOURCE_ROOT, 'packs', 'schema.json'), 'utf8'));

function changed(change) {
  const p = loadDefaultPack();
  change(p);
  return p;
}

// Packs the schema refuses, and where.
const REFUSED = [
  ['an unknown key at the top', (p) => (p.colour = 'red'), 'colour'],
  ['an unknown key in an office', (p) => (p.regions[0].offices[0].manager = 'x'), 'regions[0].offices[0].manager'],
  ['a region without offices', (p) => (p.regions[1].offices = []), 'regions[1].offices'],
  ['a region id with a space', (p) => (p.regions[0].id = 'R 1'), 'regions[0].id'],
  ['a source id in capitals', (p) => (p.referral_sources[0].id = 'Police'), 'referral_sources[0].id'],
  ['a deadline of no minutes', (p) => (p.deadlines[0].minutes = 0), 'deadlines[0].minutes'],
  ['a deadline in words', (p) => (p.deadlines[0].minutes = 'a day'), 'deadlines[0].minutes'],
  ['no time zone', (p) => delete p.pack.time_zone, 'pack.time_zone'],
  ['a blank name', (p) => (p.services[0].name = '   '), 'services[0].name'],
  ['a yes/no screen with ratings', (p) => (p.screening_instruments[1].ratings = ['no', 'possible', 'clear']), 'screening_instruments[1]'],
  ['a rule of two forms', (p) => (p.screening_instruments[0].rules[1].possible_count = 2), 'screening_instruments[0]'],
  ['a minor age of 40', (p) => (p.law.minor_age = 40), 'law.minor_age'],
  ['a threshold of 1', (p) => (p.suppression_threshold = 1), 'suppression_threshold'],
  ['a course of no hours', (p) => (p.courses[0].hours = 0), 'courses[0].hours'],
  ['a provider view of the name', (p) => (p.provider_view = ['name']), 'provider_view[0]'],
  ['attachments in words', (p) => (p.attachments = { max_bytes: 'big' }), 'attachments.max_bytes'],
];

describe('packs/schema.json', () => {
  test('the shipped pack is valid under it', () => {
    assert.deepEqual(validate(schema, loadDefaultPack()), []);
  });

  test('every pack shipped in packs/ is valid under it', () => {
    const dir = path.join(SOURCE_ROOT, 'packs');
    const packs = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'schema.json');
    assert.ok(packs.length >= 2, `packs/ holds ${packs.join(', ')}`);
    for (const f of packs)
      assert.deepEqual(validate(schema, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))), [], f);
  });

  test('the optional sections the shipped pack leaves out are valid under it', () => {
    const p = changed((q) => {
      q.pack.locale = 'en-GB';
      q.attachments = { max_bytes: 1000 };
      q.age_groups = [{ id: 'young', name: '0-17', min: 0, max: 17 }, { id: 'adult', name: '18 and over', min: 18, max: null }];
      q.referral_answer = { business_days: 3 };
    });
    assert.deepEqual(validate(schema, p), []);
  });

  for (const [what, change, where] of REFUSED) {
    test(`refuses ${what} at ${where}, and so does hartline pack check`, async () => {
      const p = changed(change);
      const problems = validate(schema, p);
      assert.ok(problems.some((e) => e.path === where), `the schema names ${where}: ${JSON.stringify(problems)}`);
      const file = tempFile('refused.json', JSON.stringify(p));
      const r = await run(['pack', 'check', file], { cwd: tempDir() });
      assert.equal(r.code, 1, `pack check refuses it too; stdout: ${r.stdout}`);
    });
  }

  test('docs/packs.md documents every key it describes', () => {
    const doc = fs.readFileSync(path.join(SOURCE_ROOT, 'docs', 'packs.md'), 'utf8');
    const paths = [...schemaPaths(schema)];
    assert.ok(paths.length > 100, `${paths.length} keys`);
    const undocumented = paths.filter((p) => !doc.includes(`| \`${p}\` |`));
    assert.deepEqual(undocumented, [], 'each key has a row of the key reference');
  });
});

// Broken in many places at once, several in one section.
function manyProblems(p) {
  delete p.regions[0].id;
  p.regions[3].name = '';
  p.regions[4].offices[0].towns.push(42);
  p.services[0].name = null;
  p.services[1].name = null;
  p.services[2].id = 'Bad Id';
  p.deadlines[0].minutes = 'soon';
  p.deadlines[1].minutes = -1;
  p.law.minor_age = 99;
  p.courses[0].hours = 0;
  p.courses[1].audiences = ['nobody'];
  p.colour = 'red';
}
const MANY = [
  'regions[0].id: required',
  'regions[3].name: must not be empty',
  'regions[4].offices[0].towns[',
  'services[0].name: must be text in quotes',
  'services[1].name: must be text in quotes',
  'services[2].id: invalid id "Bad Id"',
  'deadlines[0].minutes: must be a whole number from 1 to 525600',
  'deadlines[1].minutes: must be a whole number from 1 to 525600',
  'law.minor_age: must be a whole number from 1 to 25',
  'courses[0].hours: must be a number of hours above 0',
  'courses[1].audiences[0]: unknown audience "nobody"',
  'colour: unknown key',
];
// No type or format names in what a person reads.
const JARGON = /\b(string|integer|boolean|object|array|JSON|null)\b/;

describe(`hartline pack check (${ENGINE})`, { timeout: 120_000 }, () => {
  test('lists every problem of every section with its path, in words', async () => {
    const file = tempFile('many.json', JSON.stringify(changed(manyProblems)));
    const r = await run(['pack', 'check', file], { cwd: tempDir() });
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter(Boolean);
    for (const want of MANY)
      assert.ok(lines.some((l) => l.startsWith(`${file}: ${want}`)), `stderr has "${want}"; stderr was:\n${r.stderr}`);
    for (const l of lines.slice(1)) {
      const reason = l.slice(file.length + 2).replace(/"[^"]*"/g, '""').replace(/^[^:]*: /, '');
      assert.doesNotMatch(reason, JARGON, l);
    }
  });

  test('summarises everything a good pack defines', async () => {
    const r = await run(['pack', 'check', DEFAULT_PACK_PATH], { cwd: tempDir() });
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    const p = loadDefaultPack();
    const offices = p.regions.flatMap((g) => g.offices);
    const towns = offices.flatMap((o) => o.towns);
    for (const want of [
      `${p.regions.length} regions`, `${offices.length} offices`, `${towns.length} towns`,
      `${p.referral_sources.length} referral sources`, `${p.vulnerabilities.length} vulnerabilities`,
      `${p.trafficking_types.length} trafficking types`, `${p.services.length} services`,
      `${p.deadlines.length} deadlines`, `${p.screening_instruments.length} screening instruments`,
      `${p.dispositions.length} dispositions`, `${p.mdt_roles.length} MDT roles`,
      `${p.emergency_departments.length} emergency departments`, `${p.training_audiences.length} training audiences`,
      `${p.courses.length} courses`, `time zone ${p.pack.time_zone}`,
    ])
      assert.ok(r.stdout.includes(want), `the summary says "${want}": ${r.stdout}`);
  });
});

describe(`POST /api/v1/config/validate (${ENGINE})`, { timeout: 120_000 }, () => {
  let server;
  let headers;
  before(async () => {
    const db = freshDb();
    await initDb(db);
    const a = await createUser(db, { username: 'schema-admin', role: 'admin' });
    server = await startServer({ db });
    const admin = await login(server.url, a.username, a.password);
    headers = { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` };
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0, 'server exits 0 on SIGTERM');
  });

  test('lists every problem the command does, with its path', async () => {
    const res = await fetch(`${server.url}/api/v1/config/validate`, { method: 'POST', headers, body: JSON.stringify(changed(manyProblems)) });
    const problem = await assertProblem(res, 422, 'many problems');
    const got = problem.errors.map((e) => `${e.field}: ${e.reason}`);
    for (const want of MANY) assert.ok(got.some((g) => g.startsWith(want)), `errors hold "${want}": ${JSON.stringify(got)}`);
    assert.doesNotMatch(problem.detail, /pack/, 'the detail speaks of the configuration');
  });

  test('answers what a good pack defines', async () => {
    const res = await fetch(`${server.url}/api/v1/config/validate`, { method: 'POST', headers, body: JSON.stringify(loadDefaultPack()) });
    assert.equal(res.status, 200);
    const { comparison, ...sum } = await res.json();
    // The pack the server runs: no change (the comparison: e2e/pack_validate.test.mjs).
    assert.equal(comparison.same, true);
    const p = loadDefaultPack();
    assert.deepEqual(sum, {
      valid: true, id: p.pack.id, version: p.pack.version, name: p.pack.name, time_zone: p.pack.time_zone, locale: 'en-US',
      regions: p.regions.length,
      offices: p.regions.flatMap((g) => g.offices).length,
      towns: p.regions.flatMap((g) => g.offices).flatMap((o) => o.towns).length,
      referral_sources: p.referral_sources.length, vulnerabilities: p.vulnerabilities.length,
      trafficking_types: p.trafficking_types.length, services: p.services.length, deadlines: p.deadlines.length,
      instruments: p.screening_instruments.length, dispositions: p.dispositions.length, mdt_roles: p.mdt_roles.length,
      emergency_departments: p.emergency_departments.length, training_audiences: p.training_audiences.length,
      courses: p.courses.length,
    });
  });
});

after(cleanup);
