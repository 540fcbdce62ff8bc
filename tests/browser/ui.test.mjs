// The web UI in headless Chromium against the real server, logged out: it
// loads the pack and the health, offers the login form, breaks no
// Content-Security-Policy rule, logs no error and has no serious
// accessibility problem, at desktop and at phone width.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE, startServer } from '../lib/server.mjs';
import { PACK_NAME, PHONE, assertAxeClean, checkPhonePage, closeAll, gotoApp, launchBrowser, openApp, openPage, screenshot, withPage } from './browser.mjs';

const ENGINE_LABEL = { sqlite: 'SQLite', postgresql: 'PostgreSQL' }[ENGINE];

let server;
let browser;
let page;
let health;

before(async () => {
  server = await startServer();
  health = await (await fetch(`${server.url}/healthz`)).json();
  browser = await launchBrowser();
  page = await openPage(browser);
  // Logged out, the app asks who is logged in and hears 401: that is how it
  // knows to show the login form.
  page.expectHttp(401, 'GET', '/api/v1/me');
  await gotoApp(page, `${server.url}/`);
  await page.waitForSelector('#health[data-state="ok"]');
});

after(() => closeAll(browser, server));

describe(`web UI in Chromium, logged out (${ENGINE})`, { timeout: 120_000 }, () => {
  test('the title names hartline', async () => {
    assert.match(await page.title(), /hartline/i);
  });

  test('the heading becomes the jurisdiction name from the pack', async () => {
    await page.waitForFunction(
      (name) => document.querySelector('h1#jurisdiction')?.textContent.trim() === name,
      PACK_NAME);
    assert.equal((await page.locator('h1#jurisdiction').textContent()).trim(), PACK_NAME);
    assert.match(await page.locator('#hotline').textContent(), /Careline: 1-800-842-2288/);
  });

  test('the login form shows, with the username field focused and nothing of a session', async () => {
    assert.ok(await page.locator('#login-view').isVisible(), 'the login form is visible');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-username');
    assert.equal(await page.locator('#login-username').getAttribute('autocomplete'), 'username');
    assert.equal(await page.locator('#login-password').getAttribute('autocomplete'), 'current-password');
    assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0, 'no Log out button');
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no navigation');
    assert.equal(await page.getByRole('heading', { name: 'Users' }).count(), 0, 'no Users section');
  });

  test('the status panel shows ok, the engine and the schema on the login page', async () => {
    const h = page.locator('#health');
    assert.ok(await h.isVisible(), 'the status panel is visible');
    assert.equal(await h.getAttribute('data-state'), 'ok');
    assert.match(await h.textContent(), /ok/i);
    await page.waitForFunction(
      ([engine, schema]) =>
        document.querySelector('#db-engine')?.textContent.trim() === engine &&
        document.querySelector('#schema')?.textContent.trim() === schema,
      [ENGINE_LABEL, String(health.schema)]);
    assert.equal((await page.locator('#db-engine').textContent()).trim(), ENGINE_LABEL);
    assert.equal((await page.locator('#schema').textContent()).trim(), String(health.schema));
  });

  test('empty fields are named in the alert without a request', async () => {
    await page.locator('#login-submit').click();
    const alert = page.locator('#login-error');
    await page.waitForFunction(() => document.querySelector('#login-error')?.textContent.trim() !== '');
    assert.equal(await alert.getAttribute('role'), 'alert');
    assert.match(await alert.textContent(), /enter your username and password/i);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-username');
    assert.equal(await page.locator('#login-username').getAttribute('aria-invalid'), '');
  });

  test('axe finds no serious or critical accessibility violation', async () => {
    await assertAxeClean(page, 'login page, 1280 px');
  });

  test('a full-page screenshot is saved', async () => {
    await screenshot(page, 'ui-home');
  });

  test('at 390 px wide nothing runs off the side and axe is clean', async () => {
    await withPage(await openApp(browser, server, { size: PHONE }), async (phone) => {
      await phone.waitForSelector('#health[data-state="ok"]');
      await checkPhonePage(phone, 'login page', 'ui-login-390');
      await phone.assertNoProblems();
    });
  });

  test('no console error, page error, failed request or CSP violation', async () => {
    await page.assertNoProblems();
  });
});
