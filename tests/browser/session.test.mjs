// Logging in and out in Chromium: a wrong password, the home page with the
// name, role and scope, a reload, what a non-administrator sees, logging out.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, checkPhonePage, closeAll, giveSecondFactor, launchBrowser, logIn, openApp, openAppAs, screenshot, serverWith, viewOf, withPage } from './browser.mjs';
import { region } from '../lib/pack.mjs';

const REGION_A = region(0);

const LIAISON = {
  username: 'rivera.l',
  role: 'liaison',
  region: REGION_A,
  displayName: 'Lucia Rivera',
  password: 'tidal-heron-marble-9041',
};
const MDT = {
  username: 'okafor',
  role: 'mdt',
  team: 'mdt-r3',
  displayName: 'Chidi Okafor',
  password: 'copper-lantern-fable-2207',
};

let server;
let browser;
let page;

const view = () => viewOf(page);

before(async () => {
  server = await serverWith(LIAISON, MDT);
  browser = await launchBrowser();
  page = await openApp(browser, server, {
    expect: [
      [401, 'POST', '/api/v1/session'], // the wrong password, on purpose
    ],
  });
});

after(() => closeAll(browser, server));

describe(`logging in and out in Chromium (${ENGINE})`, { timeout: 120_000 }, () => {
  test('a wrong password shows the server’s message and stays on the login page', async () => {
    assert.equal(await view(), 'login');
    await logIn(page, LIAISON.username, 'not-the-password-at-all');
    await page.waitForFunction(() => document.querySelector('#login-error')?.textContent.trim() !== '');
    const alert = page.getByRole('alert').filter({ hasText: /wrong username or password/i });
    assert.equal(await alert.count(), 1, 'the 401 detail shows in the alert');
    assert.equal(await view(), 'login');
    assert.ok(await page.locator('#login-form').isVisible());
    assert.equal(await page.locator('#login-username').inputValue(), LIAISON.username, 'the username is kept');
    assert.equal(await page.locator('#login-password').inputValue(), '', 'the password is cleared');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-password', 'focus is on the password');
    assert.equal(await page.locator('#login-submit').isEnabled(), true, 'the button works again');
  });

  test('the login page passes axe and is saved as a screenshot', async () => {
    await assertAxeClean(page, 'login page with an error');
    await screenshot(page, 'login');
  });

  test('while the login is on its way the button is disabled', async () => {
    // Hold the login request until the button has been looked at.
    let release;
    const held = new Promise((r) => (release = r));
    await page.route('**/api/v1/session', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await logIn(page, LIAISON.username, LIAISON.password, { secondStep: false });
      await page.waitForFunction(() => document.querySelector('#login-submit')?.disabled === true);
      assert.match(await page.locator('#login-submit').textContent(), /logging in/i);
    } finally {
      release();
    }
    // A liaison reads case content: the code from the authenticator comes next.
    await page.waitForFunction(() => document.body.dataset.view === 'mfa');
    await giveSecondFactor(page, LIAISON.username);
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    await page.unroute('**/api/v1/session');
  });

  test('the right password reaches home with the name, username, role and scope', async () => {
    assert.equal(await view(), 'home');
    const heading = page.getByRole('heading', { level: 2, name: LIAISON.displayName });
    assert.equal(await heading.count(), 1);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'home-heading', 'focus moves to the page heading');
    assert.equal((await page.locator('#me-role').textContent()).trim(), 'Regional liaison · Region 1 (Southwest)');
    assert.equal((await page.locator('#me-username').textContent()).trim(), LIAISON.username);
    assert.equal((await page.locator('#me-scope').textContent()).trim(), 'Region 1 (Southwest)');
    assert.equal((await page.locator('#who-name').textContent()).trim(), LIAISON.displayName);
    assert.ok(await page.getByRole('button', { name: 'Log out' }).isVisible(), 'a Log out button in the masthead');
    assert.ok(await page.locator('#health[data-state="ok"]').isVisible(), 'the status panel stays');
    assert.match(await page.title(), /^Home · hartline/);
  });

  test('a non-administrator sees no Users section, not even at #users', async () => {
    assert.equal(await page.getByRole('link', { name: /users/i }).count(), 0, 'no link to the users');
    assert.equal(await page.getByRole('heading', { name: 'Users' }).count(), 0);
    await page.evaluate(() => (location.hash = '#users'));
    await page.waitForFunction(() => document.activeElement?.id === 'home-heading');
    assert.equal(await view(), 'home');
    assert.equal(await page.getByRole('heading', { name: 'Users' }).count(), 0);
    assert.equal(await page.locator('#users-body tr').count(), 0, 'no user rows in the page');
  });

  test('home passes axe and is saved as a screenshot', async () => {
    await assertAxeClean(page, 'home');
    await screenshot(page, 'home');
  });

  test('a reload stays logged in', async () => {
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    assert.equal((await page.locator('#me-role').textContent()).trim(), 'Regional liaison · Region 1 (Southwest)');
    assert.equal((await page.locator('#who-name').textContent()).trim(), LIAISON.displayName);
  });

  test('logging out returns to the login page, and a reload stays there', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'login');
    assert.ok(await page.locator('#login-form').isVisible());
    assert.match(await page.locator('#login-message').textContent(), /logged out/i);
    assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0);
    assert.equal(await page.locator('#who-name').textContent(), '', 'the name is gone from the page');
    assert.equal(await page.locator('#home-heading').textContent(), '');
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.view === 'login');
    // The cookie is gone, so the API agrees.
    const status = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
    assert.equal(status, 401);
  });

  test('an MDT member sees the team as the scope', async () => {
    await logIn(page, MDT.username, MDT.password);
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    assert.equal((await page.locator('#me-role').textContent()).trim(), 'MDT member · Team mdt-r3');
    assert.equal(await page.getByRole('heading', { name: 'Users' }).count(), 0);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'login');
  });

  test('at 390 px wide home fits and passes axe', async () => {
    await withPage(await openAppAs(browser, server, LIAISON, { size: PHONE }), async (phone) => {
      await checkPhonePage(phone, 'home', 'home-390');
      await phone.assertNoProblems();
    });
  });

  test('no console error, page error, failed request or CSP violation', async () => {
    await page.assertNoProblems();
  });
});
