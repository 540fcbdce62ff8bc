// Attachments to a case or a child (docs/attachments.md): the file is the
// request's body, streamed and sealed; the list says who added it and when;
// the download is byte for byte what was sent, always as an attachment,
// with a type decided by the content; the pack's cap answers 413 and
// stores nothing; roles and scopes that may not get nothing; every upload,
// list and download is audited; and the file's bytes and name are nowhere
// in clear in the database.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { auditRecords, createUser, demoOnClock, login, loginEach, readJson } from '../lib/auth.mjs';
import { assertPagesWhole, assertProblem } from '../lib/http.mjs';
import { ENGINE, MINUTE_MS, cleanup, dbBytes, keyFileOf, loadDefaultPack, run, sql, startServer, stopServer, tempDir, tempFile } from '../lib/server.mjs';
import { concern, region, source, town } from '../lib/pack.mjs';

const SOURCE_A = source(0);
const CONCERN_A = concern(0);

const REGION_D = region(3);
const TOWN_A = town(0, 0, 0);

after(cleanup);

// A small cap, so that files at it and past it are quick to send; still
// several chunks of 64 KiB.
const CAP = 200_000;

/** A file of n bytes: head, then a marker that must never be stored in clear, then random bytes. */
function fileOf(head, n, marker) {
  const body = Buffer.alloc(n);
  crypto.randomFillSync(body);
  const h = Buffer.from(head, 'binary');
  h.copy(body, 0);
  // The marker again and again, across chunk boundaries too.
  for (let at = h.length; at + marker.length <= n; at += 9_973) Buffer.from(marker).copy(body, at);
  return body;
}

/** POST the bytes as session s, with name and description as query arguments. */
function upload(s, path, bytes, { name = 'report.pdf', description, headers = {}, stream = false } = {}) {
  const q = new URLSearchParams({ name });
  if (description !== undefined) q.set('description', description);
  const init = {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream', ...headers },
  };
  if (stream) {
    // No Content-Length: the server finds out the size as the body arrives.
    init.body = new ReadableStream({
      start(c) {
        for (let at = 0; at < bytes.length; at += 16_384) c.enqueue(bytes.subarray(at, at + 16_384));
        c.close();
      },
    });
    init.duplex = 'half';
  } else {
    init.body = bytes;
  }
  return fetch(`${s.url}${path}?${q}`, init);
}

/** POST parts (buffers, or promises to wait for between them) with the
 * whole length declared, as a browser sends a file; a Response-like answer. */
function slowUpload(s, p, name, parts) {
  const length = parts.filter((x) => Buffer.isBuffer(x)).reduce((n, b) => n + b.length, 0);
  const url = new URL(`${s.url}${p}?${new URLSearchParams({ name })}`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream', 'content-length': String(length) },
    }, (res) => {
      const got = [];
      res.on('data', (d) => got.push(d));
      res.on('end', () => resolve(new Response(Buffer.concat(got), { status: res.statusCode, headers: { 'content-type': res.headers['content-type'] } })));
    });
    req.on('error', reject);
    (async () => {
      for (const x of parts) {
        if (Buffer.isBuffer(x)) req.write(x);
        else await x;
      }
      req.end();
    })();
  });
}

/** POST bytes chunked, with no length declared; the answer, which may come
 * (and the connection close) before all the bytes are sent. */
function chunkedUpload(s, p, bytes, { ask = false } = {}) {
  const url = new URL(`${s.url}${p}?${new URLSearchParams({ name: 'report.pdf' })}`);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers = { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' };
    if (ask) headers.expect = '100-continue';
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      answered = true;
      const got = [];
      res.on('data', (d) => got.push(d));
      res.on('end', () => resolve(new Response(Buffer.concat(got), { status: res.statusCode, headers: { 'content-type': res.headers['content-type'] } })));
      res.on('error', reject);
    });
    req.on('error', (e) => { if (!answered) reject(e); });
    const send = async () => {
      for (let at = 0; at < bytes.length && !answered; at += 16_384) {
        if (!req.write(bytes.subarray(at, at + 16_384))) await new Promise((r) => { req.once('drain', r); req.once('close', r); });
      }
      req.end();
    };
    if (ask) req.on('continue', send);
    else send();
  });
}

async function download(s, href) {
  const res = await fetch(`${s.url}${href}`, { headers: { authorization: `Bearer ${s.token}` } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

function rows(db, where = '') {
  return Number(sql(db, `SELECT count(*) FROM attachment ${where}`).trim());
}

function chunkRows(db) {
  return Number(sql(db, 'SELECT count(*) FROM attachment_chunk').trim());
}

describe(`attachments (${ENGINE})`, { timeout: 180_000 }, () => {
  let db;
  let clock;
  let server;
  const as = {};
  let caseId;
  let personId;
  let otherCaseId;
  const spoolDir = tempDir('hartline-spool-');
  const marker = `MARKER-${crypto.randomBytes(6).toString('hex')}`;
  const secretName = `Police report for Quinlan Attachtest ${crypto.randomBytes(3).toString('hex')}.pdf`;
  const full = fileOf('%PDF-1.7\n', CAP, marker);
  let stored;

  async function report(town, family) {
    const body = {
      received_at: clock.iso(-10 * MINUTE_MS),
      channel: 'phone',
      reporter: { source: SOURCE_A, name: 'A school counselor' },
      children: [{ given_name: 'Quinlan', family_name: family, estimated_age: 15, town }],
      narrative: 'A synthetic report.',
      concerns: [CONCERN_A],
    };
    const { id } = await readJson(await as.careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record');
    await readJson(await as.careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
    const c = await readJson(await as.hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'open a case');
    return c;
  }

  let demo;
  let packFile;
  before(async () => {
    ({ clock, db, demo } = await demoOnClock('2026-11-28T15:00:00Z'));
    const pack = loadDefaultPack();
    pack.attachments = { max_bytes: CAP };
    const extra = {
      liaisonOther: await createUser(db, { username: 'attach-liaison-r4', role: 'liaison', scope: REGION_D, env: clock.env }),
    };
    packFile = tempFile('pack.json', JSON.stringify(pack));
    server = await startServer({ db, env: { ...clock.env, TMPDIR: spoolDir }, pack: packFile });
    await loginEach(server, demo.users, as, extra);
    const c = await report(TOWN_A, 'Attachtest');
    caseId = c.id;
    personId = Number(sql(db, `SELECT person_id FROM child_case WHERE id = ${caseId}`).trim());
    otherCaseId = (await report(TOWN_A, 'Attachother')).id;
  });
  after(() => stopServer(server));

  test('the cap is in the configuration the forms read', async () => {
    const config = await readJson(await fetch(`${server.url}/api/v1/config`), 200, 'config');
    assert.deepEqual(config.attachments, { max_bytes: CAP });
  });

  test('HART attaches a PDF exactly at the cap to a case, and it is listed with who and when', async () => {
    const res = await upload(as.hart, `/api/v1/cases/${caseId}/attachments`, full, { name: secretName, description: 'Copy from Bridgeport PD' });
    const a = await readJson(res, 201, 'upload');
    assert.equal(a.name, secretName);
    assert.equal(a.description, 'Copy from Bridgeport PD');
    assert.equal(a.content_type, 'application/pdf');
    assert.equal(a.kind, 'PDF document');
    assert.equal(a.size, CAP);
    assert.equal(a.added_by.username, as.hart.user.username);
    assert.equal(a.added_by.display_name, 'Demo HART Coordinator');
    assert.equal(a.added_at, clock.iso(0));
    assert.equal(a.href, `/api/v1/attachments/${a.id}`);
    stored = a;
    const list = await as.hart.get(`/api/v1/cases/${caseId}/attachments`);
    assert.deepEqual(list, { items: [a], next: null });
    assert.equal(chunkRows(db), Math.ceil(CAP / 65536));
    // The other case and the child have none.
    assert.deepEqual(await as.hart.get(`/api/v1/cases/${otherCaseId}/attachments`), { items: [], next: null });
    assert.deepEqual(await as.hart.get(`/api/v1/persons/${personId}/attachments`), { items: [], next: null });
  });

  test('the download is byte for byte the file, as an attachment that is never sniffed', async () => {
    const { res, bytes } = await download(as.liaison, stored.href);
    assert.equal(res.status, 200);
    assert.ok(bytes.equals(full), 'the same bytes');
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('content-length'), String(CAP));
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const cd = res.headers.get('content-disposition');
    assert.match(cd, /^attachment; filename="Police report for Quinlan Attachtest [0-9a-f]{6}\.pdf"; filename\*=UTF-8''Police%20report/);
    assert.match(res.headers.get('content-security-policy'), /sandbox/);
  });

  test('a text file at the cap arrived in pieces is taken whole', async () => {
    const text = Buffer.from(`Interview summary, ${marker}.\nÉcole: the child said ✓.\n`.repeat(1000).slice(0, 60_000));
    const res = await slowUpload(as.liaison, `/api/v1/persons/${personId}/attachments`, 'summary.txt', [text.subarray(0, 20_000), text.subarray(20_000)]);
    const a = await readJson(res, 201, 'upload in pieces');
    assert.equal(a.content_type, 'text/plain; charset=utf-8');
    assert.equal(a.kind, 'Plain text');
    assert.equal(a.size, text.length);
    assert.equal(a.description, null);
    const { res: got, bytes } = await download(as.hart, a.href);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.ok(bytes.equals(text), 'the same bytes');
    const list = await as.liaison.get(`/api/v1/persons/${personId}/attachments`);
    assert.deepEqual(list.items.map((i) => i.id), [a.id]);
  });

  test('an upload without its size (chunked, no declared length) is 411 in plain words, and nothing is stored', async () => {
    const before = [rows(db), chunkRows(db)];
    // Asking first (Expect: 100-continue): the answer comes before a byte is sent.
    const res = await chunkedUpload(as.hart, `/api/v1/cases/${caseId}/attachments`, fileOf('%PDF-1.7\n', 1000, marker), { ask: true });
    const p = await assertProblem(res, 411, 'no length');
    assert.match(p.detail, /without its size/);
    // Sent at once, past the cap: answered 411 or cut off, never read to the end.
    try {
      const big = await chunkedUpload(as.hart, `/api/v1/cases/${caseId}/attachments`, fileOf('%PDF-1.7\n', CAP * 3, marker));
      assert.equal(big.status, 411);
    } catch (e) {
      assert.match(e.code ?? String(e), /EPIPE|ECONNRESET/);
    }
    assert.deepEqual([rows(db), chunkRows(db)], before);
  });

  test('one byte past the cap is 413 with a plain message, declared or streamed, and nothing is stored', async () => {
    const before = [rows(db), chunkRows(db)];
    const big = fileOf('%PDF-1.7\n', CAP + 1, marker);
    const res = await upload(as.hart, `/api/v1/cases/${caseId}/attachments`, big);
    const p = await assertProblem(res, 413, 'past the cap');
    assert.match(p.detail, /larger than 195 KB, the largest that can be attached/);
    assert.equal(p.max_bytes, CAP);
    assert.deepEqual([rows(db), chunkRows(db)], before);
  });

  test('the type is decided by the content: markup, scripts, programs and empty files are refused', async () => {
    const before = rows(db);
    const refused = {
      'page.pdf': '<!DOCTYPE html><html><script>alert(1)</script></html>',
      'drawing.png': '  <svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      'notes.txt': '#!/bin/sh\nrm -rf /\n',
      'photo.jpg': '\x7fELF\x02\x01\x01\x00\x00\x00',
      'archive.pdf': 'PK\x03\x04\x14\x00\x00\x00',
      'nul.txt': 'a note\x00with a NUL',
      'empty.txt': '',
    };
    for (const [name, content] of Object.entries(refused)) {
      const res = await upload(as.hart, `/api/v1/cases/${caseId}/attachments`, Buffer.from(content, 'binary'), { name });
      const p = await assertProblem(res, 422, name);
      const err = p.errors.find((e) => e.field === 'file');
      assert.ok(err, `${name}: the file is named: ${JSON.stringify(p.errors)}`);
      assert.match(err.reason ?? err.message ?? JSON.stringify(err), name === 'empty.txt' ? /empty/ : /cannot be attached/);
    }
    // A JPEG named .txt is a JPEG.
    const jpeg = await readJson(await upload(as.hart, `/api/v1/cases/${otherCaseId}/attachments`, fileOf('\xFF\xD8\xFF\xE0', 5000, marker), { name: 'scan.txt' }), 201, 'jpeg');
    assert.equal(jpeg.content_type, 'image/jpeg');
    assert.equal(jpeg.download_name, 'scan.jpg', 'saved with the extension of its kind');
    assert.equal(rows(db), before + 1);
  });

  test('a file is saved with the extension of its kind, whatever its name or its row says', async () => {
    const pdf = fileOf('%PDF-1.7\n<script>alert(1)</script>', 3000, marker);
    const cases = { 'report.html': 'report.pdf', 'Report.PDF': 'Report.PDF', 'notes v1.2 final': 'notes v1.2 final.pdf', 'scan': 'scan.pdf' };
    const ownCaseId = (await report(TOWN_A, 'Attachnames')).id;
    for (const [name, saved] of Object.entries(cases)) {
      const a = await readJson(await upload(as.hart, `/api/v1/cases/${ownCaseId}/attachments`, pdf, { name }), 201, name);
      assert.equal(a.name, name, 'the name as given is kept');
      assert.equal(a.download_name, saved);
      const listed = (await as.hart.get(`/api/v1/cases/${ownCaseId}/attachments`)).items.find((i) => i.id === a.id);
      assert.equal(listed.download_name, saved);
      const { res } = await download(as.hart, a.href);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(res.headers.get('content-disposition').split(';')[1].trim(), `filename="${saved}"`, name);
      if (name !== 'report.html') continue;
      // A row altered to say it is a web page: served as bytes, saved as .bin.
      sql(db, `UPDATE attachment SET content_type = 'text/html' WHERE id = ${a.id}`);
      const { res: bad } = await download(as.hart, a.href);
      assert.equal(bad.headers.get('content-type'), 'application/octet-stream');
      assert.equal(bad.headers.get('content-disposition').split(';')[1].trim(), 'filename="report.bin"');
    }
  });

  test('a name or a description with a control that turns text around is refused in plain words', async () => {
    const before = rows(db);
    const tricks = ['report\u202Efdp.exe', 'a\u200Fb.pdf', 'x\u2066y.pdf', 'c1\u0085.pdf'];
    for (const name of tricks) {
      const p = await assertProblem(await upload(as.hart, `/api/v1/cases/${caseId}/attachments`, full.subarray(0, 1000), { name }), 422, JSON.stringify(name));
      const err = p.errors.find((e) => e.field === 'name');
      assert.match(err.reason, /invisible control/, JSON.stringify(p.errors));
    }
    const p = await assertProblem(await upload(as.hart, `/api/v1/cases/${caseId}/attachments`, full.subarray(0, 1000), { description: 'Seen \u202Etoday' }), 422, 'description');
    assert.ok(p.errors.some((e) => e.field === 'description' && /invisible control/.test(e.reason)), JSON.stringify(p.errors));
    assert.equal(rows(db), before);
  });

  test('a name is required, on one line and without a slash', async () => {
    const before = rows(db);
    for (const name of ['', '../etc/passwd', 'two\nlines.pdf']) {
      const res = await upload(as.hart, `/api/v1/cases/${caseId}/attachments`, full.subarray(0, 1000), { name });
      const p = await assertProblem(res, 422, `name ${JSON.stringify(name)}`);
      assert.ok(p.errors.some((e) => e.field === 'name'), JSON.stringify(p.errors));
    }
    assert.equal(rows(db), before);
  });

  test('roles that may not, and a liaison of another region, neither attach, list nor download', async () => {
    const before = rows(db);
    for (const role of ['careline', 'mdt', 'provider', 'trainer', 'analyst', 'admin', 'liaisonOther']) {
      const s = as[role];
      const up = await upload(s, `/api/v1/cases/${caseId}/attachments`, full.subarray(0, 1000));
      assert.equal(up.status, 403, `${role} attaches to the case: ${await up.text()}`);
      const list = await s.fetch(`/api/v1/cases/${caseId}/attachments`);
      assert.equal(list.status, 403, `${role} lists: ${await list.text()}`);
      const { res, bytes } = await download(s, stored.href);
      assert.equal(res.status, 403, `${role} downloads`);
      assert.ok(!bytes.includes(marker), `${role} gets none of the file`);
      const person = await s.fetch(`/api/v1/persons/${personId}/attachments`);
      assert.ok([403, 404].includes(person.status), `${role} lists the child's: ${person.status}`);
    }
    // Nobody logged in.
    const anon = await fetch(`${server.url}${stored.href}`);
    assert.equal(anon.status, 401);
    assert.equal(rows(db), before);
  });

  test('every upload, list and download is audited, against the case or the child', async () => {
    const adds = await auditRecords(as.admin, 'attachment.add');
    assert.ok(adds.some((r) => r.object_type === 'case' && String(r.object_id) === String(caseId) && r.detail.includes(`attachment=${stored.id}`)), JSON.stringify(adds));
    assert.ok(adds.some((r) => r.object_type === 'person' && String(r.object_id) === String(personId)), JSON.stringify(adds));
    const downloads = await auditRecords(as.admin, 'attachment.download');
    assert.ok(downloads.some((r) => r.actor === as.liaison.user.username && r.detail.includes(`attachment=${stored.id}`)), JSON.stringify(downloads));
    const lists = await auditRecords(as.admin, 'attachment.list');
    assert.ok(lists.some((r) => r.object_type === 'case' && String(r.object_id) === String(caseId)), JSON.stringify(lists));
    const denied = await auditRecords(as.admin, 'permission.denied');
    assert.ok(denied.some((r) => r.actor === 'attach-liaison-r4'), 'the other region\'s liaison is refused on the record');
  });

  test('pages of a list follow the cursor', async () => {
    const small = fileOf('%PDF-1.7\n', 100, marker);
    for (let i = 0; i < 3; i++) await readJson(await upload(as.hart, `/api/v1/cases/${otherCaseId}/attachments`, small, { name: `page-${i}.pdf` }), 201, 'small');
    const first = await as.hart.get(`/api/v1/cases/${otherCaseId}/attachments?limit=2`);
    assert.equal(first.items.length, 2);
    assert.deepEqual(first.items.map((i) => i.name), ['page-2.pdf', 'page-1.pdf']);
    assert.ok(first.next);
    const second = await as.hart.get(`/api/v1/cases/${otherCaseId}/attachments?limit=2&after=${encodeURIComponent(first.next)}`);
    assert.deepEqual(second.items.map((i) => i.name), ['page-0.pdf', 'scan.txt']);
    assert.equal(second.next, null);
    await assertProblem(await as.hart.fetch(`/api/v1/cases/${otherCaseId}/attachments?limit=501`), 422, 'limit');
    // Two at a time, newest first and oldest first, of the case and of the child.
    const ids = await assertPagesWhole(as.hart, `/api/v1/cases/${otherCaseId}/attachments`);
    assert.equal(ids.length, 4);
    const oldest = await assertPagesWhole(as.hart, `/api/v1/cases/${otherCaseId}/attachments?sort=added_at`);
    assert.deepEqual(oldest, [...ids].reverse(), 'added_at is the order they came in');
    const otherPerson = Number(sql(db, `SELECT person_id FROM child_case WHERE id = ${otherCaseId}`).trim());
    for (let i = 0; i < 3; i++) await readJson(await upload(as.hart, `/api/v1/persons/${otherPerson}/attachments`, small, { name: `child-${i}.pdf` }), 201, 'small');
    assert.equal((await assertPagesWhole(as.hart, `/api/v1/persons/${otherPerson}/attachments`)).length, 3);
    // A cursor of one order is no page of the other.
    const desc = await as.hart.get(`/api/v1/cases/${otherCaseId}/attachments?limit=1`);
    await assertProblem(await as.hart.fetch(`/api/v1/cases/${otherCaseId}/attachments?sort=added_at&after=${encodeURIComponent(desc.next)}`), 422, 'another order\'s cursor');
    await assertProblem(await as.hart.fetch(`/api/v1/cases/${otherCaseId}/attachments?sort=name`), 422, 'a sort the list has not');
  });

  test('while a file arrives it waits sealed in a file with no name, gone when the upload ends', async () => {
    const file = fileOf('%PDF-1.7\n', 150_000, marker);
    let release;
    const held = new Promise((r) => (release = r));
    const pending = slowUpload(as.hart, `/api/v1/cases/${otherCaseId}/attachments`, 'slow.pdf', [file.subarray(0, 100_000), held, file.subarray(100_000)]);
    // The server's open spool: a file of the spool directory, already unlinked.
    const fdDir = `/proc/${server.proc.pid}/fd`;
    const spoolFd = () => fs.readdirSync(fdDir).find((fd) => {
      try {
        return fs.readlinkSync(path.join(fdDir, fd)).startsWith(spoolDir);
      } catch {
        return false;
      }
    });
    let fd;
    for (let i = 0; i < 500 && !(fd && fs.statSync(path.join(fdDir, fd)).size >= 65_536); i++) {
      fd = spoolFd();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(fd, 'the upload has a spool file');
    assert.match(fs.readlinkSync(path.join(fdDir, fd)), /\(deleted\)$/, 'with no name in the directory');
    assert.deepEqual(fs.readdirSync(spoolDir), [], 'nothing to see in the directory');
    const spooled = fs.readFileSync(path.join(fdDir, fd));
    assert.ok(spooled.length >= 65_536, `a chunk is spooled (${spooled.length} bytes)`);
    assert.ok(!spooled.includes(marker), 'the spooled bytes are sealed');
    assert.ok(!spooled.includes('%PDF'), 'not even its first bytes are in clear');
    release();
    const a = await readJson(await pending, 201, 'the slow upload');
    assert.equal(a.size, file.length);
    assert.equal(spoolFd(), undefined, 'the spool is closed');
  });

  test('neither the file\'s bytes nor its name are in clear in the database', () => {
    const bytes = dbBytes(db);
    assert.ok(bytes.includes('application/pdf'), 'the type is in clear, so the right bytes were read');
    assert.ok(!bytes.includes(marker), 'the file\'s content is not in clear');
    assert.ok(!bytes.includes('Interview summary'), 'the text file is not in clear');
    assert.ok(!bytes.includes(secretName), 'the name is not in clear');
    assert.ok(!bytes.includes('Copy from Bridgeport PD'), 'the description is not in clear');
  });

  test('key rotate re-seals the chunks, names and descriptions: with the old key gone, the file still downloads whole', async () => {
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
    server = await startServer({ db, env: clock.env, pack: packFile });
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    const list = await hart.get(`/api/v1/cases/${caseId}/attachments`);
    assert.equal(list.items[0].name, secretName);
    assert.equal(list.items[0].description, 'Copy from Bridgeport PD');
    const { res, bytes } = await download(hart, stored.href);
    assert.equal(res.status, 200);
    assert.ok(bytes.equals(full), 'the same bytes under the new key');
  });
});
