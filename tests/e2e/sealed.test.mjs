// What identifies a person or a case is sealed at rest (docs/security.md,
// "What stays in clear"): a mandated report's officer and reference (and
// the NCMEC case number), a rapid responder, MDT members' and contacts'
// names, e-mails and telephones, action item owners, and a child's typed
// gender identity, which figures count only by the pack's category. Values
// an older version left in clear are sealed at start-up. A SQLite database
// is made 0600 and a database open to others is refused.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { createUser, demoOnClock, demoUsers, login, loginEach, readJson } from '../lib/auth.mjs';
import { importCsv, pastRows } from '../lib/figures.mjs';
import { ENGINE, MINUTE_MS, cleanup, dbBytes, freshDb, initDb, keyFileOf, run, sql, startServer, stopServer, testClock } from '../lib/server.mjs';
import { readXlsx } from '../lib/zip.mjs';
import { GENDERS, MDT_ROLES, PACK, concern, nth, region, source, town } from '../lib/pack.mjs';

// A gender identity typed in another case than the pack's name, which
// counts as it; and the pack's category for any other identity.
const GENDER_NAMED = PACK.gender_identities.filter((g) => !g.other)[4 % PACK.gender_identities.filter((g) => !g.other).length].name;
const GENDER_TYPED = GENDER_NAMED.toUpperCase();
const GENDER_OTHER = PACK.gender_identities.find((g) => g.other).name;
const MEMBER_ROLE = nth(MDT_ROLES, 2);

const SOURCE_A = source(0);
const CONCERN_A = concern(0);
const GENDER_A = nth(GENDERS, 6);

const REGION_A = region(0);
const TOWN_A = town(0, 0, 0);

after(cleanup);

const TEAMS = '/api/v1/teams';
const CASES = '/api/v1/cases';
const INTAKES = '/api/v1/intakes';
const CONTACTS = '/api/v1/contacts';
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Every secret absent from the stored bytes; a value known to be in clear present, so the right bytes were read. */
function assertAbsent(db, secrets, inClear) {
  const bytes = dbBytes(db);
  assert.ok(bytes.includes(inClear), `${inClear} is stored in clear, so the right bytes were read`);
  for (const [what, s] of Object.entries(secrets)) assert.ok(!bytes.includes(s), `${what} (${s}) is not stored in clear`);
}

describe(`sealed at rest (${ENGINE})`, { timeout: 240_000 }, () => {
  let db;
  let clock;
  let server;
  const as = {};
  let serial = 0;
  let team;
  let demo;
  const seen = {}; // what the tests stored, to read again after key rotation

  async function intake(child) {
    serial++;
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Jesse', family_name: `Sealtest${serial}`, town: TOWN_A, estimated_age: 15, ...child }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch(INTAKES, { method: 'POST', body }), 201, 'record');
    await readJson(await as.careline.fetch(`${INTAKES}/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    return id;
  }
  const post = async (path, body, s = as.hart, status = 201) => readJson(await s.fetch(path, { method: 'POST', body }), status, `POST ${path}`);

  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const member = await createUser(db, { username: 'seal-mdt', role: 'mdt', scope: 'seal-t1', env: clock.env });
    server = await startServer({ db, env: clock.env });
    await loginEach(server, demo.users, as);
    as.member = await login(server.url, member.username, member.password);
    team = (await post(TEAMS, { code: 'seal-t1', name: 'Seal team', region: REGION_A })).id;
  });
  after(() => stopServer(server));

  test('officer, reference, NCMEC number, responder, members, owners and contacts: answered to those allowed, never stored in clear', async () => {
    const s = {
      officer: 'Officer Quillfeather', reference: 'REF-QX-73191', ncmec: 'NCMEC-QX-55102', responder: 'Responder Brightwater',
      member: 'Member Ashgrove', memberEmail: 'ashgrove.qx@example.org', memberPhone: '203-555-0177',
      owner: 'Owner Fennimore', contact: 'Contact Dunmore', contactEmail: 'dunmore.qx@example.org', contactPhone: '860-555-0166',
    };
    const kase = await post(CASES, { intake_id: await intake({}) });
    const CASE = `${CASES}/${kase.id}`;
    await post(`${CASE}/reports`, { kind: 'law_enforcement', agency: 'Bridgeport PD', officer: s.officer, reference: s.reference, reported_at: clock.iso(-MINUTE_MS) });
    await post(`${CASE}/missing-episodes`, { last_seen_at: clock.iso(-5 * 60 * MINUTE_MS), learned_at: clock.iso(-4 * 60 * MINUTE_MS) });
    await post(`${CASE}/reports`, { kind: 'ncmec', agency: 'NCMEC', reference: s.ncmec, reported_at: clock.iso(-MINUTE_MS) });
    await post(`${CASE}/rapid-responses`, { requested_at: clock.iso(-30 * MINUTE_MS), responder: s.responder });
    await post(`${TEAMS}/${team}/members`, { name: s.member, agency: 'Bridgeport PD', mdt_role: MEMBER_ROLE, email: s.memberEmail, phone: s.memberPhone, user_id: as.member.user.id });
    const rid = (await post(`${TEAMS}/${team}/reviews`, { case_id: kase.id, scheduled_at: clock.iso(DAY_MS) })).id;
    await readJson(await as.hart.fetch(`${TEAMS}/${team}/reviews/${rid}`, { method: 'PATCH', body: {
      held_at: clock.iso(-MINUTE_MS), action_items: [{ text: 'Follow up.', owner: s.owner, owner_user_id: as.member.user.id, due_at: clock.iso(DAY_MS) }],
    } }), 200, 'hold');
    await post(CONTACTS, { name: s.contact, kind: 'regional_liaison', region: REGION_A, phone: s.contactPhone, email: s.contactEmail });

    // Those allowed read them.
    const full = await as.hart.get(CASE);
    const le = full.reports.find((r) => r.kind === 'law_enforcement');
    assert.deepEqual([le.officer, le.reference], [s.officer, s.reference]);
    assert.equal(full.reports.find((r) => r.kind === 'ncmec').reference, s.ncmec);
    assert.equal(full.missing_episodes[0].ncmec_case_number, s.ncmec);
    assert.equal(full.rapid_responses[0].responder, s.responder);
    const timeline = JSON.stringify(full.events);
    for (const v of [s.officer, s.reference, s.ncmec, s.responder]) assert.ok(!timeline.includes(v), `the timeline's data does not copy ${v}`);
    const t = await as.member.get(`${TEAMS}/${team}`);
    const m = t.members.find((x) => x.name === s.member);
    assert.ok(m, `the member by name: ${JSON.stringify(t.members)}`);
    assert.deepEqual([m.email, m.phone], [s.memberEmail, s.memberPhone]);
    assert.equal(t.reviews.find((r) => r.id === rid).action_items[0].owner, s.owner);
    const c = (await as.careline.get(`${CONTACTS}?limit=500`)).items.find((x) => x.name === s.contact);
    assert.deepEqual([c.phone, c.email], [s.contactPhone, s.contactEmail]);
    const changed = await readJson(await as.hart.fetch(`${CONTACTS}/${c.id}`, { method: 'PATCH', body: { phone: '' } }), 200, 'clear a telephone');
    assert.deepEqual([changed.name, changed.phone, changed.email], [s.contact, null, s.contactEmail]);

    assertAbsent(db, s, 'seal-t1');
    Object.assign(seen, { s, caseId: kase.id, rid });
  });

  test('a typed gender identity is sealed; figures count it only as "another identity", in every format; the import keeps only the category', async () => {
    const typed = 'xyzzy';
    const id = await intake({ gender_identity: typed });
    const back = await as.careline.get(`${INTAKES}/${id}`);
    assert.equal(back.children[0].gender_identity, typed, 'the careline worker reads what was typed');
    Object.assign(seen, { typed, intakeId: id });
    const csv = importCsv(pastRows().slice(0, 6).map((r, i) => ({ ...r, gender_identity: i < 3 ? 'plugh' : GENDER_TYPED, child_id: `SEAL-${i}` })),
      ['referral_date', 'source', 'town', 'region', 'age', 'sex', 'gender_identity', 'vulnerabilities', 'trafficking_type', 'child_id']);
    await readJson(await as.hart.fetch('/api/v1/imports/referrals', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } }), 201, 'import');

    const q = 'by=gender&from=2000-01-01&to=2030-12-31';
    for (const s of [as.hart, as.analyst]) {
      const f = await readJson(await s.fetch(`/api/v1/stats/referrals?${q}`), 200, 'by gender');
      const labels = f.rows.map((r) => r.label);
      const text = JSON.stringify(f);
      for (const w of [typed, 'plugh']) assert.ok(!text.includes(w), `${s.user.role}: ${w} is no label: ${labels}`);
      assert.ok(labels.includes(GENDER_OTHER), `the pack's other category: ${labels}`);
      assert.ok(labels.includes(GENDER_NAMED), `typed ${GENDER_TYPED} counts as the pack's ${GENDER_NAMED}: ${labels}`);
      const other = f.rows.find((r) => r.label === GENDER_OTHER).cells[0];
      if (s === as.analyst) assert.equal(other.value ?? null, null, `4 of another identity is hidden for the analyst: ${JSON.stringify(other)}`);
      else assert.equal(other.value, 4, 'one report and three imported lines');
      for (const format of ['csv', 'svg']) {
        const body = await (await s.fetch(`/api/v1/stats/referrals?${q}&format=${format}`)).text();
        for (const w of [typed, 'plugh']) assert.ok(!body.includes(w), `${format}: no ${w}`);
      }
      const x = Buffer.from(await (await s.fetch(`/api/v1/stats/referrals?${q}&format=xlsx`)).arrayBuffer());
      const { entries } = readXlsx(x);
      for (const [name, data] of entries) for (const w of [typed, 'plugh']) assert.ok(!data.toString('utf8').includes(w), `xlsx ${name}: no ${w}`);
    }
    assertAbsent(db, { typed, imported: 'plugh' }, GENDER_A);
  });

  test('key rotate re-seals every one of them: with the old key gone from the key file, each still opens', async () => {
    assert.equal(await server.stop(), 0);
    server = null;
    const r = await run(['key', 'rotate', '--db', db], { db, env: clock.env });
    assert.equal(r.code, 0, r.stderr);
    const kf = keyFileOf(db);
    const text = fs.readFileSync(kf, 'utf8');
    const current = /^current (\d+)$/m.exec(text)[1];
    const kept = text.split('\n').filter((l) => !/^key \d+ /.test(l) || l.startsWith(`key ${current} `)).join('\n');
    assert.notEqual(kept, text, 'an older key was removed');
    fs.writeFileSync(kf, kept);
    server = await startServer({ db, env: clock.env });
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
    const { s } = seen;
    const full = await readJson(await hart.fetch(`${CASES}/${seen.caseId}`), 200, 'the case opens');
    assert.equal(full.reports.find((x) => x.kind === 'law_enforcement').officer, s.officer);
    assert.equal(full.missing_episodes[0].ncmec_case_number, s.ncmec);
    assert.equal(full.rapid_responses[0].responder, s.responder);
    const t = await readJson(await hart.fetch(`${TEAMS}/${team}`), 200, 'the team opens');
    assert.ok(t.members.some((m) => m.name === s.member && m.email === s.memberEmail && m.phone === s.memberPhone));
    assert.equal(t.reviews.find((x) => x.id === seen.rid).action_items[0].owner, s.owner);
    assert.ok((await hart.get(`${CONTACTS}?limit=500`)).items.some((c) => c.name === s.contact && c.email === s.contactEmail));
    assert.equal((await careline.get(`${INTAKES}/${seen.intakeId}`)).children[0].gender_identity, seen.typed);
  });
});

describe(`values an older version kept in clear are sealed at start-up (${ENGINE})`, { timeout: 240_000 }, () => {
  test('clear values written into the old columns are sealed, cleared and still read back', async () => {
    const clock = testClock('2026-11-28T15:00:00Z');
    const db = freshDb();
    await initDb(db, { env: clock.env });
    const demo = await demoUsers(db, { env: clock.env });
    let server = await startServer({ db, env: clock.env });
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
    const { id: iid } = await readJson(await careline.fetch(INTAKES, { method: 'POST', body: {
      received_at: clock.iso(-10 * MINUTE_MS), channel: 'phone', reporter: { source: SOURCE_A, name: 'A counselor' },
      children: [{ given_name: 'Old', family_name: 'Version', town: TOWN_A, estimated_age: 14 }], narrative: 'Synthetic.', concerns: [CONCERN_A],
    } }), 201, 'record');
    await readJson(await careline.fetch(`${INTAKES}/${iid}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    const kase = await readJson(await hart.fetch(CASES, { method: 'POST', body: { intake_id: iid } }), 201, 'case');
    await readJson(await hart.fetch(`${CASES}/${kase.id}/reports`, { method: 'POST', body: { kind: 'law_enforcement', agency: 'PD', reported_at: clock.iso(-MINUTE_MS) } }), 201, 'report');
    const contact = await readJson(await hart.fetch(CONTACTS, { method: 'POST', body: { name: 'New Name', kind: 'other' } }), 201, 'contact');
    assert.equal(await server.stop(), 0);

    // As an older version wrote them: in the clear columns.
    const old = { officer: 'Legacy Officer Vantablack', reference: 'LEGACY-REF-88231', contact: 'Legacy Contact Ormsby', gender: 'frobnitz' };
    sql(db, `UPDATE mandated_report SET officer = '${old.officer}', reference = '${old.reference}', officer_sealed = NULL, reference_sealed = NULL`);
    sql(db, `UPDATE case_event SET data = '{"report_id":1,"report_kind":"law_enforcement","agency":"PD","reference":"${old.reference}"}' WHERE kind = 'report'`);
    sql(db, `UPDATE contact SET name = '${old.contact}', name_sealed = NULL WHERE id = ${contact.id}`);
    sql(db, `UPDATE intake_child SET gender_identity = '${old.gender}', gender_sealed = NULL, gender_category = NULL`);
    sql(db, `UPDATE referral SET gender_identity = '${old.gender}'`);
    assert.ok(dbBytes(db).includes(old.officer), 'the clear value is there before the upgrade');

    server = await startServer({ db, env: clock.env });
    try {
      const h = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
      const c = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
      const rep = (await h.get(`${CASES}/${kase.id}`)).reports[0];
      assert.deepEqual([rep.officer, rep.reference], [old.officer, old.reference]);
      assert.ok((await h.get(`${CONTACTS}?limit=500`)).items.some((x) => x.name === old.contact));
      assert.equal((await c.get(`${INTAKES}/${iid}`)).children[0].gender_identity, old.gender);
      assert.equal(sql(db, 'SELECT gender_category FROM intake_child').trim(), GENDER_A);
      assert.equal(sql(db, 'SELECT gender_identity FROM referral').trim(), GENDER_A);
      const events = JSON.stringify((await h.get(`${CASES}/${kase.id}`)).events);
      assert.ok(!events.includes(old.reference), 'the timeline no longer copies the reference');
      assertAbsent(db, old, GENDER_A);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});

describe(`file modes (${ENGINE})`, { skip: ENGINE !== 'sqlite' && 'SQLite files only' }, () => {
  test('hartline init makes the database, its -wal and -shm 0600; serve refuses a database others can read, naming the chmod to run', async () => {
    const clock = testClock('2026-11-28T15:00:00Z');
    const db = freshDb();
    const oldMask = process.umask(0o022);
    try {
      await initDb(db, { env: clock.env });
    } finally {
      process.umask(oldMask);
    }
    const mode = (f) => fs.statSync(f).mode & 0o777;
    assert.equal(mode(db), 0o600, 'the database file');
    const server = await startServer({ db, env: clock.env });
    for (const f of [db, `${db}-wal`, `${db}-shm`]) if (fs.existsSync(f)) assert.equal(mode(f), 0o600, f);
    assert.ok(fs.existsSync(`${db}-wal`), 'the server keeps a -wal file');
    assert.equal(await server.stop(), 0);

    fs.chmodSync(db, 0o644);
    const r = await run(['serve', '--db', db, '--listen', '127.0.0.1:0'], { db, env: clock.env });
    assert.notEqual(r.code, 0, 'serve refuses');
    assert.match(r.stderr, /readable by group or others \(mode 0644\)/);
    assert.ok(r.stderr.includes(`chmod 600 ${db}`), r.stderr);
    fs.chmodSync(db, 0o600);
  });
});
