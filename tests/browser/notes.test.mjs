// The notifications page in Chromium: "Mark all read" marks every unread
// notification at once, and the bell's count goes (docs/cases.md).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { assertAxeClean, closeAll, launchBrowser, openAppAs, screenshot, withPage } from './browser.mjs';

let server;
let browser;
let demo;

before(async () => {
  ({ demo, server } = await demoServer());
  const admin = await login(server.url, demo.byRole.admin.username, demo.byRole.admin.password);
  // Two accounts given case access: HART is told of each.
  for (const i of [1, 2]) {
    await readJson(await admin.fetch('/api/v1/users', { method: 'POST', body: { username: `notes-b${i}`, display_name: `Notes B${i}`, role: 'careline' } }), 201, 'user');
  }
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`notifications in Chromium (${ENGINE})`, { timeout: 120_000 }, () => {
  test('Mark all read marks every unread notification and the bell shows none new', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart), async (p) => {
      await p.locator('#bell').click();
      await p.waitForFunction(() => document.body.dataset.view === 'notes');
      await p.waitForFunction(() => document.querySelectorAll('#notes-list li.is-new').length >= 2);
      const unread = await p.locator('#notes-list li.is-new').count();
      const button = p.getByRole('button', { name: 'Mark all read' });
      assert.ok(await button.isVisible());
      await assertAxeClean(p, 'notifications with Mark all read');
      await screenshot(p, 'notes-mark-all', { fullPage: false });
      await button.click();
      await p.waitForFunction(() => /marked read/.test(document.querySelector('#notes-status')?.textContent || ''));
      assert.equal(await p.locator('#notes-status').textContent(), `${unread} notifications marked read.`);
      assert.equal(await p.locator('#notes-list li.is-new').count(), 0);
      assert.ok(await p.locator('#bell-count').isHidden(), 'the bell shows none new');
      assert.ok(await button.isHidden(), 'nothing left to mark');
      await p.reload({ waitUntil: 'load' });
      await p.waitForFunction(() => document.body.dataset.view === 'notes' && document.querySelectorAll('#notes-list li').length > 0);
      assert.equal(await p.locator('#notes-list li.is-new').count(), 0, 'kept on the server');
      await p.assertNoProblems();
    });
  });
});
