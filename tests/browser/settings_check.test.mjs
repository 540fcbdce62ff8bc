// The admin page's "Check a settings file" in Chromium: a broken copy of
// the running jurisdiction settings lists each of its problems with where
// it is; a good copy with one label changed is ok and lists the relabel as
// a change a restart allows; a copy without a region in use names it with
// its uses, as a change a restart refuses. At 390 px too.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { login } from '../lib/auth.mjs';
import { PACK } from '../lib/pack.mjs';
import { PHONE, assertAxeClean, assertNoOverflow, closeAll, launchBrowser, openAppAs, serverWith } from './browser.mjs';

const ADMIN = { username: 'admin.rae', role: 'admin', displayName: 'Rae Okafor', password: 'copper-lantern-meadow-4471' };
const LIAISON = { username: 'liaison.jo', role: 'liaison', displayName: 'Jo Brandt', password: 'thistle-harbor-quartz-9023' };

const copy = () => JSON.parse(JSON.stringify(PACK));
const lastRegion = PACK.regions[PACK.regions.length - 1];
LIAISON.region = lastRegion.id;

// Three problems in three places.
function broken() {
  const p = copy();
  delete p.regions[0].id;
  p.pack.time_zone = 'Mars/Olympus_Mons';
  p.deadlines[0].minutes = -5;
  return p;
}
function relabelled() {
  const p = copy();
  p.regions[0].name = `${PACK.regions[0].name} (new name)`;
  return p;
}
function withoutRegionInUse() {
  const p = copy();
  p.regions = p.regions.filter((r) => r.id !== lastRegion.id);
  p.emergency_departments = (p.emergency_departments || []).filter((e) => e.region !== lastRegion.id);
  return p;
}
const upload = (name, doc) => ({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc, null, 2)) });

let server;
let browser;

/** A screenshot of the whole "Check a settings file" part, into HARTLINE_ARTIFACTS. */
async function shot(page, name) {
  const dir = process.env.HARTLINE_ARTIFACTS || os.tmpdir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.locator('section:has(#scheck-heading)').screenshot({ path: file });
  assert.ok(fs.statSync(file).size > 0, `${file} written`);
}

before(async () => {
  server = await serverWith(ADMIN, LIAISON);
  browser = await launchBrowser();
});
after(() => closeAll(browser, server));

describe('checking a settings file on the admin page', { timeout: 180_000 }, () => {
  let page;
  let expected; // the problems the server finds in the broken copy
  before(async () => {
    const s = await login(server.url, ADMIN.username, ADMIN.password);
    const res = await s.fetch('/api/v1/config/validate', { method: 'POST', body: broken() });
    assert.equal(res.status, 422);
    expected = (await res.json()).errors;
    assert.ok(expected.length >= 3, JSON.stringify(expected));
    page = await openAppAs(browser, server, ADMIN, { hash: '#users', view: 'users', expect: [[422, 'POST', '/api/v1/config/validate']] });
  });
  after(() => page && page.context().close());

  test('a broken copy lists each problem with where it is', async () => {
    await page.locator('#scheck-file').setInputFiles(upload('next-settings.json', broken()));
    await page.waitForSelector('#scheck-problems tbody tr');
    const rows = await page.locator('#scheck-problems tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
    assert.equal(rows.length, expected.length, JSON.stringify(rows));
    for (const e of expected) assert.ok(rows.some(([where, why]) => where === e.field && why === e.reason), `${e.field}: ${e.reason} in ${JSON.stringify(rows)}`);
    for (const field of ['regions[0].id', 'pack.time_zone', 'deadlines[0].minutes'])
      assert.ok(rows.some(([where]) => where === field), `${field} is listed`);
    const status = await page.locator('#scheck-status').textContent();
    assert.match(status, new RegExp(`next-settings.json: ${expected.length} problems`));
    // The words of the part, without the file's name and the keys of the file (the "Where" column).
    const words = (await page.locator('#scheck-heading').evaluate((h) => {
      const part = h.closest('section').cloneNode(true);
      for (const code of part.querySelectorAll('code')) code.remove();
      return part.textContent;
    })).replaceAll('next-settings.json', 'the file');
    assert.doesNotMatch(words, /\bpack\b|\bJSON\b/i, 'the part speaks of settings');
    await assertAxeClean(page, 'settings check with problems');
    await shot(page, 'settings-check-problems');
  });

  test('a good copy with one label changed is ok, and the relabel is allowed', async () => {
    await page.locator('#scheck-file').setInputFiles(upload('relabelled.json', relabelled()));
    await page.waitForSelector('#scheck-changes tbody tr');
    assert.equal(await page.locator('#scheck-problems').count(), 0, 'the problems of the last file are gone');
    assert.match(await page.locator('#scheck-status').textContent(), /relabelled.json has no problems: ok/);
    const summary = await page.locator('#scheck-summary').innerText();
    assert.match(summary, new RegExp(`${PACK.regions.length} regions`));
    assert.match(summary, /time zone/);
    const rows = await page.locator('#scheck-changes tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
    assert.deepEqual(rows, [[`region ${PACK.regions[0].id} is relabelled from "${PACK.regions[0].name}" to "${PACK.regions[0].name} (new name)"`, 'Allowed']]);
    assert.match(await page.locator('#scheck-verdict').textContent(), /would be allowed: 1 change/);
    await assertAxeClean(page, 'settings check ok, with a change');
    await shot(page, 'settings-check-relabel');
  });

  test('pasted text without a region in use names it with its uses, refused at a restart', async () => {
    await page.locator('#scheck-clear').click();
    assert.equal(await page.locator('#scheck-result').innerHTML(), '');
    await page.locator('#scheck-text').fill(JSON.stringify(withoutRegionInUse()));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // "Check the settings", by keyboard
    await page.waitForSelector('#scheck-changes tbody tr.scheck-refused');
    const refused = await page.locator('#scheck-changes tbody tr.scheck-refused').innerText();
    assert.match(refused, new RegExp(`region ${lastRegion.id} "${lastRegion.name.replace(/[()]/g, '\\$&')}" is removed`));
    assert.match(refused, /Refused\s+used by 1 user/);
    assert.match(await page.locator('#scheck-status').textContent(), /The pasted text has no problems, but a restart with it would be refused/);
    assert.match(await page.locator('#scheck-verdict').textContent(), /would be refused: 1 value that records use is removed or renamed/);
    await assertAxeClean(page, 'settings check refused');
    await shot(page, 'settings-check-refused');
    await page.assertNoProblems();
  });

  test('at 390 px the check reads without sideways scrolling', async () => {
    const phone = await openAppAs(browser, server, ADMIN, { hash: '#users', view: 'users', size: PHONE, expect: [[422, 'POST', '/api/v1/config/validate']] });
    try {
      await phone.locator('#scheck-file').setInputFiles(upload('next-settings.json', broken()));
      await phone.waitForSelector('#scheck-problems tbody tr');
      await assertNoOverflow(phone, 'settings check with problems');
      await shot(phone, 'settings-check-390-problems');
      await phone.locator('#scheck-file').setInputFiles(upload('no-region.json', withoutRegionInUse()));
      await phone.waitForSelector('#scheck-changes tbody tr.scheck-refused');
      await assertNoOverflow(phone, 'settings check refused');
      await assertAxeClean(phone, 'settings check refused, 390 px');
      await shot(phone, 'settings-check-390-refused');
      await phone.assertNoProblems();
    } finally {
      await phone.context().close();
    }
  });
});
