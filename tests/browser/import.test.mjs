// Importing past years in Chromium: the administrator picks a CSV file with
// bad lines, checks it and sees every problem by line and column with
// nothing imported; then picks a good file, checks it (nothing written),
// imports it, and HART's figures count it. Roles without the permission have
// no Import page. The page passes axe and is saved as a screenshot.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { assertAxeClean, closeAll, launchBrowser, openAppAs, screenshot } from './browser.mjs';

let server;
let browser;
let demo;

const IMPORT = '/api/v1/imports/referrals';
const HEADER = 'referral_date,source,town,age,sex,vulnerabilities,child_id';
const GOOD = [HEADER,
  '2012-03-04,law_enforcement,Hartford,15,F,runaway_awol;neglect,k-1',
  '2012-07-19,school,Bridgeport,14,F,prior_sexual_abuse,k-2',
  '2013-01-02,dcf_social_worker,New Haven,16,M,runaway_awol,k-1',
  '2013-11-30,court,Waterbury,17,F,,k-3',
].join('\n') + '\n';
const BAD = [HEADER,
  '2012-03-04,law_enforcement,Hartford,15,F,runaway_awol,k-1',
  '2012-13-01,school,Bridgeport,14,F,,k-2',
  '2013-01-02,a_bad_source,New Haven,16,M,,k-3',
  '2013-02-02,court,Waterbury,forty,F,,k-4',
].join('\n') + '\n';

const nav = (p) => p.getByRole('navigation', { name: 'Main' });

async function userPage(role) {
  return openAppAs(browser, server, demo.byRole[role]);
}

async function referrals2012(session) {
  const f = await session.get('/api/v1/stats/referrals?by=year&from=2012-01-01&to=2013-12-31');
  return Object.fromEntries(f.rows.map((r) => [r.key, r.cells[0].value]));
}

before(async () => {
  ({ demo, server } = await demoServer());
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`importing past years in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('a file with bad lines: every problem by line and column, nothing imported; a good one: checked, then imported and counted', async () => {
    const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
    const before = await referrals2012(hart);
    assert.deepEqual(before, { 2012: 0, 2013: 0 });

    const p = await userPage('admin');
    p.expectHttp(422, 'POST', IMPORT);
    await nav(p).getByRole('link', { name: 'Import', exact: true }).click();
    await p.waitForFunction(() => document.body.dataset.view === 'import');
    assert.ok(await p.locator('#import-check').isDisabled(), 'nothing to check before a file is picked');

    await p.locator('#import-file').setInputFiles({ name: 'history-bad.csv', mimeType: 'text/csv', buffer: Buffer.from(BAD) });
    await p.locator('#import-check').click();
    await p.locator('#import-problems').waitFor();
    const rows = await p.locator('#import-problems tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const where = rows.map(([line, column]) => `${line}:${column}`);
    assert.deepEqual(where, ['3:referral_date', '4:source', '5:age'], JSON.stringify(rows));
    assert.match(await p.locator('#import-result [role="alert"]').textContent(), /3 problems in history-bad\.csv: nothing was imported/);
    // The Import button sends the same file and is refused the same way.
    await p.locator('#import-go').click();
    await p.waitForFunction(() => !document.querySelector('#import-form').hasAttribute('aria-busy'));
    assert.deepEqual(await referrals2012(hart), before, 'nothing of the bad file counts');
    await assertAxeClean(p, 'the import page with problems');

    await p.locator('#import-file').setInputFiles({ name: 'history.csv', mimeType: 'text/csv', buffer: Buffer.from(GOOD) });
    await p.locator('#import-check').click();
    await p.getByText('all 4 lines are good').waitFor();
    assert.deepEqual(await referrals2012(hart), before, 'a check writes nothing');
    await p.locator('#import-go').click();
    await p.getByText(/4 referrals imported as batch \d+/).waitFor();
    await screenshot(p, 'import-done');
    // The administrator reads no figures: no link to them.
    assert.equal(await p.getByRole('link', { name: 'See the figures' }).count(), 0);
    const afterImport = await referrals2012(hart);
    assert.deepEqual(afterImport, { 2012: before[2012] + 2, 2013: before[2013] + 2 });
    await p.assertNoProblems();
    await p.context().close();
  });

  test('the careline, an MDT member and an analyst have no Import page', async () => {
    for (const role of ['careline', 'mdt', 'analyst']) {
      const p = await userPage(role);
      assert.equal(await nav(p).getByRole('link', { name: 'Import', exact: true }).count(), 0, `${role} has no Import link`);
      await p.goto(`${server.url}/#import`);
      await p.waitForFunction(() => document.body.dataset.view === 'home');
      await p.assertNoProblems();
      await p.context().close();
    }
  });
});
