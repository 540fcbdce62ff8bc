// Finding things in Chromium: 500 cases (opened through the API), the cases
// list sorted by a column header (by mouse and by keyboard, aria-sort on
// the header), paged with Next and Previous, its state in the address so a
// reload shows the same page; the search box finds Katherine Smith's case
// and report by "Katie Smyth". The pages pass axe, fit 390 px, and are
// saved as screenshots.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { PHONE, assertAxeClean, assertNoOverflow, closeAll, launchBrowser, openAppAs, screenshot, withPage } from './browser.mjs';
import { region, town } from '../lib/pack.mjs';

const REGION_A = region(0);
const REGION_B = region(1);
const TOWN_A = town(0, 0, 0);

let server;
let browser;
let demo;
let katherine; // her person id
let katherineCase;
let reportNumber; // a report of "Katie Smyth" linked to her
let total; // the cases there are (500 and a few, hers included)

const rowsOf = (page, body) => page.evaluate((b) => [...document.querySelectorAll(`#${b} tr[data-id]`)].map((tr) => ({
  id: Number(tr.dataset.id), number: tr.querySelector('th').innerText.trim().split(/\s/)[0], text: tr.innerText,
})), body);

/** Waits until the table shows the answer to a query with every one of the parameters given ({ sort: 'number' }). */
async function waitLoaded(page, table, want = {}, prev = null) {
  await page.waitForFunction(([t, w, old]) => {
    const el = document.getElementById(t);
    if (el.hasAttribute('aria-busy') || el.dataset.query === undefined || el.dataset.query === old) return false;
    const q = new URLSearchParams(el.dataset.query);
    return Object.entries(w).every(([k, v]) => (v === null ? !q.has(k) : q.get(k) === v));
  }, [table, want, prev]);
}

/** The query the table shows the answer to. */
const shown = (page, table) => page.locator(`#${table}`).getAttribute('data-query');

/** Does act(), then waits for the table to show the answer to another query, with want's parameters. */
async function andWait(page, table, act, want = {}) {
  const prev = await shown(page, table);
  await act();
  await waitLoaded(page, table, want, prev);
}

before(async () => {
  ({ demo, server } = await demoServer());
  const hart = await login(server.url, demo.byRole.hart.username, demo.byRole.hart.password);
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  const match = await readJson(await careline.fetch('/api/v1/persons/match', {
    method: 'POST', body: { given_name: 'Katherine', family_name: 'Smith', dob: '2011-03-04' },
  }), 200, 'find Katherine Smith');
  katherine = match.candidates[0].person_id;
  katherineCase = await readJson(await hart.fetch('/api/v1/cases', { method: 'POST', body: { person_id: katherine, region: REGION_A } }), 201, 'her case');
  // 500 more cases, a few at a time, each of a demo child without one.
  let person = 1;
  let made = 0;
  while (made < 500) {
    const batch = [];
    for (let k = 0; k < 8; k++, person++) {
      if (person === katherine) continue;
      batch.push(hart.fetch('/api/v1/cases', { method: 'POST', body: { person_id: person, region: person % 3 ? REGION_A : REGION_B } }));
    }
    for (const res of await Promise.all(batch)) {
      if (res.status === 201) made++;
      await res.body?.cancel();
    }
  }
  total = made + 1;
  // A report of "Katie Smyth", linked by the Careline to Katherine Smith.
  const report = {
    received_at: new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    channel: 'phone', reporter: { source: 'school', name: 'A school counselor' },
    children: [{ given_name: 'Katie', family_name: 'Smyth', estimated_age: 15, town: TOWN_A }],
    narrative: 'A synthetic report.', concerns: ['runaway_awol'],
  };
  const { id, number } = await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body: report }), 201, 'a report');
  await readJson(await careline.fetch(`/api/v1/intakes/${id}/children/0/link`, { method: 'POST', body: { person_id: katherine } }), 200, 'link');
  reportNumber = number;
  browser = await launchBrowser();
});

after(() => closeAll(browser, server));

describe(`finding cases and reports in the browser (${ENGINE})`, { timeout: 300_000 }, () => {
  test('500 cases: sorted by number from its header, ten pages of 50 with Next, Previous back, the page kept in the address on reload', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart), async (page) => {
      await page.evaluate(() => (location.hash = '#cases?status=all'));
      await waitLoaded(page, 'cases-table', { status: 'all' });
      let rows = await rowsOf(page, 'cases-body');
      assert.equal(rows.length, 50, 'a page of 50');
      assert.equal(await page.locator('#cases-table th[data-sort="opened_at"]').getAttribute('aria-sort'), 'descending', 'newest first');
      await assertAxeClean(page, 'the cases list');
      await screenshot(page, 'lists-cases-first');

      // Sort by case number with the keyboard: Tab to the header's button, Enter.
      await page.locator('#cases-table th[data-sort="number"] button').focus();
      await andWait(page, 'cases-table', () => page.keyboard.press('Enter'), { sort: 'number' });
      assert.equal(await page.locator('#cases-table th[data-sort="number"]').getAttribute('aria-sort'), 'ascending');
      assert.equal(await page.locator('#cases-table th[data-sort="opened_at"]').getAttribute('aria-sort'), null);
      assert.match(page.url(), /sort=number/);

      const seen = [];
      const firstPages = [];
      for (let p = 1; ; p++) {
        rows = await rowsOf(page, 'cases-body');
        firstPages.push(rows[0].id);
        seen.push(...rows.map((r) => r.number));
        assert.match(await page.locator('#cases-page').innerText(), new RegExp(`Page ${p}`));
        if (!(await page.locator('#cases-next').isVisible())) break;
        if (p === 3) {
          // The address holds the page: a reload shows the same rows.
          const url = page.url();
          await page.reload();
          await page.waitForFunction(() => document.body.dataset.view === 'cases');
          await waitLoaded(page, 'cases-table', { sort: 'number' });
          assert.equal(page.url(), url);
          assert.deepEqual((await rowsOf(page, 'cases-body')).map((r) => r.id), rows.map((r) => r.id), 'the same page after a reload');
          assert.equal(await page.locator('#cases-table th[data-sort="number"]').getAttribute('aria-sort'), 'ascending');
        }
        await andWait(page, 'cases-table', () => page.locator('#cases-next').click());
      }
      assert.ok(total > 500);
      assert.equal(seen.length, total, 'every case once');
      assert.equal(new Set(seen).size, total, 'no case twice');
      assert.deepEqual(seen, [...seen].sort(), 'in number order across pages');
      assert.equal(firstPages.length, Math.ceil(total / 50));

      // Previous goes back a page; by mouse, the header reverses the order.
      rows = await rowsOf(page, 'cases-body');
      await andWait(page, 'cases-table', () => page.locator('#cases-prev').click());
      assert.equal((await rowsOf(page, 'cases-body'))[0].id, firstPages[firstPages.length - 2]);
      rows = await rowsOf(page, 'cases-body');
      await andWait(page, 'cases-table', () => page.locator('#cases-table th[data-sort="number"] button').click(), { sort: '-number', after: null });
      assert.equal(await page.locator('#cases-table th[data-sort="number"]').getAttribute('aria-sort'), 'descending');
      const desc = (await rowsOf(page, 'cases-body')).map((r) => r.number);
      assert.equal(desc[0], seen[seen.length - 1], 'the last number first, from the first page');
      assert.ok(await page.locator('#cases-prev').isHidden(), 'a new order starts at the first page');
      await screenshot(page, 'lists-cases-by-number');
    });
  });

  test('"Katie Smyth" in the search box finds Katherine Smith\'s case, and a shared address shows the same search', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.hart), async (page) => {
      await page.evaluate(() => (location.hash = '#cases?status=all'));
      await waitLoaded(page, 'cases-table', { status: 'all' });
      await page.getByLabel("Case number or child's name").fill('Katie Smyth');
      await andWait(page, 'cases-table', () => page.getByLabel("Case number or child's name").press('Enter'), { q: 'Katie Smyth' });
      const found = await rowsOf(page, 'cases-body');
      assert.ok(found.some((r) => r.id === katherineCase.id), `found: ${found.map((r) => r.text).join(' | ')}`);
      assert.ok(found.find((r) => r.id === katherineCase.id).text.includes('Katherine'), 'the row names her as recorded');
      assert.ok(found.length < 10);
      const url = page.url();
      assert.match(url, /q=Katie(\+|%20)Smyth/);
      await assertAxeClean(page, 'the cases list searched');
      await screenshot(page, 'lists-cases-search');
      await withPage(await openAppAs(browser, server, demo.byRole.hart, { size: PHONE }), async (phone) => {
        await phone.evaluate((h) => (location.hash = h), new URL(url).hash);
        await waitLoaded(phone, 'cases-table', { q: 'Katie Smyth' });
        assert.deepEqual((await rowsOf(phone, 'cases-body')).map((r) => r.id), found.map((r) => r.id), 'the shared address, the same rows');
        assert.equal(await phone.getByLabel("Case number or child's name").inputValue(), 'Katie Smyth');
        // On a phone the headers are not shown: the Order field sorts.
        await andWait(phone, 'cases-table', () => phone.locator('#cases-sort').selectOption('-number'), { sort: '-number', q: 'Katie Smyth' });
        const desc = (await rowsOf(phone, 'cases-body')).map((r) => r.number);
        assert.deepEqual(desc, [...desc].sort().reverse(), 'last number first');
        assert.match(phone.url(), /sort=-number/);
        await assertNoOverflow(phone, 'the cases list at 390 px');
        await assertAxeClean(phone, 'the cases list at 390 px');
        await screenshot(phone, 'lists-cases-search-phone');
      });
    });
  });

  test('the Careline finds the report of Katherine Smith by "Katie Smyth" in the queue, and sorts it newest first', async () => {
    await withPage(await openAppAs(browser, server, demo.byRole.careline), async (page) => {
      await page.evaluate(() => (location.hash = '#queue?status=all'));
      await waitLoaded(page, 'queue-table', { status: 'all' });
      await andWait(page, 'queue-table', () => page.locator('#queue-table th[data-sort="received_at"] button').click(), { sort: '-received_at' });
      assert.equal(await page.locator('#queue-table th[data-sort="received_at"]').getAttribute('aria-sort'), 'descending');
      assert.match(await page.locator('#queue-hint').innerText(), /newest first/);
      await page.getByLabel("Report number or child's name").fill('Katie Smyth');
      await andWait(page, 'queue-table', () => page.getByRole('button', { name: 'Search' }).click(), { q: 'Katie Smyth' });
      const found = await rowsOf(page, 'queue-body');
      assert.deepEqual(found.map((r) => r.number), [reportNumber]);
      await assertAxeClean(page, 'the queue searched');
      await screenshot(page, 'lists-queue-search');
    });
  });
});
