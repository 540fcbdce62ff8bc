// The second factor in Chromium: a HART coordinator's first login sets up
// the authenticator app from a QR code drawn inline, keeps the recovery
// codes, and the next login asks for a code; then the sessions page, where
// one session is ended.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { freshCode, login, rememberSecret, totp } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { parseXml } from '../lib/xml.mjs';
import { assertAxeClean, closeAll, launchBrowser, logIn, openApp, screenshot, serverWith, viewOf } from './browser.mjs';

const HART = { username: 'mensah.a', role: 'hart', displayName: 'Ama Mensah', password: 'violet-harbor-quill-5520' };

let server;
let browser;
let page;
let secret;

const view = () => viewOf(page);

before(async () => {
  server = await serverWith(HART);
  browser = await launchBrowser();
  page = await openApp(browser, server, {
    expect: [
      [401, 'POST', '/api/v1/session/second-factor'], // the wrong code, on purpose
      [401, 'POST', '/api/v1/session/second-factor/enrolment/confirm'], // a wrong code while setting up, on purpose
    ],
  });
});

after(() => closeAll(browser, server));

describe(`second factor in Chromium (${ENGINE})`, { timeout: 180_000 }, () => {
  test('the first login shows the set-up: a QR code inline, the key as text, and nothing else of the app', async () => {
    await logIn(page, HART.username, HART.password, { secondStep: false });
    await page.waitForFunction(() => document.body.dataset.view !== 'login');
    assert.equal(await view(), 'mfa');
    await page.waitForFunction(() => document.querySelector('#mfa-qr svg') && document.getElementById('mfa-secret').textContent);
    assert.equal(await page.locator('#nav').isVisible(), false, 'no navigation before the second step');
    assert.equal(await page.locator('#account').isVisible(), false);
    const svg = await page.evaluate(() => new XMLSerializer().serializeToString(document.querySelector('#mfa-qr svg')));
    assert.equal(parseXml(svg).name, 'svg', 'the QR code in the page is well-formed SVG');
    assert.equal(await page.locator('#mfa-qr svg').getAttribute('role'), 'img');
    secret = (await page.locator('#mfa-secret').textContent()).replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await assertAxeClean(page, 'the set-up page');
    await screenshot(page, 'mfa-enrol');
    await page.assertNoProblems();
  });

  test('the code from the app finishes the set-up and shows ten recovery codes once; a wrong code before it leaves no error behind', async () => {
    await page.locator('#mfa-code').fill(totp(secret, Date.now() - 10 * 60_000));
    await page.locator('#mfa-submit').click();
    await page.waitForFunction(() => document.getElementById('mfa-error').textContent !== '');
    await page.locator('#mfa-code').fill(freshCode(server.url, secret));
    await page.locator('#mfa-submit').click();
    await page.locator('#mfa-done').waitFor({ state: 'visible' });
    const codes = await page.locator('#mfa-recovery-codes li').allTextContents();
    assert.equal(codes.length, 10);
    for (const c of codes) assert.match(c, /^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    assert.equal((await page.locator('#mfa-error').textContent()).trim(), '', 'the wrong code\'s message is gone once the right one is taken');
    await assertAxeClean(page, 'the recovery codes');
    await screenshot(page, 'mfa-recovery-codes');
    await page.locator('#mfa-continue').click();
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    assert.equal(await page.locator('#home-heading').textContent(), HART.displayName);
    await page.assertNoProblems();
  });

  test('the next login asks for a code: a wrong one is refused with a plain message, the right one lets in', async () => {
    await page.locator('#logout').click();
    await page.waitForFunction(() => document.body.dataset.view === 'login');
    await logIn(page, HART.username, HART.password, { secondStep: false });
    await page.waitForFunction(() => document.body.dataset.view !== 'login');
    assert.equal(await view(), 'mfa');
    assert.equal(await page.locator('#mfa-enrol').isVisible(), false, 'no set-up the second time');
    assert.match(await page.locator('#mfa-code-label').textContent(), /code from your app, or a recovery code/);
    await page.locator('#mfa-code').fill(totp(secret, Date.now() - 10 * 60_000));
    await page.locator('#mfa-submit').click();
    await page.waitForFunction(() => document.getElementById('mfa-error').textContent !== '');
    const message = await page.locator('#mfa-error').textContent();
    assert.match(message, /not accepted/);
    assert.ok(!/urn:|problem|401/.test(message), message);
    assert.equal(await page.locator('#mfa-code').getAttribute('aria-invalid'), 'true');
    await assertAxeClean(page, 'the code prompt');
    await screenshot(page, 'mfa-code');
    await page.locator('#mfa-code').fill(freshCode(server.url, secret));
    await page.locator('#mfa-submit').click();
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    await page.assertNoProblems();
  });

  test('the sessions page lists this session and another, and ends the other', async () => {
    // Another session of the same person, from a program (the harness knows the secret the page set up).

    rememberSecret(server.url, HART.username, secret);
    const other = await login(server.url, HART.username, HART.password);
    await page.locator('#account-link').click();
    await page.waitForFunction(() => document.body.dataset.view === 'account'
      && document.querySelectorAll('#sessions-body tr').length === 2);
    const rows = page.locator('#sessions-body tr');
    assert.equal(await rows.filter({ hasText: 'This session' }).count(), 1);
    assert.equal(await rows.filter({ hasText: 'Node.js' }).count(), 1);
    assert.equal(await rows.filter({ hasText: /Chrome on Linux/ }).count(), 1);
    await assertAxeClean(page, 'the sessions page');
    await screenshot(page, 'account-sessions');
    await page.locator('#sessions-body button', { hasText: 'End' }).click();
    await page.waitForFunction(() => document.getElementById('account-status').textContent !== ''
      && document.querySelectorAll('#sessions-body tr').length === 1);
    assert.equal((await other.fetch('/api/v1/me')).status, 401, 'the other session is over');
    await page.assertNoProblems();
  });
});
