// The administrators' page in Chromium: the users table, adding a user
// (field errors, then success, with a set-up link the person opens to
// choose their password), disabling and enabling, unlocking, a new set-up
// link in place of a password reset, and the recent audit.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, checkPhonePage, closeAll, launchBrowser, logIn, openApp, openAppAs, openPage, screenshot, screenshotFrom, serverWith, viewOf, withPage } from './browser.mjs';
import { region } from '../lib/pack.mjs';

const REGION_B = region(1);
const REGION_C = region(2);

const ADMIN = { username: 'admin.kim', role: 'admin', displayName: 'Kim Adeyemi', password: 'granite-orchid-ledger-5521' };
const CASEY = { username: 'casey.w', role: 'careline', displayName: 'Casey Walsh', password: 'meadow-cinder-quill-7730' };
const LOCKED = { username: 'lock.me', role: 'hart', displayName: 'Morgan Lee', password: 'pewter-saffron-delta-1184' };
const NEW = { username: 'new.person', displayName: 'Nia Person', region: REGION_B, password: 'harbor-violet-sketch-6612' };

let server;
let browser;
let page;
const ids = {}; // username -> id

const view = () => viewOf(page);
const form = () => page.locator('#add-form');
const row = (username) => page.locator('#users-body tr').filter({ has: page.locator('th', { hasText: username }) });
const cellTexts = async (username) =>
  (await row(username).locator('th, td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());

/** POST /api/v1/session from Node: the status the server answers. */
// The answer to a right password for a role that reads case content: the
// second factor comes next (these users are careline, hart and liaison).
const PASSWORD_ACCEPTED = 200;

async function apiLogin(username, password) {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

before(async () => {
  server = await serverWith(ADMIN, CASEY, LOCKED);
  // Five wrong passwords lock an account.
  for (let i = 0; i < 5; i++) assert.equal(await apiLogin(LOCKED.username, 'wrong-password-wrong'), 401);
  assert.equal(await apiLogin(LOCKED.username, LOCKED.password), 401, 'the account is locked');
  browser = await launchBrowser();
  page = await openApp(browser, server, {
    expect: [
      [422, 'POST', '/api/v1/users'], // the bad team id, on purpose
      [409, 'POST', '/api/v1/users'], // the taken username, on purpose
    ],
  });
});

after(() => closeAll(browser, server));

describe(`user administration in Chromium (${ENGINE})`, { timeout: 180_000 }, () => {
  test('loading the page asks nothing that answers an error: no session is an answer', async () => {
    const failed = [];
    const fresh = await openApp(browser, server);
    fresh.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`); });
    await fresh.reload({ waitUntil: 'load' });
    await fresh.waitForFunction(() => document.body.dataset.view === 'login');
    await logIn(fresh, ADMIN.username, ADMIN.password);
    await fresh.waitForFunction(() => document.body.dataset.view === 'home');
    await fresh.reload({ waitUntil: 'load' });
    await fresh.waitForFunction(() => document.body.dataset.view === 'home');
    assert.deepEqual(failed, []);
    await fresh.close();
  });

  test('an administrator reaches home, with a way to the users', async () => {
    await logIn(page, ADMIN.username, ADMIN.password);
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    assert.equal((await page.locator('#me-role').textContent()).trim(), 'Administrator');
    assert.ok(await page.locator('#me-scope').isHidden(), 'no scope line for a role without one');
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.ok(await nav.getByRole('link', { name: 'Users and audit' }).isVisible());
  });

  test('the users page lists everyone with role, scope and status', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users and audit' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'users');
    await page.waitForFunction(() => document.querySelectorAll('#users-body tr[data-id]').length === 3);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'users-heading', 'focus moves to the heading');
    assert.equal(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users and audit' }).getAttribute('aria-current'),
      'page');
    for (const u of [ADMIN, CASEY, LOCKED]) {
      ids[u.username] = Number(await row(u.username).getAttribute('data-id'));
    }
    assert.deepEqual((await cellTexts(ADMIN.username)).slice(0, 5),
      [`${ADMIN.username} (you)`, ADMIN.displayName, 'Administrator', '—none', 'Active']);
    assert.deepEqual((await cellTexts(CASEY.username)).slice(0, 5),
      [CASEY.username, CASEY.displayName, 'Hotline worker', '—none', 'Active']);
    assert.deepEqual((await cellTexts(LOCKED.username)).slice(0, 5),
      [LOCKED.username, LOCKED.displayName, 'HART coordinator', '—none', 'Locked']);
    assert.equal(await page.getByRole('button', { name: `Disable ${ADMIN.username}` }).count(), 0, 'no Disable for yourself');
    assert.equal(await page.getByRole('button', { name: `Unlock ${CASEY.username}` }).count(), 0, 'Unlock only when locked');
    assert.ok(await page.getByRole('button', { name: `Unlock ${LOCKED.username}` }).isVisible());
  });

  test('the scope field follows the role', async () => {
    const role = form().getByLabel('Role');
    assert.ok(await page.locator('#add-scope-field').isHidden(), 'no scope before a role is chosen');
    await role.selectOption('liaison');
    const region = form().getByLabel('Region');
    assert.ok(await region.isVisible());
    const options = await region.locator('option').allTextContents();
    assert.ok(options.includes('Region 2 (South Central)'), `regions offered: ${options.join(', ')}`);
    await role.selectOption('mdt');
    assert.ok(await form().getByLabel('Team id').isVisible());
    await role.selectOption('provider');
    assert.ok(await form().getByLabel('Agency id').isVisible());
    await role.selectOption('careline');
    assert.ok(await page.locator('#add-scope-field').isHidden());
  });

  test('adding a user with a bad team id shows the reason beside the field', async () => {
    await form().getByLabel('Username').fill(NEW.username);
    await form().getByLabel('Full name').fill(NEW.displayName);
    await form().getByLabel('Role').selectOption('mdt');
    await form().getByLabel('Team id').fill('has space');
    assert.equal(await form().getByLabel(/password/i).count(), 0, 'no password field: the person chooses it');
    await form().getByRole('button', { name: 'Add user' }).click();
    await page.waitForFunction(() => document.querySelector('#add-scope-error')?.textContent.trim() !== '');
    const team = form().getByLabel('Team id');
    assert.equal(await team.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'add-scope-text', 'focus on the field to fix');
    assert.match(await page.locator('#add-error').textContent(), /not added/i);
    assert.equal(await page.locator('#add-username-error').textContent(), '', 'no error on a good field');
    assert.equal(await row(NEW.username).count(), 0, 'not in the table');
  });

  test('the admin page with a field error passes axe and is saved as a screenshot', async () => {
    await assertAxeClean(page, 'users page with a field error');
    await screenshot(page, 'admin-field-error');
  });

  test('adding the user shows a set-up link once; the person opens it, chooses a password and logs in', async () => {
    await form().getByLabel('Role').selectOption('liaison');
    await form().getByLabel('Region').selectOption(NEW.region);
    await form().getByRole('button', { name: 'Add user' }).click();
    await page.waitForFunction(() => /Added new\.person/.test(document.querySelector('#add-status')?.textContent || ''));
    assert.equal(await page.locator('#add-error').textContent(), '');
    const panel = page.getByRole('region', { name: /Set-up link for Nia Person/ });
    await panel.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'link-heading', 'focus on the link');
    const url = await panel.getByLabel('Set-up link').inputValue();
    assert.match(url, new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/setup#token=[0-9a-f]{64}$`));
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await panel.getByRole('button', { name: 'Copy link' }).click();
    await page.waitForFunction(() => /Link copied/.test(document.querySelector('#link-status')?.textContent || ''));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url, 'the link is on the clipboard');
    await page.waitForFunction(
      (name) => [...document.querySelectorAll('#users-body th')].some((th) => th.textContent.includes(name)),
      NEW.username);
    assert.deepEqual((await cellTexts(NEW.username)).slice(0, 5),
      [NEW.username, NEW.displayName, 'Regional liaison', 'Region 2 (South Central)', 'Waiting for set-up']);
    ids[NEW.username] = Number(await row(NEW.username).getAttribute('data-id'));
    assert.equal(await form().getByLabel('Username').inputValue(), '', 'the form is empty again');
    await assertAxeClean(page, 'users page with a set-up link');
    await page.locator('#link-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-setup-link', { fullPage: false });
    assert.equal(await apiLogin(NEW.username, NEW.password), 401, 'no password yet: the administrator cannot log in as them');

    // The person, in a browser of their own.
    const person = await openPage(browser);
    person.expectHttp(422, 'POST', '/api/v1/setup'); // the weak password, on purpose
    person.expectHttp(410, 'POST', '/api/v1/setup/check'); // the link, used, opened again
    person.expectHttp(401, 'GET', '/api/v1/me'); // the login page, logged out
    try {
      await person.goto(url, { waitUntil: 'load' });
      await person.getByLabel('New password').waitFor();
      assert.equal(new URL(person.url()).hash, '', 'the token leaves the address bar');
      assert.equal((await person.locator('#setup-username').textContent()).trim(), NEW.username);
      assert.equal(await person.evaluate(() => document.activeElement?.id), 'setup-password');
      await person.getByLabel('New password').fill('short');
      await person.getByLabel('The same password again').fill('short');
      await person.getByRole('button', { name: 'Set my password' }).click();
      await person.waitForFunction(() => document.querySelector('#setup-password-error')?.textContent.trim() !== '');
      assert.match(await person.locator('#setup-password-error').textContent(), /at least 12 characters/i);
      assert.equal(await person.getByLabel('New password').getAttribute('aria-invalid'), 'true');
      await assertAxeClean(person, 'set-up page with an error');
      await screenshot(person, 'setup-error');
      await person.getByLabel('New password').fill(NEW.password);
      await person.getByLabel('The same password again').fill('not-the-same-one-at-all');
      await person.getByRole('button', { name: 'Set my password' }).click();
      await person.waitForFunction(() => /not the same/.test(document.querySelector('#setup-again-error')?.textContent || ''));
      await person.getByLabel('The same password again').fill(NEW.password);
      await person.getByRole('button', { name: 'Set my password' }).click();
      await person.waitForFunction(() => /Your password is set/.test(document.querySelector('#setup-status')?.textContent || ''));
      await assertAxeClean(person, 'set-up page, done');
      await screenshot(person, 'setup-done');
      // The link works once.
      await person.goto(url, { waitUntil: 'load' });
      await person.waitForFunction(() => /used already/.test(document.querySelector('#setup-error')?.textContent || ''));
      assert.ok(await person.locator('#setup-form').isHidden());
      await screenshot(person, 'setup-used');
      await person.getByRole('link', { name: 'Log in to hartline' }).click();
      await person.waitForFunction(() => document.body.dataset.view === 'login');
      await logIn(person, NEW.username, NEW.password);
      await person.waitForFunction(() => document.body.dataset.view === 'home');
      await person.assertNoProblems();
    } finally {
      await person.context().close();
    }
    assert.equal(await apiLogin(NEW.username, NEW.password), PASSWORD_ACCEPTED);
    await page.getByRole('button', { name: 'Done: hide the link' }).click();
    assert.ok(await page.locator('#link-panel').isHidden());
  });

  test('disabling a user shows Disabled and they cannot log in', async () => {
    await page.getByRole('button', { name: `Disable ${CASEY.username}` }).click();
    await page.waitForFunction(() => /casey\.w is disabled/.test(document.querySelector('#users-status')?.textContent || ''));
    assert.equal((await cellTexts(CASEY.username))[4], 'Disabled');
    const enable = page.getByRole('button', { name: `Enable ${CASEY.username}` });
    assert.ok(await enable.isVisible());
    assert.equal(await enable.evaluate((b) => b === document.activeElement), true, 'focus moves to Enable');
    assert.equal(await apiLogin(CASEY.username, CASEY.password), 401);
  });

  test('enabling the user again lets them log in', async () => {
    await page.getByRole('button', { name: `Enable ${CASEY.username}` }).click();
    await page.waitForFunction(() => /casey\.w is enabled/.test(document.querySelector('#users-status')?.textContent || ''));
    assert.equal((await cellTexts(CASEY.username))[4], 'Active');
    assert.equal(await apiLogin(CASEY.username, CASEY.password), PASSWORD_ACCEPTED);
  });

  test('unlocking a locked user lets them log in', async () => {
    await page.getByRole('button', { name: `Unlock ${LOCKED.username}` }).click();
    await page.waitForFunction(() => /lock\.me is unlocked/.test(document.querySelector('#users-status')?.textContent || ''));
    assert.equal((await cellTexts(LOCKED.username))[4], 'Active');
    assert.equal(await page.getByRole('button', { name: `Unlock ${LOCKED.username}` }).count(), 0);
    assert.equal(await apiLogin(LOCKED.username, LOCKED.password), PASSWORD_ACCEPTED);
  });

  test('HART sees the accounts given case access on the dashboard and acknowledges one; not its own', async () => {
    await withPage(await openAppAs(browser, server, LOCKED), async (hart) => {
      const panel = hart.getByRole('region', { name: 'Accounts given case access' });
      await panel.waitFor();
      const item = (name) => panel.getByRole('listitem').filter({ hasText: name });
      await item(NEW.username).waitFor();
      assert.match(await item(NEW.username).textContent(), /Nia Person \(new\.person\).*Regional liaison, Region 2 \(South Central\).*New account.*by admin\.kim/s);
      assert.match(await item(CASEY.username).textContent(), /Hotline worker.*by the server’s command line/s);
      assert.match(await item(LOCKED.username).textContent(), /Your own account/);
      assert.equal(await item(LOCKED.username).getByRole('button').count(), 0, 'no Acknowledge for its own account');
      await assertAxeClean(hart, 'HART dashboard with accounts given case access');
      await screenshot(hart, 'dashboard-access', { fullPage: false });
      await item(NEW.username).getByRole('button', { name: `Acknowledge ${NEW.username}` }).click();
      await hart.waitForFunction(() => /Acknowledged: Nia Person/.test(document.querySelector('#dash-access-status')?.textContent || ''));
      assert.equal(await item(NEW.username).count(), 0);
      await hart.reload({ waitUntil: 'load' });
      await item(CASEY.username).waitFor();
      assert.equal(await item(NEW.username).count(), 0, 'gone for good once acknowledged');
      await hart.assertNoProblems();
    });
  });

  test('a new set-up link in the dialog ends the old password; the person chooses a new one with it', async () => {
    await page.getByRole('button', { name: `New set-up link ${CASEY.username}` }).click();
    const dialog = page.getByRole('dialog', { name: 'New set-up link' });
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Casey Walsh \(casey\.w\)/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pw-submit');
    await assertAxeClean(page, 'new set-up link dialog');
    await screenshot(page, 'admin-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Issue a new link' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => /New set-up link issued for casey\.w/.test(document.querySelector('#users-status')?.textContent || ''));
    const url = await page.locator('#link-url').inputValue();
    assert.match(await page.locator('#link-note').textContent(), /old password/);
    assert.equal((await cellTexts(CASEY.username))[4], 'Waiting for set-up');
    assert.equal(await apiLogin(CASEY.username, CASEY.password), 401, 'the old password is gone');
    const token = new URL(url).hash.replace('#token=', '');
    const res = await fetch(`${server.url}/api/v1/setup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, password: 'saddle-ember-pylon-3349' }),
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await apiLogin(CASEY.username, 'saddle-ember-pylon-3349'), PASSWORD_ACCEPTED);
    await page.getByRole('button', { name: 'Done: hide the link' }).click();
  });

  test('Escape closes the dialog without a change', async () => {
    await page.getByRole('button', { name: `New set-up link ${NEW.username}` }).click();
    const dialog = page.getByRole('dialog', { name: 'New set-up link' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await apiLogin(NEW.username, NEW.password), PASSWORD_ACCEPTED);
  });

  test('the recent audit lists what was done, newest first', async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => /Up to date/.test(document.querySelector('#audit-status')?.textContent || ''));
    const rows = await page.locator('#audit-body tr').allTextContents();
    assert.ok(rows.length > 5 && rows.length <= 50, `${rows.length} rows`);
    assert.ok(rows.some((r) => r.includes('Added a user') && r.includes(`user ${NEW.displayName}`)), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes('Changed a user') && r.includes('changed=disabled')), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes('Account locked') && r.includes(LOCKED.displayName)), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes('Logged in') && r.includes(ADMIN.username)), rows.join('\n'));
  });

  test('changing a user: a role without its area is refused beside the field; with it, saved, told and audited', async () => {
    page.expectHttp(422, 'PATCH', `/api/v1/users/${ids[CASEY.username]}`); // the missing team, on purpose
    // Casey chose a new password since the list was read: read it again.
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelectorAll('#users-body tr[data-id]').length === 4);
    await page.getByRole('button', { name: `Change ${CASEY.username}` }).click();
    const dialog = page.getByRole('dialog', { name: `Change ${CASEY.username}` });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'edit-name');
    await dialog.getByLabel('Role').selectOption('mdt');
    assert.ok(await dialog.getByLabel('Team id').isVisible(), 'an MDT member takes a team');
    await dialog.getByRole('button', { name: 'Save the change' }).click();
    await page.waitForFunction(() => document.querySelector('#edit-scope-error')?.textContent.trim() !== '');
    const reason = await page.locator('#edit-scope-error').textContent();
    assert.match(reason, /team/i, reason);
    assert.doesNotMatch(reason, /scope|_|string|null/, reason);
    await screenshot(page, 'admin-edit-error', { fullPage: false });
    await dialog.getByLabel('Role').selectOption('liaison');
    await dialog.getByLabel('Region').selectOption(REGION_C);
    await dialog.getByLabel('Name').fill('Casey Walsh-Ng');
    await dialog.getByRole('button', { name: 'Save the change' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => /Changed casey\.w/.test(document.querySelector('#users-status')?.textContent || ''));
    const said = await page.locator('#users-status').textContent();
    assert.match(said, /name now Casey Walsh-Ng, role now Regional liaison/);
    assert.match(said, /HART coordinators are told/);
    const cells = await cellTexts(CASEY.username);
    assert.equal(cells[1], 'Casey Walsh-Ng');
    assert.equal(cells[2], 'Regional liaison');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'edit', 'focus back on the row');
  });

  test('one\'s own role cannot be changed in the dialog', async () => {
    await page.getByRole('button', { name: `Change ${ADMIN.username}` }).click();
    const dialog = page.getByRole('dialog', { name: `Change ${ADMIN.username}` });
    await dialog.waitFor();
    assert.ok(await dialog.getByLabel('Role').isDisabled());
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  test('the audit filters by who and what happened, pages, and downloads the selection as CSV', async () => {
    await page.locator('#audit-user').selectOption(ADMIN.username);
    await page.locator('#audit-action').selectOption({ label: 'Changed a user' });
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForFunction(() => /Up to date/.test(document.querySelector('#audit-status')?.textContent || ''));
    const rows = await page.locator('#audit-body tr').allTextContents();
    assert.ok(rows.length >= 3, rows.join('\n'));
    assert.ok(rows.every((r) => r.includes('Changed a user') && r.includes(ADMIN.displayName)), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes('user Casey Walsh-Ng') && r.includes('role')), rows.join('\n'));
    const href = await page.locator('#audit-export').getAttribute('href');
    assert.match(href, /^\/api\/v1\/audit\/export\?user=admin\.kim&action=user\.update$/);
    const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length - 1, rows.length, 'the download holds the rows shown');
    assert.ok(lines.slice(1).every((l) => l.includes(',Changed a user,user.update,')));
    await screenshot(page, 'admin-audit-filtered', { fullPage: false });
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#audit-body tr').length > 5);
  });

  test('the e-mail panel says e-mail is off when the server has no SMTP', async () => {
    await page.waitForFunction(() => /E-mail is off/.test(document.querySelector('#mail-summary')?.textContent || ''));
    assert.match(await page.locator('#mail-body').textContent(), /No e-mail yet/);
  });

  test('the admin page passes axe and is saved as a screenshot', async () => {
    await assertAxeClean(page, 'users page');
    await screenshot(page, 'admin');
  });

  test('a taken username shows beside the username', async () => {
    await form().getByLabel('Username').fill(CASEY.username);
    await form().getByLabel('Full name').fill('Someone Else');
    await form().getByLabel('Role').selectOption('analyst');
    await form().getByRole('button', { name: 'Add user' }).click();
    await page.waitForFunction(() => document.querySelector('#add-username-error')?.textContent.trim() !== '');
    assert.match(await page.locator('#add-username-error').textContent(), /taken/i);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'add-username');
    assert.equal(await row(CASEY.username).count(), 1, 'the old user is untouched');
  });

  test('a reload stays on the users page', async () => {
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.view === 'users');
    await page.waitForFunction(() => document.querySelectorAll('#users-body tr[data-id]').length === 4);
  });

  test('logging out clears the users from the page', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'login');
    assert.equal(await page.locator('#users-body tr').count(), 0);
    assert.equal(await page.locator('#audit-body tr').count(), 0);
    assert.equal(await page.locator('#mail-body tr').count(), 0);
    assert.equal(await view(), 'login');
  });

  test('at 390 px wide the users page fits and passes axe', async () => {
    await withPage(await openAppAs(browser, server, ADMIN, { hash: '#users', size: PHONE, view: 'users' }), async (phone) => {
      await phone.waitForFunction(() => document.querySelectorAll('#users-body tr[data-id]').length === 4);
      await phone.waitForFunction(() => document.querySelectorAll('#audit-body tr').length > 1);
      await checkPhonePage(phone, 'users page', 'admin-390');
      await screenshot(phone, 'admin-390-top', { fullPage: false });
      await screenshotFrom(phone, 'add-heading', 'admin-390-add');
      await phone.evaluate(() => document.getElementById('audit-heading').scrollIntoView({ block: 'start' }));
      await screenshot(phone, 'admin-390-audit', { fullPage: false });
      await phone.assertNoProblems();
    });
  });

  test('a session ended elsewhere brings the login page back, with a word why', async () => {
    await logIn(page, ADMIN.username, ADMIN.password);
    await page.waitForFunction(() => document.body.dataset.view === 'users');
    await page.waitForFunction(() => document.querySelectorAll('#users-body tr[data-id]').length === 4);
    // End this browser's session from outside, as an expiry would.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'hartline_session');
    assert.ok(cookie, 'the session cookie is set');
    const res = await fetch(`${server.url}/api/v1/session`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${cookie.value}` },
    });
    assert.equal(res.status, 204);
    page.expectHttp(401, 'GET', '/api/v1/audit');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'login');
    assert.match(await page.locator('#login-message').textContent(), /session has ended/i);
    assert.equal(await page.locator('#users-body tr').count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-password', 'the username is kept; the password is next');
  });

  test('no console error, page error, failed request or CSP violation', async () => {
    await page.assertNoProblems();
  });
});
