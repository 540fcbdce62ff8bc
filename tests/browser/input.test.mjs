// The reporter's telephone and e-mail in Chromium: typed wrong, the server's
// message shows beside each field, naming it and saying what to enter, with
// the fields marked and the focus on the first; typed right, the report is
// saved. And a save whose answer is lost, then the form changed and saved
// again: the server refuses the changed form under the first key, the page
// says to look for the first report, and a further press records a new one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { assertAxeClean, closeAll, launchBrowser, logIn, openApp, screenshot } from './browser.mjs';

const INTAKES = '/api/v1/intakes';

let server;
let browser;
let page;
let demo;

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const saved = () => page.waitForResponse((r) => new URL(r.url()).pathname === INTAKES && r.request().method() === 'POST');

before(async () => {
  ({ demo, server } = await demoServer());
  browser = await launchBrowser();
  page = await openApp(browser, server, {
    expect: [
      [422, 'POST', INTAKES], // the telephone and e-mail typed wrong, on purpose
    ],
  });
});

after(() => closeAll(browser, server));

describe(`the reporter's telephone and e-mail in Chromium (${ENGINE})`, { timeout: 180_000 }, () => {
  test('typed wrong, the server says beside each field what to enter', async () => {
    const u = demo.byRole.careline;
    await logIn(page, u.username, u.password);
    await page.waitForFunction(() => document.body.dataset.view === 'home');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New report' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'intake');
    await page.locator('#ni-source').selectOption('school');
    await page.locator('#ni-rep-name').fill('A school counselor');
    await page.locator('#ni-rep-phone').fill('abc');
    await page.locator('#ni-rep-email').fill('not-an-email');
    await page.locator('#ni-children [data-name="given_name"]').first().fill('Maya');
    const answered = saved();
    await page.getByRole('button', { name: 'Save report' }).click();
    const res = await answered;
    assert.equal(res.status(), 422);
    await page.waitForFunction(() => document.getElementById('ni-rep-email-error')?.textContent.trim() !== '');
    assert.match(await text(page.locator('#ni-rep-phone-error')), /^Reporter's telephone is not a telephone number: enter its digits/);
    assert.match(await text(page.locator('#ni-rep-email-error')), /^Reporter's e-mail is not an e-mail address: enter the whole address/);
    for (const id of ['ni-rep-phone', 'ni-rep-email']) {
      assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), 'true', id);
    }
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'ni-rep-phone', 'the focus on the first field to fix');
    assert.match(await text(page.locator('#intake-error')), /The report was not saved\. 2 fields need attention/);
    await assertAxeClean(page, 'the reporter with a wrong telephone and e-mail');
    await page.locator('#ni-rep-phone').scrollIntoViewIfNeeded();
    await screenshot(page, 'intake-reporter-contact-errors', { fullPage: false });
  });

  test('typed right, the report is saved', async () => {
    await page.locator('#ni-rep-phone').fill('(860) 555-0100 x12');
    await page.locator('#ni-rep-email').fill('counselor@school.example.org');
    const answered = saved();
    await page.getByRole('button', { name: 'Save report' }).click();
    const res = await answered;
    assert.equal(res.status(), 201);
    const { id } = await res.json();
    await page.waitForFunction(() => document.body.dataset.view !== 'intake');
    const r = await page.evaluate(async (url) => (await fetch(url)).json(), `${INTAKES}/${id}`);
    assert.equal(r.reporter.phone, '(860) 555-0100 x12');
    assert.equal(r.reporter.email, 'counselor@school.example.org');
  });

  test('a save whose answer was lost, then changed: the page says so, and another press records a new report', async () => {
    const all = () => page.evaluate(async (url) => (await (await fetch(url)).json()).items.map((i) => i.id), `${INTAKES}?status=all&limit=500`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New report' }).click();
    await page.waitForFunction(() => document.body.dataset.view === 'intake');
    await page.locator('#ni-source').selectOption('school');
    await page.locator('#ni-children [data-name="given_name"]').first().fill('Lena');
    await page.locator('#ni-narrative').fill('First words.');
    const before = await all();
    // The save reaches the server, but its answer is lost on the way back.
    let reached = 0;
    await page.route(`${server.url}${INTAKES}`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      reached = (await route.fetch()).status();
      return route.abort('failed');
    }, { times: 1 });
    await page.getByRole('button', { name: 'Save report' }).click();
    await page.waitForFunction(() => /cannot be reached/.test(document.getElementById('intake-error')?.textContent || ''));
    assert.equal(reached, 201, 'the first save was recorded');
    const first = await all();
    assert.equal(first.length, before.length + 1);

    await page.locator('#ni-narrative').fill('Other words.');
    let answered = saved();
    await page.getByRole('button', { name: 'Save report' }).click();
    assert.equal((await answered).status(), 422);
    await page.waitForFunction(() => /saved once before/.test(document.getElementById('intake-error')?.textContent || ''));
    assert.match(await text(page.locator('#intake-error')), /Look for that report in the queue first\. To record what the form holds now as another report, press Save report again\./);
    assert.deepEqual(await all(), first, 'nothing stored');
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'intake', 'the form stays, nothing typed lost');
    assert.equal(await page.locator('#ni-narrative').inputValue(), 'Other words.');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'intake-heading', 'the focus where the message is');
    await assertAxeClean(page, 'the form after a refused second save');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'intake-saved-before', { fullPage: false });

    answered = saved();
    await page.getByRole('button', { name: 'Save report' }).click();
    const res = await answered;
    assert.equal(res.status(), 201, 'a new key: a new report');
    const { id } = await res.json();
    assert.equal((await all()).length, first.length + 1);
    const r = await page.evaluate(async (url) => (await fetch(url)).json(), `${INTAKES}/${id}`);
    assert.equal(r.narrative, 'Other words.');
    const problems = (await page.problems()).filter((p) => !/POST .*\/api\/v1\/intakes: net::ERR_FAILED|net::ERR_FAILED/.test(p));
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
