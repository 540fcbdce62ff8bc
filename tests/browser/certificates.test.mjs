// Training certificates in Chromium: anyone checks a code on the public
// /verify page without logging in (390 px, axe-clean) and reads the answer
// in plain words; the trainer opens a certificate as a page to print (no
// navigation or buttons on paper), revokes it, and reads the trainers'
// cascade with its picture.
//
// The people trained and their certificates are written with SQL as
// attendance writes them (the sessions pages are another file's).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE, sql } from '../lib/server.mjs';
import { parseXml } from '../lib/xml.mjs';
import {
  PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, openAppAs, openPage, screenshot, serverWith, withPage,
} from './browser.mjs';

const TRAINER = { username: 'tara.trainer', role: 'trainer', displayName: 'Tara Trainer', password: 'saffron-ledger-pewter-5521' };
const T0 = "'2026-01-05T09:00:00Z'";

let server;
let browser;

before(async () => {
  server = await serverWith(TRAINER);
  browser = await launchBrowser();
  sql(server.db, `INSERT INTO trainee (id, organisation, audience, created_at, updated_at) VALUES
    (1, 'Harbor Light', 'service_providers', ${T0}, ${T0}), (2, 'Police', 'law_enforcement', ${T0}, ${T0})`);
  sql(server.db, `INSERT INTO certificate (id, code, trainee_id, course, completed_on, issued_at, expires_at) VALUES
    (1, 'K7M2Q9XW4R', 1, 'day1', '2026-03-03', '2026-03-03T17:00:00Z', '2099-03-03'),
    (2, 'T3R9V5PC8J', 1, 'train_the_trainer', '2026-04-01', '2026-04-01T17:00:00Z', NULL),
    (3, 'W6Y2F8LM3N', 2, 'train_the_trainer', '2026-05-01', '2026-05-01T17:00:00Z', NULL)`);
  sql(server.db, `INSERT INTO training_session (id, number, course, starts_at, ends_at, capacity, status, created_at, updated_at) VALUES
    (1, 'TS-1', 'day1', '2026-06-10T13:00:00Z', '2026-06-10T20:00:00Z', 30, 'held', ${T0}, ${T0})`);
  sql(server.db, 'INSERT INTO session_trainer (session_id, trainee_id) VALUES (1, 1)');
  sql(server.db, `INSERT INTO registration (session_id, trainee_id, status, attended, completed, registered_at) VALUES
    (1, 2, 'registered', 1, 1, ${T0})`);
});

after(() => closeAll(browser, server));

describe(`training certificates in Chromium (${ENGINE})`, { timeout: 240_000 }, () => {
  test('the public page checks a code without logging in, in plain words, at 390 px', async () => {
    await withPage(await openPage(browser, PHONE), async (phone) => {
      await phone.goto(`${server.url}/verify?code=K7M2Q9XW4R`, { waitUntil: 'load' });
      await phone.waitForSelector('#verify-verdict');
      assert.match(await phone.locator('#verify-verdict').textContent(), /^Valid: .*Day 1.*, completed Mar 3, 2026\.$/);
      await checkPhonePage(phone, 'the public check of a valid code', 'verify-valid-390');

      await phone.getByLabel('Verification code').fill('K7M2Q9XW4S');
      await phone.getByRole('button', { name: 'Check' }).click();
      await phone.waitForFunction(() => /No certificate/.test(document.getElementById('verify-answer').textContent));
      assert.equal(await phone.locator('#verify-verdict').textContent(), 'No certificate has this code.');
      await checkPhonePage(phone, 'the public check of a forged code', 'verify-unknown-390');

      await phone.getByLabel('Verification code').fill('');
      await phone.getByRole('button', { name: 'Check' }).click();
      assert.match(await phone.locator('#verify-code-error').textContent(), /Type the code/);
    });
  });

  test('the trainer prints a certificate: the code, the public address and its QR code; nothing of the app on paper', async () => {
    const page = await openAppAs(browser, server, TRAINER, { view: 'training' });
    await withPage(page, async () => {
      await page.goto(`${server.url}/#certificate/1`);
      await page.waitForFunction(() => document.body.dataset.view === 'certificate' && document.getElementById('certificate-code'));
      assert.equal(await page.locator('#certificate-code').textContent(), 'K7M2Q9XW4R');
      assert.equal(await page.locator('#certificate-url').textContent(), `${server.url}/verify?code=K7M2Q9XW4R`);
      assert.equal(await page.locator('.cert-qr svg').count(), 1);
      await assertAxeClean(page, 'a certificate');
      await screenshot(page, 'certificate-screen');
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('#certificate-print').isVisible(), false, 'the Print button on paper');
      assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false, 'the navigation on paper');
      assert.equal(await page.locator('#certificate-doc').isVisible(), true);
      await screenshot(page, 'certificate-print');
      await page.emulateMedia({ media: 'screen' });

      // Revoked here, the public page says so.
      await page.getByRole('button', { name: 'Revoke the certificate' }).click();
      assert.match(await page.locator('#certificate-reason-error').textContent(), /Say why/);
      await page.getByLabel('Why revoke this certificate?').fill('Issued to the wrong person');
      await page.getByRole('button', { name: 'Revoke the certificate' }).click();
      await page.waitForFunction(() => document.getElementById('certificate-state').textContent === 'Revoked');
      assert.equal(await page.locator('#certificate-revoke-form').isVisible(), false);
    });
    await withPage(await openPage(browser, PHONE), async (phone) => {
      await phone.goto(`${server.url}/verify?code=k7m2-q9xw-4r`, { waitUntil: 'load' });
      await phone.waitForSelector('#verify-verdict');
      assert.match(await phone.locator('#verify-verdict').textContent(), /^Not valid: this certificate was revoked/);
      await checkPhonePage(phone, 'the public check of a revoked code', 'verify-revoked-390');
    });
  });

  test('the trainers page lists each trainer\'s reach, and one trainer\'s cascade is drawn as SVG that parses', async () => {
    const page = await openAppAs(browser, server, TRAINER, { view: 'training' });
    await withPage(page, async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trainers' }).click();
      await page.waitForSelector('#trainers-table');
      assert.equal(await page.locator('#trainers-table tbody tr').count(), 2);
      await assertAxeClean(page, 'the trainers');
      await page.locator('#trainers-table tbody tr').first().getByRole('link').click();
      await page.waitForSelector('#trainer-summary');
      assert.match(await page.locator('#trainer-summary').textContent(), /Led 1 session and reached 1 person\. 1 of them is now a certified trainer/);
      const svg = await page.locator('.cascade-svg').evaluate((el) => new XMLSerializer().serializeToString(el));
      assert.equal(parseXml(svg).name, 'svg');
      await assertAxeClean(page, 'a trainer\'s cascade');
      await screenshot(page, 'trainer-cascade');
    });
  });
});
