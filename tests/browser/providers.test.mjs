// The provider directory in Chromium: HART adds a provider with the form
// (a field error first), finds it by service and region (the search kept
// in the address), changes its openings, downloads the directory (no
// staff in it); the provider's own user sees the agency on Home; the
// pages pass axe and fit a 390 px phone.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { ENGINE } from '../lib/server.mjs';
import {
  PHONE, addUser, assertAxeClean, checkPhonePage, closeAll, launchBrowser, logIn, openApp, openAppAs, screenshot, serverWith, viewOf, withPage,
} from './browser.mjs';
import { region } from '../lib/pack.mjs';

const REGION_B = region(1);
const REGION_C = region(2);

const HART = { username: 'hart.rivera', role: 'hart', displayName: 'Dana Rivera', password: 'cobalt-meadow-lantern-4410' };
const CASEY = { username: 'casey.d', role: 'careline', displayName: 'Casey Dunn', password: 'thistle-harbor-copper-2287' };
const STAFF = { username: 'sol.staff', role: 'provider', displayName: 'Sol Staff', password: 'juniper-quarry-velvet-6604', provider: 'lighthouse_youth' };

let server;
let browser;
let page;

before(async () => {
  server = await serverWith(HART, CASEY);
  browser = await launchBrowser();
  page = await openApp(browser, server, { expect: [[422, 'POST', '/api/v1/providers']] });
  await logIn(page, HART.username, HART.password);
  await page.waitForFunction(() => document.body.dataset.view === 'home');
});

after(() => closeAll(browser, server));

const nav = () => page.getByRole('navigation', { name: 'Main' });
const checkbox = (legend, name) => page.locator('fieldset', { has: page.locator('legend', { hasText: legend }) }).getByLabel(name, { exact: true });

describe(`provider directory in Chromium (${ENGINE})`, { timeout: 240_000 }, () => {
  test('HART adds a provider: a missing service is shown beside its field, then the provider\'s page', async () => {
    await nav().getByRole('link', { name: 'Providers' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'providers');
    await page.getByRole('link', { name: 'Add a provider' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'provideredit' && document.getElementById('provider-form'));
    await page.getByLabel('Name (needed)').fill('Lighthouse Youth Services (synthetic)');
    await page.getByLabel('Code (needed)').fill('lighthouse_youth');
    await checkbox('Regions served', 'Region 2 (South Central)').check();
    await page.getByRole('button', { name: 'Add the provider' }).click();
    await page.waitForFunction(() => document.getElementById('pe-services-error').textContent !== '');
    assert.match(await page.locator('#pe-services-error').textContent(), /Services: choose at least one/);
    assert.match(await page.locator('#provideredit-error').textContent(), /Nothing was saved/);
    await assertAxeClean(page, 'the provider form with an error');

    await checkbox('Services offered', 'Mentoring').check();
    await checkbox('Services offered', 'Survivor care (rapid response)').check();
    await checkbox('Populations served', 'Girls').check();
    await page.getByLabel('Languages').fill('English, Spanish');
    await page.getByLabel('Youngest age').fill('12');
    await page.getByLabel('Oldest age').fill('18');
    await page.getByLabel('Capacity').fill('6');
    await page.getByLabel('Openings now').fill('1');
    await page.getByLabel('Telephone', { exact: false }).first().fill('203-555-0170');
    await page.getByLabel('Trafficking-informed').selectOption('informed');
    await page.getByLabel('Training basis').fill('Day 1 and Day 2, 3 staff');
    await page.getByLabel('Informed until').fill('2027-03-12');
    await page.getByRole('button', { name: 'Add a staff member' }).click();
    await page.locator('#ps-name-0').fill('Robin Staffperson');
    await page.locator('#ps-role-0').fill('Program director');
    await page.locator('#ps-email-0').fill('robin.staff@example.org');
    await screenshot(page, 'providers-form');
    await page.getByRole('button', { name: 'Add the provider' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'provider' && /Lighthouse/.test(document.getElementById('provider-heading')?.textContent || ''));
    const text = await page.locator('#provider-view').textContent();
    assert.match(text, /Trafficking-informed until Mar 12, 2027 \(Day 1 and Day 2, 3 staff\)/);
    assert.match(text, /Mentoring/);
    assert.match(text, /Robin Staffperson/, 'HART sees the staff');
    assert.match(text, /1 opening/);
    await assertAxeClean(page, 'a provider\'s page');
    await screenshot(page, 'providers-page');
  });

  test('the directory finds it by service and region, and keeps the search in the address', async () => {
    await nav().getByRole('link', { name: 'Providers' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'providers' && !document.getElementById('pv-list')?.hasAttribute('aria-busy'));
    await page.locator('#pv-service').selectOption('survivor_care_rapid');
    await page.waitForFunction(() => location.hash.includes('service=survivor_care_rapid') && !document.getElementById('pv-list')?.hasAttribute('aria-busy'));
    await page.locator('#pv-region').selectOption(REGION_B);
    await page.waitForFunction(() => location.hash.includes('region=R2') && !document.getElementById('pv-list')?.hasAttribute('aria-busy'));
    const cards = page.locator('#pv-list .provider-card');
    assert.equal(await cards.count(), 1);
    assert.match(await cards.first().textContent(), /Lighthouse Youth Services/);
    await page.locator('#pv-region').selectOption(REGION_C);
    await page.waitForFunction(() => location.hash.includes('region=R3') && /No provider/.test(document.getElementById('pv-list').textContent));
    // The address brings the search back.
    await page.goto(`${server.url}/#providers?service=survivor_care_rapid&region=R2`);
    await page.waitForFunction(() => document.body.dataset.view === 'providers' && document.querySelectorAll('#pv-list .provider-card').length === 1);
    assert.equal(await page.locator('#pv-region').inputValue(), REGION_B);
    await assertAxeClean(page, 'the directory');
    await screenshot(page, 'providers-directory');
  });

  test('HART changes the openings; the directory and the page say so', async () => {
    await page.locator('#pv-list .provider-card a').first().click();
    await page.waitForFunction(() => document.body.dataset.view === 'provider' && document.querySelector('#provider-view .panel-head a'));
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'provideredit' && document.getElementById('provider-form'));
    assert.equal(await page.locator('#ps-name-0').inputValue(), 'Robin Staffperson', 'the staff are in the form');
    await page.getByLabel('Openings now').fill('3');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'provider' && /3 openings/.test(document.getElementById('provider-view').textContent));
    await page.goto(`${server.url}/#providers?open=true&sort=openings`);
    await page.waitForFunction(() => document.body.dataset.view === 'providers' && /3 openings/.test(document.getElementById('pv-list').textContent));
  });

  test('the CSV download has the provider and no staff', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download directory (CSV)' }).click()]);
    assert.equal(download.suggestedFilename(), 'provider-directory.csv');
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.match(csv.split('\r\n')[0], /^code,name,/);
    assert.match(csv, /lighthouse_youth,Lighthouse Youth Services \(synthetic\)/);
    assert.ok(!/Robin|robin\.staff/.test(csv), 'no staff in the download');
    assert.deepEqual(await page.problems(), []);
  });

  test('the agency\'s own user sees it on Home, staff included; others see no staff', async () => {
    await addUser(server, STAFF);
    // A provider user lands on its referral queue; its agency is on Home.
    await withPage(await openAppAs(browser, server, STAFF, { view: 'referrals' }), async (p) => {
      await p.goto(`${server.url}/#home`);
      await p.waitForFunction(() => document.body.dataset.view === 'home');
      await p.waitForFunction(() => /Your agency: Lighthouse/.test(document.getElementById('home-agency')?.textContent || ''));
      const text = await p.locator('#home-agency').textContent();
      assert.match(text, /Robin Staffperson/);
      assert.ok(!/\bnull\b/.test(text), `no "null" on the page: ${text}`);
      assert.equal((await p.locator('#me-scope').textContent()).trim(), 'Lighthouse Youth Services (synthetic)');
      await assertAxeClean(p, 'a provider user\'s Home');
      await screenshot(p, 'providers-home-agency');
    });
    await withPage(await openAppAs(browser, server, CASEY, { size: PHONE }), async (p) => {
      await p.goto(`${server.url}/#providers`);
      await p.waitForFunction(() => document.body.dataset.view === 'providers' && document.querySelector('#pv-list .provider-card'));
      assert.equal(await p.getByRole('link', { name: 'Add a provider' }).count(), 0, 'careline does not keep the directory');
      await checkPhonePage(p, 'the directory', 'providers-directory-phone');
      await p.locator('#pv-list .provider-card a').first().click();
      await p.waitForFunction(() => document.body.dataset.view === 'provider' && document.querySelector('#provider-view .facts'));
      assert.ok(!/Robin/.test(await p.locator('#provider-view').textContent()), 'careline sees no staff');
      await checkPhonePage(p, 'a provider\'s page', 'providers-page-phone');
      assert.deepEqual(await p.problems(), []);
      assert.equal(await viewOf(p), 'provider');
    });
  });
});
