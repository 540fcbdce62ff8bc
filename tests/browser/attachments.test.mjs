// Attachments in Chromium (docs/attachments.md): HART attaches a PDF to a
// case with its progress shown, sees it listed with who added it and
// when, downloads it byte for byte (saved, never opened in the page), is
// refused a web page and a file past the cap with the reason beside the
// file, and attaches a text file to the child's page. The file's bytes are
// nowhere in clear in the database. Both pages pass axe, fit 390 px, and
// are saved as screenshots.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE, dbBytes, sql } from '../lib/server.mjs';
import { PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, logIn, openApp, openAppAs, screenshotFrom, withPage } from './browser.mjs';
import { town } from '../lib/pack.mjs';

const TOWN_A = town(0, 0, 0);

let server;
let browser;
let page;
let demo;
let kase; // { id, number, person }
const marker = `BROWSER-MARKER-${crypto.randomBytes(6).toString('hex')}`;
const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(`${marker}\n`.repeat(4000)), crypto.randomBytes(50_000)]);

async function waitView(p, v) {
  await p.waitForFunction((v) => document.body.dataset.view === v, v);
}

async function gotoCase(p = page) {
  await p.evaluate((id) => (location.hash = `#case/${id}`), kase.id);
  await waitView(p, 'case');
  await p.waitForFunction((n) => document.querySelector('#case-heading .case-number')?.textContent === n, kase.number);
  await p.waitForFunction(() => document.querySelector('#at-cases') && !document.querySelector('#at-cases-list')?.textContent.includes('Loading'));
}

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const body = {
    received_at: new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    channel: 'phone',
    reporter: { source: 'school', name: 'A school counselor' },
    children: [{ given_name: 'Rowan', family_name: 'Attachbrowser', estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report for the browser test.',
    concerns: ['runaway_awol'],
  };
  const { id } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record a report');
  await readJson(await careline.fetch(`/api/v1/intakes/${id}/disposition`, { method: 'POST', body: { disposition: 'accepted_hart', unscreened_reason: 'Known to the team: the screen follows.', version: 1 } }), 200, 'accept');
  const c = await readJson(await hart.fetch('/api/v1/cases', { method: 'POST', body: { intake_id: id } }), 201, 'open a case');
  kase = { id: c.id, number: c.number, person: Number(sql(server.db, `SELECT person_id FROM child_case WHERE id = ${c.id}`).trim()) };
  browser = await launchBrowser();
  page = await openApp(browser, server, { expect: [[422, 'POST', `/api/v1/cases/${c.id}/attachments`]] });
});

after(() => closeAll(browser, server));

describe(`attachments in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('HART attaches a PDF to a case, with its progress, and it is listed with who and when', async () => {
    const u = demo.byRole.hart;
    await logIn(page, u.username, u.password);
    await waitView(page, 'home');
    await gotoCase();
    const sec = page.locator('#at-cases');
    assert.equal(await sec.locator('.none').textContent(), 'No file attached yet.');
    await sec.locator('summary', { hasText: 'Attach a file' }).click();
    assert.match(await sec.locator('.attach-form .hint').first().textContent(), /up to 25 MB/);
    await page.setInputFiles('#at-cases-file', { name: 'Police report 2026-11.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.fill('#at-cases-description', 'Copy from Bridgeport PD');
    // The progress shows while the file is sent: every change of the bar
    // and its box is recorded, however fast the upload.
    await page.evaluate(() => {
      window.__progress = { shown: false, values: [] };
      const box = document.getElementById('at-cases-progress-box');
      const bar = document.getElementById('at-cases-progress');
      new MutationObserver(() => {
        if (!box.hidden) window.__progress.shown = true;
      }).observe(box, { attributes: true, attributeFilter: ['hidden'] });
      const set = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, 'value').set;
      Object.defineProperty(bar, 'value', {
        set(v) {
          window.__progress.values.push(v);
          set.call(this, v);
        },
        get() {
          return Number(this.getAttribute('value') || 0);
        },
      });
    });
    await page.click('#at-cases-submit');
    await page.waitForFunction(() => /Attached/.test(document.querySelector('#at-cases-status')?.textContent || ''));
    const progress = await page.evaluate(() => window.__progress);
    assert.ok(progress.shown, 'the progress was shown');
    assert.equal(progress.values.at(-1), 100, `the bar reached the end: ${progress.values.join(', ')}`);
    assert.equal(await page.textContent('#at-cases-status'), `Attached Police report 2026-11.pdf (PDF document, ${Math.floor(pdf.length / 1024)} KB).`);
    const row = sec.locator('#at-cases-table tbody tr');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    const cells = await row.first().locator('th, td').allTextContents();
    assert.equal(cells[0], 'Police report 2026-11.pdf (download)Copy from Bridgeport PD');
    assert.deepEqual(cells.slice(1, 4), ['PDF document', `${Math.floor(pdf.length / 1024)} KB`, 'Demo HART Coordinator']);
    assert.ok(cells[4].length > 0, 'when it was added');
    await assertAxeClean(page, 'the case page with an attachment');
    await screenshotFrom(page, 'at-cases', 'attachments-case-page');
  });

  test('the download saves the same bytes, and the database holds none of them in clear', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#at-cases-table .attach-link').first().click(),
    ]);
    assert.equal(download.suggestedFilename(), 'Police report 2026-11.pdf');
    const saved = fs.readFileSync(await download.path());
    assert.ok(saved.equals(pdf), 'the same bytes');
    // Still on the case page: the file did not open in it.
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'case');
    const stored = dbBytes(server.db);
    assert.ok(stored.includes('application/pdf'), 'the right bytes were read');
    assert.ok(!stored.includes(marker), 'the file is not in clear in the database');
    assert.ok(!stored.includes('Police report 2026-11'), 'nor its name');
  });

  test('a web page and a file past the cap are refused beside the file, and nothing is added', async () => {
    const sec = page.locator('#at-cases');
    await sec.locator('summary', { hasText: 'Attach a file' }).click();
    await page.setInputFiles('#at-cases-file', { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>') });
    await page.click('#at-cases-submit');
    await page.waitForFunction(() => (document.querySelector('#at-cases-file-error')?.textContent || '').length > 0);
    assert.match(await page.textContent('#at-cases-file-error'), /This kind of file \(Web page or drawing\) cannot be attached: attach a PDF document, a photo or picture, or plain text\./);
    assert.equal(await page.getAttribute('#at-cases-file', 'aria-invalid'), 'true');
    await assertAxeClean(page, 'the attachment form with a refusal');
    await screenshotFrom(page, 'at-cases', 'attachments-refused');
    // Past the cap: refused before a byte is sent.
    // (Made in the page: 25 MB through the browser's protocol is slow.)
    await page.evaluate(() => {
      const t = new DataTransfer();
      t.items.add(new File([new Uint8Array(25 * 1024 * 1024 + 1)], 'huge.pdf', { type: 'application/pdf' }));
      document.getElementById('at-cases-file').files = t.files;
    });
    await page.click('#at-cases-submit');
    await page.waitForFunction(() => /largest that can be attached is 25 MB/.test(document.querySelector('#at-cases-file-error')?.textContent || ''));
    assert.equal(await sec.locator('#at-cases-table tbody tr').count(), 1);
    await page.assertNoProblems();
  });

  test('a text file is attached on the child\'s page', async () => {
    await page.evaluate((id) => (location.hash = `#persons/${id}`), kase.person);
    await waitView(page, 'person');
    await page.waitForSelector('#at-persons');
    await page.waitForFunction(() => !document.querySelector('#at-persons-list')?.textContent.includes('Loading'));
    await page.locator('#at-persons summary', { hasText: 'Attach a file' }).click();
    await page.setInputFiles('#at-persons-file', { name: 'interview summary.txt', mimeType: 'text/plain', buffer: Buffer.from(`Interview summary, ${marker}.\n`) });
    await page.click('#at-persons-submit');
    await page.waitForFunction(() => /Attached/.test(document.querySelector('#at-persons-status')?.textContent || ''));
    await page.locator('#at-persons-table tbody tr').first().waitFor();
    const cells = await page.locator('#at-persons-table tbody tr').first().locator('th, td').allTextContents();
    assert.deepEqual(cells.slice(0, 4), ['interview summary.txt (download)', 'Plain text', `${`Interview summary, ${marker}.\n`.length} bytes`, 'Demo HART Coordinator']);
    await assertAxeClean(page, 'the child\'s page with an attachment');
    await screenshotFrom(page, 'at-persons', 'attachments-child-page');
    await page.assertNoProblems();
  });

  test('at 390 px the list and the form fit', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart, { size: PHONE }), async (phone) => {
      await gotoCase(phone);
      await phone.locator('#at-cases summary', { hasText: 'Attach a file' }).click();
      await phone.evaluate(() => document.getElementById('at-cases').scrollIntoView());
      await checkPhonePage(phone, 'the case page\'s attachments', 'attachments-phone');
    });
  });

  test('the region\'s liaison sees the file and may attach', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.liaison), async (p) => {
      await gotoCase(p);
      assert.equal(await p.locator('#at-cases-table tbody tr').count(), 1);
      assert.equal(await p.locator('#at-cases summary').isVisible(), true, 'the region\'s liaison may attach');
    });
  });
});
