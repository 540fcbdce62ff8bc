// The agency's clock in Chromium, whatever the computer's: a browser set to
// Tokyo time shows a report's time as the agency's clocks showed it (the
// pack's time_zone, New York's), and a time typed into a form that the
// agency's clocks skipped (02:30 on the morning they go forward) is refused
// beside its field with words that say what happened and what to give.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { demoServer, login, readJson } from '../lib/auth.mjs';
import { ENGINE } from '../lib/server.mjs';
import { assertAxeClean, closeAll, launchBrowser, logIn, openApp, screenshot } from './browser.mjs';

let server;
let browser;
let page;
let demo;
let reportId;

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const waitView = (p, v) => p.waitForFunction((v) => document.body.dataset.view === v, v);

before(async () => {
  ({ demo, server } = await demoServer());
  const careline = await login(server.url, demo.byRole.careline.username, demo.byRole.careline.password);
  // 23:30 on October 31, 2026 in New York (daylight time): November 1 in
  // UTC, and the middle of the day in Tokyo.
  const body = {
    received_at: '2026-11-01T03:30:00Z',
    channel: 'phone',
    reporter: { source: 'school', name: 'A school counselor' },
    children: [{ given_name: 'Robin', family_name: 'Zonebrowsertest', estimated_age: 14, town: 'Bridgeport' }],
    narrative: 'A synthetic report for the browser test.',
    concerns: ['runaway_awol'],
  };
  reportId = (await readJson(await careline.fetch('/api/v1/intakes', { method: 'POST', body }), 201, 'record a report')).id;
  browser = await launchBrowser();
  page = await openApp(browser, server);
  // The computer's clock is Tokyo's; the agency's is New York's.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Tokyo' });
  assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'Asia/Tokyo');
});

after(() => closeAll(browser, server));

describe(`the agency's clock in a browser elsewhere, in Chromium (${ENGINE})`, { timeout: 300_000 }, () => {
  test('a report\'s time is shown on the agency\'s clock, not the computer\'s', async () => {
    const u = demo.byRole.careline;
    await logIn(page, u.username, u.password);
    await waitView(page, 'home');
    await page.evaluate((id) => (location.hash = `#intake/${id}`), reportId);
    await waitView(page, 'report');
    const received = page.locator('xpath=//dt[normalize-space()="Received"]/following-sibling::dd[1]');
    await received.waitFor();
    const shown = await text(received);
    assert.match(shown, /^Oct 31, 2026, 11:30[\s\u202f]PM/, `the agency's day and time: ${shown}`);
    assert.match(shown, /Eastern Daylight Time/, shown);
    await screenshot(page, 'timezone-report-tokyo');
  });

  test('02:30 on the morning the clocks go forward is refused, with what to give instead', async () => {
    await page.evaluate(() => (location.hash = '#intake/new'));
    await waitView(page, 'intake');
    const input = page.locator('#ni-received_at');
    await input.fill('2026-03-08T02:30');
    await input.blur();
    const error = page.locator('#ni-received_at-error');
    await page.waitForFunction(() => document.getElementById('ni-received_at-error').textContent !== '');
    assert.equal(await text(error),
      'On Mar 8, 2026 the clocks went forward from 2:00 AM to 3:00 AM, so 2:30 AM never happened. Give a time before 2:00 AM or from 3:00 AM on.'
        .replace(/\s+/g, ' '));
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await assertAxeClean(page, 'the new report form with a skipped time');
    await screenshot(page, 'timezone-skipped-time');
    // A time that happened clears it.
    await input.fill('2026-03-08T03:30');
    await input.blur();
    await page.waitForFunction(() => document.getElementById('ni-received_at-error').textContent === '');
    assert.equal(await input.getAttribute('aria-invalid'), null);
    // 01:30 on the morning they go back happened twice: the first is taken.
    const first = await page.evaluate(async () => (await import('/common.js')).fromLocalInput('2026-11-01T01:30'));
    assert.equal(first, '2026-11-01T05:30:00Z', 'the earlier 01:30, daylight time');
  });
});
